#include "common/calendar/dates.h"

#include <algorithm>
#include <cstdint>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/time.h"

namespace casesync {

absl::StatusOr<absl::CivilDay> ParseDate(absl::string_view text,
                                         absl::string_view what) {
  const auto refuse = [&] {
    return absl::InvalidArgumentError(
        absl::StrCat(what, " must be a date YYYY-MM-DD, not \"",
                     absl::CHexEscape(text.substr(0, 40)), "\""));
  };
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return refuse();
  for (size_t i = 0; i < text.size(); ++i) {
    if (i != 4 && i != 7 &&
        !absl::ascii_isdigit(static_cast<unsigned char>(text[i]))) {
      return refuse();
    }
  }
  int year = 0, month = 0, day = 0;
  if (!absl::SimpleAtoi(text.substr(0, 4), &year) ||
      !absl::SimpleAtoi(text.substr(5, 2), &month) ||
      !absl::SimpleAtoi(text.substr(8, 2), &day)) {
    return refuse();
  }
  const absl::CivilDay civil(year, month, day);
  if (civil.year() != year || civil.month() != month || civil.day() != day) {
    return refuse();
  }
  return civil;
}

std::string FormatDate(absl::CivilDay day) {
  return absl::StrFormat("%04d-%02d-%02d", day.year(), day.month(), day.day());
}

absl::CivilDay AddMonths(absl::CivilDay day, int months) {
  const absl::CivilMonth month = absl::CivilMonth(day) + months;
  const absl::CivilDay first(month);
  const int last_day = (absl::CivilDay(month + 1) - 1).day();
  return first + (std::min(day.day(), last_day) - 1);
}

bool IsWeekend(absl::CivilDay day) {
  const absl::Weekday weekday = absl::GetWeekday(day);
  return weekday == absl::Weekday::saturday || weekday == absl::Weekday::sunday;
}

std::string WeekdayName(absl::CivilDay day) {
  switch (absl::GetWeekday(day)) {
    case absl::Weekday::monday:
      return "Monday";
    case absl::Weekday::tuesday:
      return "Tuesday";
    case absl::Weekday::wednesday:
      return "Wednesday";
    case absl::Weekday::thursday:
      return "Thursday";
    case absl::Weekday::friday:
      return "Friday";
    case absl::Weekday::saturday:
      return "Saturday";
    case absl::Weekday::sunday:
      return "Sunday";
  }
  return "";
}

std::string AgeInWords(absl::CivilDay born, absl::CivilDay day) {
  if (day < born) return "before birth";
  const auto plural = [](int64_t n, const char* unit) {
    return absl::StrCat(n, " ", unit, n == 1 ? "" : "s");
  };
  // Whole calendar months from the birth to the day.
  int64_t months =
      (day.year() - born.year()) * 12 + (day.month() - born.month());
  if (day.day() < born.day()) --months;
  if (months < 1) {
    const int64_t days = day - born;
    return days < 14 ? plural(days, "day") : plural(days / 7, "week");
  }
  if (months < 12) return plural(months, "month");
  const int64_t years = months / 12;
  if (months % 12 == 0) return plural(years, "year");
  return absl::StrCat(plural(years, "year"), " ", plural(months % 12, "month"));
}

absl::CivilDay Today(Clock& clock) {
  const absl::Time now =
      absl::FromUnixMillis(static_cast<int64_t>(clock.NowMillis()));
  return absl::ToCivilDay(now, absl::LocalTimeZone());
}

}  // namespace casesync
