#include "common/publication/name_matcher.h"

#include <algorithm>
#include <array>
#include <set>
#include <utility>

#include "absl/strings/ascii.h"
#include "common/publication/folded_text.h"

namespace casesync {
namespace {

// What stands between two words of a name.
enum class Joiner { kSpace, kApostrophe, kHyphen };

// A name (or a part of one) as folded words.
struct Pattern {
  std::vector<std::string> words;
  std::vector<Joiner> joiners;  // words.size() - 1
  size_t length = 0;            // folded bytes, for longest first
  NameMatcher::HitKind kind = NameMatcher::HitKind::kFullName;
  const v1::PseudonymEntry* entry = nullptr;
};

// Initials: the first letter of each word, with the name's joiners.
struct Initials {
  std::vector<std::string> letters;
  std::vector<Joiner> joiners;
  const v1::PseudonymEntry* entry = nullptr;
};

// Bare capitals that are the field's abbreviations, never taken for
// initials without stops.
const std::set<std::string>& Abbreviations() {
  static const auto* const set = new std::set<std::string>{
      "AE",   "ASB",   "ASD", "BBC", "CAF",  "CAMHS", "CIN",   "CLA",   "CP",
      "CPP",  "CPS",   "CSC", "CSE", "CT",   "DA",    "DASH",  "DBS",   "DC",
      "DI",   "DNA",   "DOB", "DS",  "DSL",  "DV",    "DWP",   "ED",    "EHA",
      "EHCP", "EHE",   "EWO", "FGM", "GP",   "HR",    "HV",    "ICPC",  "ICU",
      "ID",   "IDVA",  "IT",  "LA",  "LADO", "LAC",   "MAPPA", "MARAC", "MASH",
      "MH",   "MP",    "MRI", "NFA", "NHS",  "NI",    "NSPCC", "OK",    "PC",
      "PCSO", "PICU",  "PLO", "PPN", "PS",   "RCPC",  "SCR",   "SEN",   "SENCO",
      "SGO",  "SMART", "SW",  "TAC", "TV",   "UK",    "YOS",   "YOT",
  };
  return *set;
}

// Words of place and organisation names that identify nothing alone.
const std::set<std::string>& GenericPlaceWords() {
  static const auto* const set = new std::set<std::string>{
      "the",       "of",         "and",         "at",       "on",
      "in",        "st",         "saint",       "street",   "road",
      "rd",        "avenue",     "ave",         "lane",     "close",
      "drive",     "way",        "crescent",    "court",    "place",
      "gardens",   "grove",      "terrace",     "walk",     "hill",
      "park",      "row",        "square",      "mews",     "view",
      "rise",      "green",      "parade",      "vale",     "estate",
      "house",     "flats",      "tower",       "north",    "south",
      "east",      "west",       "upper",       "lower",    "new",
      "old",       "great",      "little",      "school",   "primary",
      "secondary", "infant",     "infants",     "junior",   "academy",
      "college",   "nursery",    "high",        "church",   "ce",
      "rc",        "catholic",   "community",   "children", "centre",
      "center",    "family",     "surgery",     "medical",  "health",
      "practice",  "clinic",     "group",       "hospital", "trust",
      "nhs",       "foundation", "ward",        "unit",     "services",
      "service",   "team",       "club",        "ltd",      "limited",
      "town",      "city",       "village",     "county",   "council",
      "borough",   "district",   "partnership",
  };
  return *set;
}

// Whether a word of a name, folded, is one of GenericPlaceWords folded the
// same way (the skeleton of "primary" is "prirnary").
bool IsGenericPlaceWord(const std::string& folded_word) {
  static const auto* const folded = [] {
    auto* set = new std::set<std::string>;
    for (const std::string& word : GenericPlaceWords()) {
      set->insert(FoldForNames(word).text);
    }
    return set;
  }();
  return folded->count(folded_word) > 0;
}

size_t CodePoints(absl::string_view s) {
  size_t n = 0;
  for (char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

// The first code point of `s` (UTF-8).
std::string FirstCharacter(absl::string_view s) {
  size_t n = 1;
  while (n < s.size() && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) ++n;
  return std::string(s.substr(0, n));
}

// `name` folded, as words and what joins them; empty if it has no word.
Pattern ParseName(absl::string_view name) {
  const FoldedText folded = FoldForNames(name);
  const std::string& t = folded.text;
  Pattern pattern;
  size_t i = 0;
  while (i < t.size()) {
    const size_t gap = i;
    while (i < t.size() && !IsFoldedWordByte(t[i])) ++i;
    if (i == t.size()) break;
    if (!pattern.words.empty()) {
      Joiner joiner = Joiner::kSpace;
      for (size_t k = gap; k < i; ++k) {
        if (t[k] == '\'') joiner = Joiner::kApostrophe;
        if (t[k] == '-') joiner = Joiner::kHyphen;
      }
      pattern.joiners.push_back(joiner);
    }
    const size_t start = i;
    while (i < t.size() && IsFoldedWordByte(t[i])) ++i;
    pattern.words.push_back(t.substr(start, i - start));
  }
  for (const std::string& word : pattern.words)
    pattern.length += word.size() + 1;
  return pattern;
}

Pattern SubPattern(const Pattern& whole, size_t from, size_t to,
                   NameMatcher::HitKind kind) {
  Pattern part;
  part.words.assign(whole.words.begin() + from, whole.words.begin() + to);
  // (to - 1) first: a one-word name has no joiners, and begin() + to
  // would step past the end of an empty vector.
  part.joiners.assign(whole.joiners.begin() + from,
                      whole.joiners.begin() + (to - 1));
  for (const std::string& word : part.words) part.length += word.size() + 1;
  part.kind = kind;
  part.entry = whole.entry;
  return part;
}

bool IsSeparator(char c, Joiner joiner) {
  switch (joiner) {
    case Joiner::kSpace:
      return c == ' ' || c == '-';
    case Joiner::kApostrophe:
      return c == '\'' || c == ' ';
    case Joiner::kHyphen:
      return c == '-' || c == ' ' || c == '\'';
  }
  return false;
}

bool AtWordStart(const std::string& t, size_t i) {
  return i == 0 || !IsFoldedWordByte(t[i - 1]);
}

// Where `pattern` matches folded text `t` at `at` (a word start) as whole
// words, the end of the match; npos otherwise.
size_t MatchAt(const std::string& t, size_t at, const Pattern& pattern) {
  size_t i = at;
  for (size_t w = 0; w < pattern.words.size(); ++w) {
    if (w > 0) {
      const Joiner joiner = pattern.joiners[w - 1];
      const size_t before = i;
      while (i < t.size() && i - before < 16 && IsSeparator(t[i], joiner)) ++i;
      // "jane.smith", "jane_smith": one stop or underscore, no spaces.
      if (i == before && joiner == Joiner::kSpace && i < t.size() &&
          (t[i] == '.' || t[i] == '_')) {
        ++i;
      }
    }
    const std::string& word = pattern.words[w];
    // The first byte chose the pattern's bucket; most candidates differ in
    // the next, which is cheaper to look at than a compare call.
    if (word.size() >= 2 && (i + 1 >= t.size() || t[i + 1] != word[1]))
      return std::string::npos;
    if (t.compare(i, word.size(), word) != 0) return std::string::npos;
    i += word.size();
  }
  if (i < t.size() && IsFoldedWordByte(t[i])) return std::string::npos;
  return i;
}

// Where `initials` match at `at` (a word start) in capitals; npos
// otherwise.
size_t MatchInitials(const FoldedText& folded, size_t at,
                     const Initials& initials) {
  const std::string& t = folded.text;
  size_t i = at;
  bool punctuated = false;
  std::string bare;
  for (size_t k = 0; k < initials.letters.size(); ++k) {
    if (k > 0) {
      const size_t before = i;
      while (i < t.size() && i - before < 3 &&
             (t[i] == '.' || t[i] == ' ' ||
              (initials.joiners[k - 1] != Joiner::kSpace &&
               (t[i] == '\'' || t[i] == '-')))) {
        if (t[i] != ' ') punctuated = true;
        ++i;
      }
    }
    const std::string& letter = initials.letters[k];
    if (t.compare(i, letter.size(), letter) != 0 || !folded.upper[i]) {
      return std::string::npos;
    }
    bare += absl::AsciiStrToUpper(letter);
    i += letter.size();
  }
  // A stop after the last letter may end the sentence ("the GP."): only
  // stops or marks between the letters make bare capitals initials.
  if (i < t.size() && t[i] == '.') ++i;
  if (i < t.size() && IsFoldedWordByte(t[i])) return std::string::npos;
  if (!punctuated && Abbreviations().count(bare)) return std::string::npos;
  return i;
}

size_t Bucket(const std::string& word) {
  return static_cast<unsigned char>(word.front());
}

}  // namespace

struct NameMatcher::Patterns {
  // By the first byte of their first word, longest first.
  std::array<std::vector<Pattern>, 256> full;
  std::array<std::vector<Pattern>, 256> parts;
  std::array<std::vector<Initials>, 256> initials;
  std::array<std::vector<Pattern>, 256> pseudonyms;
  bool empty = true;
};

NameMatcher::NameMatcher(const std::vector<v1::PseudonymEntry>& map) {
  auto patterns = std::make_unique<Patterns>();
  for (const v1::PseudonymEntry& entry : map) {
    Pattern name = ParseName(entry.real_name());
    if (name.words.empty()) continue;
    patterns->empty = false;
    name.entry = &entry;
    const bool person = entry.kind() == v1::PseudonymEntry::KIND_PERSON ||
                        entry.kind() == v1::PseudonymEntry::KIND_UNSPECIFIED;
    std::set<std::vector<std::string>> parts_seen = {name.words};
    const auto add_part = [&](Pattern part) {
      if (parts_seen.insert(part.words).second) {
        patterns->parts[Bucket(part.words.front())].push_back(std::move(part));
      }
    };
    for (size_t w = 0; w < name.words.size(); ++w) {
      const std::string& word = name.words[w];
      const bool distinctive =
          person ? CodePoints(word) >= 2
                 : CodePoints(word) >= 3 && !IsGenericPlaceWord(word);
      if (distinctive) add_part(SubPattern(name, w, w + 1, HitKind::kPart));
      // A hyphenated or apostrophised run of words is a part too.
      size_t end = w + 1;
      while (end < name.words.size() &&
             name.joiners[end - 1] != Joiner::kSpace) {
        ++end;
      }
      if (person && end > w + 1 &&
          (w == 0 || name.joiners[w - 1] == Joiner::kSpace)) {
        add_part(SubPattern(name, w, end, HitKind::kPart));
      }
    }
    if (person && name.words.size() >= 2) {
      Initials initials;
      initials.entry = &entry;
      initials.joiners = name.joiners;
      for (const std::string& word : name.words) {
        initials.letters.push_back(FirstCharacter(word));
      }
      patterns->initials[Bucket(initials.letters.front())].push_back(
          std::move(initials));
    }
    Pattern pseudonym = ParseName(entry.pseudonym());
    if (!pseudonym.words.empty()) {
      pseudonym.entry = &entry;
      patterns->pseudonyms[Bucket(pseudonym.words.front())].push_back(
          std::move(pseudonym));
    }
    patterns->full[Bucket(name.words.front())].push_back(std::move(name));
  }
  const auto longest_first = [](const Pattern& a, const Pattern& b) {
    if (a.length != b.length) return a.length > b.length;
    return a.words < b.words;
  };
  for (auto* table : {&patterns->full, &patterns->parts}) {
    for (std::vector<Pattern>& bucket : *table) {
      std::stable_sort(bucket.begin(), bucket.end(), longest_first);
    }
  }
  patterns_ = std::move(patterns);
}

NameMatcher::~NameMatcher() = default;

bool NameMatcher::empty() const { return patterns_->empty; }

bool NameMatcher::Replace(std::string* text,
                          std::vector<Replacement>* made) const {
  if (patterns_->empty) return false;
  const FoldedText folded = FoldForNames(*text);
  const std::string& t = folded.text;
  std::string out;
  size_t copied = 0;  // original bytes copied to `out`
  bool changed = false;
  for (size_t i = 0; i < t.size(); ++i) {
    if (!IsFoldedWordByte(t[i]) || !AtWordStart(t, i)) continue;
    const size_t bucket = static_cast<unsigned char>(t[i]);
    for (const Pattern& name : patterns_->full[bucket]) {
      if (name.entry->pseudonym().empty()) continue;
      const size_t end = MatchAt(t, i, name);
      if (end == std::string::npos) continue;
      const size_t from = folded.OriginalBegin(i);
      const size_t to = folded.OriginalEnd(end);
      out.append(*text, copied, from - copied);
      out += name.entry->pseudonym();
      if (made != nullptr) {
        made->push_back({text->substr(from, to - from), name.entry->pseudonym(),
                         name.entry});
      }
      copied = to;
      changed = true;
      i = end - 1;
      break;
    }
  }
  if (!changed) return false;
  out.append(*text, copied, std::string::npos);
  *text = std::move(out);
  return true;
}

std::vector<NameMatcher::Hit> NameMatcher::Find(absl::string_view text) const {
  std::vector<Hit> hits;
  if (patterns_->empty) return hits;
  const FoldedText folded = FoldForNames(text);
  const std::string& t = folded.text;
  // Folded ranges of full names and pseudonyms, which hide what is inside.
  std::vector<std::pair<size_t, size_t>> cover;
  struct Found {
    size_t begin, end;
    HitKind kind;
    const v1::PseudonymEntry* entry;
  };
  std::vector<Found> found;
  for (size_t i = 0; i < t.size(); ++i) {
    if (!IsFoldedWordByte(t[i]) || !AtWordStart(t, i)) continue;
    const size_t bucket = static_cast<unsigned char>(t[i]);
    for (const Pattern& pseudonym : patterns_->pseudonyms[bucket]) {
      const size_t end = MatchAt(t, i, pseudonym);
      if (end != std::string::npos) cover.emplace_back(i, end);
    }
    for (const Pattern& name : patterns_->full[bucket]) {
      const size_t end = MatchAt(t, i, name);
      if (end == std::string::npos) continue;
      found.push_back({i, end, HitKind::kFullName, name.entry});
      break;
    }
    for (const Pattern& part : patterns_->parts[bucket]) {
      const size_t end = MatchAt(t, i, part);
      if (end != std::string::npos) {
        found.push_back({i, end, HitKind::kPart, part.entry});
      }
    }
    if (folded.upper[i]) {
      for (const Initials& initials : patterns_->initials[bucket]) {
        const size_t end = MatchInitials(folded, i, initials);
        if (end != std::string::npos) {
          found.push_back({i, end, HitKind::kInitials, initials.entry});
        }
      }
    }
  }
  // Longer hits first at each place, so that what they hold is dropped.
  std::sort(found.begin(), found.end(), [](const Found& a, const Found& b) {
    if (a.begin != b.begin) return a.begin < b.begin;
    if (a.end != b.end) return a.end > b.end;
    return a.kind < b.kind;
  });
  size_t reach = 0;  // furthest end of a hit kept so far
  for (const Found& f : found) {
    if (f.end <= reach) continue;  // inside a longer hit
    bool hidden = false;
    if (f.kind != HitKind::kFullName) {
      for (const auto& [from, to] : cover) {
        if (from <= f.begin && f.end <= to) hidden = true;
      }
    }
    if (hidden) continue;
    reach = std::max(reach, f.end);
    hits.push_back({folded.OriginalBegin(f.begin), folded.OriginalEnd(f.end),
                    f.kind, f.entry});
  }
  return hits;
}

std::string NameMatcher::Describe(const Hit& hit) {
  const v1::PseudonymEntry::Kind kind = hit.entry == nullptr
                                            ? v1::PseudonymEntry::KIND_PERSON
                                            : hit.entry->kind();
  switch (kind) {
    case v1::PseudonymEntry::KIND_PLACE:
      return hit.kind == HitKind::kFullName ? "place" : "part of a place name";
    case v1::PseudonymEntry::KIND_ORGANISATION:
      return hit.kind == HitKind::kFullName ? "organisation"
                                            : "part of an organisation's name";
    default:
      switch (hit.kind) {
        case HitKind::kFullName:
          return "real name";
        case HitKind::kPart:
          return "part of a real name";
        case HitKind::kInitials:
          return "initials";
      }
  }
  return "real name";
}

}  // namespace casesync
