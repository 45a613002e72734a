// The joint review document's content, section by section, as a Markdown
// document (common/document/markdown_document.h);
// common/document/review_render.h writes it out as Markdown or HTML.
//
// Sections, each a level-2 heading with the text below: "Introduction"
// (title, partnership, period, phase, terms of reference; says so when the
// version is the published one), "Method and participating agencies" (the
// Learning Together method, each agency with its summary of involvement),
// "Contribution status" (a table: records per agency, what is outstanding,
// last sync), "Composite chronology" (a table numbered #1, #2, ...: uncertain
// dates as "c. 2024-03-04", likely duplicates with every source, entries in a
// discrepancy flagged with its id, gaps in contact as rows), "Key practice
// episodes" (E1, E2, ..., as the timeline labels them), "Findings" (by
// typology category, numbered F1, F2, ..., with questions for the board),
// "Action plan" (a table), and "Appendix: open conflicts and discrepancies".
// Record ids appear only where a reader needs one to act (discrepancies,
// conflicts, references that resolve to nothing in the document).
//
// Thread-safety: pure function.
#ifndef CASESYNC_COMMON_DOCUMENT_REVIEW_DOCUMENT_H_
#define CASESYNC_COMMON_DOCUMENT_REVIEW_DOCUMENT_H_

#include "absl/strings/string_view.h"
#include "casesync/v1/review.pb.h"
#include "common/document/markdown_document.h"

namespace casesync {

// The level-2 headings, in order.
inline constexpr absl::string_view kReviewSections[] = {
    "Introduction",          "Method and participating agencies",
    "Contribution status",   "Composite chronology",
    "Key practice episodes", "Findings",
    "Action plan",           "Appendix: open conflicts and discrepancies",
};

// Appends the whole document for `review` to `doc` (normally empty).
void BuildReviewDocument(const v1::JointReview& review, MarkdownDocument* doc);

}  // namespace casesync

#endif  // CASESYNC_COMMON_DOCUMENT_REVIEW_DOCUMENT_H_
