// Finding identifiers in text without a list of them: what would identify a
// child or family in a published report even where no name is written.
//
// The text is read folded for identifiers (common/publication/folded_text.h):
// full-width digits are digits, zero-width characters are nothing, every
// space is a space and every dash a hyphen, so an identifier spaced or split
// oddly is still found. What is found:
//   - "NHS number": ten digits, grouped any way (3-3-4 as usual, in one run,
//     one by one, with spaces, hyphens or stops) whose tenth digit is the
//     mod-11 check digit of the first nine (a check of 10 is no number);
//   - "phone number": a UK number (0 and ten or eleven digits in all, or
//     +44 / 0044 with or without "(0)") in any grouping;
//   - "postcode": a UK postcode by the official format (outward code A9,
//     A99, A9A, AA9, AA99 or AA9A, inward code 9 and two letters other than
//     C, I, K, M, O, V; GIR 0AA), any case, with or without the space;
//   - "street address": a house number (and letter) before one to three
//     capitalised words ending in a street word ("12 Elm Street", "4a
//     Mill Ln");
//   - "e-mail address": name@domain.tld, also written "name at domain dot
//     com" or with [at] and (dot);
//   - "National Insurance number": two letters, six digits (in pairs or
//     not) and a suffix A-D; without the suffix, only with a prefix HMRC
//     issues;
//   - "date of birth": a full date (04/03/2015, 4.3.15, 2015-03-04, 4 March
//     2015, 4th of Mar 2015, March 4, 2015) within a few words after "born",
//     "DOB", "D.O.B." or "date of birth", or just before "(DOB)";
//   - "record reference": an agency's own reference, found three ways: any
//     text shaped like one of the review's own source references (the
//     letters as they are, each run of digits any digits: "CN-5531" finds
//     "CN 6012"); a reference word ("ref", "reference", "case number",
//     "crime number", "incident number", "URN", "CRN", "ID", "NHS ID", ...)
//     followed by a code with digits; and codes of letters and four or
//     more digits joined by hyphens or slashes ("CAD-2312-0412"), or runs of
//     seven or more digits that are no date.
//
// Thread-safety: an IdentifierFinder is immutable after construction.
#ifndef CASESYNC_COMMON_PUBLICATION_IDENTIFIERS_H_
#define CASESYNC_COMMON_PUBLICATION_IDENTIFIERS_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace casesync {

class IdentifierFinder {
 public:
  struct Hit {
    // Byte offsets into the text searched.
    size_t begin = 0;
    size_t end = 0;
    // "NHS number", "postcode", ...
    std::string kind;
  };

  // `source_references`: the review's own record references
  // (ChronologyEntry.source); their shapes are looked for.
  explicit IdentifierFinder(
      const std::vector<std::string>& source_references = {});

  // Every identifier in `text`, in order, none overlapping another.
  std::vector<Hit> Find(absl::string_view text) const;

  // The mod-11 check of a ten-digit NHS number (digits only).
  static bool IsValidNhsNumber(absl::string_view digits);

 private:
  // A reference's shape: its letter runs (upper case) and, for each run of
  // digits, an empty string.
  std::vector<std::vector<std::string>> shapes_;
};

}  // namespace casesync

#endif  // CASESYNC_COMMON_PUBLICATION_IDENTIFIERS_H_
