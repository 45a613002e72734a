// The published report: the joint review laid out as a Local Child
// Safeguarding Practice Review report for the public
// (docs/joint_review.md, "The report"), from the published version of a
// review (common/publication/publication.h made it: JointReview.published).
//
// The title comes first, then the timeline (in HTML and PDF), then the
// level-2 sections of kPublishedReportSections in that order. A section
// whose records hold nothing is left out (the publication profile leaves a
// section out by emptying it), except the introduction and the method.
// Each section is fed by records: the review's own fields (executive
// summary, about the child, family and practitioner involvement, key lines
// of enquiry, parallel processes, good practice, glossary, terms of
// reference, kind and methodology), the agencies' summaries, the
// chronology, the key practice episodes, and the findings, each printed
// once with all its categories and followed by its recommendation and the
// partners' response. Dates read as the profile made them: a month
// ("2024-03") as "March 2024", or its label (JointReview.date_labels: the
// child's age). No agency source reference, time of day, match score,
// record id, sync or contribution table appears.
//
// Thread-safety: pure function.
#ifndef CASESYNC_COMMON_DOCUMENT_PUBLISHED_REPORT_H_
#define CASESYNC_COMMON_DOCUMENT_PUBLISHED_REPORT_H_

#include "absl/strings/string_view.h"
#include "casesync/v1/review.pb.h"
#include "common/document/markdown_document.h"

namespace casesync {

// The level-2 headings, in order.
inline constexpr absl::string_view kPublishedReportSections[] = {
    "Executive summary",
    "Introduction",
    "About the child",
    "Methodology",
    "Family involvement",
    "Practitioner involvement",
    "Key lines of enquiry",
    "Parallel processes",
    "Agencies' involvement",
    "Chronology of key events",
    "Key practice episodes",
    "Findings",
    "Good practice",
    "Recommendations and the partners' response",
    "Glossary",
};

// Appends the published report for `review` to `doc` (normally empty).
void BuildPublishedReport(const v1::JointReview& review, MarkdownDocument* doc);

}  // namespace casesync

#endif  // CASESYNC_COMMON_DOCUMENT_PUBLISHED_REPORT_H_
