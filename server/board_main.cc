// casesync-board: the safeguarding board's server of record.
#include <memory>

#include "common/daemon/run_daemon.h"
#include "server/board_flags.h"
#include "server/board_server.h"

int main(int argc, char** argv) {
  casesync::BoardServerOptions options;
  casesync::LogFormat log_format = casesync::LogFormat::kText;
  if (auto exit =
          casesync::ParseBoardCommandLine(argc, argv, &options, &log_format)) {
    return *exit;
  }
  return casesync::RunDaemonUntilSignal(
      "casesync-board", log_format,
      [&options]() -> absl::StatusOr<std::unique_ptr<casesync::RunningDaemon>> {
        return casesync::BoardServer::Start(options);
      });
}
