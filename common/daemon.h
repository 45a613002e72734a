// Plumbing both daemons share: the local API's Unix socket, termination
// signals, command-line parsing with the exit codes DESIGN.md section 7
// promises, and logging set-up.
//
// Thread-safety: call BlockTerminationSignals() before starting any thread;
// the rest from the main thread.
#ifndef CASESYNC_COMMON_DAEMON_H_
#define CASESYNC_COMMON_DAEMON_H_

#include <memory>
#include <optional>
#include <string>

#include "CLI/CLI.hpp"
#include "absl/status/statusor.h"
#include "grpcpp/impl/codegen/service_type.h"
#include "grpcpp/server.h"

namespace casesync {

// Exit codes of every casesync program.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;

// Largest gRPC message either side accepts (a chronology CSV, a feed frame
// carrying a whole review).
inline constexpr int kMaxGrpcMessageBytes = 64 << 20;

// Parses the command line into `app`. Returns nullopt to go on, or the exit
// code to leave with: 0 after --help, kExitUsage (with the reason on stderr)
// for anything CLI11 refuses (a bad configuration file among them), 0 after
// printing the configuration if --print_config was given (AddConfigFlags).
std::optional<int> ParseCommandLine(CLI::App& app, int argc, char** argv);

// Makes sure the daemon's data directory at `path` is private: creates it
// (mode 700) if missing. FAILED_PRECONDITION, naming the fix, if it exists
// and its group or others have any access (the store holds case records),
// or is not a directory; INTERNAL if it cannot be created.
absl::Status PrepareDataDir(const std::string& path);

// Serves `service` on the Unix socket at `path`, created readable and
// writable by the owner only. A stale socket file left by a daemon that died
// is replaced; FAILED_PRECONDITION if another daemon is serving on it or the
// path is something else; UNAVAILABLE if gRPC cannot listen there.
absl::StatusOr<std::unique_ptr<grpc::Server>> ServeLocalApi(
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

#endif  // CASESYNC_COMMON_DAEMON_H_
