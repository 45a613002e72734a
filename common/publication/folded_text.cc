#include "common/publication/folded_text.h"

#include <unicode/uchar.h>
#include <unicode/unorm2.h>
#include <unicode/uspoof.h>
#include <unicode/ustring.h>
#include <unicode/utf8.h>

#include <array>
#include <memory>
#include <unordered_map>

namespace casesync {
namespace {

enum class Mode { kNames, kIdentifiers };

bool IsApostrophe(UChar32 c) {
  switch (c) {
    case 0x0027:  // '
    case 0x0060:  // `
    case 0x00B4:  // acute accent
    case 0x02B9:  // modifier prime
    case 0x02BB:  // turned comma
    case 0x02BC:  // modifier apostrophe
    case 0x02BD:  // reversed comma
    case 0x2018:  // left single quotation mark
    case 0x2019:  // right single quotation mark
    case 0x201B:  // single high-reversed-9
    case 0x2032:  // prime
    case 0x2035:  // reversed prime
    case 0xFF07:  // full-width apostrophe
      return true;
    default:
      return false;
  }
}

bool IsDash(UChar32 c) {
  return c == '-' || c == 0x2212 || c == 0x00AD ||
         u_charType(c) == U_DASH_PUNCTUATION;
}

bool IsMark(UChar32 c) {
  const int8_t type = u_charType(c);
  return type == U_NON_SPACING_MARK || type == U_ENCLOSING_MARK ||
         type == U_COMBINING_SPACING_MARK;
}

void AppendUtf8(UChar32 c, std::string* out) {
  char buffer[U8_MAX_LENGTH];
  int32_t length = 0;
  U8_APPEND_UNSAFE(buffer, length, c);
  out->append(buffer, length);
}

// `s` (UTF-16) without combining marks.
std::u16string WithoutMarks(const std::u16string& s) {
  std::u16string out;
  int32_t i = 0;
  const int32_t n = static_cast<int32_t>(s.size());
  while (i < n) {
    UChar32 c;
    U16_NEXT(s.data(), i, n, c);
    if (IsMark(c) || u_hasBinaryProperty(c, UCHAR_DEFAULT_IGNORABLE_CODE_POINT))
      continue;
    if (c <= 0xFFFF) {
      out.push_back(static_cast<char16_t>(c));
    } else {
      out.push_back(static_cast<char16_t>(U16_LEAD(c)));
      out.push_back(static_cast<char16_t>(U16_TRAIL(c)));
    }
  }
  return out;
}

std::u16string FoldCase(const std::u16string& s) {
  UErrorCode status = U_ZERO_ERROR;
  std::u16string out(s.size() * 3 + 4, u'\0');
  const int32_t n = u_strFoldCase(out.data(), static_cast<int32_t>(out.size()),
                                  s.data(), static_cast<int32_t>(s.size()),
                                  U_FOLD_CASE_DEFAULT, &status);
  if (U_FAILURE(status)) return s;
  out.resize(n);
  return out;
}

std::u16string ToUpper(const std::u16string& s) {
  UErrorCode status = U_ZERO_ERROR;
  std::u16string out(s.size() * 3 + 4, u'\0');
  const int32_t n =
      u_strToUpper(out.data(), static_cast<int32_t>(out.size()), s.data(),
                   static_cast<int32_t>(s.size()), "", &status);
  if (U_FAILURE(status)) return s;
  out.resize(n);
  return out;
}

struct SpoofCloser {
  void operator()(USpoofChecker* checker) const { uspoof_close(checker); }
};

// The UTS #39 skeleton of `s`; `s` itself if ICU cannot give one.
std::u16string Skeleton(const std::u16string& s) {
  thread_local std::unique_ptr<USpoofChecker, SpoofCloser> checker = [] {
    UErrorCode status = U_ZERO_ERROR;
    USpoofChecker* opened = uspoof_open(&status);
    if (U_FAILURE(status)) opened = nullptr;
    return std::unique_ptr<USpoofChecker, SpoofCloser>(opened);
  }();
  if (checker == nullptr) return s;
  UErrorCode status = U_ZERO_ERROR;
  std::u16string out(s.size() * 4 + 8, u'\0');
  const int32_t n = uspoof_getSkeleton(
      checker.get(), 0, s.data(), static_cast<int32_t>(s.size()), out.data(),
      static_cast<int32_t>(out.size()), &status);
  if (U_FAILURE(status)) return s;
  out.resize(n);
  return out;
}

std::u16string Nfkd(UChar32 c) {
  UErrorCode status = U_ZERO_ERROR;
  const UNormalizer2* nfkd = unorm2_getNFKDInstance(&status);
  char16_t in[2];
  int32_t length = 0;
  U16_APPEND_UNSAFE(in, length, c);
  if (U_FAILURE(status)) return std::u16string(in, length);
  std::u16string out(32, u'\0');
  const int32_t n = unorm2_normalize(nfkd, in, length, out.data(),
                                     static_cast<int32_t>(out.size()), &status);
  if (U_FAILURE(status)) return std::u16string(in, length);
  out.resize(n);
  return out;
}

std::string ToUtf8(const std::u16string& s) {
  std::string out;
  int32_t i = 0;
  const int32_t n = static_cast<int32_t>(s.size());
  while (i < n) {
    UChar32 c;
    U16_NEXT(s.data(), i, n, c);
    AppendUtf8(c, &out);
  }
  return out;
}

// What a letter folds to.
std::string FoldLetter(UChar32 c, Mode mode) {
  std::u16string s = WithoutMarks(Nfkd(c));
  if (mode == Mode::kIdentifiers) return ToUtf8(ToUpper(s));
  s = WithoutMarks(FoldCase(WithoutMarks(Skeleton(FoldCase(s)))));
  return ToUtf8(s);
}

// What one code point folds to; `*dropped` when it folds to nothing and
// belongs to the character before it.
std::string FoldCodePoint(UChar32 c, Mode mode, bool* dropped) {
  *dropped = false;
  if (IsMark(c) || u_hasBinaryProperty(c, UCHAR_DEFAULT_IGNORABLE_CODE_POINT)) {
    *dropped = true;
    return "";
  }
  if (c == '\n' || c == '\r' || c == '\t' || u_isUWhiteSpace(c)) return " ";
  if (IsApostrophe(c)) return "'";
  if (IsDash(c)) return "-";
  if (u_isdigit(c)) {
    const int32_t value = u_charDigitValue(c);
    if (value >= 0 && value <= 9) return std::string(1, '0' + value);
  }
  if (u_isalpha(c)) {
    std::string folded = FoldLetter(c, mode);
    if (folded.empty()) *dropped = true;
    return folded;
  }
  if (c < 0x80) return std::string(1, static_cast<char>(c));
  return "~";
}

// The folding of every ASCII code point, computed once.
const std::array<std::string, 128>& AsciiTable(Mode mode) {
  static const auto make = [](Mode m) {
    auto* table = new std::array<std::string, 128>;
    for (UChar32 c = 0; c < 128; ++c) {
      bool dropped = false;
      (*table)[c] = FoldCodePoint(c, m, &dropped);
    }
    return table;
  };
  static const std::array<std::string, 128>* const names = make(Mode::kNames);
  static const std::array<std::string, 128>* const identifiers =
      make(Mode::kIdentifiers);
  return mode == Mode::kNames ? *names : *identifiers;
}

FoldedText Fold(absl::string_view text, Mode mode) {
  const std::array<std::string, 128>& ascii = AsciiTable(mode);
  thread_local std::unordered_map<UChar32, std::pair<std::string, bool>>
      cache[2];
  auto& seen = cache[mode == Mode::kNames ? 0 : 1];
  FoldedText out;
  out.text.reserve(text.size());
  out.begin.reserve(text.size());
  out.end.reserve(text.size());
  out.upper.reserve(text.size());
  int32_t i = 0;
  const int32_t n = static_cast<int32_t>(text.size());
  const auto* bytes = reinterpret_cast<const uint8_t*>(text.data());
  while (i < n) {
    const int32_t start = i;
    UChar32 c;
    U8_NEXT(bytes, i, n, c);
    if (c < 0) c = 0xFFFD;
    bool dropped = false;
    const std::string* folded;
    std::string local;
    if (c < 0x80) {
      folded = &ascii[c];
    } else {
      auto found = seen.find(c);
      if (found == seen.end()) {
        local = FoldCodePoint(c, mode, &dropped);
        if (seen.size() < 65536)
          seen.emplace(c, std::make_pair(local, dropped));
      } else {
        local = found->second.first;
        dropped = found->second.second;
      }
      folded = &local;
    }
    if (dropped || folded->empty()) {
      if (!out.end.empty()) out.end.back() = i;
      continue;
    }
    const bool upper = u_isupper(c) || u_istitle(c);
    for (char b : *folded) {
      out.text.push_back(b);
      out.begin.push_back(start);
      out.end.push_back(i);
      out.upper.push_back(upper);
    }
  }
  return out;
}

}  // namespace

FoldedText FoldForNames(absl::string_view text) {
  return Fold(text, Mode::kNames);
}

FoldedText FoldForIdentifiers(absl::string_view text) {
  return Fold(text, Mode::kIdentifiers);
}

}  // namespace casesync
