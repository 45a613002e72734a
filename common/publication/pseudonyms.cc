#include "common/publication/pseudonyms.h"

#include <algorithm>
#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/base/text.h"
#include "common/publication/name_matcher.h"
#include "common/publication/review_text.h"

namespace casesync {
namespace {

void AddUnique(std::string line, std::vector<std::string>* out,
               std::set<std::string>* seen) {
  if (seen->insert(line).second) out->push_back(std::move(line));
}

}  // namespace

std::string QuoteFound(absl::string_view text, size_t begin, size_t end) {
  std::string shown;
  bool space = false;
  for (char c : text.substr(begin, end - begin)) {
    if (IsSpace(c)) {
      space = !shown.empty();
      continue;
    }
    if (space) shown += ' ';
    space = false;
    shown += c;
  }
  return absl::StrCat("\"", shown, "\"");
}

void ApplyPseudonyms(const std::vector<v1::PseudonymEntry>& map,
                     v1::JointReview* review) {
  const NameMatcher matcher(map);
  if (matcher.empty()) return;
  VisitReviewText(review, [&](const TextPlace&, std::string* text) {
    matcher.Replace(text, nullptr);
  });
}

std::vector<std::string> FindRealNames(
    const std::vector<v1::PseudonymEntry>& map, const v1::JointReview& review) {
  const NameMatcher matcher(map);
  std::vector<std::string> out;
  std::set<std::string> seen;
  if (matcher.empty()) return out;
  VisitReviewText(review, [&](const TextPlace& place, const std::string& text) {
    for (const NameMatcher::Hit& hit : matcher.Find(text)) {
      AddUnique(absl::StrCat(place.label, ": ", place.field, ": ",
                             QuoteFound(text, hit.begin, hit.end), " (",
                             NameMatcher::Describe(hit), ")"),
                &out, &seen);
    }
  });
  return out;
}

std::vector<std::string> FindRealNamesInText(
    const std::vector<v1::PseudonymEntry>& map, absl::string_view document) {
  const NameMatcher matcher(map);
  std::vector<std::string> out;
  std::set<std::string> seen;
  if (matcher.empty()) return out;
  size_t line = 1, counted_to = 0;
  for (const NameMatcher::Hit& hit : matcher.Find(document)) {
    line += std::count(document.begin() + counted_to,
                       document.begin() + hit.begin, '\n');
    counted_to = hit.begin;
    AddUnique(absl::StrCat("line ", line, ": ",
                           QuoteFound(document, hit.begin, hit.end), " (",
                           NameMatcher::Describe(hit), ")"),
              &out, &seen);
  }
  return out;
}

}  // namespace casesync
