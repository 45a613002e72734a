// Who is calling the sync service: the agency id comes from the connection,
// never from a request field (docs/security.md).
//
// With TLS it is the subject common name of the client certificate the
// handshake verified. With --insecure there is no certificate, and the caller
// names itself in the `casesync-agency` call metadata: good enough for
// development on one machine, and the board says so loudly when it starts.
//
// Thread-safety: pure function of the call.
#ifndef CASESYNC_SERVER_CALLER_IDENTITY_H_
#define CASESYNC_SERVER_CALLER_IDENTITY_H_

#include <string>

#include "absl/status/statusor.h"
#include "grpcpp/server_context.h"

namespace casesync {

// The metadata key an insecure caller names itself with.
inline constexpr char kInsecureAgencyMetadata[] = "casesync-agency";

// The calling agency's id. UNAUTHENTICATED when the call carries no usable
// identity (no verified certificate, or in insecure mode no valid
// metadata).
[[nodiscard]] absl::StatusOr<std::string> CallerAgency(
    const grpc::ServerContext& context, bool insecure);

}  // namespace casesync

#endif  // CASESYNC_SERVER_CALLER_IDENTITY_H_
