#include "common/daemon/statutory_flags.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "common/base/status_macros.h"
#include "common/calendar/calendar_file.h"
#include "common/calendar/dates.h"

namespace casesync {

void AddStatutoryFlags(CLI::App& app, StatutoryFlags* flags) {
  const char* const kGroup = "The statutory clock (docs/statutory_process.md)";
  app.add_option("--calendar", flags->calendar,
                 "bank holiday calendar file (TOML, as "
                 "deploy/calendar/england-and-wales.toml) to count working "
                 "days with; default: the England and Wales calendar built in")
      ->group(kGroup);
  app.add_option("--closure_days", flags->closure_days,
                 "the partnership's closure days, YYYY-MM-DD, comma-separated "
                 "or repeated: not working days")
      ->delimiter(',')
      ->group(kGroup);
  app.add_option("--rapid_review_from", flags->rapid_review_from,
                 "where the rapid review's 15 working days count from: "
                 "notification (the Panel notification) or aware (the day "
                 "the local authority became aware)")
      ->capture_default_str()
      ->check(CLI::IsMember({"notification", "aware"}))
      ->group(kGroup);
  app.add_option("--lcspr_report_months", flags->lcspr_report_months,
                 "calendar months from the decision to hold an LCSPR to its "
                 "final report")
      ->capture_default_str()
      ->check(CLI::Range(1, 36))
      ->group(kGroup);
}

absl::StatusOr<PartnershipClock> LoadPartnershipClock(
    const StatutoryFlags& flags) {
  absl::StatusOr<WorkingCalendar> calendar =
      flags.calendar.empty() ? EnglandAndWalesCalendar()
                             : ReadCalendarFile(flags.calendar);
  if (!calendar.ok()) return calendar.status();
  std::vector<absl::CivilDay> closures;
  for (const std::string& text : flags.closure_days) {
    ASSIGN_OR_RETURN(const absl::CivilDay day,
                     ParseDate(text, "a closure day (--closure_days)"));
    closures.push_back(day);
  }
  ClockSettings settings;
  if (flags.rapid_review_from == "aware") {
    settings.rapid_review_from = ClockSettings::RapidReviewFrom::kAware;
  } else if (flags.rapid_review_from != "notification") {
    return absl::InvalidArgumentError(
        absl::StrCat("--rapid_review_from is notification or aware, not ",
                     flags.rapid_review_from));
  }
  settings.lcspr_report_months = flags.lcspr_report_months;
  return PartnershipClock{calendar->WithClosures(closures), settings};
}

}  // namespace casesync
