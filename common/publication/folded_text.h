// Text folded so that the ways of writing one name, or one identifier, come
// out the same, with the way back to the text as written.
//
// For names (FoldForNames), each code point of the text, by ICU:
//   - letters and digits: compatibility-decomposed (NFKD: "ﬁ" is "fi",
//     full-width "Ｊ" is "J"), accents and other combining marks dropped (so
//     "Zoë" is "zoe" whether the ë is one code point or e and U+0308), case
//     folded ("ß" is "ss"), then mapped to the UTS #39 skeleton
//     (uspoof_getSkeleton), so a letter of another script that looks like a
//     Latin one folds to it (Cyrillic "о" is "o"), and case folded again;
//   - invisible characters (zero-width spaces and joiners, the soft hyphen,
//     the byte order mark: Default_Ignorable_Code_Point) and combining marks
//     are dropped;
//   - every kind of white space (no-break, thin, ideographic, line and
//     paragraph separators, line breaks) is one " ";
//   - every apostrophe and quote-like mark ("’", "‘", "ʼ", "`", "´", "′",
//     "＇") is "'"; every dash (hyphen, non-breaking hyphen, en and em dash,
//     minus) is "-";
//   - other punctuation and symbols outside ASCII are "~"; ASCII
//     punctuation stays as it is.
// So the folded text is ASCII lower-case letters, digits and punctuation,
// plus the skeletons of letters of scripts without a Latin look-alike (kept
// as UTF-8).
//
// For identifiers (FoldForIdentifiers) the same, except that letters keep
// their accents' base letter in upper case and are not mapped to
// skeletons: digits and letters are what an NHS number, a postcode or a
// National Insurance number is read from.
//
// Thread-safety: pure functions (ICU objects are per thread).
#ifndef CASESYNC_COMMON_PUBLICATION_FOLDED_TEXT_H_
#define CASESYNC_COMMON_PUBLICATION_FOLDED_TEXT_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace casesync {

struct FoldedText {
  // The folded text.
  std::string text;
  // For each byte of `text`, where the code point it came from begins in
  // the original and where it (with any combining marks or invisible
  // characters after it) ends: original[begin[i], end[i]).
  std::vector<uint32_t> begin;
  std::vector<uint32_t> end;
  // Whether the code point each byte came from was an upper-case letter.
  std::vector<bool> upper;

  // The original byte range of folded bytes [from, to); requires from < to.
  uint32_t OriginalBegin(size_t from) const { return begin[from]; }
  uint32_t OriginalEnd(size_t to) const { return end[to - 1]; }
};

FoldedText FoldForNames(absl::string_view text);
FoldedText FoldForIdentifiers(absl::string_view text);

// True for a byte of folded text that is part of a word: an ASCII letter or
// digit, or a byte of a non-ASCII letter.
inline bool IsFoldedWordByte(char c) {
  const auto u = static_cast<unsigned char>(c);
  return (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') ||
         (u >= '0' && u <= '9') || u >= 0x80;
}

}  // namespace casesync

#endif  // CASESYNC_COMMON_PUBLICATION_FOLDED_TEXT_H_
