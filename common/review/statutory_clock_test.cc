#include "common/review/statutory_clock.h"

#include <string>
#include <vector>

#include "common/calendar/calendar_file.h"
#include "common/calendar/dates.h"
#include "common/testing/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace casesync {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

absl::CivilDay Day(const char* text) { return *ParseDate(text, "test"); }

PartnershipClock Clock(ClockSettings settings = {}) {
  return PartnershipClock{*EnglandAndWalesCalendar(), settings};
}

v1::Review RapidReview(const char* aware) {
  v1::Review review;
  review.set_id("cspr-7");
  review.set_kind(v1::Review::KIND_RAPID_REVIEW);
  review.set_incident_date("2023-02-27");
  review.set_aware_date(aware);
  return review;
}

const v1::Deadline* Find(const std::vector<v1::Deadline>& deadlines,
                         const std::string& name) {
  for (const v1::Deadline& d : deadlines) {
    if (d.name() == name) return &d;
  }
  return nullptr;
}

TEST(StatutoryClockTest, NotificationDueFiveWorkingDaysFromAwareness) {
  v1::Review review = RapidReview("2023-03-01");  // a Wednesday
  review.set_panel_notified_date("2023-03-07");
  const std::vector<v1::Deadline> deadlines =
      DeadlinesOf(review, Clock(), Day("2023-04-03"));
  const v1::Deadline* notification = Find(deadlines, "panel_notification");
  ASSERT_NE(notification, nullptr);
  // Thu 2 (1), Fri 3 (2), Mon 6 (3), Tue 7 (4), Wed 8 (5).
  EXPECT_EQ(notification->due(), "2023-03-08");
  EXPECT_TRUE(notification->done());
  EXPECT_FALSE(notification->late());
  EXPECT_FALSE(notification->overdue());
  EXPECT_EQ(notification->days_left(), 1);  // a day to spare
  EXPECT_THAT(notification->rule(), HasSubstr("aware_date 2023-03-01"));
}

TEST(StatutoryClockTest, RapidReviewCountsFromTheNotificationByDefault) {
  v1::Review review = RapidReview("2023-03-01");
  review.set_panel_notified_date("2023-03-07");
  const std::vector<v1::Deadline> deadlines =
      DeadlinesOf(review, Clock(), Day("2023-04-03"));
  const v1::Deadline* rapid = Find(deadlines, "rapid_review");
  ASSERT_NE(rapid, nullptr);
  // Wed 8 (1) ... Fri 10 (3), Mon 13 (4) ... Fri 24 (13), Mon 27 (14),
  // Tue 28 (15).
  EXPECT_EQ(rapid->due(), "2023-03-28");
  EXPECT_FALSE(rapid->done());
  EXPECT_TRUE(rapid->overdue());
  // Seen Mon 3 April: Wed 29, Thu 30, Fri 31, Mon 3 have passed.
  EXPECT_EQ(rapid->days_left(), -4);
}

TEST(StatutoryClockTest, RapidReviewFromAwarenessWhenThePartnershipSaysSo) {
  ClockSettings settings;
  settings.rapid_review_from = ClockSettings::RapidReviewFrom::kAware;
  v1::Review review = RapidReview("2023-03-01");
  review.set_panel_notified_date("2023-03-07");
  review.set_rapid_review_sent_date("2023-03-22");
  const std::vector<v1::Deadline> deadlines =
      DeadlinesOf(review, Clock(settings), Day("2023-04-03"));
  const v1::Deadline* rapid = Find(deadlines, "rapid_review");
  ASSERT_NE(rapid, nullptr);
  // Thu 2 (1) ... Fri 10 (7), Mon 13 (8) ... Fri 17 (12), Mon 20 (13),
  // Tue 21 (14), Wed 22 (15).
  EXPECT_EQ(rapid->due(), "2023-03-22");
  EXPECT_TRUE(rapid->done());
  EXPECT_FALSE(rapid->late());
  EXPECT_EQ(rapid->days_left(), 0);  // sent on the day
}

TEST(StatutoryClockTest, MissedDeadlineOverEasterKeepsItsReason) {
  v1::Review review = RapidReview("2023-04-05");
  review.set_panel_notified_date("2023-04-18");
  review.set_panel_notification_delay_reason(
      "The duty manager was on leave over Easter.");
  const std::vector<v1::Deadline> deadlines =
      DeadlinesOf(review, Clock(), Day("2023-04-20"));
  const v1::Deadline* notification = Find(deadlines, "panel_notification");
  ASSERT_NE(notification, nullptr);
  // Thu 6 (1), Fri 7 Good Friday, Mon 10 Easter Monday, Tue 11 (2) ...
  // Fri 14 (5).
  EXPECT_EQ(notification->due(), "2023-04-14");
  EXPECT_TRUE(notification->late());
  EXPECT_EQ(notification->days_left(), -2);  // Mon 17, Tue 18
  EXPECT_EQ(notification->delay_reason(),
            "The duty manager was on leave over Easter.");
}

TEST(StatutoryClockTest, BeforeTheNotificationTheRapidReviewCountsFromItsDue) {
  const v1::Review review = RapidReview("2023-03-01");
  const std::vector<v1::Deadline> deadlines =
      DeadlinesOf(review, Clock(), Day("2023-03-02"));
  const v1::Deadline* rapid = Find(deadlines, "rapid_review");
  ASSERT_NE(rapid, nullptr);
  // From Wed 8 March: Thu 9 (1) ... Wed 29 (15).
  EXPECT_EQ(rapid->due(), "2023-03-29");
  EXPECT_THAT(rapid->note(), HasSubstr("until panel_notified_date"));
  EXPECT_EQ(Find(deadlines, "lcspr_report"), nullptr);
}

TEST(StatutoryClockTest, DecisionToHoldAnLcsprStartsSixMonths) {
  v1::Review review = RapidReview("2023-03-01");
  review.set_decision(v1::Review::DECISION_LCSPR);
  review.set_decision_date("2023-03-31");
  const std::vector<v1::Deadline> deadlines =
      DeadlinesOf(review, Clock(), Day("2023-04-03"));
  const v1::Deadline* report = Find(deadlines, "lcspr_report");
  ASSERT_NE(report, nullptr);
  // 31 March + 6 months: 30 September (a Saturday; the months are calendar
  // months, not working days).
  EXPECT_EQ(report->due(), "2023-09-30");
  ClockSettings nine;
  nine.lcspr_report_months = 9;
  EXPECT_EQ(
      Find(DeadlinesOf(review, Clock(nine), Day("2023-04-03")), "lcspr_report")
          ->due(),
      "2023-12-31");
}

TEST(StatutoryClockTest, ADeadlinePastTheCalendarSaysSo) {
  const v1::Review review = RapidReview("2027-12-20");
  const std::vector<v1::Deadline> deadlines =
      DeadlinesOf(review, Clock(), Day("2027-12-21"));
  const v1::Deadline* notification = Find(deadlines, "panel_notification");
  ASSERT_NE(notification, nullptr);
  // Tue 21 (1) ... Fri 24 (4), Mon 27 and Tue 28 bank holidays, Wed 29 (5).
  EXPECT_EQ(notification->due(), "2027-12-29");
  const v1::Deadline* rapid = Find(deadlines, "rapid_review");
  ASSERT_NE(rapid, nullptr);
  EXPECT_EQ(rapid->due(), "");
  EXPECT_THAT(rapid->note(), HasSubstr("past the end of the calendar"));
  EXPECT_FALSE(rapid->overdue());
  // Seen after the calendar's end: overdue, but the days cannot be counted.
  const std::vector<v1::Deadline> after =
      DeadlinesOf(review, Clock(), Day("2028-02-01"));
  const v1::Deadline* late = Find(after, "panel_notification");
  ASSERT_NE(late, nullptr);
  EXPECT_TRUE(late->overdue());
  EXPECT_EQ(late->days_left(), 0);
  EXPECT_THAT(late->note(), HasSubstr("cannot be counted"));
}

TEST(StatutoryClockTest, ClosureDaysMoveDeadlines) {
  PartnershipClock clock = Clock();
  clock.calendar = clock.calendar.WithClosures({Day("2023-03-06")});
  const std::vector<v1::Deadline> deadlines =
      DeadlinesOf(RapidReview("2023-03-01"), clock, Day("2023-03-02"));
  // Thu 2 (1), Fri 3 (2), Mon 6 closed, Tue 7 (3), Wed 8 (4), Thu 9 (5).
  EXPECT_EQ(Find(deadlines, "panel_notification")->due(), "2023-03-09");
}

TEST(StatutoryClockTest, KindsWithoutAStatutoryClock) {
  v1::Review scr;
  scr.set_id("scr-2017-2");
  scr.set_kind(v1::Review::KIND_SCR);
  EXPECT_THAT(DeadlinesOf(scr, Clock(), Day("2023-01-10")), IsEmpty());
  scr.set_report_due_date("2023-01-06");
  const std::vector<v1::Deadline> deadlines =
      DeadlinesOf(scr, Clock(), Day("2023-01-10"));
  ASSERT_EQ(deadlines.size(), 1u);
  EXPECT_EQ(deadlines[0].name(), "report");
  EXPECT_TRUE(deadlines[0].overdue());
  EXPECT_EQ(deadlines[0].days_left(), -2);  // Mon 9, Tue 10
  // A review made before kinds existed has no clock.
  EXPECT_THAT(DeadlinesOf(v1::Review(), Clock(), Day("2023-01-10")), IsEmpty());
}

TEST(StatutoryClockTest, KeyDatesInDateOrder) {
  v1::Review review = RapidReview("2023-03-01");
  review.set_panel_notified_date("2023-03-07");
  review.add_rapid_review_meeting_dates("2023-03-20");
  review.add_rapid_review_meeting_dates("2023-03-14");
  review.set_decision(v1::Review::DECISION_NO_LCSPR);
  review.set_decision_date("2023-03-21");
  std::vector<std::string> seen;
  for (const v1::KeyDate& key : KeyDatesOf(review)) {
    seen.push_back(key.date() + " " + key.label());
  }
  EXPECT_THAT(seen, ElementsAre("2023-02-27 Serious incident",
                                "2023-03-01 Local authority aware of the "
                                "incident",
                                "2023-03-07 Panel notified",
                                "2023-03-14 Rapid review meeting 1",
                                "2023-03-20 Rapid review meeting 2",
                                "2023-03-21 Decision: no LCSPR"));
}

}  // namespace
}  // namespace casesync
