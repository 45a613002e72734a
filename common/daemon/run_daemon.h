// Running a daemon from its main() until it is told to stop: the sequence
// both casesync-board and casesyncd follow once their flags are read
// (docs/architecture.md, "Daemons"):
//
//   1. block SIGINT and SIGTERM before any thread starts;
//   2. set up logging in the chosen format;
//   3. start the daemon (its store, services and threads);
//   4. print its ready line on stdout and tell systemd it is ready;
//   5. wait for SIGINT or SIGTERM in this thread;
//   6. tell systemd it is stopping, and shut the daemon down in order
//      (servers first, with a grace period for calls in progress, then the
//      store).
//
// Thread-safety: call from main(), once.
#ifndef CASESYNC_COMMON_DAEMON_RUN_DAEMON_H_
#define CASESYNC_COMMON_DAEMON_RUN_DAEMON_H_

#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/daemon/logging.h"

namespace casesync {

// A started daemon, as RunDaemonUntilSignal drives it.
class RunningDaemon {
 public:
  virtual ~RunningDaemon() = default;
  // What the daemon serves, in one line, for the ready message
  // ("listening for agencies on 127.0.0.1:7443; local API on ...").
  virtual std::string ReadyLine() const = 0;
  // Stops serving (waiting up to `grace` for calls in progress), then
  // closes the store. Called once.
  virtual void Shutdown(absl::Duration grace) = 0;
};

// Starts a daemon: its store opened and its services serving, or the error
// that stopped it.
using DaemonStarter =
    std::function<absl::StatusOr<std::unique_ptr<RunningDaemon>>()>;

// Runs steps 1-6 above for `program` (its name in messages) and returns the
// exit code for main(): kExitOk after a signal, kExitFailure if `start`
// failed (the reason logged as LogStartupFailure does).
int RunDaemonUntilSignal(const std::string& program, LogFormat log_format,
                         const DaemonStarter& start);

}  // namespace casesync

#endif  // CASESYNC_COMMON_DAEMON_RUN_DAEMON_H_
