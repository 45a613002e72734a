// What a partnership counts its statutory deadlines with
// (docs/statutory_process.md, "Settings"): the bank holiday calendar with the
// partnership's own closure days, and where the rapid review's clock starts
// and how long an LCSPR report may take. Each daemon loads it at start from
// its flags or configuration file (common/daemon/statutory_flags.h).
//
// Thread-safety: plain values; immutable once loaded.
#ifndef CASESYNC_COMMON_CALENDAR_PARTNERSHIP_CLOCK_H_
#define CASESYNC_COMMON_CALENDAR_PARTNERSHIP_CLOCK_H_

#include "common/calendar/working_calendar.h"

namespace casesync {

struct ClockSettings {
  // Where the rapid review's 15 working days count from: the Panel
  // notification (the default) or the day the local authority became aware.
  // Practice differs between partnerships.
  enum class RapidReviewFrom { kNotification, kAware };
  RapidReviewFrom rapid_review_from = RapidReviewFrom::kNotification;
  // Calendar months from the decision to hold an LCSPR to its final report.
  int lcspr_report_months = 6;
};

struct PartnershipClock {
  // Bank holidays and closure days.
  WorkingCalendar calendar;
  ClockSettings settings;
};

}  // namespace casesync

#endif  // CASESYNC_COMMON_CALENDAR_PARTNERSHIP_CLOCK_H_
