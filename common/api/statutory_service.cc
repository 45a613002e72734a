#include "common/api/statutory_service.h"

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/base/status_macros.h"
#include "common/calendar/dates.h"
#include "common/replica/review_lookup.h"
#include "common/review/contributions.h"
#include "common/review/deadline_listing.h"

namespace casesync {
namespace {

void Set(v1::EditRecordRequest* edit, absl::string_view name,
         absl::string_view value) {
  v1::FieldSetting* setting = edit->add_set();
  setting->set_name(std::string(name));
  setting->set_value(std::string(value));
}

// The request `request_id` of `review_id`. NOT_FOUND if the replica holds
// no such request.
[[nodiscard]] absl::StatusOr<v1::ContributionRequest> ReadRequest(
    const Replica& replica, const std::string& review_id,
    const std::string& request_id) {
  absl::StatusOr<RecordView> view = replica.ReadRecord(review_id, request_id);
  if (!view.ok() || view->ref.type() != v1::RECORD_TYPE_REQUEST ||
      view->deleted) {
    if (view.ok() || absl::IsNotFound(view.status())) {
      return absl::NotFoundError(absl::StrCat(
          "review ", review_id, " has no contribution request ", request_id,
          " (casesync deadlines --review ", review_id, " lists them)"));
    }
    return view.status();
  }
  v1::ContributionRequest request;
  request.CopyFrom(*view->message);
  return request;
}

// The response of `agency` to `request_id`, if it has made one (the newest,
// should it have made two).
[[nodiscard]] absl::StatusOr<std::optional<v1::ContributionResponse>>
ResponseOf(const Replica& replica, const std::string& review_id,
           const std::string& request_id, const std::string& agency) {
  ASSIGN_OR_RETURN(
      std::vector<RecordView> views,
      replica.ListRecords(review_id, v1::RECORD_TYPE_RESPONSE, false));
  std::optional<v1::ContributionResponse> found;
  for (const RecordView& view : views) {
    if (view.ref.owner_agency() != agency) continue;
    v1::ContributionResponse response;
    response.CopyFrom(*view.message);
    if (response.request_id() != request_id) continue;
    if (!found.has_value() || found->id() < response.id()) found = response;
  }
  return found;
}

}  // namespace

absl::StatusOr<absl::CivilDay> StatutoryService::DayOrToday(
    absl::string_view text, absl::string_view what) {
  if (text.empty()) return Today(*wall_);
  return ParseDate(text, what);
}

absl::StatusOr<v1::ListDeadlinesReply> StatutoryService::ListDeadlines(
    const v1::ListDeadlinesRequest& request) {
  ASSIGN_OR_RETURN(const absl::CivilDay as_of,
                   DayOrToday(request.as_of(), "--as-of"));
  DeadlineScope scope;
  scope.role = records_->role();
  scope.agency = records_->replica()->id();
  scope.review_id = request.review_id();
  return casesync::ListDeadlines(*records_->replica(), scope, *clock_, as_of);
}

absl::StatusOr<v1::EditRecordReply> StatutoryService::MoveRequest(
    const v1::MoveRequestRequest& request) {
  ASSIGN_OR_RETURN(const absl::CivilDay day,
                   DayOrToday(request.date(), "the move's date (--on)"));
  ASSIGN_OR_RETURN(v1::ContributionRequest asked,
                   ReadRequest(*records_->replica(), request.review_id(),
                               request.request_id()));
  if (records_->role() == Role::kBoard) return MoveAsBoard(request, asked);
  return MoveAsAgency(request, asked, day);
}

absl::StatusOr<v1::EditRecordReply> StatutoryService::MoveAsAgency(
    const v1::MoveRequestRequest& request, const v1::ContributionRequest& asked,
    absl::CivilDay day) {
  const Replica& replica = *records_->replica();
  if (asked.agency() != replica.id()) {
    return absl::FailedPreconditionError(
        absl::StrCat("request ", asked.id(), " is made of ", asked.agency(),
                     ", not of ", replica.id()));
  }
  ASSIGN_OR_RETURN(std::optional<v1::ContributionResponse> response,
                   ResponseOf(replica, request.review_id(),
                              request.request_id(), replica.id()));
  RETURN_IF_ERROR(CheckMove(
      Role::kAgency,
      RequestState(asked, response.has_value() ? &*response : nullptr),
      request.to()));
  if (request.to() == "signed_off" && request.signed_off_by().empty()) {
    return absl::InvalidArgumentError(
        "a sign-off names the agency's senior manager who gives it (--by "
        "\"NAME, ROLE\")");
  }
  v1::EditRecordRequest edit;
  edit.set_review_id(request.review_id());
  edit.set_type("response");
  edit.set_author(request.author());
  if (response.has_value()) {
    edit.set_record_id(response->id());
  } else {
    edit.set_create(true);
    Set(&edit, "request_id", asked.id());
    // Between the agency and the board (docs/statutory_process.md).
    Set(&edit, "visibility", "agency");
  }
  Set(&edit, "state", request.to());
  Set(&edit, "answers_query", absl::StrCat(asked.queries()));
  if (request.to() == "submitted")
    Set(&edit, "submitted_date", FormatDate(day));
  if (request.to() == "signed_off") {
    Set(&edit, "signed_off_by", request.signed_off_by());
    Set(&edit, "signed_off_date", FormatDate(day));
  }
  if (!request.note().empty()) Set(&edit, "note", request.note());
  return records_->Edit(edit);
}

absl::StatusOr<v1::EditRecordReply> StatutoryService::MoveAsBoard(
    const v1::MoveRequestRequest& request,
    const v1::ContributionRequest& asked) {
  // The board holds the agency's response as the agency's record.
  ASSIGN_OR_RETURN(std::optional<v1::ContributionResponse> response,
                   ResponseOf(*records_->replica(), request.review_id(),
                              asked.id(), asked.agency()));
  RETURN_IF_ERROR(CheckMove(
      Role::kBoard,
      RequestState(asked, response.has_value() ? &*response : nullptr),
      request.to()));
  v1::EditRecordRequest edit;
  edit.set_review_id(request.review_id());
  edit.set_type("request");
  edit.set_record_id(asked.id());
  edit.set_author(request.author());
  Set(&edit, "state", request.to());
  if (request.to() == "queried") {
    Set(&edit, "queries", absl::StrCat(asked.queries() + 1));
  }
  if (!request.note().empty()) Set(&edit, "board_note", request.note());
  return records_->Edit(edit);
}

absl::StatusOr<OverdueCounts> StatutoryService::Overdue() {
  const absl::Time now =
      absl::FromUnixMillis(static_cast<int64_t>(wall_->NowMillis()));
  const absl::CivilDay today = Today(*wall_);
  absl::MutexLock lock(&overdue_mu_);
  if (now - overdue_at_ < kOverdueRefresh && overdue_day_ == today) {
    return overdue_;
  }
  DeadlineScope scope;
  scope.role = records_->role();
  scope.agency = records_->replica()->id();
  ASSIGN_OR_RETURN(
      v1::ListDeadlinesReply listing,
      casesync::ListDeadlines(*records_->replica(), scope, *clock_, today));
  OverdueCounts counts;
  for (const v1::Deadline& d : listing.deadlines()) {
    counts.deadlines += d.overdue();
  }
  for (const v1::ContributionStatus& r : listing.requests()) {
    counts.requests += r.overdue();
  }
  for (const v1::ActionStatus& a : listing.actions()) {
    counts.actions += a.overdue();
  }
  overdue_ = counts;
  overdue_at_ = now;
  overdue_day_ = today;
  return counts;
}

}  // namespace casesync
