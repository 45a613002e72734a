// Rendering the joint review (review.proto's JointReview) as the document a
// review team reads: Markdown, one self-contained HTML file, or JSON.
//
// The sections, in order (common/document/review_document.h lists their
// headings): introduction and terms of reference; method and participating
// agencies; contribution status per agency; composite chronology; key practice
// episodes; findings by typology category with questions for the board;
// action plan; appendix of open conflicts and discrepancies.
//
// The document is built as a cmark-gfm node tree, record text always in text
// nodes (common/document/markdown_document.h), so it is never interpreted as
// Markdown or HTML: cmark-gfm escapes it when writing the Markdown, GitHub
// tables included, and when writing the HTML (safe mode). In table cells,
// headings and list items a line break of the record text becomes a space;
// elsewhere each line of a free-text field is a paragraph.
//
// The HTML page opens with a timeline picture (the published report: after
// its title) (common/document/timeline_svg.h:
// inline SVG, one lane per agency, each contact a mark, key practice episodes
// as shaded spans, discrepancies ringed, gaps in contact hatched), then the
// document: the same tree rendered to HTML by cmark-gfm, which is what
// parsing the Markdown gives (review_render_test checks). Inline CSS reads
// on screen and prints on A4; no scripts, fonts or anything else fetched.
//
// Output depends only on the JointReview (no clock, no randomness, map
// fields in key order), so the same review renders to the same bytes (golden
// files in tests/golden/). A review of 10,000 chronology entries renders to
// HTML in about a tenth of a second.
//
// Thread-safety: pure functions.
#ifndef CASESYNC_COMMON_DOCUMENT_REVIEW_RENDER_H_
#define CASESYNC_COMMON_DOCUMENT_REVIEW_RENDER_H_

#include <string>

#include "casesync/v1/review.pb.h"

namespace casesync {

std::string RenderReviewMarkdown(const v1::JointReview& review);
std::string RenderReviewHtml(const v1::JointReview& review);
// The protobuf JSON mapping with the proto field names kept, indented, and
// ending in a newline; fields at their default are left out, as proto3 JSON
// does.
std::string RenderReviewJson(const v1::JointReview& review);

}  // namespace casesync

#endif  // CASESYNC_COMMON_DOCUMENT_REVIEW_RENDER_H_
