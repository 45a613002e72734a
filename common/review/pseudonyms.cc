#include "common/review/pseudonyms.h"

#include <algorithm>
#include <set>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/base/text.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"

namespace casesync {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

// Letters and digits, and every byte of a multi-byte UTF-8 character (so
// "Zoë" is one word).
bool IsWordByte(char c) {
  const auto u = static_cast<unsigned char>(c);
  return absl::ascii_isalnum(u) || u >= 0x80;
}

// A name (real name or pseudonym) as lower-case words, to match with any
// white space between them.
struct NamePattern {
  std::vector<std::string> words;
  size_t length = 0;  // of the name with single spaces
};

NamePattern Pattern(absl::string_view name) {
  NamePattern pattern;
  size_t i = 0;
  while (i < name.size()) {
    while (i < name.size() && IsSpace(name[i])) ++i;
    size_t start = i;
    while (i < name.size() && !IsSpace(name[i])) ++i;
    if (i > start) {
      pattern.words.push_back(
          absl::AsciiStrToLower(name.substr(start, i - start)));
    }
  }
  for (const std::string& word : pattern.words)
    pattern.length += word.size() + 1;
  return pattern;
}

bool SameIgnoringCase(absl::string_view text, size_t at,
                      absl::string_view lower_word) {
  if (text.size() - at < lower_word.size()) return false;
  for (size_t k = 0; k < lower_word.size(); ++k) {
    if (absl::ascii_tolower(static_cast<unsigned char>(text[at + k])) !=
        lower_word[k]) {
      return false;
    }
  }
  return true;
}

// Where `pattern` matches `text` at `at` as whole words, the end of the
// match; npos otherwise.
size_t MatchAt(absl::string_view text, size_t at, const NamePattern& pattern) {
  if (pattern.words.empty()) return absl::string_view::npos;
  const std::string& first = pattern.words.front();
  if (IsWordByte(first.front()) && at > 0 && IsWordByte(text[at - 1])) {
    return absl::string_view::npos;
  }
  size_t i = at;
  for (size_t w = 0; w < pattern.words.size(); ++w) {
    if (w > 0) {
      const size_t spaces = i;
      while (i < text.size() && IsSpace(text[i])) ++i;
      if (i == spaces) return absl::string_view::npos;
    }
    if (!SameIgnoringCase(text, i, pattern.words[w])) {
      return absl::string_view::npos;
    }
    i += pattern.words[w].size();
  }
  const std::string& last = pattern.words.back();
  if (IsWordByte(last.back()) && i < text.size() && IsWordByte(text[i])) {
    return absl::string_view::npos;
  }
  return i;
}

struct Replacement {
  NamePattern real;
  std::string pseudonym;
};

// Full names longest first (then by name, so the order is stable).
std::vector<Replacement> Replacements(
    const std::vector<v1::PseudonymEntry>& map, bool need_pseudonym) {
  std::vector<Replacement> out;
  for (const v1::PseudonymEntry& entry : map) {
    NamePattern real = Pattern(entry.real_name());
    if (real.words.empty()) continue;
    if (need_pseudonym && entry.pseudonym().empty()) continue;
    out.push_back({std::move(real), entry.pseudonym()});
  }
  std::sort(out.begin(), out.end(),
            [](const Replacement& a, const Replacement& b) {
              if (a.real.length != b.real.length) {
                return a.real.length > b.real.length;
              }
              return a.real.words < b.real.words;
            });
  return out;
}

bool AtWordStart(absl::string_view text, size_t i) {
  return i == 0 || !IsWordByte(text[i - 1]) || !IsWordByte(text[i]);
}

// `text` with every full real name replaced; false if none was found.
bool ReplaceNames(const std::vector<Replacement>& names, std::string* text) {
  std::string out;
  bool changed = false;
  const absl::string_view in = *text;
  size_t i = 0;
  while (i < in.size()) {
    bool replaced = false;
    if (AtWordStart(in, i)) {
      for (const Replacement& name : names) {
        const size_t end = MatchAt(in, i, name.real);
        if (end == absl::string_view::npos) continue;
        if (!changed) out.assign(in.data(), i);
        out += name.pseudonym;
        changed = replaced = true;
        i = end;
        break;
      }
    }
    if (replaced) continue;
    if (changed) out += in[i];
    ++i;
  }
  if (changed) *text = std::move(out);
  return changed;
}

void ApplyToMessage(const std::vector<Replacement>& names, Message* message) {
  const Reflection* reflection = message->GetReflection();
  std::vector<const FieldDescriptor*> fields;
  reflection->ListFields(*message, &fields);
  for (const FieldDescriptor* field : fields) {
    if (field->cpp_type() == FieldDescriptor::CPPTYPE_STRING &&
        field->type() != FieldDescriptor::TYPE_BYTES) {
      if (field->is_repeated()) {
        for (int i = 0; i < reflection->FieldSize(*message, field); ++i) {
          std::string value = reflection->GetRepeatedString(*message, field, i);
          if (ReplaceNames(names, &value)) {
            reflection->SetRepeatedString(message, field, i, std::move(value));
          }
        }
      } else {
        std::string value = reflection->GetString(*message, field);
        if (ReplaceNames(names, &value)) {
          reflection->SetString(message, field, std::move(value));
        }
      }
    } else if (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
      if (field->is_repeated()) {
        for (int i = 0; i < reflection->FieldSize(*message, field); ++i) {
          ApplyToMessage(names,
                         reflection->MutableRepeatedMessage(message, field, i));
        }
      } else {
        ApplyToMessage(names, reflection->MutableMessage(message, field));
      }
    }
  }
}

// What the finder looks for.
struct Finder {
  std::vector<Replacement> full;        // every real name, longest first
  std::vector<NamePattern> pseudonyms;  // never flagged
  std::set<std::string> parts;          // lower-case words of real names

  explicit Finder(const std::vector<v1::PseudonymEntry>& map)
      : full(Replacements(map, /*need_pseudonym=*/false)) {
    for (const v1::PseudonymEntry& entry : map) {
      NamePattern pseudonym = Pattern(entry.pseudonym());
      if (!pseudonym.words.empty()) pseudonyms.push_back(std::move(pseudonym));
      const std::string lower = absl::AsciiStrToLower(entry.real_name());
      size_t i = 0;
      while (i < lower.size()) {
        while (i < lower.size() && !IsWordByte(lower[i])) ++i;
        const size_t start = i;
        int letters = 0;
        while (i < lower.size() && IsWordByte(lower[i])) {
          const auto u = static_cast<unsigned char>(lower[i]);
          if (absl::ascii_isalpha(u) || u >= 0xC0) ++letters;
          ++i;
        }
        if (letters >= 2) parts.insert(lower.substr(start, i - start));
      }
    }
  }
};

struct Hit {
  size_t begin, end;
  bool full;
};

// Every real name and part of one in `text`, in order. A part inside a
// full name is not listed again, nor is one inside a pseudonym.
std::vector<Hit> FindHits(const Finder& finder, absl::string_view text) {
  std::vector<Hit> hits;
  std::vector<std::pair<size_t, size_t>> covered;  // full names, pseudonyms
  for (size_t i = 0; i < text.size(); ++i) {
    if (!AtWordStart(text, i)) continue;
    for (const Replacement& name : finder.full) {
      const size_t end = MatchAt(text, i, name.real);
      if (end == absl::string_view::npos) continue;
      hits.push_back({i, end, true});
      covered.emplace_back(i, end);
      i = end - 1;
      break;
    }
  }
  for (size_t i = 0; i < text.size(); ++i) {
    if (!AtWordStart(text, i)) continue;
    for (const NamePattern& pseudonym : finder.pseudonyms) {
      const size_t end = MatchAt(text, i, pseudonym);
      if (end != absl::string_view::npos) covered.emplace_back(i, end);
    }
  }
  // Words come in order: a word is covered when, of the ranges that begin
  // at or before it, the one reaching furthest reaches past its end.
  std::sort(covered.begin(), covered.end());
  size_t next_range = 0, reach = 0;
  size_t i = 0;
  while (i < text.size()) {
    if (!IsWordByte(text[i])) {
      ++i;
      continue;
    }
    const size_t start = i;
    while (i < text.size() && IsWordByte(text[i])) ++i;
    if (!finder.parts.count(
            absl::AsciiStrToLower(text.substr(start, i - start)))) {
      continue;
    }
    while (next_range < covered.size() && covered[next_range].first <= start) {
      reach = std::max(reach, covered[next_range++].second);
    }
    if (reach < i) hits.push_back({start, i, false});
  }
  std::sort(hits.begin(), hits.end(),
            [](const Hit& a, const Hit& b) { return a.begin < b.begin; });
  return hits;
}

// The text of a hit on one line, quoted, and what it is.
std::string Describe(absl::string_view text, const Hit& hit) {
  std::string shown;
  bool space = false;
  for (char c : text.substr(hit.begin, hit.end - hit.begin)) {
    if (IsSpace(c)) {
      space = true;
      continue;
    }
    if (space) shown += ' ';
    space = false;
    shown += c;
  }
  return absl::StrCat("\"", shown, "\" (",
                      hit.full ? "real name" : "part of a real name", ")");
}

void AddUnique(std::string line, std::vector<std::string>* out,
               std::set<std::string>* seen) {
  if (seen->insert(line).second) out->push_back(std::move(line));
}

// How a record is named in a report: its kind and id.
std::string OwnLabel(const Message& message) {
  const Descriptor* d = message.GetDescriptor();
  const auto field = [&](const char* name) -> std::string {
    const FieldDescriptor* f = d->FindFieldByName(name);
    if (f == nullptr || f->cpp_type() != FieldDescriptor::CPPTYPE_STRING ||
        f->is_repeated()) {
      return "";
    }
    std::string value = message.GetReflection()->GetString(message, f);
    return value.empty() ? "(no id)" : value;
  };
  const std::string& type = d->name();
  if (type == "JointReview") return "joint review";
  if (type == "Review") return "review";
  if (type == "AgencyContribution") {
    return absl::StrCat("contribution of ", field("agency"));
  }
  if (type == "ReviewConflict") {
    return absl::StrCat("conflict on record ", field("record_id"));
  }
  if (type == "CompositeEntry" || type == "EpisodeSection") {
    const FieldDescriptor* inner =
        d->FindFieldByName(type == "CompositeEntry" ? "entry" : "episode");
    return OwnLabel(message.GetReflection()->GetMessage(message, inner));
  }
  static const std::pair<const char*, const char*> kKinds[] = {
      {"ChronologyEntry", "chronology entry"},
      {"KeyPracticeEpisode", "key practice episode"},
      {"ContributoryFactor", "contributory factor"},
      {"Finding", "finding"},
      {"ActionPlanItem", "action plan item"},
      {"AgencySummary", "agency summary"},
      {"Conversation", "conversation"},
      {"Discrepancy", "discrepancy"},
      {"DiscrepancyDecision", "discrepancy decision"},
  };
  for (const auto& [name, kind] : kKinds) {
    if (type == name) return absl::StrCat(kind, " ", field("id"));
  }
  return "";
}

void FindInMessage(const Finder& finder, const Message& message,
                   const std::string& label, const std::string& path,
                   std::vector<std::string>* out, std::set<std::string>* seen) {
  const Reflection* reflection = message.GetReflection();
  std::vector<const FieldDescriptor*> fields;
  reflection->ListFields(message, &fields);
  const auto check = [&](const std::string& where, const std::string& value) {
    for (const Hit& hit : FindHits(finder, value)) {
      AddUnique(absl::StrCat(label, ": ", where, ": ", Describe(value, hit)),
                out, seen);
    }
  };
  for (const FieldDescriptor* field : fields) {
    // A record's review_id is the review's id, checked once with the review.
    if (field->name() == "review_id" &&
        message.GetDescriptor()->name() != "Review") {
      continue;
    }
    const std::string name = absl::StrCat(path, field->name());
    const bool repeated = field->is_repeated();
    const int size = repeated ? reflection->FieldSize(message, field) : 1;
    for (int i = 0; i < size; ++i) {
      const std::string where =
          repeated ? absl::StrCat(name, " #", i + 1) : name;
      if (field->cpp_type() == FieldDescriptor::CPPTYPE_STRING &&
          field->type() != FieldDescriptor::TYPE_BYTES) {
        check(where, repeated ? reflection->GetRepeatedString(message, field, i)
                              : reflection->GetString(message, field));
      } else if (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
        const Message& child =
            repeated ? reflection->GetRepeatedMessage(message, field, i)
                     : reflection->GetMessage(message, field);
        const std::string own = OwnLabel(child);
        if (own.empty()) {
          FindInMessage(finder, child, label, absl::StrCat(where, "."), out,
                        seen);
        } else {
          FindInMessage(finder, child, own, "", out, seen);
        }
      }
    }
  }
}

}  // namespace

void ApplyPseudonyms(const std::vector<v1::PseudonymEntry>& map,
                     v1::JointReview* review) {
  const std::vector<Replacement> names =
      Replacements(map, /*need_pseudonym=*/true);
  if (names.empty()) return;
  ApplyToMessage(names, review);
}

std::vector<std::string> FindRealNames(
    const std::vector<v1::PseudonymEntry>& map, const v1::JointReview& review) {
  const Finder finder(map);
  std::vector<std::string> out;
  std::set<std::string> seen;
  if (finder.full.empty()) return out;
  FindInMessage(finder, review, OwnLabel(review), "", &out, &seen);
  return out;
}

std::vector<std::string> FindRealNamesInText(
    const std::vector<v1::PseudonymEntry>& map, absl::string_view document) {
  const Finder finder(map);
  std::vector<std::string> out;
  std::set<std::string> seen;
  if (finder.full.empty()) return out;
  size_t line = 1, counted_to = 0;
  for (const Hit& hit : FindHits(finder, document)) {
    line += std::count(document.begin() + counted_to,
                       document.begin() + hit.begin, '\n');
    counted_to = hit.begin;
    AddUnique(absl::StrCat("line ", line, ": ", Describe(document, hit)), &out,
              &seen);
  }
  return out;
}

}  // namespace casesync
