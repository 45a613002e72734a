// Assembling the joint review (review.proto's JointReview) from the records a
// replica holds: the review, every agency's contribution, the composite
// chronology and discrepancies (common/review/event_matching.h) with the review
// team's decisions, episodes with their factors, findings by category, the
// action plan and open conflicts; the statutory clock's key dates and
// deadlines (common/review/statutory_clock.h), and each entry's subject and
// the child's age on its date (from a date of birth only the board holds).
//
// Thread-safety: reads the replica only; safe from many threads.
#ifndef CASESYNC_COMMON_REVIEW_JOINT_REVIEW_H_
#define CASESYNC_COMMON_REVIEW_JOINT_REVIEW_H_

#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "casesync/v1/local_api.pb.h"
#include "casesync/v1/review.pb.h"
#include "common/calendar/partnership_clock.h"
#include "common/replica/replica.h"

namespace casesync {

struct JointReviewOptions {
  // Rules for the chronology and discrepancies (zero fields: defaults).
  v1::MatchRules rules;
  // Only records of published visibility, and no open conflicts (the
  // caller makes it fit to publish: common/publication/publication.h).
  bool published = false;
  // The board's status, for each agency's last contact and verdicts; null
  // on an agency daemon.
  const v1::BoardStatus* board = nullptr;
  // What the statutory clock counts with, and the day it is read on; null:
  // no clock in the review (docs/statutory_process.md).
  const PartnershipClock* clock = nullptr;
  absl::CivilDay as_of;
};

// NOT_FOUND for a review the replica does not hold; INVALID_ARGUMENT for
// rules out of range; store errors otherwise.
[[nodiscard]] absl::StatusOr<v1::JointReview> BuildJointReview(
    const Replica& replica, absl::string_view review_id,
    const JointReviewOptions& options);

// The review's pseudonym map (empty on an agency, which never holds it).
[[nodiscard]] absl::StatusOr<std::vector<v1::PseudonymEntry>> PseudonymMap(
    const Replica& replica, absl::string_view review_id);

}  // namespace casesync

#endif  // CASESYNC_COMMON_REVIEW_JOINT_REVIEW_H_
