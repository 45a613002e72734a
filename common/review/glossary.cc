#include "common/review/glossary.h"

#include <algorithm>
#include <set>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace casesync {

extern const char kBuiltInGlossary[];

namespace {

// The tokens of `text`: runs of letters, digits, '&' and '\'', lower case,
// with dots inside a word dropped ("s.47" is "s47") and a trailing "'s"
// dropped ("HV's" is "hv").
std::vector<std::string> Tokens(absl::string_view text) {
  std::vector<std::string> out;
  std::string token;
  auto flush = [&] {
    if (absl::EndsWith(token, "'s")) token.resize(token.size() - 2);
    token.erase(std::remove(token.begin(), token.end(), '\''), token.end());
    if (!token.empty() && token != "&") out.push_back(token);
    token.clear();
  };
  for (size_t i = 0; i < text.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (absl::ascii_isalnum(c) || c == '&' || c == '\'') {
      token.push_back(absl::ascii_tolower(c));
    } else if (c == '.' && !token.empty() && i + 1 < text.size() &&
               absl::ascii_isalnum(static_cast<unsigned char>(text[i + 1]))) {
      // a dot inside a word: "s.47", "a.e"
    } else {
      flush();
    }
  }
  flush();
  return out;
}

}  // namespace

absl::StatusOr<Glossary> Glossary::Parse(absl::string_view tsv) {
  Glossary out;
  int number = 0;
  for (absl::string_view line : absl::StrSplit(tsv, '\n')) {
    ++number;
    absl::string_view rule = absl::StripAsciiWhitespace(line);
    if (rule.empty() || rule[0] == '#') continue;
    std::vector<std::string> cells = absl::StrSplit(rule, '\t');
    for (std::string& cell : cells) {
      cell = absl::AsciiStrToLower(absl::StripAsciiWhitespace(cell));
    }
    auto bad = [&](absl::string_view why) {
      return absl::InvalidArgumentError(
          absl::StrCat("glossary line ", number, ": ", why));
    };
    if (cells[0] == "abbrev" || cells[0] == "synonym") {
      if (cells.size() != 3 || cells[1].empty() || cells[2].empty()) {
        return bad(absl::StrCat(cells[0],
                                " takes a term and what it reads as, "
                                "tab-separated"));
      }
      const std::vector<std::string> term = Tokens(cells[1]);
      if (term.size() != 1) {
        return bad(absl::StrCat("'", cells[1], "' is not one word"));
      }
      if (cells[0] == "abbrev") {
        out.expansions_[term[0]] = Tokens(cells[2]);
      } else {
        const std::vector<std::string> as = Tokens(cells[2]);
        if (as.size() != 1) {
          return bad(
              absl::StrCat("a synonym is one word, not '", cells[2], "'"));
        }
        out.synonyms_[term[0]] = as[0];
      }
    } else if (cells[0] == "event") {
      int days = 0;
      if (cells.size() != 4 || cells[1].empty() ||
          !absl::SimpleAtoi(cells[2], &days) || days < 0 || days > 366) {
        return bad(
            "event takes a type, a window of 0-366 days and its cues "
            "(separated by '|'), tab-separated");
      }
      EventRule event;
      event.type = EventType{cells[1], days};
      for (absl::string_view cue : absl::StrSplit(cells[3], '|')) {
        cue = absl::StripAsciiWhitespace(cue);
        if (!cue.empty()) event.cues.emplace_back(cue);
      }
      if (event.cues.empty()) return bad("an event type needs a cue");
      out.events_.push_back(std::move(event));
    } else {
      return bad(absl::StrCat("unknown rule '", cells[0],
                              "'; rules are abbrev, synonym and event"));
    }
  }
  out.ReadCues();
  return out;
}

const Glossary& Glossary::BuiltIn() {
  static const Glossary* built_in = [] {
    absl::StatusOr<Glossary> parsed = Parse(kBuiltInGlossary);
    // The built-in file is checked by glossary_test; an error is a bug.
    return new Glossary(parsed.ok() ? *std::move(parsed) : Glossary());
  }();
  return *built_in;
}

Glossary Glossary::MergedWith(const Glossary& partnership) const {
  Glossary out = *this;
  for (const auto& [term, words] : partnership.expansions_) {
    out.expansions_[term] = words;
  }
  for (const auto& [word, as] : partnership.synonyms_) out.synonyms_[word] = as;
  std::vector<EventRule> events = partnership.events_;
  for (const EventRule& event : events_) {
    const bool replaced = std::any_of(
        events.begin(), events.end(),
        [&](const EventRule& e) { return e.type.name == event.type.name; });
    if (!replaced) events.push_back(event);
  }
  out.events_ = std::move(events);
  out.ReadCues();
  return out;
}

void Glossary::ReadCues() {
  for (EventRule& event : events_) {
    event.words.clear();
    for (const std::string& cue : event.cues) {
      event.words.push_back(Words(cue));
    }
  }
}

std::vector<std::string> Glossary::Words(absl::string_view text) const {
  std::vector<std::string> out;
  for (const std::string& token : Tokens(text)) {
    std::string plain = token;
    plain.erase(std::remove(plain.begin(), plain.end(), '.'), plain.end());
    if (auto it = expansions_.find(plain); it != expansions_.end()) {
      for (const std::string& word : it->second) {
        auto synonym = synonyms_.find(word);
        out.push_back(synonym != synonyms_.end() ? synonym->second : word);
      }
    } else if (auto it = synonyms_.find(plain); it != synonyms_.end()) {
      out.push_back(it->second);
    } else {
      out.push_back(std::move(plain));
    }
  }
  return out;
}

EventType Glossary::TypeOf(absl::string_view text) const {
  const std::vector<std::string> words = Words(text);
  const std::set<std::string> held(words.begin(), words.end());
  for (const EventRule& event : events_) {
    for (const std::vector<std::string>& cue : event.words) {
      if (!cue.empty() &&
          std::all_of(cue.begin(), cue.end(), [&](const std::string& w) {
            return held.count(w) > 0;
          })) {
        return event.type;
      }
    }
  }
  return EventType();
}

}  // namespace casesync
