#include "common/publication/identifiers.h"

#include <algorithm>
#include <set>
#include <utility>

#include "absl/strings/match.h"
#include "common/publication/folded_text.h"

namespace casesync {
namespace {

constexpr size_t npos = std::string::npos;

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsLetter(char c) { return c >= 'A' && c <= 'Z'; }
bool IsWord(const std::string& t, size_t i) {
  return i < t.size() && IsFoldedWordByte(t[i]);
}
bool WordStart(const std::string& t, size_t i) {
  return i == 0 || !IsFoldedWordByte(t[i - 1]);
}

// A hit in folded coordinates.
struct Span {
  size_t begin, end;
  const char* kind;
};

// Spans kept so far; a new one is kept only if it overlaps none.
class Spans {
 public:
  bool Free(size_t begin, size_t end) const {
    for (const Span& s : spans_) {
      if (begin < s.end && s.begin < end) return false;
    }
    return true;
  }
  void Add(size_t begin, size_t end, const char* kind) {
    if (begin < end && Free(begin, end)) spans_.push_back({begin, end, kind});
  }
  const std::vector<Span>& all() const { return spans_; }

 private:
  std::vector<Span> spans_;
};

// ---- Digits in groups: NHS numbers, phone numbers, long numbers. ----

struct DigitGroup {
  size_t begin, end;  // folded
};

// Runs of digit groups: digits with at most two separators (space, hyphen,
// stop, brackets) between groups.
std::vector<std::vector<DigitGroup>> DigitRuns(const std::string& t) {
  std::vector<std::vector<DigitGroup>> runs;
  size_t i = 0;
  while (i < t.size()) {
    if (!IsDigit(t[i])) {
      ++i;
      continue;
    }
    if (i > 0 && IsLetter(t[i - 1])) {  // part of a code: skip its digits
      while (i < t.size() && IsDigit(t[i])) ++i;
      continue;
    }
    std::vector<DigitGroup> run;
    while (i < t.size() && IsDigit(t[i])) {
      const size_t start = i;
      while (i < t.size() && IsDigit(t[i])) ++i;
      run.push_back({start, i});
      size_t j = i;
      while (j < t.size() && j - i < 3 &&
             (t[j] == ' ' || t[j] == '-' || t[j] == '.' || t[j] == '(' ||
              t[j] == ')')) {
        ++j;
      }
      if (j > i && j < t.size() && IsDigit(t[j])) {
        i = j;
      } else {
        break;
      }
    }
    if (i < t.size() && IsLetter(t[i])) continue;  // part of a code
    runs.push_back(std::move(run));
  }
  return runs;
}

std::string DigitsOf(const std::string& t, const std::vector<DigitGroup>& run,
                     size_t from, size_t to) {
  std::string digits;
  for (size_t g = from; g < to; ++g) {
    digits.append(t, run[g].begin, run[g].end - run[g].begin);
  }
  return digits;
}

bool IsUkPhone(std::string d, bool plus) {
  if (absl::StartsWith(d, "0044")) d = d.substr(2);
  if (absl::StartsWith(d, "44") && (plus || d.size() >= 12)) {
    d = d.substr(2);
    if (!d.empty() && d[0] == '0') d = d.substr(1);
    return d.size() >= 9 && d.size() <= 10 && d[0] != '0';
  }
  if (plus) return d.size() >= 8 && d.size() <= 15;
  return d.size() >= 10 && d.size() <= 11 && d[0] == '0' && d[1] != '0' &&
         d[1] != '4' && d[1] != '6';
}

// Three groups that read as a date (d m y or y m d).
bool LooksLikeDate(const std::vector<DigitGroup>& run) {
  if (run.size() != 3) return false;
  const size_t a = run[0].end - run[0].begin, b = run[1].end - run[1].begin,
               c = run[2].end - run[2].begin;
  return (a <= 2 && b <= 2 && (c == 2 || c == 4)) ||
         (a == 4 && b <= 2 && c <= 2);
}

void FindDigitRuns(const std::string& t, Spans* spans) {
  for (const std::vector<DigitGroup>& run : DigitRuns(t)) {
    // NHS numbers: any groups holding exactly ten digits.
    for (size_t from = 0; from < run.size(); ++from) {
      size_t count = 0;
      for (size_t to = from; to < run.size(); ++to) {
        count += run[to].end - run[to].begin;
        if (count > 10) break;
        if (count == 10 && IdentifierFinder::IsValidNhsNumber(
                               DigitsOf(t, run, from, to + 1))) {
          spans->Add(run[from].begin, run[to].end, "NHS number");
          from = to;
          break;
        }
      }
    }
    // Phone numbers: the longest groups from each start that read as one.
    for (size_t from = 0; from < run.size(); ++from) {
      const bool plus = run[from].begin > 0 && t[run[from].begin - 1] == '+';
      for (size_t to = run.size(); to > from; --to) {
        if (!IsUkPhone(DigitsOf(t, run, from, to), plus)) continue;
        spans->Add(run[from].begin - (plus ? 1 : 0), run[to - 1].end,
                   "phone number");
        from = to - 1;
        break;
      }
    }
    // Long numbers that are no date: someone's record number.
    const std::string all = DigitsOf(t, run, 0, run.size());
    if (all.size() >= 7 && !LooksLikeDate(run)) {
      spans->Add(run.front().begin, run.back().end, "record reference");
    }
  }
}

// ---- Postcodes. ----

bool InwardLetter(char c) {
  return IsLetter(c) && std::string("CIKMOV").find(c) == npos;
}

// The end of a postcode at `i`, or npos.
size_t PostcodeAt(const std::string& t, size_t i) {
  if (!WordStart(t, i) || !IsLetter(t[i])) return npos;
  if (t.compare(i, 3, "GIR") == 0) {
    size_t j = i + 3;
    while (j < t.size() && t[j] == ' ' && j - i < 5) ++j;
    if (t.compare(j, 3, "0AA") == 0 && !IsWord(t, j + 3)) return j + 3;
  }
  if (std::string("QVX").find(t[i]) != npos) return npos;
  // Outward forms, longest first: AA9A, AA99, A9A, A99, AA9, A9.
  static const char* const kForms[] = {"LLDL", "LLDD", "LDL",
                                       "LDD",  "LLD",  "LD"};
  for (const char* form : kForms) {
    size_t j = i;
    bool ok = true;
    for (const char* f = form; *f != '\0' && ok; ++f, ++j) {
      ok = j < t.size() && (*f == 'L' ? IsLetter(t[j]) : IsDigit(t[j]));
    }
    if (!ok) continue;
    if (form[1] == 'L' && std::string("IJZ").find(t[i + 1]) != npos) continue;
    size_t k = j;
    while (k < t.size() && t[k] == ' ' && k - j < 2) ++k;
    if (k + 3 <= t.size() && IsDigit(t[k]) && InwardLetter(t[k + 1]) &&
        InwardLetter(t[k + 2]) && !IsWord(t, k + 3)) {
      return k + 3;
    }
  }
  return npos;
}

// ---- National Insurance numbers. ----

size_t NiNumberAt(const std::string& t, size_t i) {
  if (!WordStart(t, i) || i + 8 > t.size() || !IsLetter(t[i]) ||
      !IsLetter(t[i + 1])) {
    return npos;
  }
  // Letters no issued number starts with: without the suffix letter such a
  // code is taken for something else; with it, the shape alone is an NI
  // number (specimens such as QQ 12 34 56 C, temporary TN numbers).
  static const std::set<std::string> kNotPrefixes = {"BG", "GB", "KN", "NK",
                                                     "NT", "TN", "ZZ"};
  const bool issued_prefix = std::string("DFIQUV").find(t[i]) == npos &&
                             std::string("DFIOQUV").find(t[i + 1]) == npos &&
                             kNotPrefixes.count(t.substr(i, 2)) == 0;
  size_t j = i + 2;
  int digits = 0;
  while (j < t.size() && digits < 6) {
    if (t[j] == ' ' && digits % 2 == 0) {
      ++j;
      continue;
    }
    if (!IsDigit(t[j])) return npos;
    ++digits;
    ++j;
  }
  if (digits != 6) return npos;
  size_t k = j;
  if (k < t.size() && t[k] == ' ') ++k;
  if (k < t.size() && t[k] >= 'A' && t[k] <= 'D' && !IsWord(t, k + 1)) {
    return k + 1;
  }
  return !issued_prefix || IsWord(t, j) ? npos : j;
}

// ---- E-mail addresses. ----

bool EmailLocal(char c) {
  return IsLetter(c) || IsDigit(c) || c == '.' || c == '_' || c == '%' ||
         c == '+' || c == '-';
}
bool DomainChar(char c) { return IsLetter(c) || IsDigit(c) || c == '-'; }

const std::set<std::string>& TopLevelDomains() {
  static const auto* const set = new std::set<std::string>{
      "COM", "ORG", "NET",  "UK", "GOV", "NHS", "SCH", "POLICE",
      "CO",  "AC",  "INFO", "IO", "EU",  "ME",  "BIZ", "EDU"};
  return *set;
}

// The length of an "at" or "dot" written out at `i` ("@", " AT ", "[AT]",
// "(AT)"), or 0.
size_t WrittenOut(const std::string& t, size_t i, const std::string& word,
                  char symbol) {
  if (i < t.size() && t[i] == symbol) return 1;
  for (const std::string& form :
       {" " + word + " ", "[" + word + "]", "(" + word + ")",
        " [" + word + "] ", " (" + word + ") "}) {
    if (t.compare(i, form.size(), form) == 0) return form.size();
  }
  return 0;
}

void FindEmails(const std::string& t, Spans* spans) {
  for (size_t i = 1; i < t.size(); ++i) {
    if (!EmailLocal(t[i - 1]) || EmailLocal(t[i])) continue;
    const size_t at = WrittenOut(t, i, "AT", '@');
    if (at == 0) continue;
    size_t begin = i;
    while (begin > 0 && EmailLocal(t[begin - 1])) --begin;
    // The domain: labels joined by dots, written or not, ending in a TLD.
    size_t j = i + at;
    size_t end = npos;
    int labels = 0;
    while (j < t.size() && DomainChar(t[j])) {
      const size_t label = j;
      while (j < t.size() && DomainChar(t[j])) ++j;
      ++labels;
      if (labels >= 2 && TopLevelDomains().count(t.substr(label, j - label)))
        end = j;
      if (labels >= 2 && t[i] == '@' && j - label >= 2) end = j;
      const size_t dot = WrittenOut(t, j, "DOT", '.');
      if (dot == 0) break;
      j += dot;
    }
    if (end != npos) spans->Add(begin, end, "e-mail address");
  }
}

// ---- Street addresses. ----

const std::set<std::string>& StreetWords() {
  static const auto* const set = new std::set<std::string>{
      "STREET", "ST",       "ROAD",      "RD",    "AVENUE",  "AVE",
      "LANE",   "LN",       "CLOSE",     "CL",    "DRIVE",   "DR",
      "WAY",    "CRESCENT", "CRES",      "COURT", "CT",      "PLACE",
      "PL",     "GARDENS",  "GDNS",      "GROVE", "GR",      "TERRACE",
      "TER",    "TERR",     "WALK",      "HILL",  "PARK",    "ROW",
      "SQUARE", "SQ",       "MEWS",      "VIEW",  "RISE",    "GREEN",
      "PARADE", "VALE",     "BOULEVARD", "LAWNS", "MEADOWS", "FIELDS",
      "WHARF",  "QUAY",     "HEIGHTS",   "CROFT", "GATE",    "YARD",
      "BANK",   "END",      "FOLD",      "GARTH", "NOOK"};
  return *set;
}

size_t AddressAt(const FoldedText& folded, size_t i) {
  const std::string& t = folded.text;
  if (!WordStart(t, i) || !IsDigit(t[i])) return npos;
  size_t j = i;
  while (j < t.size() && IsDigit(t[j]) && j - i < 4) ++j;
  if (IsDigit(t[j])) return npos;
  if (j < t.size() && IsLetter(t[j]) && !IsWord(t, j + 1)) ++j;  // "4a"
  if (j < t.size() && t[j] == ',') ++j;
  size_t end = npos;
  for (int words = 0; words < 4; ++words) {
    if (j >= t.size() || t[j] != ' ') break;
    ++j;
    if (j >= t.size() || !IsLetter(t[j]) || !folded.upper[j]) break;
    const size_t start = j;
    while (j < t.size() && (IsLetter(t[j]) || t[j] == '\'' || t[j] == '-')) ++j;
    if (IsWord(t, j)) break;
    if (words > 0 && StreetWords().count(t.substr(start, j - start))) {
      end = j;
    }
  }
  return end;
}

// ---- Dates of birth. ----

const char* const kMonths[] = {"JANUARY",   "FEBRUARY", "MARCH",    "APRIL",
                               "MAY",       "JUNE",     "JULY",     "AUGUST",
                               "SEPTEMBER", "OCTOBER",  "NOVEMBER", "DECEMBER"};

// The end of a month name (full or three or four letters) at `i`, or npos.
size_t MonthAt(const std::string& t, size_t i) {
  if (!WordStart(t, i)) return npos;
  for (const char* month : kMonths) {
    const std::string m = month;
    if (t.compare(i, m.size(), m) == 0 && !IsWord(t, i + m.size())) {
      return i + m.size();
    }
    for (size_t n : {4u, 3u}) {
      if (t.compare(i, n, m.substr(0, n)) == 0 && !IsWord(t, i + n)) {
        return i + n + (i + n < t.size() && t[i + n] == '.' ? 1 : 0);
      }
    }
  }
  return npos;
}

size_t Digits(const std::string& t, size_t i, size_t least, size_t most) {
  size_t j = i;
  while (j < t.size() && IsDigit(t[j]) && j - i < most) ++j;
  if (j - i < least || IsDigit(t[j])) return npos;
  return j;
}

size_t Spaces(const std::string& t, size_t i) {
  while (i < t.size() && (t[i] == ' ' || t[i] == ',')) ++i;
  return i;
}

// The end of a date at `i`, or npos. `need_year`: a day and month alone do
// not count.
size_t DateAt(const std::string& t, size_t i, bool need_year) {
  if (!WordStart(t, i)) return npos;
  // 2015-03-04
  size_t j = Digits(t, i, 4, 4);
  if (j != npos && j < t.size() &&
      (t[j] == '-' || t[j] == '/' || t[j] == '.')) {
    const char sep = t[j];
    size_t k = Digits(t, j + 1, 1, 2);
    if (k != npos && k < t.size() && t[k] == sep) {
      size_t l = Digits(t, k + 1, 1, 2);
      if (l != npos && !IsWord(t, l)) return l;
    }
  }
  // 04/03/2015, 4.3.15
  j = Digits(t, i, 1, 2);
  if (j != npos && j < t.size() &&
      (t[j] == '/' || t[j] == '.' || t[j] == '-')) {
    const char sep = t[j];
    size_t k = Digits(t, j + 1, 1, 2);
    if (k != npos && k < t.size() && t[k] == sep) {
      size_t l = Digits(t, k + 1, 2, 4);
      if (l != npos && !IsWord(t, l)) return l;
    }
  }
  // 4 March 2015, 4th of Mar 15
  if (j != npos) {
    size_t k = j;
    for (const char* suffix : {"ST", "ND", "RD", "TH"}) {
      if (t.compare(k, 2, suffix) == 0) k += 2;
    }
    if (!IsWord(t, k)) {
      k = Spaces(t, k);
      if (t.compare(k, 3, "OF ") == 0) k += 3;
      const size_t month = MonthAt(t, k);
      if (month != npos) {
        const size_t year = Digits(t, Spaces(t, month), 2, 4);
        if (year != npos && !IsWord(t, year)) return year;
        if (!need_year) return month;
      }
    }
  }
  // March 4, 2015
  const size_t month = MonthAt(t, i);
  if (month != npos) {
    size_t k = Digits(t, Spaces(t, month), 1, 2);
    if (k != npos) {
      for (const char* suffix : {"ST", "ND", "RD", "TH"}) {
        if (t.compare(k, 2, suffix) == 0) k += 2;
      }
      const size_t year = Digits(t, Spaces(t, k), 4, 4);
      if (year != npos && !IsWord(t, year)) return year;
      if (!need_year && !IsWord(t, k)) return k;
    }
  }
  return npos;
}

void FindDatesOfBirth(const std::string& t, Spans* spans) {
  static const char* const kKeywords[] = {
      "DATE OF BIRTH", "BIRTH DATE", "BIRTHDATE", "D.O.B",
      "D O B",         "DOB",        "BORN"};
  for (size_t i = 0; i < t.size(); ++i) {
    if (!WordStart(t, i) || !IsLetter(t[i])) continue;
    for (const char* keyword : kKeywords) {
      const std::string k = keyword;
      if (t.compare(i, k.size(), k) != 0 || IsWord(t, i + k.size())) continue;
      // A date within a few words after it.
      const size_t stop = std::min(t.size(), i + k.size() + 40);
      for (size_t j = i + k.size(); j < stop; ++j) {
        const size_t end = DateAt(t, j, /*need_year=*/false);
        if (end != npos) {
          spans->Add(j, end, "date of birth");
          break;
        }
      }
      // "04/03/2015 (DOB)": a date just before.
      const size_t from = i > 30 ? i - 30 : 0;
      for (size_t j = from; j < i; ++j) {
        const size_t end = DateAt(t, j, /*need_year=*/true);
        if (end != npos && end + 3 >= i) {
          spans->Add(j, end, "date of birth");
          break;
        }
      }
      break;
    }
  }
}

// ---- Record references. ----

// Letters and digits as tokens; a digit run is "".
std::vector<std::string> Shape(const std::string& folded) {
  std::vector<std::string> shape;
  size_t i = 0;
  while (i < folded.size()) {
    if (IsLetter(folded[i])) {
      const size_t start = i;
      while (i < folded.size() && IsLetter(folded[i])) ++i;
      shape.push_back(folded.substr(start, i - start));
    } else if (IsDigit(folded[i])) {
      while (i < folded.size() && IsDigit(folded[i])) ++i;
      shape.push_back("");
    } else {
      ++i;
    }
  }
  return shape;
}

bool ReferenceSeparator(char c) {
  return c == ' ' || c == '-' || c == '/' || c == '.' || c == ':' || c == '#';
}

size_t ShapeAt(const std::string& t, size_t i,
               const std::vector<std::string>& shape) {
  if (!WordStart(t, i)) return npos;
  size_t j = i;
  for (size_t k = 0; k < shape.size(); ++k) {
    if (k > 0) {
      const size_t before = j;
      while (j < t.size() && ReferenceSeparator(t[j]) && j - before < 3) ++j;
    }
    if (shape[k].empty()) {
      const size_t start = j;
      while (j < t.size() && IsDigit(t[j])) ++j;
      if (j == start) return npos;
    } else {
      if (t.compare(j, shape[k].size(), shape[k]) != 0) return npos;
      j += shape[k].size();
      if (j < t.size() && IsLetter(t[j])) return npos;
    }
  }
  return IsWord(t, j) ? npos : j;
}

// A reference word, then a code with at least three digits: the code.
void FindReferenceWords(const std::string& t, Spans* spans) {
  static const char* const kWords[] = {
      "REFERENCE",     "REF",        "CASE NUMBER",
      "CASE NO",       "CASE ID",    "CRIME NUMBER",
      "CRIME NO",      "CRIME REF",  "INCIDENT NUMBER",
      "INCIDENT NO",   "LOG NUMBER", "LOG NO",
      "RECORD NUMBER", "RECORD NO",  "FILE NUMBER",
      "FILE NO",       "URN",        "CRN",
      "UPN",           "ULN",        "NHS ID",
      "MOSAIC ID",     "LCS ID",     "PNC ID",
      "SERIAL",        "OCCURRENCE", "ID"};
  for (size_t i = 0; i < t.size(); ++i) {
    if (!WordStart(t, i) || !IsLetter(t[i])) continue;
    for (const char* word : kWords) {
      const std::string w = word;
      if (t.compare(i, w.size(), w) != 0 || IsWord(t, i + w.size())) continue;
      size_t j = i + w.size();
      for (int skip = 0; skip < 3; ++skip) {
        while (j < t.size() &&
               (t[j] == ' ' || t[j] == ':' || t[j] == '#' || t[j] == '.')) {
          ++j;
        }
        for (const char* filler : {"NUMBER", "NO", "NUM"}) {
          const std::string f = filler;
          if (t.compare(j, f.size(), f) == 0 && !IsWord(t, j + f.size())) {
            j += f.size();
          }
        }
      }
      const size_t start = j;
      int digits = 0;
      while (j < t.size() &&
             (IsLetter(t[j]) || IsDigit(t[j]) ||
              ((t[j] == '/' || t[j] == '-') && IsWord(t, j + 1)))) {
        digits += IsDigit(t[j]);
        ++j;
      }
      if (digits >= 3 && !IsWord(t, j))
        spans->Add(start, j, "record reference");
      break;
    }
  }
}

// Codes of letters and digits: at least two letters and four digits.
void FindCodes(const std::string& t, Spans* spans) {
  size_t i = 0;
  while (i < t.size()) {
    if (!WordStart(t, i) || !IsWord(t, i)) {
      ++i;
      continue;
    }
    const size_t start = i;
    int letters = 0, digits = 0;
    bool other = false;
    while (i < t.size() &&
           (IsLetter(t[i]) || IsDigit(t[i]) ||
            ((t[i] == '-' || t[i] == '/') && IsWord(t, i + 1) && i > start))) {
      letters += IsLetter(t[i]);
      digits += IsDigit(t[i]);
      ++i;
    }
    if (IsWord(t, i)) other = true;  // a letter outside ASCII
    while (IsWord(t, i)) ++i;
    if (!other && letters >= 2 && digits >= 4) {
      spans->Add(start, i, "record reference");
    }
    if (i == start) ++i;
  }
}

}  // namespace

IdentifierFinder::IdentifierFinder(
    const std::vector<std::string>& source_references) {
  std::set<std::vector<std::string>> seen;
  for (const std::string& reference : source_references) {
    std::vector<std::string> shape = Shape(FoldForIdentifiers(reference).text);
    bool has_digits = false;
    for (const std::string& token : shape) has_digits |= token.empty();
    // It must start with a word of two letters or more: digits alone
    // ("12/03") would be every date.
    if (!has_digits || shape.front().size() < 2) continue;
    if (seen.insert(shape).second) shapes_.push_back(std::move(shape));
  }
}

bool IdentifierFinder::IsValidNhsNumber(absl::string_view digits) {
  if (digits.size() != 10) return false;
  int sum = 0;
  for (int i = 0; i < 9; ++i) {
    if (!IsDigit(digits[i])) return false;
    sum += (digits[i] - '0') * (10 - i);
  }
  int check = 11 - sum % 11;
  if (check == 11) check = 0;
  if (check == 10) return false;
  return digits[9] - '0' == check;
}

std::vector<IdentifierFinder::Hit> IdentifierFinder::Find(
    absl::string_view text) const {
  const FoldedText folded = FoldForIdentifiers(text);
  const std::string& t = folded.text;
  Spans spans;
  FindEmails(t, &spans);
  for (size_t i = 0; i < t.size(); ++i) {
    const size_t end = NiNumberAt(t, i);
    if (end != npos) spans.Add(i, end, "National Insurance number");
  }
  FindCodes(t, &spans);
  FindDigitRuns(t, &spans);
  for (size_t i = 0; i < t.size(); ++i) {
    size_t end = PostcodeAt(t, i);
    if (end != npos) spans.Add(i, end, "postcode");
    end = AddressAt(folded, i);
    if (end != npos) spans.Add(i, end, "street address");
  }
  FindDatesOfBirth(t, &spans);
  for (size_t i = 0; i < t.size() && !shapes_.empty(); ++i) {
    if (!IsLetter(t[i]) || !WordStart(t, i)) continue;
    for (const std::vector<std::string>& shape : shapes_) {
      const size_t end = ShapeAt(t, i, shape);
      if (end != npos) {
        spans.Add(i, end, "record reference");
        break;
      }
    }
  }
  FindReferenceWords(t, &spans);
  std::vector<Hit> hits;
  for (const Span& s : spans.all()) {
    hits.push_back(
        {folded.OriginalBegin(s.begin), folded.OriginalEnd(s.end), s.kind});
  }
  std::sort(hits.begin(), hits.end(),
            [](const Hit& a, const Hit& b) { return a.begin < b.begin; });
  return hits;
}

}  // namespace casesync
