// The statutory clock of a review (docs/statutory_process.md): its key dates
// and the deadlines Working Together to Safeguard Children (2018, 2023) sets,
// computed from them, never stored.
//
//   panel_notification  5 working days from the day the local authority
//                       became aware (aware_date is day 0);
//   rapid_review        15 working days from the Panel notification, or
//                       from aware_date, as the partnership configures;
//   lcspr_report        6 calendar months (configurable) from the decision
//                       to hold a Local Child Safeguarding Practice Review;
//   report              the date a partnership set (report_due_date) for a
//                       review without a statutory report deadline.
//
// A deadline is done when the key date that meets it is recorded; done late
// when that date is after the deadline. Working days come from a
// WorkingCalendar with the partnership's closure days; a count the calendar
// cannot make (past its end) leaves the due date unknown, with a note,
// rather than guessed.
//
// Thread-safety: pure functions.
#ifndef CASESYNC_COMMON_REVIEW_STATUTORY_CLOCK_H_
#define CASESYNC_COMMON_REVIEW_STATUTORY_CLOCK_H_

#include <algorithm>
#include <string>
#include <tuple>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "casesync/v1/records.pb.h"
#include "casesync/v1/review.pb.h"
#include "common/calendar/partnership_clock.h"
#include "common/calendar/working_calendar.h"

namespace casesync {

// Working days the statutory deadlines allow.
inline constexpr int kPanelNotificationWorkingDays = 5;
inline constexpr int kRapidReviewWorkingDays = 15;

// How an item with a due date stands on a day: the parts every deadline,
// request and action shares.
struct DueTiming {
  // As Deadline.days_left (review.proto).
  int days_left = 0;
  bool overdue = false;
  bool late = false;
  // Why days_left could not be counted; empty if it was.
  std::string problem;
};

// The timing of an item due on `due` (empty: no due date), done on
// `done_date` if `done` (empty: done, day not known), seen on `as_of`.
DueTiming TimingOf(absl::string_view due, bool done,
                   absl::string_view done_date, const WorkingCalendar& calendar,
                   absl::CivilDay as_of);

// The review's key dates that are recorded, in date order.
std::vector<v1::KeyDate> KeyDatesOf(const v1::Review& review);

// The review's statutory deadlines as of `as_of`, in the order they fall
// (none for a review whose kind has no clock and no report_due_date).
std::vector<v1::Deadline> DeadlinesOf(const v1::Review& review,
                                      const PartnershipClock& clock,
                                      absl::CivilDay as_of);

// Key dates and deadlines together, as the report shows them.
v1::StatutoryClock ClockOf(const v1::Review& review,
                           const PartnershipClock& clock, absl::CivilDay as_of);

// "rapid_review", "lcspr", ...; "" for a kind not set.
std::string KindName(v1::Review::Kind kind);

// Sorts items most urgent first: overdue (most overdue first), then open
// (fewest days left first, then those without a due date), then done. Each
// item is anything with done(), overdue(), days_left(), due() and an id.
template <typename Item, typename Id>
void SortByUrgency(std::vector<Item>* items, Id id);

// Implementation of the template.

template <typename Item, typename Id>
void SortByUrgency(std::vector<Item>* items, Id id) {
  auto key = [&id](const Item& item) {
    const int group = item.overdue() ? 0 : (!item.done() ? 1 : 2);
    // Open items without a due date after those with one.
    const int undated = item.due().empty() ? 1 : 0;
    return std::make_tuple(group, group == 2 ? 0 : undated,
                           group == 2 ? 0 : item.days_left(), item.due(),
                           item.review_id(), id(item));
  };
  std::stable_sort(
      items->begin(), items->end(),
      [&key](const Item& a, const Item& b) { return key(a) < key(b); });
}

}  // namespace casesync

#endif  // CASESYNC_COMMON_REVIEW_STATUTORY_CLOCK_H_
