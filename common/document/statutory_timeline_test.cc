#include "common/document/statutory_timeline.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace casesync {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

v1::JointReview ReviewWithClock() {
  v1::JointReview review;
  v1::StatutoryClock* clock = review.mutable_clock();
  clock->set_as_of("2024-04-10");
  clock->set_calendar(
      "England and Wales bank holidays, 2016-01-01 to "
      "2027-12-31");
  v1::KeyDate* aware = clock->add_key_dates();
  aware->set_field("aware_date");
  aware->set_date("2024-03-04");
  aware->set_label("Local authority aware of the incident");
  v1::KeyDate* notified = clock->add_key_dates();
  notified->set_field("panel_notified_date");
  notified->set_date("2024-03-08");
  notified->set_label("Panel notified");
  v1::Deadline* notification = clock->add_deadlines();
  notification->set_name("panel_notification");
  notification->set_label(
      "Notify the Child Safeguarding Practice Review Panel");
  notification->set_due("2024-03-11");
  notification->set_rule("5 working days from aware_date 2024-03-04 (day 0)");
  notification->set_done(true);
  notification->set_done_date("2024-03-08");
  notification->set_days_left(1);
  v1::Deadline* rapid = clock->add_deadlines();
  rapid->set_name("rapid_review");
  rapid->set_label("Send the rapid review to the Panel");
  rapid->set_due("2024-04-02");
  rapid->set_rule("15 working days from panel_notified_date 2024-03-08");
  rapid->set_done(true);
  rapid->set_late(true);
  rapid->set_done_date("2024-04-05");
  rapid->set_days_left(-3);
  rapid->set_delay_reason("the police chronology came late");
  return review;
}

std::string Render(const v1::JointReview& review) {
  MarkdownDocument doc;
  AddStatutoryTimeline(review, &doc);
  return doc.RenderMarkdown();
}

TEST(StatutoryTimelineTest, KeyDatesDeadlinesAndWhyOneWasMissed) {
  const std::string text = Render(ReviewWithClock());
  EXPECT_THAT(text, HasSubstr("Statutory timeline"));
  EXPECT_THAT(text, HasSubstr("Local authority aware of the incident"));
  EXPECT_THAT(text, HasSubstr("Panel notified"));
  EXPECT_THAT(text, HasSubstr("**Met** on 2024-03-08, 1 working day early"));
  EXPECT_THAT(text,
              HasSubstr("**Missed:** done 2024-04-05, 3 working days late"));
  EXPECT_THAT(text, HasSubstr("Missed deadlines"));
  EXPECT_THAT(text, HasSubstr("reason: the police chronology came late"));
  // In date order: the aware date before the notification's due date.
  EXPECT_LT(text.find("2024-03-04"), text.find("2024-03-11"));
}

TEST(StatutoryTimelineTest, AMissedDeadlineWithoutAReasonSaysSo) {
  v1::JointReview review = ReviewWithClock();
  review.mutable_clock()->mutable_deadlines(1)->clear_delay_reason();
  EXPECT_THAT(Render(review), HasSubstr("no reason for the delay is recorded"));
}

TEST(StatutoryTimelineTest, NothingWithoutAClock) {
  EXPECT_THAT(Render(v1::JointReview()), Not(HasSubstr("Statutory timeline")));
}

}  // namespace
}  // namespace casesync
