// The calendar file (docs/statutory_process.md, "The calendar file"): a TOML
// file naming a set of bank holidays and the days it is valid for.
//
//   calendar = "England and Wales bank holidays"
//   valid_from = 2016-01-01
//   valid_until = 2027-12-31
//
//   [[holiday]]
//   date = 2016-01-01
//   name = "New Year's Day"
//
// Dates are TOML local dates (unquoted). Every key is required, no other key
// is allowed, every holiday lies within the validity range and appears once.
// The project ships deploy/calendar/england-and-wales.toml; the daemons carry
// a copy built in and take another with --calendar FILE.
//
// Thread-safety: pure functions; the built-in calendar is parsed once, on
// first use, thread-safely.
#ifndef CASESYNC_COMMON_CALENDAR_CALENDAR_FILE_H_
#define CASESYNC_COMMON_CALENDAR_CALENDAR_FILE_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/calendar/working_calendar.h"

namespace casesync {

// The calendar `text` describes. INVALID_ARGUMENT, naming `origin` (a file
// name) and the line, for a TOML syntax error, a missing, unknown or
// mistyped key, or a calendar WorkingCalendar::Create refuses.
[[nodiscard]] absl::StatusOr<WorkingCalendar> ParseCalendarFile(
    absl::string_view text, absl::string_view origin);

// The calendar in the file at `path`. NOT_FOUND if it cannot be read;
// otherwise as ParseCalendarFile.
[[nodiscard]] absl::StatusOr<WorkingCalendar> ReadCalendarFile(
    const std::string& path);

// The text of deploy/calendar/england-and-wales.toml, built in.
absl::string_view EnglandAndWalesCalendarText();

// The built-in England and Wales calendar. INTERNAL if the built-in text
// does not parse (calendar_file_test checks it does).
[[nodiscard]] absl::StatusOr<WorkingCalendar> EnglandAndWalesCalendar();

}  // namespace casesync

#endif  // CASESYNC_COMMON_CALENDAR_CALENDAR_FILE_H_
