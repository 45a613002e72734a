#include "common/review/contributions.h"

#include <algorithm>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/records/field_value.h"
#include "common/review/statutory_clock.h"

namespace casesync {
namespace {

template <typename Enum>
std::string ShortName(const google::protobuf::EnumDescriptor* type,
                      Enum value) {
  const auto* found = type->FindValueByNumber(static_cast<int>(value));
  return found == nullptr ? "" : EnumShortName(*found);
}

// What each side may move a request to, and from which states.
struct Move {
  const char* to;
  Role side;
  std::vector<const char*> from;
};

const std::vector<Move>& Moves() {
  static const std::vector<Move>* const moves = new std::vector<Move>{
      {"in_progress", Role::kAgency, {"requested", "in_progress", "queried"}},
      {"submitted",
       Role::kAgency,
       {"requested", "in_progress", "submitted", "queried"}},
      {"signed_off", Role::kAgency, {"submitted", "signed_off"}},
      {"queried", Role::kBoard, {"submitted", "signed_off"}},
      {"accepted", Role::kBoard, {"signed_off"}},
      {"withdrawn",
       Role::kBoard,
       {"requested", "in_progress", "submitted", "signed_off", "queried"}},
  };
  return *moves;
}

}  // namespace

std::string RequestState(const v1::ContributionRequest& request,
                         const v1::ContributionResponse* response) {
  if (request.state() == v1::ContributionRequest::STATE_WITHDRAWN) {
    return "withdrawn";
  }
  if (request.state() == v1::ContributionRequest::STATE_ACCEPTED) {
    return "accepted";
  }
  const int answered = response == nullptr ? 0 : response->answers_query();
  if (request.queries() > answered) return "queried";
  if (response != nullptr &&
      response->state() != v1::ContributionResponse::STATE_UNSPECIFIED) {
    return ShortName(v1::ContributionResponse::State_descriptor(),
                     response->state());
  }
  return "requested";
}

v1::ContributionStatus RequestStatusOf(const v1::ContributionRequest& request,
                                       const v1::ContributionResponse* response,
                                       const WorkingCalendar& calendar,
                                       absl::CivilDay as_of) {
  v1::ContributionStatus status;
  status.set_review_id(request.review_id());
  status.set_request_id(request.id());
  status.set_agency(request.agency());
  status.set_kind(
      ShortName(v1::ContributionRequest::Kind_descriptor(), request.kind()));
  status.set_due(request.due_date());
  status.set_state(RequestState(request, response));
  status.set_note(request.note());
  status.set_board_note(request.board_note());
  if (response != nullptr) {
    status.set_response_id(response->id());
    status.set_submitted_date(response->submitted_date());
    status.set_signed_off_by(response->signed_off_by());
    status.set_signed_off_date(response->signed_off_date());
  }
  const std::string& state = status.state();
  status.set_done(state == "submitted" || state == "signed_off" ||
                  state == "accepted");
  if (state == "withdrawn") return status;  // nothing is due any more
  const DueTiming timing = TimingOf(status.due(), status.done(),
                                    status.submitted_date(), calendar, as_of);
  status.set_days_left(timing.days_left);
  status.set_overdue(timing.overdue);
  status.set_late(timing.late);
  status.set_problem(timing.problem);
  return status;
}

absl::Status CheckMove(Role role, absl::string_view state,
                       absl::string_view to) {
  std::vector<std::string> own;
  for (const Move& move : Moves()) {
    if (move.side == role) own.push_back(move.to);
  }
  for (const Move& move : Moves()) {
    if (move.to != to) continue;
    if (move.side != role) {
      return absl::InvalidArgumentError(absl::StrCat(
          "only ",
          role == Role::kBoard ? "the agency asked, on its own daemon,"
                               : "the board's review team",
          " moves a request to ", to, "; here a request is moved to ",
          absl::StrJoin(own, ", ")));
    }
    if (std::find(move.from.begin(), move.from.end(), state) ==
        move.from.end()) {
      return absl::FailedPreconditionError(
          absl::StrCat("the request is ", state, "; it is moved to ", to,
                       " from ", absl::StrJoin(move.from, ", "), " only"));
    }
    return absl::OkStatus();
  }
  return absl::InvalidArgumentError(
      absl::StrCat("no state '", to, "'; here a request is moved to ",
                   absl::StrJoin(own, ", ")));
}

v1::ActionStatus ActionStatusOf(const v1::ActionPlanItem& action,
                                const WorkingCalendar& calendar,
                                absl::CivilDay as_of) {
  v1::ActionStatus status;
  status.set_review_id(action.review_id());
  status.set_action_id(action.id());
  status.set_action(action.action());
  status.set_action_owner(action.action_owner());
  status.set_owner_role(action.owner_role());
  status.set_due(action.due_date());
  status.set_status(action.status() == v1::ActionPlanItem::STATUS_UNSPECIFIED
                        ? "proposed"
                        : ShortName(v1::ActionPlanItem::Status_descriptor(),
                                    action.status()));
  status.set_done(action.status() == v1::ActionPlanItem::STATUS_DONE ||
                  action.status() == v1::ActionPlanItem::STATUS_DROPPED);
  status.set_completed_date(action.completed_date());
  status.set_evidence(action.evidence());
  status.set_delay_reason(action.delay_reason());
  if (action.status() == v1::ActionPlanItem::STATUS_DROPPED) return status;
  const DueTiming timing = TimingOf(status.due(), status.done(),
                                    status.completed_date(), calendar, as_of);
  status.set_days_left(timing.days_left);
  status.set_overdue(timing.overdue);
  status.set_problem(timing.problem);
  return status;
}

}  // namespace casesync
