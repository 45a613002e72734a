// Working days (docs/statutory_process.md, "Working days"): Monday to
// Friday, except the bank holidays of a dated calendar (common/calendar/
// calendar_file.h reads one) and the partnership's own closure days.
//
// A calendar knows its bank holidays only from `first` to `last` (the file's
// validity range). Counting that would need a day outside the range is
// refused with OUT_OF_RANGE, saying so, never guessed: a deadline past the
// calendar's end is unknown until an administrator installs the next year.
//
// Counting convention: the day a period starts from is day 0; the deadline
// "5 working days after X" is the fifth working day after X, whatever X is.
//
// Thread-safety: immutable after construction; safe from many threads.
#ifndef CASESYNC_COMMON_CALENDAR_WORKING_CALENDAR_H_
#define CASESYNC_COMMON_CALENDAR_WORKING_CALENDAR_H_

#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"

namespace casesync {

class WorkingCalendar {
 public:
  struct Holiday {
    absl::CivilDay day;
    // "Easter Monday".
    std::string name;
  };

  // A calendar called `name` that knows every bank holiday from `first` to
  // `last`, both included. INVALID_ARGUMENT if `last` is before `first`, or
  // a holiday lies outside the range or is listed twice.
  [[nodiscard]] static absl::StatusOr<WorkingCalendar> Create(
      std::string name, absl::CivilDay first, absl::CivilDay last,
      const std::vector<Holiday>& holidays);

  // This calendar with the partnership's closure days too (days off that are
  // not bank holidays: the days between Christmas and New Year, say). Days
  // outside the range change nothing.
  WorkingCalendar WithClosures(const std::vector<absl::CivilDay>& days) const;

  const std::string& name() const { return name_; }
  absl::CivilDay first() const { return first_; }
  absl::CivilDay last() const { return last_; }
  const std::map<absl::CivilDay, std::string>& holidays() const {
    return holidays_;
  }
  const std::set<absl::CivilDay>& closures() const { return closures_; }

  // "England and Wales bank holidays, 2016-01-01 to 2027-12-31", with
  // ", and 2 closure days" when there are any.
  std::string Describe() const;

  // Whether the range includes `day`.
  bool Covers(absl::CivilDay day) const {
    return day >= first_ && day <= last_;
  }

  // Why `day` is not a working day ("Saturday", "Good Friday", "closure
  // day"); empty for a working day. OUT_OF_RANGE outside the range.
  [[nodiscard]] absl::StatusOr<std::string> DayOff(absl::CivilDay day) const;

  // The `n`-th working day after `start` (n >= 0; n = 0 is `start` itself,
  // working day or not). OUT_OF_RANGE if a day it must look at lies outside
  // the range (the message names the range and how to extend it);
  // INVALID_ARGUMENT for a negative `n`.
  [[nodiscard]] absl::StatusOr<absl::CivilDay> AddWorkingDays(
      absl::CivilDay start, int n) const;

  // Working days from `from` to `to`: the working days after `from` up to
  // and including `to` when `to` is later, the same count negated when it
  // is earlier, 0 for the same day. So AddWorkingDays(x, n) = y gives
  // WorkingDaysBetween(x, y) = n. OUT_OF_RANGE if a day counted lies outside
  // the range.
  [[nodiscard]] absl::StatusOr<int> WorkingDaysBetween(absl::CivilDay from,
                                                       absl::CivilDay to) const;

 private:
  WorkingCalendar() = default;
  // Fills cumulative_ from the holidays and closures.
  void Count();
  // Working days from first_ up to and including `day` (first_ - 1 gives 0);
  // requires first_ - 1 <= day <= last_.
  int CountThrough(absl::CivilDay day) const;
  // The OUT_OF_RANGE error for `day`.
  [[nodiscard]] absl::Status OutOfRange(absl::CivilDay day) const;

  std::string name_;
  absl::CivilDay first_;
  absl::CivilDay last_;
  std::map<absl::CivilDay, std::string> holidays_;
  std::set<absl::CivilDay> closures_;
  // cumulative_[i]: working days in [first_, first_ + i].
  std::vector<int> cumulative_;
};

}  // namespace casesync

#endif  // CASESYNC_COMMON_CALENDAR_WORKING_CALENDAR_H_
