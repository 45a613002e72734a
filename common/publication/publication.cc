#include "common/publication/publication.h"

#include <algorithm>
#include <map>
#include <set>
#include <tuple>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "common/base/sha256.h"
#include "common/base/text.h"
#include "common/publication/identifiers.h"
#include "common/publication/name_matcher.h"
#include "common/publication/profile.h"
#include "common/publication/review_text.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"

namespace casesync {
namespace {

constexpr char kRedacted[] = "[redacted]";

std::string KindOf(const v1::PseudonymEntry& entry) {
  switch (entry.kind()) {
    case v1::PseudonymEntry::KIND_PLACE:
      return "place";
    case v1::PseudonymEntry::KIND_ORGANISATION:
      return "organisation";
    default:
      return "person";
  }
}

// Where `needle` (spaces standing for any white space) is in `text`.
std::vector<std::pair<size_t, size_t>> FindFlexibly(absl::string_view text,
                                                    absl::string_view needle) {
  std::vector<std::pair<size_t, size_t>> found;
  if (needle.empty()) return found;
  size_t i = 0;
  while (i < text.size()) {
    size_t t = i, n = 0;
    while (n < needle.size() && t < text.size()) {
      if (needle[n] == ' ') {
        if (!IsSpace(text[t])) break;
        while (t < text.size() && IsSpace(text[t])) ++t;
        ++n;
      } else if (text[t] == needle[n]) {
        ++t;
        ++n;
      } else {
        break;
      }
    }
    if (n == needle.size()) {
      found.emplace_back(i, t);
      i = t;
    } else {
      ++i;
    }
  }
  return found;
}

// Fields whose values are ours (ids, agency ids, categories), never
// checked for identifiers.
bool IsOwnValue(const std::string& field) {
  std::string name = field;
  const size_t dot = name.rfind('.');
  if (dot != std::string::npos) name = name.substr(dot + 1);
  const size_t hash = name.find(" #");
  if (hash != std::string::npos) name = name.substr(0, hash);
  static const std::set<std::string> kOwn = {
      "id",     "agencies",   "owner_agency", "action_owner",
      "agency", "categories", "visibility",   "month"};
  if (kOwn.count(name)) return true;
  const auto ends = [&](absl::string_view suffix) {
    return name.size() >= suffix.size() &&
           name.compare(name.size() - suffix.size(), suffix.size(),
                        suffix.data(), suffix.size()) == 0;
  };
  return ends("_id") || ends("_ids");
}

std::string Hex(const std::string& bytes) {
  return absl::BytesToHexString(bytes);
}

std::string ContentHash(const v1::JointReview& review) {
  std::string binary;
  {
    google::protobuf::io::StringOutputStream stream(&binary);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    review.SerializeToCodedStream(&coded);
  }
  return Hex(Sha256(binary));
}

using DecisionKey = std::tuple<std::string, std::string, std::string>;

}  // namespace

std::string CollapseSpaces(absl::string_view text) {
  std::string out;
  bool space = false;
  for (char c : text) {
    if (IsSpace(c)) {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += c;
  }
  return out;
}

std::string DescribeLeak(const v1::PublicationLeak& leak) {
  return absl::StrCat(leak.label().empty() ? "document" : leak.label(), ": ",
                      leak.field(), ": \"", leak.text(), "\" (", leak.kind(),
                      ")");
}

Publication PreparePublication(v1::JointReview review,
                               const PublicationInputs& inputs) {
  Publication out;
  // The review's own reference shapes, before the profile drops them.
  std::vector<std::string> references;
  for (const v1::CompositeEntry& item : review.chronology().entries()) {
    references.push_back(item.entry().source());
    for (const v1::EntrySource& source : item.sources()) {
      references.push_back(source.source());
    }
  }
  const IdentifierFinder identifiers(references);
  const NameMatcher names(inputs.map);

  // 1. Names.
  VisitReviewText(&review, [&](const TextPlace& place, std::string* text) {
    std::vector<NameMatcher::Replacement> made;
    if (!names.Replace(text, &made)) return;
    for (const NameMatcher::Replacement& r : made) {
      v1::RedactionLogEntry* entry = &out.log.emplace_back();
      entry->set_record_id(place.record_id);
      entry->set_label(place.label);
      entry->set_field(place.field);
      entry->set_original(CollapseSpaces(r.original));
      entry->set_replacement(r.pseudonym);
      entry->set_rule(absl::StrCat("pseudonym map (", KindOf(*r.entry), ")"));
    }
  });

  // 2. Redactions, oldest decision first.
  std::vector<const v1::LeakDecision*> decisions;
  std::set<DecisionKey> decided;
  for (const v1::LeakDecision& d : inputs.decisions) {
    decisions.push_back(&d);
    decided.insert({d.record_id(), d.field(), CollapseSpaces(d.text())});
  }
  std::sort(decisions.begin(), decisions.end(),
            [](const v1::LeakDecision* a, const v1::LeakDecision* b) {
              return a->id() < b->id();
            });
  std::map<std::pair<std::string, std::string>,
           std::vector<const v1::LeakDecision*>>
      redactions;
  for (const v1::LeakDecision* d : decisions) {
    if (d->action() == v1::LeakDecision::ACTION_REDACT) {
      redactions[{d->record_id(), d->field()}].push_back(d);
    }
  }
  if (!redactions.empty()) {
    VisitReviewText(&review, [&](const TextPlace& place, std::string* text) {
      auto found = redactions.find({place.record_id, place.field});
      if (found == redactions.end()) return;
      for (const v1::LeakDecision* d : found->second) {
        const std::string replacement =
            d->replacement().empty() ? kRedacted : d->replacement();
        const auto places = FindFlexibly(*text, CollapseSpaces(d->text()));
        for (auto it = places.rbegin(); it != places.rend(); ++it) {
          v1::RedactionLogEntry* entry = &out.log.emplace_back();
          entry->set_record_id(place.record_id);
          entry->set_label(place.label);
          entry->set_field(place.field);
          entry->set_original(CollapseSpaces(absl::string_view(*text).substr(
              it->first, it->second - it->first)));
          entry->set_replacement(replacement);
          entry->set_rule(absl::StrCat(
              "redaction by ", d->decided_by().empty() ? "?" : d->decided_by(),
              ": ", d->reason()));
          text->replace(it->first, it->second - it->first, replacement);
        }
      }
    });
  }

  // 3. The profile.
  ApplyPublicationProfile(inputs.profile, &review);

  // 4. What is left.
  std::set<std::tuple<std::string, std::string, std::string, std::string>>
      listed;
  VisitReviewText(review, [&](const TextPlace& place, const std::string& text) {
    std::vector<std::pair<size_t, size_t>> spans;
    std::vector<std::string> kinds;
    for (const NameMatcher::Hit& hit : names.Find(text)) {
      spans.emplace_back(hit.begin, hit.end);
      kinds.push_back(NameMatcher::Describe(hit));
    }
    if (!IsOwnValue(place.field)) {
      for (const IdentifierFinder::Hit& hit : identifiers.Find(text)) {
        spans.emplace_back(hit.begin, hit.end);
        kinds.push_back(hit.kind);
      }
    }
    for (size_t i = 0; i < spans.size(); ++i) {
      const std::string found = CollapseSpaces(absl::string_view(text).substr(
          spans[i].first, spans[i].second - spans[i].first));
      if (found.empty()) continue;
      if (decided.count({place.record_id, place.field, found})) continue;
      if (!listed.insert({place.record_id, place.field, found, kinds[i]})
               .second) {
        continue;
      }
      v1::PublicationLeak* leak = &out.leaks.emplace_back();
      leak->set_record_id(place.record_id);
      leak->set_label(place.label);
      leak->set_field(place.field);
      leak->set_text(found);
      leak->set_kind(kinds[i]);
    }
  });

  out.content_hash = ContentHash(review);
  out.review = std::move(review);
  return out;
}

}  // namespace casesync
