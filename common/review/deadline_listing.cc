#include "common/review/deadline_listing.h"

#include <map>
#include <optional>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/base/status_macros.h"
#include "common/calendar/dates.h"
#include "common/records/field_value.h"
#include "common/replica/review_lookup.h"
#include "common/review/contributions.h"
#include "google/protobuf/util/time_util.h"

namespace casesync {
namespace {

namespace pb = ::google::protobuf;

template <typename T>
T As(const RecordView& view) {
  T typed;
  typed.CopyFrom(*view.message);
  return typed;
}

// The reviews in scope.
[[nodiscard]] absl::StatusOr<std::vector<v1::Review>> ReviewsInScope(
    const Replica& replica, const DeadlineScope& scope) {
  std::vector<v1::Review> reviews;
  if (!scope.review_id.empty()) {
    ASSIGN_OR_RETURN(std::optional<v1::Review> review,
                     ReadReview(replica, scope.review_id));
    if (!review.has_value()) {
      return absl::NotFoundError(
          absl::StrCat("there is no review ", scope.review_id));
    }
    reviews.push_back(*std::move(review));
    return reviews;
  }
  ASSIGN_OR_RETURN(std::vector<RecordView> views,
                   replica.ListRecords("", v1::RECORD_TYPE_REVIEW,
                                       /*include_deleted=*/false));
  for (const RecordView& view : views) reviews.push_back(As<v1::Review>(view));
  return reviews;
}

// Every move written to the `state_field` of a record, oldest first.
[[nodiscard]] absl::StatusOr<std::vector<v1::RequestMove>> MovesOf(
    const Replica& replica, const v1::RecordRef& ref, uint32_t state_field,
    const pb::EnumDescriptor* states) {
  std::vector<v1::RequestMove> moves;
  ASSIGN_OR_RETURN(std::vector<v1::Dot> dots,
                   replica.RecordChanges(ref.review_id(), ref.record_id()));
  for (const v1::Dot& dot : dots) {
    ASSIGN_OR_RETURN(std::optional<v1::Change> change, replica.ReadChange(dot));
    if (!change.has_value()) continue;
    for (const v1::FieldWrite& write : change->writes()) {
      if (write.field() != state_field ||
          write.value().kind_case() != v1::FieldValue::kEnumValue) {
        continue;
      }
      const auto* value = states->FindValueByNumber(write.value().enum_value());
      v1::RequestMove move;
      move.set_state(value == nullptr ? "" : EnumShortName(*value));
      move.set_author(change->author());
      move.set_replica(dot.replica());
      *move.mutable_time() = pb::util::TimeUtil::MillisecondsToTimestamp(
          static_cast<int64_t>(change->hlc().wall_time_ms()));
      moves.push_back(std::move(move));
    }
  }
  std::stable_sort(
      moves.begin(), moves.end(),
      [](const v1::RequestMove& a, const v1::RequestMove& b) {
        return pb::util::TimeUtil::TimestampToMilliseconds(a.time()) <
               pb::util::TimeUtil::TimestampToMilliseconds(b.time());
      });
  return moves;
}

// The requests of `review_id` in scope with their status.
[[nodiscard]] absl::Status AddRequests(
    const Replica& replica, const DeadlineScope& scope,
    const std::string& review_id, const PartnershipClock& clock,
    absl::CivilDay as_of, std::vector<v1::ContributionStatus>* out) {
  ASSIGN_OR_RETURN(
      std::vector<RecordView> requests,
      replica.ListRecords(review_id, v1::RECORD_TYPE_REQUEST, false));
  if (requests.empty()) return absl::OkStatus();
  ASSIGN_OR_RETURN(
      std::vector<RecordView> responses,
      replica.ListRecords(review_id, v1::RECORD_TYPE_RESPONSE, false));
  // Request id -> the response of the agency asked (the newest, should it
  // have made two).
  std::map<std::string, std::pair<v1::ContributionResponse, v1::RecordRef>>
      answers;
  for (const RecordView& view : responses) {
    v1::ContributionResponse response = As<v1::ContributionResponse>(view);
    auto& slot = answers[response.request_id()];
    if (slot.first.id() < response.id()) slot = {response, view.ref};
  }
  for (const RecordView& view : requests) {
    const v1::ContributionRequest request = As<v1::ContributionRequest>(view);
    if (scope.role == Role::kAgency && request.agency() != scope.agency) {
      continue;
    }
    auto answer = answers.find(request.id());
    const v1::ContributionResponse* response = nullptr;
    if (answer != answers.end() &&
        answer->second.first.owner_agency() == request.agency()) {
      response = &answer->second.first;
    }
    v1::ContributionStatus status =
        RequestStatusOf(request, response, clock.calendar, as_of);
    if (scope.role == Role::kBoard) {
      ASSIGN_OR_RETURN(
          std::vector<v1::RequestMove> moves,
          MovesOf(replica, view.ref, v1::ContributionRequest::kStateFieldNumber,
                  v1::ContributionRequest::State_descriptor()));
      if (response != nullptr) {
        ASSIGN_OR_RETURN(std::vector<v1::RequestMove> answered,
                         MovesOf(replica, answer->second.second,
                                 v1::ContributionResponse::kStateFieldNumber,
                                 v1::ContributionResponse::State_descriptor()));
        moves.insert(moves.end(), answered.begin(), answered.end());
      }
      std::stable_sort(
          moves.begin(), moves.end(),
          [](const v1::RequestMove& a, const v1::RequestMove& b) {
            return pb::util::TimeUtil::TimestampToMilliseconds(a.time()) <
                   pb::util::TimeUtil::TimestampToMilliseconds(b.time());
          });
      for (v1::RequestMove& move : moves) *status.add_moves() = std::move(move);
    }
    out->push_back(std::move(status));
  }
  return absl::OkStatus();
}

[[nodiscard]] absl::Status AddActions(const Replica& replica,
                                      const DeadlineScope& scope,
                                      const std::string& review_id,
                                      const PartnershipClock& clock,
                                      absl::CivilDay as_of,
                                      std::vector<v1::ActionStatus>* out) {
  ASSIGN_OR_RETURN(
      std::vector<RecordView> actions,
      replica.ListRecords(review_id, v1::RECORD_TYPE_ACTION, false));
  for (const RecordView& view : actions) {
    const v1::ActionPlanItem action = As<v1::ActionPlanItem>(view);
    if (scope.role == Role::kAgency && action.action_owner() != scope.agency) {
      continue;
    }
    out->push_back(ActionStatusOf(action, clock.calendar, as_of));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<v1::ListDeadlinesReply> ListDeadlines(
    const Replica& replica, const DeadlineScope& scope,
    const PartnershipClock& clock, absl::CivilDay as_of) {
  ASSIGN_OR_RETURN(std::vector<v1::Review> reviews,
                   ReviewsInScope(replica, scope));
  std::vector<v1::Deadline> deadlines;
  std::vector<v1::ContributionStatus> requests;
  std::vector<v1::ActionStatus> actions;
  v1::ListDeadlinesReply reply;
  reply.set_as_of(FormatDate(as_of));
  reply.set_calendar(clock.calendar.Describe());
  for (const v1::Review& review : reviews) {
    // The review's own clock is the board's business; an agency lists what
    // is due from it.
    if (scope.role == Role::kBoard) {
      v1::ReviewClockSummary* summary = reply.add_reviews();
      summary->set_review_id(review.id());
      summary->set_title(review.title());
      summary->set_kind(KindName(review.kind()));
      for (v1::Deadline& deadline : DeadlinesOf(review, clock, as_of)) {
        deadlines.push_back(std::move(deadline));
      }
    }
    RETURN_IF_ERROR(
        AddRequests(replica, scope, review.id(), clock, as_of, &requests));
    RETURN_IF_ERROR(
        AddActions(replica, scope, review.id(), clock, as_of, &actions));
  }
  SortByUrgency(&deadlines, [](const v1::Deadline& d) { return d.name(); });
  SortByUrgency(&requests,
                [](const v1::ContributionStatus& r) { return r.request_id(); });
  SortByUrgency(&actions,
                [](const v1::ActionStatus& a) { return a.action_id(); });
  for (v1::Deadline& d : deadlines) *reply.add_deadlines() = std::move(d);
  for (v1::ContributionStatus& r : requests) {
    *reply.add_requests() = std::move(r);
  }
  for (v1::ActionStatus& a : actions) *reply.add_actions() = std::move(a);
  return reply;
}

}  // namespace casesync
