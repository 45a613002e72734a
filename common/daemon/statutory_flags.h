// The daemons' flags for the statutory clock (docs/statutory_process.md,
// "Settings"): which bank holiday calendar counts working days, the
// partnership's closure days, where the rapid review's 15 working days count
// from and how many months an LCSPR report may take. Each may come from the
// configuration file too (calendar = "FILE", closure_days = ["2024-12-27"]).
//
// Thread-safety: call from main(), before any thread starts; the loaded
// clock is immutable.
#ifndef CASESYNC_COMMON_DAEMON_STATUTORY_FLAGS_H_
#define CASESYNC_COMMON_DAEMON_STATUTORY_FLAGS_H_

#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/status/statusor.h"
#include "common/calendar/partnership_clock.h"

namespace casesync {

struct StatutoryFlags {
  // A calendar file (common/calendar/calendar_file.h) to count with instead
  // of the built-in copy of deploy/calendar/england-and-wales.toml; empty:
  // the built-in one.
  std::string calendar;
  // The partnership's closure days, "YYYY-MM-DD" each; none by default.
  std::vector<std::string> closure_days;
  // "notification" (the default) or "aware".
  std::string rapid_review_from = "notification";
  // Calendar months from the decision to hold an LCSPR to its report.
  int lcspr_report_months = 6;
};

// Adds --calendar, --closure_days, --rapid_review_from and
// --lcspr_report_months to `app`, filling `flags` (not owned; must outlive
// the parse).
void AddStatutoryFlags(CLI::App& app, StatutoryFlags* flags);

// The clock the flags describe. NOT_FOUND for a calendar file that cannot
// be read; INVALID_ARGUMENT for one that does not parse, a closure day that
// is not a date, or an unknown rapid_review_from.
[[nodiscard]] absl::StatusOr<PartnershipClock> LoadPartnershipClock(
    const StatutoryFlags& flags);

}  // namespace casesync

#endif  // CASESYNC_COMMON_DAEMON_STATUTORY_FLAGS_H_
