#include "common/review/contributions.h"

#include "common/calendar/calendar_file.h"
#include "common/calendar/dates.h"
#include "common/testing/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace casesync {
namespace {

using ::casesync::testing::IsOk;
using ::casesync::testing::StatusIs;
using ::testing::HasSubstr;

absl::CivilDay Day(const char* text) { return *ParseDate(text, "test"); }

v1::ContributionRequest Request(const char* due) {
  v1::ContributionRequest request;
  request.set_id("01REQUEST");
  request.set_review_id("cspr-7");
  request.set_agency("police");
  request.set_kind(v1::ContributionRequest::KIND_CHRONOLOGY);
  request.set_due_date(due);
  request.set_state(v1::ContributionRequest::STATE_REQUESTED);
  return request;
}

v1::ContributionResponse Response(v1::ContributionResponse::State state,
                                  const char* submitted) {
  v1::ContributionResponse response;
  response.set_id("01RESPONSE");
  response.set_owner_agency("police");
  response.set_request_id("01REQUEST");
  response.set_state(state);
  response.set_submitted_date(submitted);
  return response;
}

TEST(ContributionsTest, StateReadFromBothRecords) {
  v1::ContributionRequest request = Request("2023-03-15");
  EXPECT_EQ(RequestState(request, nullptr), "requested");
  v1::ContributionResponse response =
      Response(v1::ContributionResponse::STATE_IN_PROGRESS, "");
  EXPECT_EQ(RequestState(request, &response), "in_progress");
  response.set_state(v1::ContributionResponse::STATE_SIGNED_OFF);
  EXPECT_EQ(RequestState(request, &response), "signed_off");
  // The board queries: the agency has answered no query yet.
  request.set_state(v1::ContributionRequest::STATE_QUERIED);
  request.set_queries(1);
  EXPECT_EQ(RequestState(request, &response), "queried");
  // The agency submits again, answering the first query.
  response.set_state(v1::ContributionResponse::STATE_SUBMITTED);
  response.set_answers_query(1);
  EXPECT_EQ(RequestState(request, &response), "submitted");
  request.set_state(v1::ContributionRequest::STATE_ACCEPTED);
  EXPECT_EQ(RequestState(request, &response), "accepted");
  request.set_state(v1::ContributionRequest::STATE_WITHDRAWN);
  EXPECT_EQ(RequestState(request, &response), "withdrawn");
}

TEST(ContributionsTest, OnTimeLateAndNever) {
  const WorkingCalendar calendar = *EnglandAndWalesCalendar();
  const v1::ContributionRequest request = Request("2023-03-15");  // a Wed
  const v1::ContributionResponse on_time =
      Response(v1::ContributionResponse::STATE_SUBMITTED, "2023-03-14");
  v1::ContributionStatus status =
      RequestStatusOf(request, &on_time, calendar, Day("2023-03-24"));
  EXPECT_TRUE(status.done());
  EXPECT_FALSE(status.late());
  EXPECT_FALSE(status.overdue());
  EXPECT_EQ(status.days_left(), 1);
  EXPECT_EQ(status.kind(), "chronology");

  const v1::ContributionResponse late =
      Response(v1::ContributionResponse::STATE_SIGNED_OFF, "2023-03-20");
  status = RequestStatusOf(request, &late, calendar, Day("2023-03-24"));
  EXPECT_TRUE(status.done());
  EXPECT_TRUE(status.late());
  EXPECT_EQ(status.days_left(), -3);  // Thu 16, Fri 17, Mon 20

  status = RequestStatusOf(request, nullptr, calendar, Day("2023-03-24"));
  EXPECT_FALSE(status.done());
  EXPECT_TRUE(status.overdue());
  EXPECT_EQ(status.state(), "requested");
  EXPECT_EQ(status.days_left(), -7);  // Thu 16 ... Fri 24

  // Still in progress before the due date.
  const v1::ContributionResponse working =
      Response(v1::ContributionResponse::STATE_IN_PROGRESS, "");
  status = RequestStatusOf(request, &working, calendar, Day("2023-03-13"));
  EXPECT_FALSE(status.overdue());
  EXPECT_EQ(status.days_left(), 2);  // Tue 14, Wed 15
}

TEST(ContributionsTest, EachSideMakesItsOwnMoves) {
  EXPECT_THAT(CheckMove(Role::kAgency, "requested", "in_progress"), IsOk());
  EXPECT_THAT(CheckMove(Role::kAgency, "in_progress", "submitted"), IsOk());
  EXPECT_THAT(CheckMove(Role::kAgency, "submitted", "signed_off"), IsOk());
  EXPECT_THAT(CheckMove(Role::kBoard, "signed_off", "accepted"), IsOk());
  EXPECT_THAT(CheckMove(Role::kBoard, "submitted", "queried"), IsOk());
  EXPECT_THAT(CheckMove(Role::kAgency, "queried", "submitted"), IsOk());
  EXPECT_THAT(CheckMove(Role::kBoard, "requested", "withdrawn"), IsOk());
  EXPECT_THAT(
      CheckMove(Role::kAgency, "requested", "accepted"),
      StatusIs(absl::StatusCode::kInvalidArgument, "board's review team"));
  EXPECT_THAT(CheckMove(Role::kBoard, "requested", "submitted"),
              StatusIs(absl::StatusCode::kInvalidArgument, "the agency asked"));
  EXPECT_THAT(CheckMove(Role::kAgency, "requested", "signed_off"),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       "from submitted, signed_off only"));
  EXPECT_THAT(CheckMove(Role::kBoard, "submitted", "accepted"),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(CheckMove(Role::kAgency, "accepted", "submitted"),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(CheckMove(Role::kAgency, "requested", "done"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "in_progress, submitted, signed_off"));
}

TEST(ContributionsTest, ActionsOverdueUnlessDoneOrDropped) {
  const WorkingCalendar calendar = *EnglandAndWalesCalendar();
  v1::ActionPlanItem action;
  action.set_id("01ACTION");
  action.set_action_owner("csc");
  action.set_owner_role("head of service");
  action.set_due_date("2023-06-30");
  action.set_status(v1::ActionPlanItem::STATUS_IN_PROGRESS);
  v1::ActionStatus status = ActionStatusOf(action, calendar, Day("2023-07-04"));
  EXPECT_TRUE(status.overdue());
  EXPECT_EQ(status.days_left(), -2);  // Mon 3, Tue 4
  EXPECT_EQ(status.status(), "in_progress");
  action.set_status(v1::ActionPlanItem::STATUS_DONE);
  action.set_completed_date("2023-06-29");
  status = ActionStatusOf(action, calendar, Day("2023-07-04"));
  EXPECT_TRUE(status.done());
  EXPECT_FALSE(status.overdue());
  EXPECT_EQ(status.days_left(), 1);
  action.set_status(v1::ActionPlanItem::STATUS_DROPPED);
  status = ActionStatusOf(action, calendar, Day("2023-07-04"));
  EXPECT_FALSE(status.overdue());
}

}  // namespace
}  // namespace casesync
