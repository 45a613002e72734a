// The timeline picture that opens the HTML export of a joint review: an
// inline SVG with one lane per agency, time running left to right with month
// ticks, each chronology entry a mark on the lane of every agency that
// recorded it (the marks of a likely duplicate joined by a line), key
// practice episodes as shaded spans across their agencies' lanes (labelled
// E1, E2, ... as the document numbers them), entries in a discrepancy ringed
// in red, and gaps in contact as hatched bands labelled with their length.
//
// Only text known to be safe goes into the markup as it is: agency ids of
// the restricted id alphabet, validated dates, numbers and fixed words. Any
// other text (an agency id that is not a valid id) is escaped by cmark-gfm
// (common/document/markdown_document.h). Each mark is one short element, so a
// review of 10,000 entries gives a picture of well under a megabyte.
//
// Thread-safety: pure functions.
#ifndef CASESYNC_COMMON_DOCUMENT_TIMELINE_SVG_H_
#define CASESYNC_COMMON_DOCUMENT_TIMELINE_SVG_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "casesync/v1/review.pb.h"

namespace casesync {

// The lanes, top to bottom: the agencies of the contributions in their
// order, then any other agency of the review, then any other agency that
// recorded a chronology entry (the board, say), sorted.
std::vector<std::string> TimelineLanes(const v1::JointReview& review);

// The <svg> element, ending in a newline. Lanes have class "tl-lane"; marks
// are the <circle> elements of the group with class "tl-marks", one per
// source of every chronology entry with a valid date.
std::string RenderTimelineSvg(const v1::JointReview& review);

// Days since 1970-01-01 of a valid "YYYY-MM-DD" date; nullopt otherwise.
std::optional<int> ParseIsoDate(absl::string_view date);

}  // namespace casesync

#endif  // CASESYNC_COMMON_DOCUMENT_TIMELINE_SVG_H_
