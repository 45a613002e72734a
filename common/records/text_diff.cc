#include "common/records/text_diff.h"

#include <algorithm>
#include <cstdint>
#include <map>
#include <set>
#include <tuple>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "casesync/v1/options.pb.h"
#include "common/base/hlc.h"
#include "common/base/status_macros.h"
#include "common/base/text.h"
#include "common/records/record_types.h"

namespace casesync {
namespace {

namespace pb = ::google::protobuf;

// ----------------------------------------------------------------- diffing

enum class Op { kKeep, kRemove, kAdd };

// Beyond this many removed plus added tokens between the first and the last
// change, the middle is shown as one removal and one addition: the search
// keeps about (this many)^2 integers.
constexpr int kMaxEditDistance = 500;

// The shortest edit script from a[lo_a, hi_a) to b[lo_b, hi_b) (Myers' O(ND)
// algorithm), appended to `ops` as (op, token) pairs in order. False, with
// nothing appended, if it takes more than kMaxEditDistance edits.
bool ShortestEdit(const std::vector<absl::string_view>& a,
                  const std::vector<absl::string_view>& b, int lo_a, int hi_a,
                  int lo_b, int hi_b,
                  std::vector<std::pair<Op, absl::string_view>>* ops) {
  const int n = hi_a - lo_a;
  const int m = hi_b - lo_b;
  const int max = std::min(n + m, kMaxEditDistance);
  // v[k + offset]: the furthest x on diagonal k after d edits. trace[d]
  // keeps v for diagonals -d..d after step d.
  const int offset = max + 1;
  std::vector<int> v(2 * static_cast<size_t>(max) + 3, 0);
  std::vector<std::vector<int>> trace;
  int found = -1;
  for (int d = 0; d <= max && found < 0; ++d) {
    for (int k = -d; k <= d; k += 2) {
      int x = (k == -d || (k != d && v[k - 1 + offset] < v[k + 1 + offset]))
                  ? v[k + 1 + offset]
                  : v[k - 1 + offset] + 1;
      int y = x - k;
      while (x < n && y < m && a[lo_a + x] == b[lo_b + y]) ++x, ++y;
      v[k + offset] = x;
      if (x >= n && y >= m) found = d;
    }
    trace.emplace_back(v.begin() + (offset - d), v.begin() + (offset + d + 1));
  }
  if (found < 0) return false;
  // Walk back from (n, m), collecting the script in reverse.
  std::vector<std::pair<Op, absl::string_view>> reversed;
  int x = n;
  int y = m;
  for (int d = found; d > 0; --d) {
    const std::vector<int>& prev = trace[d - 1];  // diagonals -(d-1)..d-1
    auto at = [&](int k) { return prev[k + d - 1]; };
    const int k = x - y;
    const bool down = k == -d || (k != d && at(k - 1) < at(k + 1));
    const int prev_k = down ? k + 1 : k - 1;
    const int prev_x = at(prev_k);
    const int prev_y = prev_x - prev_k;
    const int mid_x = down ? prev_x : prev_x + 1;
    while (x > mid_x && y > prev_y + (down ? 1 : 0)) {
      --x, --y;
      reversed.emplace_back(Op::kKeep, a[lo_a + x]);
    }
    if (down) {
      reversed.emplace_back(Op::kAdd, b[lo_b + prev_y]);
    } else {
      reversed.emplace_back(Op::kRemove, a[lo_a + prev_x]);
    }
    x = prev_x;
    y = prev_y;
  }
  while (x > 0 && y > 0) {
    --x, --y;
    reversed.emplace_back(Op::kKeep, a[lo_a + x]);
  }
  ops->insert(ops->end(), reversed.rbegin(), reversed.rend());
  return true;
}

std::string Visible(absl::string_view text) {
  return absl::StrReplaceAll(text, {{"\r\n", "⏎"}, {"\n", "⏎"}});
}

absl::string_view LeadingSpace(absl::string_view text) {
  size_t i = 0;
  while (i < text.size() && IsSpace(text[i])) ++i;
  return text.substr(0, i);
}

absl::string_view TrailingSpace(absl::string_view text) {
  size_t i = text.size();
  while (i > 0 && IsSpace(text[i - 1])) --i;
  return text.substr(i);
}

// The whitespace at the front (or back) of a change that both sides of it
// share, or that the one side there is has.
absl::string_view SharedSpace(absl::string_view removed,
                              absl::string_view added, bool front) {
  absl::string_view r = front ? LeadingSpace(removed) : TrailingSpace(removed);
  absl::string_view a = front ? LeadingSpace(added) : TrailingSpace(added);
  if (removed.empty()) return a;
  if (added.empty()) return r;
  size_t same = 0;
  while (same < r.size() && same < a.size() &&
         (front ? r[same] == a[same]
                : r[r.size() - 1 - same] == a[a.size() - 1 - same])) {
    ++same;
  }
  return front ? r.substr(0, same) : r.substr(r.size() - same);
}

// One change: what was removed and what was added, as "[-old-]{+new+}",
// with the whitespace around it outside the brackets (but a change of
// whitespace alone stays inside them).
std::string RenderChange(std::string removed, std::string added) {
  // Text both sides begin or end with, cut at word boundaries, is not part
  // of the change ("one [- -]{+⏎+}line", not "[-one -]{+one⏎+}line").
  auto boundary = [](absl::string_view text, size_t at) {
    return at == 0 || at == text.size() ||
           IsSpace(text[at - 1]) != IsSpace(text[at]);
  };
  size_t prefix = 0;
  while (prefix < removed.size() && prefix < added.size() &&
         removed[prefix] == added[prefix]) {
    ++prefix;
  }
  while (prefix > 0 &&
         !(boundary(removed, prefix) && boundary(added, prefix))) {
    --prefix;
  }
  size_t suffix = 0;
  const size_t room = std::min(removed.size(), added.size()) - prefix;
  while (suffix < room && removed[removed.size() - 1 - suffix] ==
                              added[added.size() - 1 - suffix]) {
    ++suffix;
  }
  while (suffix > 0 && !(boundary(removed, removed.size() - suffix) &&
                         boundary(added, added.size() - suffix))) {
    --suffix;
  }
  if (prefix > 0 || suffix > 0) {
    const std::string before = removed.substr(0, prefix);
    const std::string after = removed.substr(removed.size() - suffix);
    return absl::StrCat(
        before,
        RenderChange(removed.substr(prefix, removed.size() - prefix - suffix),
                     added.substr(prefix, added.size() - prefix - suffix)),
        after);
  }
  std::string outside[2];
  for (bool front : {true, false}) {
    const std::string space(SharedSpace(removed, added, front));
    if ((!removed.empty() && space.size() == removed.size()) ||
        (!added.empty() && space.size() == added.size())) {
      continue;
    }
    for (std::string* side : {&removed, &added}) {
      if (side->empty()) continue;
      if (front) {
        side->erase(0, space.size());
      } else {
        side->resize(side->size() - space.size());
      }
    }
    outside[front ? 0 : 1] = space;
  }
  std::string out = outside[0];
  if (!removed.empty()) absl::StrAppend(&out, "[-", Visible(removed), "-]");
  if (!added.empty()) absl::StrAppend(&out, "{+", Visible(added), "+}");
  absl::StrAppend(&out, outside[1]);
  return out;
}

std::string Join(const std::vector<absl::string_view>& tokens, size_t from,
                 size_t to) {
  std::string out;
  for (size_t i = from; i < to; ++i) absl::StrAppend(&out, tokens[i]);
  return out;
}

// An unchanged run of tokens, shortened to `context` tokens next to the
// changes it touches (`before`: a change precedes it; `after`: one follows).
std::string RenderKept(const std::vector<absl::string_view>& run,
                       size_t context, bool before, bool after) {
  const size_t keep = (before ? context : 0) + (after ? context : 0);
  if (run.size() <= keep + 1) return Join(run, 0, run.size());
  std::string out;
  if (before) {
    std::string head = Join(run, 0, context);
    head.resize(head.size() - TrailingSpace(head).size());
    absl::StrAppend(&out, head, head.empty() ? "" : " ");
  }
  out.append("…");
  if (after) {
    std::string tail = Join(run, run.size() - context, run.size());
    absl::StrAppend(&out, " ", tail.substr(LeadingSpace(tail).size()));
  }
  return out;
}

// The units a word diff compares: any whitespace the text starts with, then
// each word with the whitespace after it, so that spaces alone never line
// two texts up.
std::vector<absl::string_view> DiffTokens(absl::string_view text) {
  std::vector<absl::string_view> tokens;
  size_t start = 0;
  size_t i = 0;
  while (i < text.size() && IsSpace(text[i])) ++i;
  if (i > 0) tokens.push_back(text.substr(0, i));
  start = i;
  while (start < text.size()) {
    while (i < text.size() && !IsSpace(text[i])) ++i;
    while (i < text.size() && IsSpace(text[i])) ++i;
    tokens.push_back(text.substr(start, i - start));
    start = i;
  }
  return tokens;
}

// A stretch of a word diff: unchanged tokens, or one change.
struct Segment {
  bool changed = false;
  std::vector<absl::string_view> kept;
  std::string removed;
  std::string added;
};

size_t KeptBytes(const Segment& segment) {
  size_t bytes = 0;
  for (absl::string_view token : segment.kept) bytes += token.size();
  return bytes;
}

size_t ChangeBytes(const Segment& segment) {
  return std::max(segment.removed.size(), segment.added.size());
}

// Folds into its neighbours an unchanged stretch between two changes that is
// no longer than either of them ("care and health attended" rewritten as
// "care, health and education attended" reads better as one change than as
// four around the words that happen to survive).
void AbsorbShortKeptRuns(std::vector<Segment>* segments) {
  for (size_t i = 1; i + 1 < segments->size();) {
    Segment& kept = (*segments)[i];
    Segment& left = (*segments)[i - 1];
    Segment& right = (*segments)[i + 1];
    const size_t bytes = KeptBytes(kept);
    if (kept.changed || bytes > ChangeBytes(left) ||
        bytes > ChangeBytes(right)) {
      ++i;
      continue;
    }
    for (absl::string_view token : kept.kept) {
      absl::StrAppend(&left.removed, token);
      absl::StrAppend(&left.added, token);
    }
    absl::StrAppend(&left.removed, right.removed);
    absl::StrAppend(&left.added, right.added);
    segments->erase(segments->begin() + static_cast<std::ptrdiff_t>(i),
                    segments->begin() + static_cast<std::ptrdiff_t>(i + 2));
    i = i >= 3 ? i - 2 : 1;  // the merged change may now absorb more
  }
}

// --------------------------------------------------------------- ancestry

using DotKey = std::pair<std::string, uint64_t>;

DotKey KeyOf(const v1::Dot& dot) { return {dot.replica(), dot.counter()}; }

// One write of the field met on the way back through its history.
struct Visit {
  v1::HlcTimestamp hlc;
  std::vector<v1::Dot> parents;
  v1::FieldValue value;
  // Bit i: reached from head i; kStale: reached from a common ancestor.
  uint64_t flags = 0;
};

constexpr uint64_t kStale = uint64_t{1} << 63;
constexpr size_t kMaxHeads = 32;

// Orders the walk: latest first (a value is always stamped after the values
// it was edited from), ties broken by dot.
struct Later {
  bool operator()(const std::pair<v1::HlcTimestamp, DotKey>& a,
                  const std::pair<v1::HlcTimestamp, DotKey>& b) const {
    if (int c = CompareHlc(a.first, b.first); c != 0) return c > 0;
    return a.second > b.second;
  }
};

}  // namespace

bool IsFreeTextField(const pb::FieldDescriptor& field) {
  return field.type() == pb::FieldDescriptor::TYPE_STRING &&
         !field.is_repeated() &&
         static_cast<uint32_t>(field.number()) >= kFirstContentField &&
         field.options().GetExtension(v1::format) == v1::FIELD_FORMAT_TEXT;
}

std::vector<absl::string_view> SplitWords(absl::string_view text) {
  std::vector<absl::string_view> tokens;
  size_t start = 0;
  for (size_t i = 1; i <= text.size(); ++i) {
    if (i == text.size() || IsSpace(text[i]) != IsSpace(text[i - 1])) {
      tokens.push_back(text.substr(start, i - start));
      start = i;
    }
  }
  return tokens;
}

std::string WordDiff(absl::string_view before, absl::string_view after,
                     size_t context) {
  if (before == after) return "(unchanged)";
  const std::vector<absl::string_view> a = DiffTokens(before);
  const std::vector<absl::string_view> b = DiffTokens(after);
  // The common ends need no search.
  size_t prefix = 0;
  while (prefix < a.size() && prefix < b.size() && a[prefix] == b[prefix]) {
    ++prefix;
  }
  size_t suffix = 0;
  while (suffix < a.size() - prefix && suffix < b.size() - prefix &&
         a[a.size() - 1 - suffix] == b[b.size() - 1 - suffix]) {
    ++suffix;
  }
  std::vector<std::pair<Op, absl::string_view>> ops;
  for (size_t i = 0; i < prefix; ++i) ops.emplace_back(Op::kKeep, a[i]);
  const int hi_a = static_cast<int>(a.size() - suffix);
  const int hi_b = static_cast<int>(b.size() - suffix);
  if (!ShortestEdit(a, b, static_cast<int>(prefix), hi_a,
                    static_cast<int>(prefix), hi_b, &ops)) {
    for (int i = static_cast<int>(prefix); i < hi_a; ++i) {
      ops.emplace_back(Op::kRemove, a[i]);
    }
    for (int i = static_cast<int>(prefix); i < hi_b; ++i) {
      ops.emplace_back(Op::kAdd, b[i]);
    }
  }
  for (size_t i = a.size() - suffix; i < a.size(); ++i) {
    ops.emplace_back(Op::kKeep, a[i]);
  }

  std::vector<Segment> segments;
  for (size_t i = 0; i < ops.size();) {
    Segment segment;
    segment.changed = ops[i].first != Op::kKeep;
    for (; i < ops.size() && (ops[i].first != Op::kKeep) == segment.changed;
         ++i) {
      if (ops[i].first == Op::kKeep) {
        segment.kept.push_back(ops[i].second);
      } else {
        absl::StrAppend(
            ops[i].first == Op::kRemove ? &segment.removed : &segment.added,
            ops[i].second);
      }
    }
    segments.push_back(std::move(segment));
  }
  AbsorbShortKeptRuns(&segments);

  std::string out;
  for (size_t i = 0; i < segments.size(); ++i) {
    Segment& segment = segments[i];
    if (segment.changed) {
      out.append(
          RenderChange(std::move(segment.removed), std::move(segment.added)));
    } else {
      out.append(
          RenderKept(segment.kept, context, i > 0, i + 1 < segments.size()));
    }
  }
  return out;
}

absl::StatusOr<std::optional<AncestorValue>> FindCommonAncestor(
    const ChangeReader& read, uint32_t field, const std::vector<v1::Dot>& heads,
    size_t max_changes) {
  if (heads.size() < 2 || heads.size() > kMaxHeads) return std::nullopt;
  std::map<DotKey, Visit> visits;
  size_t reads = 0;
  // The visit of `dot`, read on first use; nullptr to give up.
  auto visit = [&](const v1::Dot& dot) -> absl::StatusOr<Visit*> {
    auto it = visits.find(KeyOf(dot));
    if (it != visits.end()) return &it->second;
    if (++reads > max_changes) return nullptr;
    ASSIGN_OR_RETURN(std::optional<v1::Change> change, read(dot));
    if (!change.has_value()) return nullptr;
    for (const v1::FieldWrite& write : change->writes()) {
      if (write.field() != field) continue;
      Visit& v = visits[KeyOf(dot)];
      v.hlc = change->hlc();
      v.parents.assign(write.parents().begin(), write.parents().end());
      v.value = write.value();
      return &v;
    }
    return nullptr;
  };

  // Paint each value's history with its head's bit, latest first; a write
  // every head reaches is a common ancestor, and what lies behind one is
  // stale: older common ancestors are not wanted. The walk ends when only
  // stale writes are left to visit.
  std::set<std::pair<v1::HlcTimestamp, DotKey>, Later> queue;
  const uint64_t all = (uint64_t{1} << heads.size()) - 1;
  for (size_t i = 0; i < heads.size(); ++i) {
    ASSIGN_OR_RETURN(Visit * head, visit(heads[i]));
    if (head == nullptr) return std::nullopt;
    head->flags |= uint64_t{1} << i;
    queue.emplace(head->hlc, KeyOf(heads[i]));
  }
  std::vector<const Visit*> found;
  auto only_stale = [&] {
    return std::all_of(queue.begin(), queue.end(), [&](const auto& entry) {
      return (visits[entry.second].flags & kStale) != 0;
    });
  };
  while (!queue.empty() && !only_stale()) {
    const DotKey key = queue.begin()->second;
    queue.erase(queue.begin());
    Visit& current = visits[key];
    if ((current.flags & all) == all && (current.flags & kStale) == 0) {
      found.push_back(&current);
      current.flags |= kStale;
    }
    const uint64_t flags = current.flags;
    const v1::HlcTimestamp hlc = current.hlc;
    const std::vector<v1::Dot> parents = current.parents;
    for (const v1::Dot& parent_dot : parents) {
      ASSIGN_OR_RETURN(Visit * parent, visit(parent_dot));
      if (parent == nullptr || CompareHlc(parent->hlc, hlc) >= 0) {
        return std::nullopt;
      }
      if ((parent->flags | flags) != parent->flags) {
        parent->flags |= flags;
        queue.emplace(parent->hlc, KeyOf(parent_dot));
      }
    }
  }
  if (found.size() != 1) return std::nullopt;
  for (const auto& [key, v] : visits) {
    if (&v == found[0]) {
      AncestorValue ancestor;
      ancestor.dot.set_replica(key.first);
      ancestor.dot.set_counter(key.second);
      ancestor.value = v.value;
      return ancestor;
    }
  }
  return std::nullopt;
}

}  // namespace casesync
