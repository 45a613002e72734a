// Conversion between absl::Status and grpc::Status, in one place, for the
// service adapters and transports at the edge (docs/architecture.md,
// "Conventions"). The codes share numbering; messages pass unchanged.
//
// Thread-safety: pure functions.
#ifndef CASESYNC_COMMON_PROGRAM_GRPC_STATUS_H_
#define CASESYNC_COMMON_PROGRAM_GRPC_STATUS_H_

#include "absl/status/status.h"
#include "grpcpp/support/status.h"

namespace casesync {

grpc::Status ToGrpcStatus(const absl::Status& status);
[[nodiscard]] absl::Status FromGrpcStatus(const grpc::Status& status);

}  // namespace casesync

#endif  // CASESYNC_COMMON_PROGRAM_GRPC_STATUS_H_
