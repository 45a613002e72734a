// Replacing the real names of a review's pseudonym map by their pseudonyms
// in a joint review, and finding any real name, part of one, or initials
// still there. Names are matched however they are written
// (common/publication/name_matcher.h says how).
//
// Replacement takes the map's full names, longest first, so "Jane Smith"
// becomes her pseudonym before "Jane" alone becomes hers. A part of a name
// (a surname alone, a first name) or initials are never replaced, only
// found: a person decides how to word the record, or redacts it
// (common/publication/publication.h). An entry with no real name is
// ignored; one with no pseudonym replaces nothing, and its name is still
// found.
//
// Pseudonyms are never flagged: a word of a real name inside a pseudonym
// ("Child" of the real name "Jay Child" in the pseudonym "Child J") is not
// reported. Anywhere else it is, even where it is only the ordinary word
// ("the child was seen"): a real name made of common words gives false
// alarms rather than a missed name.
//
// Thread-safety: pure functions.
#ifndef CASESYNC_COMMON_PUBLICATION_PSEUDONYMS_H_
#define CASESYNC_COMMON_PUBLICATION_PSEUDONYMS_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "casesync/v1/records.pb.h"
#include "casesync/v1/review.pb.h"

namespace casesync {

// Replaces every real name of `map` by its pseudonym in every string of
// `review` (every text field of every message in it, reached by
// reflection).
void ApplyPseudonyms(const std::vector<v1::PseudonymEntry>& map,
                     v1::JointReview* review);

// Every place in `review` where a real name of `map`, a part of one or
// initials appear: one line each, naming the place by record and field and
// quoting what was found, e.g.
//   chronology entry 01J...: event: "smith" (part of a real name)
//   finding 01J...: questions_for_board #2: "Jane Smith" (real name)
//   discrepancy d5b6...: versions #1.event: "Jane" (part of a real name)
// Nothing else of the map is printed. Every string field is checked, ids
// included, except a record's review_id (the review's id, checked once).
// Empty when the review is fit to publish.
std::vector<std::string> FindRealNames(
    const std::vector<v1::PseudonymEntry>& map, const v1::JointReview& review);

// The same check on a rendered document: one line per place, e.g.
//   line 12: "Smith" (part of a real name)
// Catches what rendering may have added. The text is read as it is: in
// HTML an ampersand or double quote inside a name is an entity, and in JSON a
// line break between two names is "\n", so there only the parts are found.
std::vector<std::string> FindRealNamesInText(
    const std::vector<v1::PseudonymEntry>& map, absl::string_view document);

// The text of [begin, end) of `text` on one line, white space runs as one
// space, quoted: "\"Jane Smith\"".
std::string QuoteFound(absl::string_view text, size_t begin, size_t end);

}  // namespace casesync

#endif  // CASESYNC_COMMON_PUBLICATION_PSEUDONYMS_H_
