#include "common/api/publication_service.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/base/status_macros.h"
#include "common/publication/profile.h"
#include "common/publication/review_text.h"
#include "common/review/joint_review.h"

namespace casesync {
namespace {

// Every live record of `type` in the review, as `T`, by id.
template <typename T>
[[nodiscard]] absl::StatusOr<std::vector<T>> ReadAll(
    const Replica& replica, absl::string_view review_id, v1::RecordType type) {
  ASSIGN_OR_RETURN(std::vector<RecordView> views,
                   replica.ListRecords(review_id, type,
                                       /*include_deleted=*/false));
  std::vector<T> out;
  out.reserve(views.size());
  for (const RecordView& view : views) {
    T typed;
    typed.CopyFrom(*view.message);
    out.push_back(std::move(typed));
  }
  std::sort(out.begin(), out.end(),
            [](const T& a, const T& b) { return a.id() < b.id(); });
  return out;
}

void Set(v1::EditRecordRequest* request, absl::string_view name,
         absl::string_view value) {
  v1::FieldSetting* setting = request->add_set();
  setting->set_name(std::string(name));
  setting->set_value(std::string(value));
}

std::string ListLeaks(const std::vector<v1::PublicationLeak>& leaks) {
  std::vector<std::string> lines;
  lines.reserve(leaks.size());
  for (const v1::PublicationLeak& leak : leaks) {
    lines.push_back(DescribeLeak(leak));
  }
  return absl::StrJoin(lines, "\n");
}

// Whether the field `place` of the published version holds `text`, spaces
// compared loosely.
bool HoldsText(const v1::JointReview& review, absl::string_view record_id,
               absl::string_view field, absl::string_view text) {
  const std::string wanted = CollapseSpaces(text);
  bool found = false;
  VisitReviewText(review, [&](const TextPlace& place, const std::string& s) {
    if (found || place.record_id != record_id || place.field != field) return;
    found = CollapseSpaces(s).find(wanted) != std::string::npos;
  });
  return found;
}

}  // namespace

std::string DecidedBy(absl::string_view request_author) {
  return std::string(request_author);
}

PublicationService::PublicationService(RecordService* records,
                                       std::function<absl::Time()> now)
    : records_(records),
      now_(now ? std::move(now) : [] { return absl::Now(); }) {}

absl::StatusOr<PublicationState> PublicationService::Prepare(
    absl::string_view review_id, const v1::MatchRules& rules) {
  if (records_->role() != Role::kBoard) {
    return absl::FailedPreconditionError(
        "the published version is made on the board, which holds the "
        "review's pseudonym map and the review team's decisions");
  }
  const Replica& replica = *records_->replica();
  JointReviewOptions options;
  options.rules = rules;
  options.published = true;
  ASSIGN_OR_RETURN(v1::JointReview review,
                   BuildJointReview(replica, review_id, options));
  PublicationInputs inputs;
  ASSIGN_OR_RETURN(inputs.map, PseudonymMap(replica, review_id));
  ASSIGN_OR_RETURN(inputs.decisions,
                   ReadAll<v1::LeakDecision>(replica, review_id,
                                             v1::RECORD_TYPE_LEAK_DECISION));
  ASSIGN_OR_RETURN(
      std::vector<v1::PublicationProfile> profiles,
      ReadAll<v1::PublicationProfile>(replica, review_id,
                                      v1::RECORD_TYPE_PUBLICATION_PROFILE));
  if (!profiles.empty()) {
    RETURN_IF_ERROR(CheckPublicationProfile(profiles.front()));
    inputs.profile = profiles.front();
  }
  ASSIGN_OR_RETURN(std::vector<v1::PublicationSignoff> signoffs,
                   ReadAll<v1::PublicationSignoff>(replica, review_id,
                                                   v1::RECORD_TYPE_SIGNOFF));
  PublicationState state;
  state.decisions = inputs.decisions.size();
  state.publication = PreparePublication(std::move(review), inputs);
  // Ids are minted in time order: the last is the latest.
  if (!signoffs.empty()) {
    state.signoff = signoffs.back();
    state.signoff_current =
        state.signoff->content_hash() == state.publication.content_hash;
  }
  return state;
}

absl::StatusOr<v1::CheckPublicationReply> PublicationService::Check(
    const v1::CheckPublicationRequest& request) {
  ASSIGN_OR_RETURN(PublicationState state,
                   Prepare(request.review_id(), request.rules()));
  v1::CheckPublicationReply reply;
  for (v1::PublicationLeak& leak : state.publication.leaks) {
    *reply.add_leaks() = std::move(leak);
  }
  reply.set_content_hash(state.publication.content_hash);
  if (state.signoff) *reply.mutable_signoff() = *state.signoff;
  reply.set_signoff_current(state.signoff_current);
  reply.set_decisions(state.decisions);
  return reply;
}

absl::StatusOr<v1::EditRecordReply> PublicationService::SignOff(
    const v1::SignOffPublicationRequest& request) {
  ASSIGN_OR_RETURN(PublicationState state,
                   Prepare(request.review_id(), request.rules()));
  const std::vector<v1::PublicationLeak>& leaks = state.publication.leaks;
  if (!leaks.empty()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "not fit to publish, so not signed off: ", leaks.size(),
        leaks.size() == 1 ? " possible leak is" : " possible leaks are",
        " undecided (reword the record, add the name to the pseudonym map, "
        "or resolve each with casesync publication redact or false-alarm):\n",
        ListLeaks(leaks)));
  }
  v1::EditRecordRequest edit;
  edit.set_review_id(request.review_id());
  edit.set_type("signoff");
  edit.set_create(true);
  edit.set_author(request.author());
  Set(&edit, "content_hash", state.publication.content_hash);
  Set(&edit, "note", request.note());
  Set(&edit, "signed_by", DecidedBy(request.author()));
  Set(&edit, "signed_at",
      absl::FormatTime(absl::RFC3339_sec, now_(), absl::UTCTimeZone()));
  return records_->Edit(edit);
}

absl::StatusOr<v1::EditRecordReply> PublicationService::DecideLeak(
    const v1::DecideLeakRequest& request) {
  if (request.record_id().empty() || request.field().empty() ||
      CollapseSpaces(request.text()).empty()) {
    return absl::InvalidArgumentError(
        "say which possible leak: --record ID --field F --text T, as "
        "casesync export --published lists it");
  }
  if (request.reason().empty()) {
    return absl::InvalidArgumentError(
        "a redaction or false alarm needs a reason (--reason TEXT), for the "
        "record");
  }
  const char* action = nullptr;
  switch (request.action()) {
    case v1::LeakDecision::ACTION_REDACT:
      action = "redact";
      break;
    case v1::LeakDecision::ACTION_FALSE_ALARM:
      action = "false_alarm";
      break;
    default:
      return absl::InvalidArgumentError("redact or false alarm?");
  }
  ASSIGN_OR_RETURN(PublicationState state,
                   Prepare(request.review_id(), request.rules()));
  if (!HoldsText(state.publication.review, request.record_id(), request.field(),
                 request.text())) {
    return absl::NotFoundError(
        absl::StrCat("the published version of review ", request.review_id(),
                     " has no \"", CollapseSpaces(request.text()), "\" in ",
                     request.field(), " of record ", request.record_id(),
                     " (casesync export --published lists what it finds)"));
  }
  v1::EditRecordRequest edit;
  edit.set_review_id(request.review_id());
  edit.set_type("leak_decision");
  edit.set_create(true);
  edit.set_author(request.author());
  Set(&edit, "record_id", request.record_id());
  Set(&edit, "field", request.field());
  Set(&edit, "text", CollapseSpaces(request.text()));
  Set(&edit, "action", action);
  Set(&edit, "replacement", request.replacement());
  Set(&edit, "reason", request.reason());
  Set(&edit, "decided_by", DecidedBy(request.author()));
  Set(&edit, "decided_at",
      absl::FormatTime(absl::RFC3339_sec, now_(), absl::UTCTimeZone()));
  return records_->Edit(edit);
}

absl::StatusOr<v1::RedactionLogReply> PublicationService::Log(
    const v1::RedactionLogRequest& request) {
  ASSIGN_OR_RETURN(PublicationState state,
                   Prepare(request.review_id(), request.rules()));
  v1::RedactionLogReply reply;
  for (v1::RedactionLogEntry& entry : state.publication.log) {
    *reply.add_entries() = std::move(entry);
  }
  ASSIGN_OR_RETURN(
      std::vector<v1::LeakDecision> decisions,
      ReadAll<v1::LeakDecision>(*records_->replica(), request.review_id(),
                                v1::RECORD_TYPE_LEAK_DECISION));
  for (v1::LeakDecision& decision : decisions) {
    *reply.add_decisions() = std::move(decision);
  }
  ASSIGN_OR_RETURN(
      std::vector<v1::PublicationProfile> profiles,
      ReadAll<v1::PublicationProfile>(*records_->replica(), request.review_id(),
                                      v1::RECORD_TYPE_PUBLICATION_PROFILE));
  if (!profiles.empty()) *reply.mutable_profile() = profiles.front();
  return reply;
}

}  // namespace casesync
