// Which ChronologyEntry field each heading of an agency's file holds
// (docs/joint_review.md, "Import"): the field's own name, a recognised
// synonym ("Source of information" is source, "Event / contact" is event,
// "Child seen?" is child_seen), or what the user or the agency's saved
// mapping says ("Heading=field", "Heading=ignore"). Headings are compared
// ignoring case, punctuation and word order.
//
// Thread-safety: pure functions.
#ifndef CASESYNC_COMMON_IMPORT_HEADING_MAP_H_
#define CASESYNC_COMMON_IMPORT_HEADING_MAP_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace casesync {

// What a mapping may name instead of a field: the column is not imported.
inline constexpr absl::string_view kIgnoredColumn = "ignore";

struct ColumnMapping {
  std::string heading;
  // The ChronologyEntry field, or "ignore".
  std::string field;
  // Why: "field name", "synonym", "--map" or "saved mapping".
  std::string because;
};

// How headings were given by the user: normalised heading -> field.
using ExplicitMapping = std::map<std::string, std::string>;

// `heading` as headings are compared: lower case, letters and digits only,
// words sorted ("Event / contact" and "Contact (event)" are "contact event").
std::string NormaliseHeading(absl::string_view heading);

// Adds the "Heading=field" pairs of `pairs` to `mapping`. INVALID_ARGUMENT
// for a pair with no '=', or a field that is no writable ChronologyEntry
// field nor "ignore".
[[nodiscard]] absl::Status AddMappingPairs(
    const std::vector<std::string>& pairs, ExplicitMapping* mapping);

// The field of each of `headings`, in order: from `given` (the user's --map)
// first, then `saved` (the agency's saved mapping), then field names and
// synonyms. INVALID_ARGUMENT listing every heading no rule maps (and the
// fields it could be), two headings mapped to one field, or no heading for
// a required field (date, source, event).
[[nodiscard]] absl::StatusOr<std::vector<ColumnMapping>> MapHeadings(
    const std::vector<std::string>& headings, const ExplicitMapping& given,
    const ExplicitMapping& saved);

}  // namespace casesync

#endif  // CASESYNC_COMMON_IMPORT_HEADING_MAP_H_
