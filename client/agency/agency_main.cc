// casesyncd: an agency's offline-first daemon.
#include <iostream>
#include <memory>

#include "client/agency/agency_daemon.h"
#include "client/agency/agency_flags.h"
#include "common/daemon/run_daemon.h"
#include "common/program/command_line.h"

int main(int argc, char** argv) {
  casesync::AgencyFlags flags;
  CLI::App app;
  casesync::AddAgencyFlags(app, &flags);
  if (auto exit = casesync::ParseCommandLine(app, argc, argv)) return *exit;
  absl::StatusOr<casesync::AgencyDaemonOptions> options =
      casesync::AgencyOptionsFrom(flags);
  if (!options.ok()) {
    std::cerr << "casesyncd: " << options.status().message() << "\n";
    return casesync::kExitUsage;
  }
  return casesync::RunDaemonUntilSignal(
      "casesyncd", flags.log_format,
      [&]() -> absl::StatusOr<std::unique_ptr<casesync::RunningDaemon>> {
        return casesync::AgencyDaemon::Start(*options);
      });
}
