#include "common/calendar/working_calendar.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/calendar/dates.h"

namespace casesync {

absl::StatusOr<WorkingCalendar> WorkingCalendar::Create(
    std::string name, absl::CivilDay first, absl::CivilDay last,
    const std::vector<Holiday>& holidays) {
  if (last < first) {
    return absl::InvalidArgumentError(
        absl::StrCat("calendar ", name, ": valid_until ", FormatDate(last),
                     " is before valid_from ", FormatDate(first)));
  }
  WorkingCalendar calendar;
  calendar.name_ = std::move(name);
  calendar.first_ = first;
  calendar.last_ = last;
  for (const Holiday& holiday : holidays) {
    if (!calendar.Covers(holiday.day)) {
      return absl::InvalidArgumentError(
          absl::StrCat("calendar ", calendar.name_, ": the holiday ",
                       FormatDate(holiday.day), " (", holiday.name,
                       ") is outside its validity, ", FormatDate(first), " to ",
                       FormatDate(last)));
    }
    if (!calendar.holidays_.emplace(holiday.day, holiday.name).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("calendar ", calendar.name_, ": ",
                       FormatDate(holiday.day), " is listed twice"));
    }
  }
  calendar.Count();
  return calendar;
}

WorkingCalendar WorkingCalendar::WithClosures(
    const std::vector<absl::CivilDay>& days) const {
  WorkingCalendar calendar = *this;
  for (absl::CivilDay day : days) {
    if (Covers(day)) calendar.closures_.insert(day);
  }
  calendar.Count();
  return calendar;
}

std::string WorkingCalendar::Describe() const {
  std::string text =
      absl::StrCat(name_, ", ", FormatDate(first_), " to ", FormatDate(last_));
  if (!closures_.empty()) {
    absl::StrAppend(&text, ", and ", closures_.size(),
                    closures_.size() == 1 ? " closure day" : " closure days");
  }
  return text;
}

void WorkingCalendar::Count() {
  cumulative_.clear();
  cumulative_.reserve(static_cast<size_t>(last_ - first_) + 1);
  int total = 0;
  for (absl::CivilDay day = first_; day <= last_; ++day) {
    if (!IsWeekend(day) && holidays_.count(day) == 0 &&
        closures_.count(day) == 0) {
      ++total;
    }
    cumulative_.push_back(total);
  }
}

int WorkingCalendar::CountThrough(absl::CivilDay day) const {
  if (day < first_) return 0;
  return cumulative_[static_cast<size_t>(day - first_)];
}

absl::Status WorkingCalendar::OutOfRange(absl::CivilDay day) const {
  const std::string range = absl::StrCat(name_, ", valid ", FormatDate(first_),
                                         " to ", FormatDate(last_));
  if (day > last_) {
    return absl::OutOfRangeError(absl::StrCat(
        "counting working days needs ", FormatDate(day),
        ", past the end of the calendar (", range,
        "): its bank holidays are not known yet; install a newer calendar "
        "file (--calendar; docs/statutory_process.md)"));
  }
  return absl::OutOfRangeError(
      absl::StrCat("counting working days needs ", FormatDate(day),
                   ", before the start of the calendar (", range, ")"));
}

absl::StatusOr<std::string> WorkingCalendar::DayOff(absl::CivilDay day) const {
  if (!Covers(day)) return OutOfRange(day);
  if (IsWeekend(day)) return WeekdayName(day);
  auto holiday = holidays_.find(day);
  if (holiday != holidays_.end()) return holiday->second;
  if (closures_.count(day) != 0) return std::string("closure day");
  return std::string();
}

absl::StatusOr<absl::CivilDay> WorkingCalendar::AddWorkingDays(
    absl::CivilDay start, int n) const {
  if (n < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot count ", n, " working days"));
  }
  if (n == 0) return start;
  if (start < first_ - 1) return OutOfRange(start + 1);
  if (start >= last_) return OutOfRange(start + 1);
  const int target = CountThrough(start) + n;
  if (target > cumulative_.back()) {
    // The answer lies past the end: name the first day not known.
    return OutOfRange(last_ + 1);
  }
  const auto found =
      std::lower_bound(cumulative_.begin(), cumulative_.end(), target);
  return first_ + (found - cumulative_.begin());
}

absl::StatusOr<int> WorkingCalendar::WorkingDaysBetween(
    absl::CivilDay from, absl::CivilDay to) const {
  if (from == to) return 0;
  const absl::CivilDay early = std::min(from, to);
  const absl::CivilDay late = std::max(from, to);
  if (early < first_ - 1) return OutOfRange(early + 1);
  if (late > last_) return OutOfRange(late);
  const int count = CountThrough(late) - CountThrough(early);
  return to > from ? count : -count;
}

}  // namespace casesync
