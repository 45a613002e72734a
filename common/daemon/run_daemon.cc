#include "common/daemon/run_daemon.h"

#include <iostream>

#include "common/daemon/daemon.h"
#include "common/program/command_line.h"
#include "spdlog/spdlog.h"

namespace casesync {

int RunDaemonUntilSignal(const std::string& program, LogFormat log_format,
                         const DaemonStarter& start) {
  BlockTerminationSignals();
  InitLogging(program, log_format);
  absl::StatusOr<std::unique_ptr<RunningDaemon>> daemon = start();
  if (!daemon.ok()) {
    LogStartupFailure(program, log_format, daemon.status().message());
    return kExitFailure;
  }
  const std::string ready = (*daemon)->ReadyLine();
  std::cout << program << ": " << ready << std::endl;
  NotifyReady(ready);
  const int signal_number = AwaitTerminationSignal();
  NotifyStopping();
  spdlog::info("signal {}: shutting down", signal_number);
  (*daemon)->Shutdown(absl::Seconds(5));
  return kExitOk;
}

}  // namespace casesync
