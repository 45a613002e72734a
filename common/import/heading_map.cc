#include "common/import/heading_map.h"

#include <algorithm>
#include <set>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "casesync/v1/options.pb.h"
#include "casesync/v1/records.pb.h"
#include "common/records/record_types.h"

namespace casesync {
namespace {

namespace pb = ::google::protobuf;

// Headings agencies' systems and partnerships' templates use, by field.
// Compared through NormaliseHeading, so case, punctuation and word order do
// not matter ("Date of contact" also reads "Contact date").
struct Synonyms {
  const char* field;
  std::vector<const char*> headings;
};

const std::vector<Synonyms>& SynonymTable() {
  static const auto* table = new std::vector<Synonyms>{
      {"date",
       {"date", "date of contact", "date of event", "date of incident",
        "event date", "incident date", "date seen", "date of entry",
        "date recorded", "start date", "date from", "date of episode",
        "contact date", "date of attendance", "date of visit", "dated"}},
      {"time",
       {"time", "time of contact", "time of event", "time of incident",
        "start time", "time from", "time of visit", "time of attendance"}},
      {"end_date", {"end date", "date to", "date ended", "until"}},
      {"end_time", {"end time", "time to", "time ended", "finish time"}},
      {"source",
       {"source", "source of information", "information source",
        "source document", "record", "record reference", "reference", "ref",
        "case note", "case note id", "file reference", "document",
        "system reference", "source ref", "where recorded", "crime ref",
        "occurrence number", "incident number"}},
      {"practitioner_role",
       {"practitioner", "practitioner role", "role", "worker", "worker role",
        "professional", "professional involved", "staff", "staff member",
        "officer", "author", "recorded by", "agency worker",
        "practitioner job title", "job title", "designation",
        "person completing", "who"}},
      {"event",
       {"event",
        "event contact",
        "contact",
        "description",
        "details",
        "event details",
        "what happened",
        "incident",
        "summary",
        "entry",
        "narrative",
        "significant event",
        "event description",
        "contact details",
        "details of contact",
        "details of event",
        "description of event",
        "summary of contact",
        "information",
        "key event",
        "incident details",
        "circumstances",
        "notes"}},
      {"action",
       {"action", "action taken", "actions", "actions taken", "response",
        "response action", "what was done", "action agreed", "decision",
        "decisions", "decision action", "next steps"}},
      {"rationale",
       {"rationale", "reason", "reasons", "reasoning", "analysis",
        "rationale for decision", "why", "professional judgement"}},
      {"outcome",
       {"outcome", "outcomes", "result", "impact", "outcome for child"}},
      {"child_seen",
       {"child seen", "seen", "was child seen", "child seen yes no",
        "young person seen", "cyp seen", "child young person seen",
        "was the child seen", "child seen alone", "seen child"}},
      {"child_voice_recorded",
       {"child voice", "voice of child", "voice of the child",
        "child voice recorded", "voice recorded", "wishes and feelings",
        "child wishes and feelings", "wishes feelings recorded",
        "voice of child recorded", "child views", "views of child",
        "child views recorded", "lived experience"}},
      {"event_type",
       {"event type", "contact type", "type of contact", "type of event",
        "type", "category", "activity", "activity type", "contact category",
        "form type", "episode type", "incident type", "nature of contact"}},
      {"visibility", {"visibility", "shared with", "share with"}},
  };
  return *table;
}

const std::map<std::string, std::string>& SynonymIndex() {
  static const auto* index = [] {
    auto* out = new std::map<std::string, std::string>();
    for (const Synonyms& s : SynonymTable()) {
      for (const char* heading : s.headings) {
        out->emplace(NormaliseHeading(heading), s.field);
      }
    }
    return out;
  }();
  return *index;
}

bool Writable(const pb::FieldDescriptor* field) {
  return field != nullptr &&
         static_cast<uint32_t>(field->number()) >= kFirstWritableField;
}

std::string WritableFieldNames() {
  std::vector<std::string> names;
  const pb::Descriptor* d = v1::ChronologyEntry::descriptor();
  for (int i = 0; i < d->field_count(); ++i) {
    if (Writable(d->field(i))) names.push_back(d->field(i)->name());
  }
  return absl::StrJoin(names, ", ");
}

}  // namespace

std::string NormaliseHeading(absl::string_view heading) {
  std::string flat;
  for (char c : heading) {
    if (absl::ascii_isalnum(static_cast<unsigned char>(c))) {
      flat.push_back(absl::ascii_tolower(static_cast<unsigned char>(c)));
    } else {
      flat.push_back(' ');
    }
  }
  std::vector<std::string> words = absl::StrSplit(flat, ' ', absl::SkipEmpty());
  // Little words carry nothing: "Voice of the child" and "Child's voice" are
  // "child voice".
  static const std::set<std::string> kLittle = {"of", "the", "a",  "an",
                                                "s",  "and", "or", "by"};
  words.erase(
      std::remove_if(words.begin(), words.end(),
                     [](const std::string& w) { return kLittle.count(w) > 0; }),
      words.end());
  // A heading of little words only keeps them.
  if (words.empty()) {
    words = absl::StrSplit(flat, ' ', absl::SkipEmpty());
  }
  std::sort(words.begin(), words.end());
  return absl::StrJoin(words, " ");
}

absl::Status AddMappingPairs(const std::vector<std::string>& pairs,
                             ExplicitMapping* mapping) {
  for (const std::string& pair : pairs) {
    const size_t eq = pair.rfind('=');
    if (eq == std::string::npos) {
      return absl::InvalidArgumentError(absl::StrCat(
          "mapping '", pair, "' has no '=': write it as \"Heading=field\""));
    }
    const std::string heading(absl::StripAsciiWhitespace(pair.substr(0, eq)));
    const std::string field =
        absl::AsciiStrToLower(absl::StripAsciiWhitespace(pair.substr(eq + 1)));
    if (heading.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("mapping '", pair, "' names no heading"));
    }
    if (field != kIgnoredColumn &&
        !Writable(v1::ChronologyEntry::descriptor()->FindFieldByName(field))) {
      return absl::InvalidArgumentError(absl::StrCat(
          "mapping '", pair, "': '", field,
          "' is no chronology field; the fields are: ", WritableFieldNames(),
          " (or ", kIgnoredColumn, " to leave the column out)"));
    }
    (*mapping)[NormaliseHeading(heading)] = field;
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<ColumnMapping>> MapHeadings(
    const std::vector<std::string>& headings, const ExplicitMapping& given,
    const ExplicitMapping& saved) {
  const pb::Descriptor* d = v1::ChronologyEntry::descriptor();
  std::vector<ColumnMapping> out;
  std::vector<std::string> unknown;
  for (const std::string& heading : headings) {
    const std::string key = NormaliseHeading(heading);
    ColumnMapping column{heading, "", ""};
    if (auto it = given.find(key); it != given.end()) {
      column.field = it->second;
      column.because = "--map";
    } else if (auto it = saved.find(key); it != saved.end()) {
      column.field = it->second;
      column.because = "saved mapping";
    } else if (const pb::FieldDescriptor* f = d->FindFieldByName(
                   absl::AsciiStrToLower(absl::StripAsciiWhitespace(heading)));
               Writable(f)) {
      column.field = f->name();
      column.because = "field name";
    } else if (auto it = SynonymIndex().find(key); it != SynonymIndex().end()) {
      column.field = it->second;
      column.because = "synonym";
    } else if (heading.empty()) {
      column.field = std::string(kIgnoredColumn);
      column.because = "no heading";
    } else {
      unknown.push_back(heading);
      continue;
    }
    out.push_back(std::move(column));
  }
  if (!unknown.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "no field is known for the heading", unknown.size() > 1 ? "s " : " ",
        absl::StrJoin(unknown, ", ",
                      [](std::string* o, const std::string& h) {
                        absl::StrAppend(o, "'", h, "'");
                      }),
        ": say which with --map \"Heading=field\" (or \"Heading=",
        kIgnoredColumn, "\"); the fields are: ", WritableFieldNames()));
  }
  std::map<std::string, std::string> taken;
  for (const ColumnMapping& column : out) {
    if (column.field == kIgnoredColumn) continue;
    auto [it, inserted] = taken.emplace(column.field, column.heading);
    if (!inserted) {
      return absl::InvalidArgumentError(absl::StrCat(
          "the headings '", it->second, "' and '", column.heading,
          "' both map to ", column.field,
          ": say which is which with --map \"Heading=field\" (or \"Heading=",
          kIgnoredColumn, "\")"));
    }
  }
  for (int i = 0; i < d->field_count(); ++i) {
    const pb::FieldDescriptor* field = d->field(i);
    if (field->options().GetExtension(v1::required) &&
        taken.count(field->name()) == 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("no heading holds ", field->name(),
                       ", which every entry needs: "
                       "map one with --map \"Heading=",
                       field->name(), "\""));
    }
  }
  return out;
}

}  // namespace casesync
