// The statutory timeline of the joint review document
// (docs/statutory_process.md, "In the report"): the review's key dates and
// its deadlines in date order, each deadline with whether it was met, and
// every missed deadline with the reason recorded for it (or a note that
// none is).
//
// Thread-safety: pure function.
#ifndef CASESYNC_COMMON_DOCUMENT_STATUTORY_TIMELINE_H_
#define CASESYNC_COMMON_DOCUMENT_STATUTORY_TIMELINE_H_

#include "casesync/v1/review.pb.h"
#include "common/document/markdown_document.h"

namespace casesync {

// Appends the timeline to `doc` as a level-3 section "Statutory timeline";
// nothing when the review has no clock (no key dates, no deadlines).
void AddStatutoryTimeline(const v1::JointReview& review, MarkdownDocument* doc);

}  // namespace casesync

#endif  // CASESYNC_COMMON_DOCUMENT_STATUTORY_TIMELINE_H_
