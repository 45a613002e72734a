// The publication work of the local API (proto/casesync/v1/local_api.proto,
// "Publication"): checking what the published version of a review would
// hold, recording the review team's redactions and false alarms, the
// sign-off of the content, and the redaction log
// (docs/joint_review.md, "The published version"). The published export
// (common/api/review_service.h) asks it for the version to render.
//
// All of it is the board's: an agency holds neither the pseudonym map nor
// the decisions, and every call there is FAILED_PRECONDITION.
//
// Thread-safety: safe to call from many threads (it reads the replica and
// writes through RecordService, both thread-safe).
#ifndef CASESYNC_COMMON_API_PUBLICATION_SERVICE_H_
#define CASESYNC_COMMON_API_PUBLICATION_SERVICE_H_

#include <functional>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "casesync/v1/local_api.pb.h"
#include "common/api/record_service.h"
#include "common/publication/publication.h"

namespace casesync {

// The published version of a review as it stands, with its sign-off.
struct PublicationState {
  Publication publication;
  // The latest sign-off, if any, and whether it is of the content now.
  std::optional<v1::PublicationSignoff> signoff;
  bool signoff_current = false;
  size_t decisions = 0;
};

class PublicationService {
 public:
  // `records` is not owned and must outlive the service. `now` gives the
  // time a decision or sign-off is recorded at (absl::Now when empty).
  explicit PublicationService(RecordService* records,
                              std::function<absl::Time()> now = nullptr);

  // The published version of the review built with `rules`.
  // FAILED_PRECONDITION on an agency; NOT_FOUND for an unknown review;
  // INVALID_ARGUMENT for rules out of range or a profile that does not
  // check (common/publication/profile.h); store errors otherwise.
  [[nodiscard]] absl::StatusOr<PublicationState> Prepare(
      absl::string_view review_id, const v1::MatchRules& rules);

  // As Prepare.
  [[nodiscard]] absl::StatusOr<v1::CheckPublicationReply> Check(
      const v1::CheckPublicationRequest& request);

  // Records a sign-off of the content now. FAILED_PRECONDITION while a
  // possible leak is undecided (the message lists them); as Prepare and
  // RecordService::Edit otherwise.
  [[nodiscard]] absl::StatusOr<v1::EditRecordReply> SignOff(
      const v1::SignOffPublicationRequest& request);

  // Records a redaction or false alarm. INVALID_ARGUMENT without a record,
  // field, text, reason or action; NOT_FOUND when that field of that
  // record in the published version has no such text; as Prepare and
  // RecordService::Edit otherwise.
  [[nodiscard]] absl::StatusOr<v1::EditRecordReply> DecideLeak(
      const v1::DecideLeakRequest& request);

  // As Prepare.
  [[nodiscard]] absl::StatusOr<v1::RedactionLogReply> Log(
      const v1::RedactionLogRequest& request);

 private:
  RecordService* const records_;
  const std::function<absl::Time()> now_;
};

// Who a decision or sign-off is recorded as made by: the request's author
// today; the one place to take the verified account from instead.
std::string DecidedBy(absl::string_view request_author);

}  // namespace casesync

#endif  // CASESYNC_COMMON_API_PUBLICATION_SERVICE_H_
