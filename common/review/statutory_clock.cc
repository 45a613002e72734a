#include "common/review/statutory_clock.h"

#include <algorithm>
#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/calendar/dates.h"
#include "common/records/field_value.h"

namespace casesync {
namespace {

// The day `text` names, or nullopt for empty or malformed text (the schema
// checks dates when they are written).
std::optional<absl::CivilDay> DayOf(absl::string_view text) {
  if (text.empty()) return std::nullopt;
  absl::StatusOr<absl::CivilDay> day = ParseDate(text, "date");
  if (!day.ok()) return std::nullopt;
  return *day;
}

// A deadline's due date and what it is counted from.
struct Due {
  std::string date;  // empty if it cannot be counted
  std::string rule;
  std::string note;
};

// `n` working days from `field` (`text`), or why not.
Due WorkingDaysFrom(const WorkingCalendar& calendar, absl::string_view field,
                    absl::string_view text, int n) {
  Due due;
  due.rule =
      absl::StrCat(n, " working days from ", field, " ", text, " (day 0)");
  std::optional<absl::CivilDay> start = DayOf(text);
  if (!start.has_value()) return due;
  absl::StatusOr<absl::CivilDay> day = calendar.AddWorkingDays(*start, n);
  if (day.ok()) {
    due.date = FormatDate(*day);
  } else {
    due.note = absl::StrCat("the due date cannot be counted: ",
                            day.status().message());
  }
  return due;
}

// Fills the deadline's timing from its due date and the key date that meets
// it.
v1::Deadline Finish(v1::Deadline deadline, const Due& due,
                    absl::string_view done_date, absl::string_view reason,
                    const PartnershipClock& clock, absl::CivilDay as_of) {
  deadline.set_due(due.date);
  deadline.set_rule(due.rule);
  deadline.set_done(!done_date.empty());
  deadline.set_done_date(std::string(done_date));
  deadline.set_delay_reason(std::string(reason));
  std::string note = due.note;
  if (!due.date.empty()) {
    const DueTiming timing =
        TimingOf(due.date, deadline.done(), done_date, clock.calendar, as_of);
    deadline.set_days_left(timing.days_left);
    deadline.set_overdue(timing.overdue);
    deadline.set_late(timing.late);
    if (!timing.problem.empty()) {
      absl::StrAppend(&note, note.empty() ? "" : "; ", timing.problem);
    }
  }
  deadline.set_note(note);
  return deadline;
}

v1::Deadline Named(const v1::Review& review, const char* name,
                   const char* label) {
  v1::Deadline deadline;
  deadline.set_review_id(review.id());
  deadline.set_name(name);
  deadline.set_label(label);
  return deadline;
}

v1::Deadline PanelNotification(const v1::Review& review,
                               const PartnershipClock& clock,
                               absl::CivilDay as_of) {
  Due due = WorkingDaysFrom(clock.calendar, "aware_date", review.aware_date(),
                            kPanelNotificationWorkingDays);
  if (review.aware_date().empty()) {
    due.note =
        "set aware_date, the day the local authority learnt of the serious "
        "incident, to start the clock";
  }
  return Finish(Named(review, "panel_notification",
                      "Notify the Child Safeguarding Practice Review Panel"),
                due, review.panel_notified_date(),
                review.panel_notification_delay_reason(), clock, as_of);
}

v1::Deadline RapidReview(const v1::Review& review,
                         const PartnershipClock& clock,
                         const v1::Deadline& notification,
                         absl::CivilDay as_of) {
  Due due;
  if (clock.settings.rapid_review_from ==
      ClockSettings::RapidReviewFrom::kAware) {
    due = WorkingDaysFrom(clock.calendar, "aware_date", review.aware_date(),
                          kRapidReviewWorkingDays);
    if (review.aware_date().empty()) {
      due.note = "set aware_date to start the clock";
    }
  } else if (!review.panel_notified_date().empty()) {
    due =
        WorkingDaysFrom(clock.calendar, "panel_notified_date",
                        review.panel_notified_date(), kRapidReviewWorkingDays);
  } else if (!notification.due().empty()) {
    // Not notified yet: the latest the count can start is the
    // notification's own deadline.
    due = WorkingDaysFrom(clock.calendar, "the notification's due date",
                          notification.due(), kRapidReviewWorkingDays);
    const std::string basis =
        "counted from the notification's due date until panel_notified_date "
        "is recorded";
    due.note = due.note.empty() ? basis : absl::StrCat(basis, "; ", due.note);
  } else {
    due.rule = absl::StrCat(kRapidReviewWorkingDays,
                            " working days from panel_notified_date");
    due.note = notification.note().empty()
                   ? "set panel_notified_date to start the clock"
                   : notification.note();
  }
  return Finish(
      Named(review, "rapid_review", "Send the rapid review to the Panel"), due,
      review.rapid_review_sent_date(), review.rapid_review_delay_reason(),
      clock, as_of);
}

v1::Deadline LcsprReport(const v1::Review& review,
                         const PartnershipClock& clock, absl::CivilDay as_of) {
  Due due;
  const int months = clock.settings.lcspr_report_months;
  absl::string_view field = "decision_date";
  absl::string_view from = review.decision_date();
  if (from.empty() && !review.commissioned_date().empty()) {
    field = "commissioned_date";
    from = review.commissioned_date();
    due.note = "counted from commissioned_date until decision_date is recorded";
  }
  due.rule = absl::StrCat(months, " months from ", field,
                          from.empty() ? "" : " ", from);
  if (std::optional<absl::CivilDay> start = DayOf(from)) {
    due.date = FormatDate(AddMonths(*start, months));
  } else {
    due.note =
        "set decision_date, the day the partners decided to hold the LCSPR, "
        "to start the clock";
  }
  return Finish(Named(review, "lcspr_report",
                      "Final report of the local child safeguarding practice "
                      "review"),
                due, review.final_date(), review.report_delay_reason(), clock,
                as_of);
}

v1::Deadline PartnershipReport(const v1::Review& review,
                               const PartnershipClock& clock,
                               absl::CivilDay as_of) {
  Due due;
  due.date = review.report_due_date();
  due.rule = "report_due_date, set by the partnership";
  return Finish(Named(review, "report", "Final report"), due,
                review.final_date(), review.report_delay_reason(), clock,
                as_of);
}

void AddKeyDate(const char* field, const std::string& date, std::string label,
                std::vector<v1::KeyDate>* out) {
  if (date.empty()) return;
  v1::KeyDate key;
  key.set_field(field);
  key.set_date(date);
  key.set_label(std::move(label));
  out->push_back(std::move(key));
}

}  // namespace

DueTiming TimingOf(absl::string_view due, bool done,
                   absl::string_view done_date, const WorkingCalendar& calendar,
                   absl::CivilDay as_of) {
  DueTiming timing;
  std::optional<absl::CivilDay> due_day = DayOf(due);
  if (!due_day.has_value()) return timing;
  std::optional<absl::CivilDay> when = as_of;
  if (done) {
    when = DayOf(done_date);
    if (!when.has_value()) return timing;  // done, day not known
    timing.late = *when > *due_day;
  } else {
    timing.overdue = as_of > *due_day;
  }
  absl::StatusOr<int> days = calendar.WorkingDaysBetween(*when, *due_day);
  if (days.ok()) {
    timing.days_left = *days;
  } else {
    timing.problem = absl::StrCat("working days left cannot be counted: ",
                                  days.status().message());
  }
  return timing;
}

std::vector<v1::KeyDate> KeyDatesOf(const v1::Review& review) {
  std::vector<v1::KeyDate> out;
  AddKeyDate("incident_date", review.incident_date(), "Serious incident", &out);
  AddKeyDate("aware_date", review.aware_date(),
             "Local authority aware of the incident", &out);
  AddKeyDate("panel_notified_date", review.panel_notified_date(),
             "Panel notified", &out);
  std::vector<std::string> meetings(review.rapid_review_meeting_dates().begin(),
                                    review.rapid_review_meeting_dates().end());
  std::sort(meetings.begin(), meetings.end());
  for (size_t i = 0; i < meetings.size(); ++i) {
    AddKeyDate("rapid_review_meeting_dates", meetings[i],
               meetings.size() == 1
                   ? "Rapid review meeting"
                   : absl::StrCat("Rapid review meeting ", i + 1),
               &out);
  }
  AddKeyDate("rapid_review_sent_date", review.rapid_review_sent_date(),
             "Rapid review sent to the Panel", &out);
  AddKeyDate("panel_response_date", review.panel_response_date(),
             "The Panel's response", &out);
  std::string decision = "Decision on an LCSPR";
  if (review.decision() == v1::Review::DECISION_LCSPR) {
    decision = "Decision: an LCSPR will be held";
  } else if (review.decision() == v1::Review::DECISION_NO_LCSPR) {
    decision = "Decision: no LCSPR";
  }
  AddKeyDate("decision_date", review.decision_date(), decision, &out);
  AddKeyDate("commissioned_date", review.commissioned_date(),
             "Review commissioned", &out);
  AddKeyDate("terms_agreed_date", review.terms_agreed_date(),
             "Terms of reference agreed", &out);
  AddKeyDate("draft_date", review.draft_date(), "Draft report", &out);
  AddKeyDate("final_date", review.final_date(), "Final report", &out);
  AddKeyDate("published_date", review.published_date(), "Published", &out);
  std::stable_sort(out.begin(), out.end(),
                   [](const v1::KeyDate& a, const v1::KeyDate& b) {
                     return a.date() < b.date();
                   });
  return out;
}

std::vector<v1::Deadline> DeadlinesOf(const v1::Review& review,
                                      const PartnershipClock& clock,
                                      absl::CivilDay as_of) {
  std::vector<v1::Deadline> out;
  const bool rapid = review.kind() == v1::Review::KIND_RAPID_REVIEW;
  const bool lcspr = review.kind() == v1::Review::KIND_LCSPR;
  // An LCSPR recorded from its rapid review on has that clock too.
  if (rapid || (lcspr && !review.aware_date().empty())) {
    out.push_back(PanelNotification(review, clock, as_of));
    out.push_back(RapidReview(review, clock, out.back(), as_of));
  }
  if (lcspr || (rapid && review.decision() == v1::Review::DECISION_LCSPR)) {
    out.push_back(LcsprReport(review, clock, as_of));
  } else if (!review.report_due_date().empty()) {
    out.push_back(PartnershipReport(review, clock, as_of));
  }
  return out;
}

v1::StatutoryClock ClockOf(const v1::Review& review,
                           const PartnershipClock& clock,
                           absl::CivilDay as_of) {
  v1::StatutoryClock out;
  out.set_as_of(FormatDate(as_of));
  out.set_calendar(clock.calendar.Describe());
  for (v1::KeyDate& key : KeyDatesOf(review)) {
    *out.add_key_dates() = std::move(key);
  }
  for (v1::Deadline& deadline : DeadlinesOf(review, clock, as_of)) {
    *out.add_deadlines() = std::move(deadline);
  }
  return out;
}

std::string KindName(v1::Review::Kind kind) {
  if (kind == v1::Review::KIND_UNSPECIFIED) return "";
  const auto* value = v1::Review::Kind_descriptor()->FindValueByNumber(kind);
  return value == nullptr ? "" : EnumShortName(*value);
}

}  // namespace casesync
