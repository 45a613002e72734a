// Calendar dates as records write them ("YYYY-MM-DD", common/records/
// field_value.h) and the plain arithmetic on them that the statutory clock
// needs besides working days: calendar months, weekdays, and today's date.
//
// Thread-safety: pure functions (Today reads the clock it is given).
#ifndef CASESYNC_COMMON_CALENDAR_DATES_H_
#define CASESYNC_COMMON_CALENDAR_DATES_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "common/base/clock.h"

namespace casesync {

// The day "YYYY-MM-DD" names. INVALID_ARGUMENT, naming `what`, for text of
// another form or a day no calendar has ("2023-02-30").
[[nodiscard]] absl::StatusOr<absl::CivilDay> ParseDate(absl::string_view text,
                                                       absl::string_view what);

// "2023-03-07".
std::string FormatDate(absl::CivilDay day);

// `day` moved by `months` calendar months, kept within the month it lands
// in: 2023-08-31 plus 6 months is 2024-02-29.
absl::CivilDay AddMonths(absl::CivilDay day, int months);

// Saturday or Sunday.
bool IsWeekend(absl::CivilDay day);

// "Monday", ..., "Sunday".
std::string WeekdayName(absl::CivilDay day);

// A child's age on `day`, born on `born`, as a reviewer writes it: "before
// birth", "6 days", "3 weeks", "5 months", "1 year", "2 years 3 months".
std::string AgeInWords(absl::CivilDay born, absl::CivilDay day);

// The date `clock` reads in the machine's local time zone (the daemons of
// an English partnership run on Europe/London).
absl::CivilDay Today(Clock& clock);

}  // namespace casesync

#endif  // CASESYNC_COMMON_CALENDAR_DATES_H_
