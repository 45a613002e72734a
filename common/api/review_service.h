// The joint review work of the local API (proto/casesync/v1/local_api.proto):
// listing discrepancies, recording the review team's decisions on them, and
// exporting the joint review document (common/review/joint_review.h assembles
// it, common/document/review_render.h renders it, and
// common/api/publication_service.h makes the published version).
//
// Thread-safety: safe to call from many threads (it reads the replica and
// writes through RecordService, both thread-safe).
#ifndef CASESYNC_COMMON_API_REVIEW_SERVICE_H_
#define CASESYNC_COMMON_API_REVIEW_SERVICE_H_

#include <functional>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "casesync/v1/local_api.pb.h"
#include "common/api/publication_service.h"
#include "common/api/record_service.h"
#include "common/api/sync_control.h"
#include "common/calendar/partnership_clock.h"
#include "common/document/office_formats.h"

namespace casesync {

// Takes the next piece of an exported document; false if the caller has
// gone (the export stops).
using ExportSink = std::function<bool(absl::string_view piece)>;

class ReviewService {
 public:
  // None is owned; each must outlive the service. `clock` is what the
  // exported report's statutory timeline counts with; `office_formats`: how
  // Word and PDF are made (on the board).
  ReviewService(RecordService* records, SyncControl* sync,
                const PartnershipClock* clock, PublicationService* publication,
                OfficeFormatOptions office_formats = {})
      : records_(records),
        sync_(sync),
        clock_(clock),
        publication_(publication),
        office_formats_(std::move(office_formats)) {}

  // NOT_FOUND for an unknown review; INVALID_ARGUMENT for rules out of
  // range; store errors otherwise.
  [[nodiscard]] absl::StatusOr<v1::ListDiscrepanciesReply> ListDiscrepancies(
      const v1::ListDiscrepanciesRequest& request);

  // Writes (or, for a discrepancy decided before, edits) the decision record.
  // INVALID_ARGUMENT without a rationale or choice, for a version other than
  // 1 or 2, or a value that does not parse as the field; NOT_FOUND for an
  // unknown review or a discrepancy not found under the rules given;
  // FAILED_PRECONDITION on an agency daemon; as RecordService::Edit
  // otherwise.
  [[nodiscard]] absl::StatusOr<v1::EditRecordReply> Decide(
      const v1::DecideDiscrepancyRequest& request);

  // Renders the document and hands it to `send` in pieces of at most 1 MiB,
  // only once it is complete and checked. Word and PDF are made on the
  // board only (common/document/office_formats.h; UNAVAILABLE when the
  // program is missing, fails or is too slow). INVALID_ARGUMENT for an unknown
  // format; NOT_FOUND for an unknown review; FAILED_PRECONDITION for a
  // published export on an agency daemon (the map is on the board), one
  // with a possible leak undecided (the message lists every place, one per
  // line: record, field and text), or one without a sign-off of its
  // current content; CANCELLED if `send` returns false.
  [[nodiscard]] absl::Status Export(const v1::ExportReviewRequest& request,
                                    const ExportSink& send);

 private:
  // The joint review `request` exports: the working review, or the
  // published version once it may be published.
  [[nodiscard]] absl::StatusOr<v1::JointReview> Assemble(
      const v1::ExportReviewRequest& request);

  RecordService* const records_;
  SyncControl* const sync_;
  const PartnershipClock* const clock_;
  PublicationService* const publication_;
  const OfficeFormatOptions office_formats_;
};

}  // namespace casesync

#endif  // CASESYNC_COMMON_API_REVIEW_SERVICE_H_
