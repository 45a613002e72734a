// casesyncd-skewed: casesyncd for tests, with --clock_skew_ms to run as if
// this machine's clock were off (tests/clock_skew_test.cc). Never installed.
#include <cstdint>
#include <optional>

#include "client/agency/agency_flags.h"
#include "common/base/clock.h"
#include "spdlog/spdlog.h"

int main(int argc, char** argv) {
  int64_t clock_skew_ms = 0;
  std::optional<casesync::SkewedClock> skewed_clock;
  casesync::AgencyMainHooks hooks;
  hooks.add_flags = [&](CLI::App& app) {
    app.add_option("--clock_skew_ms", clock_skew_ms,
                   "run as if this machine's clock were this many "
                   "milliseconds ahead (negative: behind)")
        ->group("Testing");
  };
  hooks.adjust = [&](casesync::AgencyDaemonOptions* options) {
    if (clock_skew_ms == 0) return;
    skewed_clock.emplace(casesync::SystemClock(), clock_skew_ms);
    options->link.clock = &*skewed_clock;
    spdlog::warn("TESTING: clock skewed by {} ms (--clock_skew_ms)",
                 clock_skew_ms);
  };
  return casesync::RunAgencyMain(argc, argv, hooks);
}
