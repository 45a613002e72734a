#include "common/review/event_matching.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <iterator>
#include <numeric>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/civil_time.h"
#include "common/base/sha256.h"

namespace casesync {
namespace {

// MatchRules defaults and limits (review.proto, docs/joint_review.md).
constexpr uint32_t kDefaultDateWindowDays = 3;
constexpr uint32_t kDefaultUncertainWindowDays = 31;
constexpr double kDefaultMinScore = 0.6;
constexpr double kDefaultDuplicateWording = 0.8;
constexpr uint32_t kDefaultGapDays = 28;
constexpr uint32_t kMaxWindowDays = 366;
constexpr uint32_t kMaxGapDays = 3660;

// The weight of each signal in the match score; they add up to 1.
constexpr double kDateWeight = 0.2;
constexpr double kWordingWeight = 0.6;
constexpr double kRoleWeight = 0.1;
constexpr double kTimeWeight = 0.1;
// Scores are rounded to 4 decimals and compared with this slack, so a score
// worked out by hand to be exactly a threshold meets it.
constexpr double kSlack = 1e-9;

// Words that say nothing about which event an entry records; "s" is what
// is left of a possessive ("Child J's"). Sorted (checked below).
constexpr std::string_view kStopwords[] = {
    "a",    "about", "after", "an",  "and",  "are",   "as",  "at",
    "be",   "been",  "by",    "for", "from", "had",   "has", "have",
    "he",   "her",   "his",   "in",  "into", "is",    "it",  "its",
    "of",   "on",    "or",    "s",   "she",  "that",  "the", "their",
    "they", "this",  "to",    "was", "were", "which", "with"};

constexpr bool StopwordsSorted() {
  for (size_t i = 1; i < std::size(kStopwords); ++i) {
    if (!(kStopwords[i - 1] < kStopwords[i])) return false;
  }
  return true;
}
static_assert(StopwordsSorted(), "kStopwords must be sorted");

bool IsStopword(absl::string_view word) {
  return std::binary_search(std::begin(kStopwords), std::end(kStopwords),
                            std::string_view(word.data(), word.size()));
}

// Calls `sink` with each word of `text` in order: runs of ASCII letters and
// digits (a byte of a UTF-8 sequence counts as a letter), lower-cased,
// stopwords dropped, and a word of more than three letters ending in a
// single "s" without it ("visits" -> "visit", "class" stays).
template <typename Sink>
void ForEachWord(absl::string_view text, Sink sink) {
  const std::string lower = absl::AsciiStrToLower(text);
  auto is_word_byte = [](char c) {
    const unsigned char byte = static_cast<unsigned char>(c);
    return absl::ascii_isalnum(byte) || byte >= 0x80;
  };
  for (size_t pos = 0; pos < lower.size();) {
    if (!is_word_byte(lower[pos])) {
      ++pos;
      continue;
    }
    size_t end = pos;
    while (end < lower.size() && is_word_byte(lower[end])) ++end;
    absl::string_view word(lower.data() + pos, end - pos);
    pos = end;
    if (IsStopword(word)) continue;
    if (word.size() > 3 && word.back() == 's' && word[word.size() - 2] != 's')
      word.remove_suffix(1);
    sink(word);
  }
}

// Days since 1970-01-01 of a "YYYY-MM-DD" date; nullopt if it is not one.
std::optional<int64_t> DayNumber(absl::string_view date) {
  if (date.size() != 10 || date[4] != '-' || date[7] != '-') return {};
  absl::CivilDay day;
  if (!absl::ParseCivilTime(date, &day)) return {};
  if (absl::FormatCivilTime(day) != date) return {};  // 2024-02-30 and kin
  return day - absl::CivilDay(1970, 1, 1);
}

std::string DateOfDay(int64_t day) {
  return absl::FormatCivilTime(absl::CivilDay(1970, 1, 1) + day);
}

// A fact two entries of one event should agree on.
struct Fact {
  absl::string_view field;  // the ChronologyEntry field name
  std::string (*value)(const v1::ChronologyEntry&);
  // True if an entry may leave it unset: an unset value then disagrees
  // with nothing.
  bool optional;
};

std::string YesNo(bool value) { return value ? "yes" : "no"; }

constexpr Fact kFacts[] = {
    {"date", [](const v1::ChronologyEntry& e) { return e.date(); }, false},
    {"time", [](const v1::ChronologyEntry& e) { return e.time(); }, true},
    {"end_date", [](const v1::ChronologyEntry& e) { return e.end_date(); },
     true},
    {"child_seen",
     [](const v1::ChronologyEntry& e) { return YesNo(e.child_seen()); }, false},
    {"child_voice_recorded",
     [](const v1::ChronologyEntry& e) {
       return YesNo(e.child_voice_recorded());
     },
     false},
};

// What the matcher needs of one entry, worked out once.
struct Prepared {
  std::optional<int64_t> day;
  int agency = 0;  // rank of owner_agency among the agencies
  // The distinct event words (vocabulary ids) in order of first appearance,
  // and the same sorted.
  std::vector<int> words;
  std::vector<int> sorted_words;
  std::vector<int> role_words;  // sorted
};

// Two entries of different agencies taken for the same event.
struct Match {
  size_t a;  // index in canonical order: a's agency sorts before b's
  size_t b;
  double score;
  double wording;
  std::vector<std::string> reasons;
  std::vector<const Fact*> disagreements;
};

// How many values two sorted vectors of distinct values have in common.
// Branch-free: this is the inner loop of the matcher.
size_t CountShared(const std::vector<int>& x, const std::vector<int>& y) {
  size_t shared = 0;
  for (size_t i = 0, j = 0; i < x.size() && j < y.size();) {
    const int a = x[i];
    const int b = y[j];
    shared += a == b;
    i += a <= b;
    j += b <= a;
  }
  return shared;
}

std::string Points(double points) {
  return absl::StrFormat(" [+%.2f]", points);
}

class PairScorer {
 public:
  // `entries` in canonical order (sorted by agency).
  PairScorer(const std::vector<v1::ChronologyEntry>& entries,
             const v1::MatchRules& rules)
      : entries_(entries), rules_(rules), prepared_(entries.size()) {
    absl::flat_hash_map<std::string, int> ids;
    std::vector<size_t> last_seen;  // by word id: 1 + the entry it was in
    auto add_words = [&](absl::string_view text, size_t entry,
                         std::vector<int>* out) {
      ForEachWord(text, [&](absl::string_view word) {
        auto it = ids.find(word);
        if (it == ids.end()) {
          it = ids.emplace(std::string(word), static_cast<int>(ids.size()))
                   .first;
          vocabulary_.emplace_back(word);
          last_seen.push_back(0);
        }
        if (last_seen[it->second] == entry + 1) return;
        last_seen[it->second] = entry + 1;
        out->push_back(it->second);
      });
    };
    for (size_t i = 0; i < entries.size(); ++i) {
      Prepared& p = prepared_[i];
      p.day = DayNumber(entries[i].date());
      if (i > 0) {
        p.agency = prepared_[i - 1].agency +
                   (entries[i].owner_agency() != entries[i - 1].owner_agency());
      }
      add_words(entries[i].event(), i, &p.words);
      p.sorted_words = p.words;
      std::sort(p.sorted_words.begin(), p.sorted_words.end());
    }
    // Role words after event words, so that a word in both is not taken
    // for a repeat.
    for (size_t i = 0; i < entries.size(); ++i) {
      Prepared& p = prepared_[i];
      add_words(entries[i].practitioner_role(), entries.size() + i,
                &p.role_words);
      std::sort(p.role_words.begin(), p.role_words.end());
    }
  }

  const Prepared& prepared(size_t i) const { return prepared_[i]; }

  // The match between entries a and b (a < b in canonical order), if they
  // are taken for the same event.
  std::optional<Match> Compare(size_t a, size_t b) const {
    const v1::ChronologyEntry& x = entries_[a];
    const v1::ChronologyEntry& y = entries_[b];
    const Prepared& px = prepared_[a];
    const Prepared& py = prepared_[b];
    if (px.agency == py.agency || !px.day || !py.day) return {};
    const bool uncertain = x.date_uncertain() || y.date_uncertain();
    const int64_t window = uncertain ? rules_.uncertain_date_window_days()
                                     : rules_.date_window_days();
    const int64_t apart = std::llabs(*px.day - *py.day);
    if (apart > window) return {};
    const size_t shared = CountShared(px.sorted_words, py.sorted_words);
    if (shared == 0) return {};

    Match match{a, b, 0, 0, {}, {}};
    const double date_points =
        kDateWeight * (1.0 - static_cast<double>(apart) / (window + 1));
    match.wording = 2.0 * shared / (px.words.size() + py.words.size());
    const double wording_points = kWordingWeight * match.wording;
    const bool same_role =
        !px.role_words.empty() && !py.role_words.empty() &&
        (std::includes(px.role_words.begin(), px.role_words.end(),
                       py.role_words.begin(), py.role_words.end()) ||
         std::includes(py.role_words.begin(), py.role_words.end(),
                       px.role_words.begin(), px.role_words.end()));
    const bool same_time = !x.time().empty() && x.time() == y.time();
    const double sum = date_points + wording_points +
                       (same_role ? kRoleWeight : 0) +
                       (same_time ? kTimeWeight : 0);
    match.score = std::round(sum * 1e4) / 1e4;
    if (match.score + kSlack < rules_.min_score()) return {};

    match.reasons.push_back(DateReason(x, y, apart) + Points(date_points));
    match.reasons.push_back(
        absl::StrFormat("event wording %d%% alike (shared: %s)",
                        static_cast<int>(std::round(match.wording * 100)),
                        absl::StrJoin(SharedWords(px, py), ", ")) +
        Points(wording_points));
    if (same_role) match.reasons.push_back(RoleReason(x, y));
    if (same_time) {
      match.reasons.push_back(absl::StrCat("same time ", x.time()) +
                              Points(kTimeWeight));
    }
    for (const Fact& fact : kFacts) {
      const std::string vx = fact.value(x);
      const std::string vy = fact.value(y);
      if (vx == vy) continue;
      if (fact.optional && (vx.empty() || vy.empty())) continue;
      match.disagreements.push_back(&fact);
    }
    return match;
  }

 private:
  std::string DateReason(const v1::ChronologyEntry& x,
                         const v1::ChronologyEntry& y, int64_t apart) const {
    const bool uncertain = x.date_uncertain() || y.date_uncertain();
    if (apart == 0) {
      return absl::StrCat("same date ", x.date(),
                          uncertain ? " (uncertain)" : "");
    }
    auto shown = [](const v1::ChronologyEntry& e) {
      return absl::StrCat(e.date(), e.date_uncertain() ? " uncertain" : "");
    };
    const bool x_first = x.date() < y.date();
    std::string reason =
        absl::StrCat("dates ", apart, apart == 1 ? " day" : " days", " apart (",
                     shown(x_first ? x : y), ", ", shown(x_first ? y : x), ")");
    if (uncertain) {
      absl::StrAppend(&reason, ", within the ",
                      rules_.uncertain_date_window_days(),
                      "-day window for uncertain dates");
    }
    return reason;
  }

  // The words of x that y has too, in x's order.
  std::vector<absl::string_view> SharedWords(const Prepared& x,
                                             const Prepared& y) const {
    std::vector<absl::string_view> shared;
    for (const int word : x.words) {
      if (std::binary_search(y.sorted_words.begin(), y.sorted_words.end(),
                             word)) {
        shared.push_back(vocabulary_[word]);
      }
    }
    return shared;
  }

  static std::string RoleReason(const v1::ChronologyEntry& x,
                                const v1::ChronologyEntry& y) {
    const std::string rx = absl::AsciiStrToLower(
        absl::StripAsciiWhitespace(x.practitioner_role()));
    const std::string ry = absl::AsciiStrToLower(
        absl::StripAsciiWhitespace(y.practitioner_role()));
    if (rx == ry) {
      return absl::StrCat("same practitioner role: ", rx) + Points(kRoleWeight);
    }
    return absl::StrCat("overlapping practitioner roles: ", rx, ", ", ry) +
           Points(kRoleWeight);
  }

  const std::vector<v1::ChronologyEntry>& entries_;
  const v1::MatchRules& rules_;
  std::vector<Prepared> prepared_;
  std::vector<std::string> vocabulary_;  // by word id
};

// Every match, each pair once. Pairs are looked for only among entries with
// dates at most the date window apart, and, for an entry with an uncertain
// date, at most the uncertain window apart.
std::vector<Match> FindMatches(const PairScorer& scorer,
                               const std::vector<v1::ChronologyEntry>& entries,
                               const v1::MatchRules& rules) {
  std::vector<size_t> by_day;
  for (size_t i = 0; i < entries.size(); ++i) {
    if (scorer.prepared(i).day) by_day.push_back(i);
  }
  std::stable_sort(by_day.begin(), by_day.end(), [&](size_t x, size_t y) {
    return *scorer.prepared(x).day < *scorer.prepared(y).day;
  });
  std::vector<int64_t> days;
  for (size_t i : by_day) days.push_back(*scorer.prepared(i).day);

  std::vector<Match> matches;
  auto compare = [&](size_t x, size_t y) {
    std::optional<Match> match =
        x < y ? scorer.Compare(x, y) : scorer.Compare(y, x);
    if (match) matches.push_back(*std::move(match));
  };
  const int64_t narrow = rules.date_window_days();
  const int64_t wide = rules.uncertain_date_window_days();
  for (size_t p = 0; p < by_day.size(); ++p) {
    for (size_t q = p + 1; q < by_day.size() && days[q] - days[p] <= narrow;
         ++q) {
      compare(by_day[p], by_day[q]);
    }
  }
  // Pairs further apart than the date window but within the uncertain one,
  // where an entry's date is uncertain; a pair of two such entries once.
  if (wide > narrow) {
    for (size_t p = 0; p < by_day.size(); ++p) {
      if (!entries[by_day[p]].date_uncertain()) continue;
      auto first = std::lower_bound(days.begin(), days.end(), days[p] - wide);
      auto last = std::upper_bound(days.begin(), days.end(), days[p] + wide);
      for (auto it = first; it != last; ++it) {
        const size_t q = static_cast<size_t>(it - days.begin());
        if (std::llabs(days[q] - days[p]) <= narrow) continue;
        if (entries[by_day[q]].date_uncertain() && q < p) continue;
        compare(by_day[p], by_day[q]);
      }
    }
  }
  return matches;
}

// Order of the composite chronology: date, then timed before untimed, time,
// agency, id.
bool ChronologicalLess(const v1::ChronologyEntry& x,
                       const v1::ChronologyEntry& y) {
  if (x.date() != y.date()) return x.date() < y.date();
  if (x.time().empty() != y.time().empty()) return y.time().empty();
  if (x.time() != y.time()) return x.time() < y.time();
  if (x.owner_agency() != y.owner_agency())
    return x.owner_agency() < y.owner_agency();
  return x.id() < y.id();
}

// Stretches with no contact of at least gap_days. An entry is contact from
// its date to its end date (when it has a valid one, not before the date).
std::vector<v1::ContactGap> FindGaps(
    const std::vector<v1::ChronologyEntry>& entries, const PairScorer& scorer,
    uint32_t gap_days) {
  std::vector<std::pair<int64_t, int64_t>> contacts;
  for (size_t i = 0; i < entries.size(); ++i) {
    const std::optional<int64_t> start = scorer.prepared(i).day;
    if (!start) continue;
    const std::optional<int64_t> end = DayNumber(entries[i].end_date());
    contacts.emplace_back(*start, end ? std::max(*start, *end) : *start);
  }
  std::sort(contacts.begin(), contacts.end());
  std::vector<v1::ContactGap> gaps;
  if (contacts.empty()) return gaps;
  int64_t last = contacts.front().second;
  for (const auto& [start, end] : contacts) {
    if (start - last >= static_cast<int64_t>(gap_days)) {
      v1::ContactGap& gap = gaps.emplace_back();
      gap.set_after_date(DateOfDay(last));
      gap.set_before_date(DateOfDay(start));
      gap.set_days(static_cast<uint32_t>(start - last));
    }
    last = std::max(last, end);
  }
  return gaps;
}

// Groups of likely duplicates, built from the duplicate pairs strongest
// first. Two groups are joined only if no agency is in both and no pair
// across them disagrees on a fact.
class DuplicateGroups {
 public:
  explicit DuplicateGroups(const std::vector<v1::ChronologyEntry>& entries)
      : entries_(entries),
        group_(entries.size()),
        members_(entries.size()),
        reasons_(entries.size()) {
    std::iota(group_.begin(), group_.end(), 0);
    for (size_t i = 0; i < entries.size(); ++i) members_[i] = {i};
  }

  void AddDisagreement(size_t a, size_t b) { disagree_.insert({a, b}); }

  void Join(const Match& match) {
    const size_t ga = group_[match.a];
    const size_t gb = group_[match.b];
    if (ga == gb) return;
    for (size_t x : members_[ga]) {
      for (size_t y : members_[gb]) {
        if (entries_[x].owner_agency() == entries_[y].owner_agency() ||
            disagree_.contains({std::min(x, y), std::max(x, y)})) {
          return;
        }
      }
    }
    const std::string pair =
        absl::StrCat(entries_[match.a].owner_agency(), " and ",
                     entries_[match.b].owner_agency());
    std::vector<std::string>& reasons = reasons_[ga];
    reasons.insert(reasons.end(), reasons_[gb].begin(), reasons_[gb].end());
    reasons.push_back(absl::StrFormat(
        "%s: score %.2f, agree on every fact compared", pair, match.score));
    for (const std::string& reason : match.reasons)
      reasons.push_back(absl::StrCat(pair, ": ", reason));
    for (size_t y : members_[gb]) {
      group_[y] = ga;
      members_[ga].push_back(y);
    }
    members_[gb].clear();
    reasons_[gb].clear();
  }

  struct Group {
    std::vector<size_t> members;  // in canonical order
    std::vector<std::string> reasons;
  };
  // The groups, in canonical order of their first member. Call once.
  std::vector<Group> TakeGroups() {
    std::vector<Group> out;
    for (size_t g = 0; g < members_.size(); ++g) {
      if (members_[g].empty()) continue;
      std::sort(members_[g].begin(), members_[g].end());
      out.push_back({std::move(members_[g]), std::move(reasons_[g])});
    }
    return out;
  }

 private:
  const std::vector<v1::ChronologyEntry>& entries_;
  std::vector<size_t> group_;
  std::vector<std::vector<size_t>> members_;
  std::vector<std::vector<std::string>> reasons_;
  absl::flat_hash_set<std::pair<size_t, size_t>> disagree_;
};

v1::DiscrepancyVersion Version(const v1::ChronologyEntry& entry,
                               const Fact& fact) {
  v1::DiscrepancyVersion version;
  version.set_agency(entry.owner_agency());
  version.set_entry_id(entry.id());
  version.set_source(entry.source());
  version.set_value(fact.value(entry));
  version.set_date(entry.date());
  version.set_event(entry.event());
  return version;
}

v1::MatchRules DefaultRules() { return *EffectiveRules(v1::MatchRules()); }

}  // namespace

absl::StatusOr<v1::MatchRules> EffectiveRules(const v1::MatchRules& rules) {
  v1::MatchRules out = rules;
  if (out.date_window_days() == 0)
    out.set_date_window_days(kDefaultDateWindowDays);
  if (out.uncertain_date_window_days() == 0)
    out.set_uncertain_date_window_days(kDefaultUncertainWindowDays);
  if (out.min_score() == 0) out.set_min_score(kDefaultMinScore);
  if (out.duplicate_wording() == 0)
    out.set_duplicate_wording(kDefaultDuplicateWording);
  if (out.gap_days() == 0) out.set_gap_days(kDefaultGapDays);

  for (const auto& [name, value] :
       {std::pair<absl::string_view, double>{"min_score", out.min_score()},
        {"duplicate_wording", out.duplicate_wording()}}) {
    if (!(value > 0 && value <= 1)) {  // also refuses NaN
      return absl::InvalidArgumentError(
          absl::StrCat("match rule ", name, " is ", value,
                       "; it must be above 0, at most 1"));
    }
  }
  for (const auto& [name, value] :
       {std::pair<absl::string_view, uint32_t>{"date_window_days",
                                               out.date_window_days()},
        {"uncertain_date_window_days", out.uncertain_date_window_days()}}) {
    if (value > kMaxWindowDays) {
      return absl::InvalidArgumentError(
          absl::StrCat("match rule ", name, " is ", value,
                       " days; it must be at most ", kMaxWindowDays));
    }
  }
  if (out.gap_days() > kMaxGapDays) {
    return absl::InvalidArgumentError(
        absl::StrCat("match rule gap_days is ", out.gap_days(),
                     " days; it must be at most ", kMaxGapDays));
  }
  // An uncertain date is never held to a narrower window than a certain one.
  if (out.uncertain_date_window_days() < out.date_window_days())
    out.set_uncertain_date_window_days(out.date_window_days());
  return out;
}

MatchResult MatchChronology(absl::string_view review_id,
                            std::vector<v1::ChronologyEntry> entries,
                            const v1::MatchRules& rules) {
  absl::StatusOr<v1::MatchRules> checked = EffectiveRules(rules);
  const v1::MatchRules effective = checked.ok() ? *checked : DefaultRules();

  // Canonical order, so that nothing below depends on the input's order.
  // ChronologyEntry has no map field: its serialisation is deterministic.
  // (Sorted by index: moving messages about is slow.)
  std::vector<size_t> order(entries.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&entries](size_t i, size_t j) {
    const v1::ChronologyEntry& x = entries[i];
    const v1::ChronologyEntry& y = entries[j];
    if (x.owner_agency() != y.owner_agency())
      return x.owner_agency() < y.owner_agency();
    if (x.id() != y.id()) return x.id() < y.id();
    return x.SerializeAsString() < y.SerializeAsString();
  });
  std::vector<v1::ChronologyEntry> sorted(entries.size());
  for (size_t i = 0; i < order.size(); ++i) sorted[i].Swap(&entries[order[i]]);
  entries = std::move(sorted);

  const PairScorer scorer(entries, effective);
  std::vector<Match> matches = FindMatches(scorer, entries, effective);
  // Strongest first; then by the pair, for a deterministic order.
  std::sort(matches.begin(), matches.end(), [](const Match& x, const Match& y) {
    if (x.score != y.score) return x.score > y.score;
    return std::tie(x.a, x.b) < std::tie(y.a, y.b);
  });

  MatchResult result;
  DuplicateGroups groups(entries);
  std::vector<std::vector<std::string>> discrepancy_ids(entries.size());
  for (const Match& match : matches) {
    if (match.disagreements.empty()) continue;
    groups.AddDisagreement(match.a, match.b);
    for (const Fact* fact : match.disagreements) {
      v1::Discrepancy& d = result.discrepancies.emplace_back();
      d.set_id(DiscrepancyId(entries[match.a].id(), entries[match.b].id(),
                             fact->field));
      d.set_review_id(std::string(review_id));
      d.set_field(std::string(fact->field));
      *d.add_versions() = Version(entries[match.a], *fact);
      *d.add_versions() = Version(entries[match.b], *fact);
      for (const std::string& reason : match.reasons) d.add_reasons(reason);
      d.set_score(match.score);
      discrepancy_ids[match.a].push_back(d.id());
      discrepancy_ids[match.b].push_back(d.id());
    }
  }
  for (const Match& match : matches) {
    if (match.disagreements.empty() &&
        match.wording + kSlack >= effective.duplicate_wording()) {
      groups.Join(match);
    }
  }
  std::sort(result.discrepancies.begin(), result.discrepancies.end(),
            [](const v1::Discrepancy& x, const v1::Discrepancy& y) {
              if (x.versions(0).date() != y.versions(0).date())
                return x.versions(0).date() < y.versions(0).date();
              return x.id() < y.id();
            });

  for (v1::ContactGap& gap : FindGaps(entries, scorer, effective.gap_days()))
    *result.chronology.add_gaps() = std::move(gap);

  // Groups in chronological order of the entry shown, each group's first;
  // the canonical order breaks full ties, as the groups are in that order.
  std::vector<DuplicateGroups::Group> found = groups.TakeGroups();
  std::vector<size_t> shown(found.size());
  std::iota(shown.begin(), shown.end(), 0);
  std::stable_sort(shown.begin(), shown.end(), [&](size_t x, size_t y) {
    return ChronologicalLess(entries[found[x].members.front()],
                             entries[found[y].members.front()]);
  });
  result.chronology.mutable_entries()->Reserve(static_cast<int>(found.size()));
  for (const size_t g : shown) {
    auto& [members, reasons] = found[g];
    v1::CompositeEntry& c = *result.chronology.add_entries();
    std::vector<std::string> ids;
    for (size_t m : members) {
      v1::EntrySource& source = *c.add_sources();
      source.set_agency(entries[m].owner_agency());
      source.set_entry_id(entries[m].id());
      source.set_source(entries[m].source());
      ids.insert(ids.end(), discrepancy_ids[m].begin(),
                 discrepancy_ids[m].end());
    }
    *c.mutable_entry() = std::move(entries[members.front()]);
    for (std::string& reason : reasons)
      c.add_duplicate_reasons(std::move(reason));
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    for (std::string& id : ids) c.add_discrepancy_ids(std::move(id));
  }
  return result;
}

std::string DiscrepancyId(absl::string_view entry_a, absl::string_view entry_b,
                          absl::string_view field) {
  if (entry_b < entry_a) std::swap(entry_a, entry_b);
  // NUL cannot occur in an id or a field name: the parts cannot run together.
  const std::string digest =
      Sha256(absl::StrCat(entry_a, absl::string_view("\0", 1), entry_b,
                          absl::string_view("\0", 1), field));
  return absl::StrCat("d", absl::BytesToHexString(digest).substr(0, 12));
}

}  // namespace casesync
