// Finding the names of a review's pseudonym map in text, however they are
// written, and replacing them by their pseudonyms.
//
// Text and names are compared folded (common/publication/folded_text.h):
// letter case, accents in either normal form, typographic and ASCII
// apostrophes and hyphens, Unicode spaces, zero-width characters and
// look-alike letters of other scripts make no difference. Names match whole
// words only ("Smith" is not in "Smithson", nor "Jayden" in "Jaydens"); a
// possessive after a name ("O’Brien's", "Jones'") stays outside the match.
// Between the words of a name any white space or a line break may stand,
// or a hyphen, or nothing ("Jane Smith" is in "jane.smith@", and
// "SmithJones" is "Smith-Jones"); where the name has an apostrophe or a
// hyphen the text may have either, a space or nothing ("O Brien",
// "OBrien", "Smith Jones").
//
// What is found, for each entry of the map:
//   - the full name (a "real name", "place" or "organisation"): replaced
//     by its pseudonym, longest name first, when the entry has one;
//   - for a person, each word of two letters or more on its own, and each
//     hyphenated or apostrophised part ("O'Brien" of "Jane O'Brien"): a
//     "part of a real name", never replaced (a person decides the wording);
//   - for a person of two words or more, the initials in capitals with
//     stops, spaces, the name's own apostrophes or hyphens ("J.O'B.",
//     "J. O'B", "Z.S-J.", "JOB"), but not bare initials that are a common
//     abbreviation of the field ("GP", "DSL"): "initials";
//   - for a place or organisation, each of its distinctive words (not
//     "street", "school", "surgery" and the like) on its own: a "part of a
//     place name" or "part of an organisation's name".
// A part or initials inside a pseudonym ("Child" of the real name "Jay
// Child" in the pseudonym "Child J"), or inside a longer hit, are not found
// again.
//
// Thread-safety: a NameMatcher is immutable after construction; its const
// methods may be called from many threads.
#ifndef CASESYNC_COMMON_PUBLICATION_NAME_MATCHER_H_
#define CASESYNC_COMMON_PUBLICATION_NAME_MATCHER_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "casesync/v1/records.pb.h"

namespace casesync {

class NameMatcher {
 public:
  enum class HitKind { kFullName, kPart, kInitials };

  struct Hit {
    // Byte offsets into the text searched.
    size_t begin = 0;
    size_t end = 0;
    HitKind kind = HitKind::kFullName;
    // The map entry it is of.
    const v1::PseudonymEntry* entry = nullptr;
  };

  // One replacement made: the text as written and the pseudonym put in.
  struct Replacement {
    std::string original;
    std::string pseudonym;
    const v1::PseudonymEntry* entry = nullptr;
  };

  // Entries without a real name are ignored. `map` must outlive the
  // matcher (hits point into it).
  explicit NameMatcher(const std::vector<v1::PseudonymEntry>& map);
  ~NameMatcher();
  NameMatcher(const NameMatcher&) = delete;
  NameMatcher& operator=(const NameMatcher&) = delete;

  bool empty() const;

  // Replaces every full name whose entry has a pseudonym; appends what it
  // replaced to `made` (may be null). False if nothing was replaced.
  bool Replace(std::string* text, std::vector<Replacement>* made) const;

  // Every full name, part and initials in `text` (not within a pseudonym or
  // a longer hit), in order.
  std::vector<Hit> Find(absl::string_view text) const;

  // How a hit is described: "real name", "part of a real name",
  // "initials", "place", "part of a place name", "organisation", "part of
  // an organisation's name".
  static std::string Describe(const Hit& hit);

 private:
  struct Patterns;
  std::unique_ptr<const Patterns> patterns_;
};

}  // namespace casesync

#endif  // CASESYNC_COMMON_PUBLICATION_NAME_MATCHER_H_
