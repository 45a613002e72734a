// Plumbing both daemons share: the data directory, the local API's Unix
// socket, systemd notification and termination signals.
//
// Thread-safety: call BlockTerminationSignals() before starting any thread;
// the rest from the main thread.
#ifndef CASESYNC_COMMON_DAEMON_DAEMON_H_
#define CASESYNC_COMMON_DAEMON_DAEMON_H_

#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "grpcpp/impl/codegen/service_type.h"
#include "grpcpp/server.h"

namespace casesync {

// Makes sure the daemon's data directory at `path` is private: creates it
// (mode 700) if missing. FAILED_PRECONDITION, naming the fix, if it exists
// and its group or others have any access (the store holds case records),
// or is not a directory; INTERNAL if it cannot be created.
[[nodiscard]] absl::Status PrepareDataDir(const std::string& path);

// Serves `service` on the Unix socket at `path`, created readable and
// writable by the owner only. A stale socket file left by a daemon that died
// is replaced; FAILED_PRECONDITION if another daemon is serving on it or the
// path is something else; UNAVAILABLE if gRPC cannot listen there.
[[nodiscard]] absl::StatusOr<std::unique_ptr<grpc::Server>> ServeLocalApi(
    const std::string& path, grpc::Service* service);

// Tells systemd (a Type=notify unit) that the daemon serves now, with a
// one-line `status` for `systemctl status`; at shutdown, that it is
// stopping. Nothing happens outside systemd ($NOTIFY_SOCKET unset).
void NotifyReady(const std::string& status);
void NotifyStopping();

// Blocks SIGINT and SIGTERM in the calling thread and every thread it
// starts afterwards, so that AwaitTerminationSignal() receives them.
void BlockTerminationSignals();
// Waits for SIGINT or SIGTERM; returns the signal number.
int AwaitTerminationSignal();

}  // namespace casesync

#endif  // CASESYNC_COMMON_DAEMON_DAEMON_H_
