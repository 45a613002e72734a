// casesyncd-skewed: casesyncd for tests, with --clock_skew_ms to run as if
// this machine's clock were off (tests/clock_skew_test.cc). Never installed.
#include <cstdint>
#include <iostream>
#include <memory>

#include "client/agency/agency_daemon.h"
#include "client/agency/agency_flags.h"
#include "common/base/clock.h"
#include "common/daemon/run_daemon.h"
#include "common/program/command_line.h"
#include "spdlog/spdlog.h"

int main(int argc, char** argv) {
  casesync::AgencyFlags flags;
  int64_t clock_skew_ms = 0;
  CLI::App app;
  casesync::AddAgencyFlags(app, &flags);
  app.add_option("--clock_skew_ms", clock_skew_ms,
                 "run as if this machine's clock were this many milliseconds "
                 "ahead (negative: behind)")
      ->group("Testing");
  if (auto exit = casesync::ParseCommandLine(app, argc, argv)) return *exit;
  absl::StatusOr<casesync::AgencyDaemonOptions> options =
      casesync::AgencyOptionsFrom(flags);
  if (!options.ok()) {
    std::cerr << "casesyncd: " << options.status().message() << "\n";
    return casesync::kExitUsage;
  }
  casesync::SkewedClock skewed_clock(casesync::SystemClock(), clock_skew_ms);
  if (clock_skew_ms != 0) options->link.clock = &skewed_clock;
  return casesync::RunDaemonUntilSignal(
      "casesyncd", flags.log_format,
      [&]() -> absl::StatusOr<std::unique_ptr<casesync::RunningDaemon>> {
        if (clock_skew_ms != 0) {
          spdlog::warn("TESTING: clock skewed by {} ms (--clock_skew_ms)",
                       clock_skew_ms);
        }
        return casesync::AgencyDaemon::Start(*options);
      });
}
