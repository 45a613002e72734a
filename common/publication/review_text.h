// Every piece of text in a joint review (review.proto's JointReview), with
// the record and field it is in: what the publication check reads and what
// replacement and redaction change. Reached by reflection, so a field added
// to a record is checked without a change here.
//
// A place is named as the check reports it:
//   chronology entry 01J...: event
//   finding 01J...: questions_for_board #2
//   discrepancy d5b6...: versions #1.event
//   review: title
// Every string field is visited, ids included, except a record's review_id
// (the review's id, visited once with the review) and bytes fields.
//
// Thread-safety: pure functions.
#ifndef CASESYNC_COMMON_PUBLICATION_REVIEW_TEXT_H_
#define CASESYNC_COMMON_PUBLICATION_REVIEW_TEXT_H_

#include <functional>
#include <string>

#include "casesync/v1/review.pb.h"

namespace casesync {

struct TextPlace {
  // How the record is named: "chronology entry 01J...", "review".
  std::string label;
  // Its id ("" for text outside any record: a contribution, a conflict);
  // the review's id for the review.
  std::string record_id;
  // The field within it: "event", "questions_for_board #2".
  std::string field;
};

// Calls `visit` with every string of `review` and where it is; `visit` may
// change the string.
void VisitReviewText(
    v1::JointReview* review,
    const std::function<void(const TextPlace&, std::string*)>& visit);

// The same, reading only.
void VisitReviewText(
    const v1::JointReview& review,
    const std::function<void(const TextPlace&, const std::string&)>& visit);

}  // namespace casesync

#endif  // CASESYNC_COMMON_PUBLICATION_REVIEW_TEXT_H_
