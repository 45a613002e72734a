#include "server/audience_tracker.h"

#include <algorithm>
#include <optional>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/base/status_macros.h"
#include "common/records/audience.h"
#include "common/records/record_types.h"
#include "common/replica/audience_store.h"
#include "common/replica/storage_keys.h"

namespace casesync {
namespace {

// Review.agencies: the review's members.
constexpr uint32_t kReviewAgenciesField = 7;

bool Writes(const v1::Change& change, uint32_t field) {
  for (const v1::FieldWrite& write : change.writes()) {
    if (write.field() == field) return true;
  }
  return false;
}

bool WritesReference(const v1::Change& change) {
  for (const v1::FieldWrite& write : change.writes()) {
    if (IsReferenceField(change.record().type(), write.field())) return true;
  }
  return false;
}

// The key that says a record was named before the board held it: checked
// (one point read, of an almost always empty family) when a record is made.
std::string NamedEarlyKey(absl::string_view review, absl::string_view record) {
  return keys::Record(review, record);
}

// The current values of `field` in `state`, every one filled in (a long
// value is read from the change that wrote it, through the batch).
[[nodiscard]] absl::StatusOr<std::vector<v1::FieldValue>> ValuesOf(
    Replica::Batch* batch, const v1::RecordState& state, uint32_t field) {
  std::vector<v1::FieldValue> values;
  for (const v1::FieldHeads& heads : state.fields()) {
    if (heads.field() != field) continue;
    for (const v1::HeadValue& head : heads.heads()) {
      if (head.value().kind_case() != v1::FieldValue::KIND_NOT_SET) {
        values.push_back(head.value());
        continue;
      }
      ASSIGN_OR_RETURN(std::optional<std::string> bytes,
                       batch->Get(Family::kChanges, keys::Change(head.dot())));
      v1::Change change;
      if (!bytes.has_value() || !change.ParseFromString(*bytes)) {
        return absl::DataLossError(
            absl::StrCat("record ", state.ref().record_id(),
                         " names a change it cannot read"));
      }
      for (const v1::FieldWrite& write : change.writes()) {
        if (write.field() == field) values.push_back(write.value());
      }
    }
  }
  return values;
}

bool HasVisibility(const v1::RecordState& state) {
  for (const v1::FieldHeads& heads : state.fields()) {
    if (heads.field() == kVisibilityField) return heads.heads_size() > 0;
  }
  return false;
}

v1::Audience Everyone() {
  v1::Audience everyone;
  everyone.set_everyone(true);
  return everyone;
}

std::vector<const v1::FieldValue*> Pointers(
    const std::vector<v1::FieldValue>& values) {
  std::vector<const v1::FieldValue*> out;
  for (const v1::FieldValue& value : values) out.push_back(&value);
  return out;
}

// A record's own audience, from its visibility.
[[nodiscard]] absl::StatusOr<v1::Audience> OwnAudienceOf(
    Replica::Batch* batch, const v1::RecordState& state) {
  ASSIGN_OR_RETURN(std::vector<v1::FieldValue> visibility,
                   ValuesOf(batch, state, kVisibilityField));
  return OwnAudience(state.ref(), ResolveVisibility(Pointers(visibility)));
}

// The ids of the records `state` names in its reference fields, sorted.
[[nodiscard]] absl::StatusOr<std::vector<std::string>> ReferencesOf(
    Replica::Batch* batch, const v1::RecordState& state) {
  std::vector<std::string> ids;
  for (const v1::FieldHeads& heads : state.fields()) {
    if (!IsReferenceField(state.ref().type(), heads.field())) continue;
    ASSIGN_OR_RETURN(std::vector<v1::FieldValue> values,
                     ValuesOf(batch, state, heads.field()));
    for (const v1::FieldValue& value : values) {
      for (std::string& id : ReferencedIds(value)) ids.push_back(std::move(id));
    }
  }
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  return ids;
}

// A record's audience now: its own, narrowed by every record it names
// (`references`).
[[nodiscard]] absl::StatusOr<v1::Audience> AudienceOf(
    Replica::Batch* batch, const v1::RecordState& state,
    const std::vector<std::string>& references) {
  ASSIGN_OR_RETURN(v1::Audience audience, OwnAudienceOf(batch, state));
  for (const std::string& id : references) {
    ASSIGN_OR_RETURN(std::optional<v1::RecordState> named,
                     batch->ReadState(state.ref().review_id(), id));
    if (!named.has_value()) return v1::Audience();  // no agency sees it
    ASSIGN_OR_RETURN(v1::Audience own, OwnAudienceOf(batch, *named));
    audience = Intersect(audience, own);
  }
  return audience;
}

[[nodiscard]] absl::StatusOr<v1::RecordState> StateAfter(
    Replica::Batch* batch, const v1::RecordRef& ref) {
  ASSIGN_OR_RETURN(std::optional<v1::RecordState> state,
                   batch->ReadState(ref.review_id(), ref.record_id()));
  if (!state.has_value()) {
    return absl::DataLossError(
        absl::StrCat("record ", ref.record_id(), " vanished from its batch"));
  }
  return *std::move(state);
}

// Appends `audience` at `seq` unless it is the newest entry already.
// Returns whether it did.
bool Append(uint64_t seq, const v1::Audience& audience,
            v1::AudienceTimeline* timeline) {
  const int n = timeline->entries_size();
  if (n > 0 && SameAudience(timeline->entries(n - 1).audience(), audience)) {
    return false;
  }
  if (n > 0 && timeline->entries(n - 1).seq() == seq) {
    *timeline->mutable_entries(n - 1)->mutable_audience() = audience;
    return true;
  }
  v1::AudienceTimeline::At* at = timeline->add_entries();
  at->set_seq(seq);
  *at->mutable_audience() = audience;
  return true;
}

// Keeps the references index of `ref` from `before` to `after` (sorted);
// a name of a record the board does not hold yet is remembered, so that
// making it later reconsiders its referrers.
[[nodiscard]] absl::Status IndexReferences(
    Replica::Batch* batch, const v1::RecordRef& ref,
    const std::vector<std::string>& before,
    const std::vector<std::string>& after) {
  std::vector<std::string> removed, added;
  std::set_difference(before.begin(), before.end(), after.begin(), after.end(),
                      std::back_inserter(removed));
  std::set_difference(after.begin(), after.end(), before.begin(), before.end(),
                      std::back_inserter(added));
  for (const std::string& target : removed) {
    batch->Remove(Family::kReferrers,
                  keys::Referrer(ref.review_id(), target, ref.record_id()));
  }
  for (const std::string& target : added) {
    batch->Put(Family::kReferrers,
               keys::Referrer(ref.review_id(), target, ref.record_id()), "");
    ASSIGN_OR_RETURN(std::optional<v1::RecordState> named,
                     batch->ReadState(ref.review_id(), target));
    if (!named.has_value()) {
      batch->Put(Family::kReferrers, NamedEarlyKey(ref.review_id(), target),
                 "");
    }
  }
  return absl::OkStatus();
}

// The own audience of `target` changed at `seq` (or it was made): every
// record that names it is reconsidered; those whose audience changed are
// appended to `changed`.
[[nodiscard]] absl::Status Propagate(Replica::Batch* batch,
                                     const v1::RecordRef& target, uint64_t seq,
                                     std::vector<v1::RecordRef>* changed) {
  const std::string prefix =
      keys::ReferrersPrefix(target.review_id(), target.record_id());
  ASSIGN_OR_RETURN(std::vector<std::string> referrer_keys,
                   batch->KeysWithPrefix(Family::kReferrers, prefix));
  for (const std::string& key : referrer_keys) {
    const std::string referrer(keys::ReferrerOf(key, prefix));
    ASSIGN_OR_RETURN(std::optional<v1::RecordState> state,
                     batch->ReadState(target.review_id(), referrer));
    if (!state.has_value()) continue;
    ASSIGN_OR_RETURN(std::vector<std::string> references,
                     ReferencesOf(batch, *state));
    ASSIGN_OR_RETURN(v1::Audience audience,
                     AudienceOf(batch, *state, references));
    ASSIGN_OR_RETURN(std::optional<v1::AudienceTimeline> timeline,
                     ReadAudienceTimeline(batch, target.review_id(), referrer));
    if (!timeline.has_value()) {
      return absl::DataLossError(absl::StrCat(
          "record ", referrer, " names others but has no audience kept"));
    }
    if (!Append(seq, audience, &*timeline)) continue;
    WriteAudienceTimeline(batch, target.review_id(), referrer, *timeline);
    changed->push_back(state->ref());
  }
  return absl::OkStatus();
}

[[nodiscard]] absl::StatusOr<v1::Audience> MembersOf(
    Replica::Batch* batch, const v1::RecordState& state) {
  ASSIGN_OR_RETURN(std::vector<v1::FieldValue> lists,
                   ValuesOf(batch, state, kReviewAgenciesField));
  return ResolveMembers(Pointers(lists));
}

[[nodiscard]] absl::Status OnReviewApplied(Replica::Batch* batch,
                                           const v1::RecordRef& ref,
                                           const AppliedTo& record,
                                           uint64_t seq) {
  ASSIGN_OR_RETURN(v1::RecordState state, StateAfter(batch, ref));
  ASSIGN_OR_RETURN(v1::Audience members, MembersOf(batch, state));
  ASSIGN_OR_RETURN(
      std::optional<v1::AudienceTimeline> timeline,
      ReadAudienceTimeline(batch, ref.review_id(), ref.record_id()));
  if (!timeline.has_value()) {
    timeline.emplace();
    // A review made before the board kept members (a store of an earlier
    // release): its members were those it had until now, from the start.
    if (!record.created && record.before != nullptr) {
      ASSIGN_OR_RETURN(v1::Audience before, MembersOf(batch, *record.before));
      Append(0, before, &*timeline);
    }
  }
  if (Append(seq, members, &*timeline)) {
    WriteAudienceTimeline(batch, ref.review_id(), ref.record_id(), *timeline);
  }
  return absl::OkStatus();
}

[[nodiscard]] absl::Status OnCreated(Replica::Batch* batch,
                                     const v1::RecordRef& ref, uint64_t seq,
                                     std::vector<v1::RecordRef>* changed) {
  ASSIGN_OR_RETURN(v1::RecordState state, StateAfter(batch, ref));
  ASSIGN_OR_RETURN(std::vector<std::string> references,
                   ReferencesOf(batch, state));
  if (!references.empty()) {
    RETURN_IF_ERROR(IndexReferences(batch, ref, {}, references));
    ASSIGN_OR_RETURN(v1::Audience audience,
                     AudienceOf(batch, state, references));
    v1::AudienceTimeline timeline;
    Append(seq, audience, &timeline);
    WriteAudienceTimeline(batch, ref.review_id(), ref.record_id(), timeline);
  }
  // Named before it was made: its referrers' audiences change now.
  const std::string early = NamedEarlyKey(ref.review_id(), ref.record_id());
  ASSIGN_OR_RETURN(std::optional<std::string> named_early,
                   batch->Get(Family::kReferrers, early));
  if (!named_early.has_value()) return absl::OkStatus();
  batch->Remove(Family::kReferrers, early);
  return Propagate(batch, ref, seq, changed);
}

}  // namespace

bool AudienceTracker::MayAlterAudience(const v1::Change& change) {
  if (change.record().type() == v1::RECORD_TYPE_REVIEW) {
    return Writes(change, kReviewAgenciesField);
  }
  return Writes(change, kVisibilityField) || WritesReference(change);
}

absl::Status AudienceTracker::OnApplied(Replica::Batch* batch,
                                        const v1::Change& change,
                                        const AppliedTo& record, uint64_t seq,
                                        std::vector<v1::RecordRef>* changed) {
  const v1::RecordRef& ref = change.record();
  if (!record.created && !MayAlterAudience(change)) return absl::OkStatus();
  if (ref.type() == v1::RECORD_TYPE_REVIEW) {
    return OnReviewApplied(batch, ref, record, seq);
  }
  if (record.created) return OnCreated(batch, ref, seq, changed);
  if (record.before == nullptr) {
    return absl::InternalError(
        "the audience tracker was not given the record's state before the "
        "change");
  }
  const v1::RecordState& before = *record.before;
  ASSIGN_OR_RETURN(v1::RecordState after, StateAfter(batch, ref));
  ASSIGN_OR_RETURN(std::vector<std::string> references_before,
                   ReferencesOf(batch, before));
  ASSIGN_OR_RETURN(std::vector<std::string> references_after,
                   ReferencesOf(batch, after));
  RETURN_IF_ERROR(
      IndexReferences(batch, ref, references_before, references_after));
  ASSIGN_OR_RETURN(
      std::optional<v1::AudienceTimeline> timeline,
      ReadAudienceTimeline(batch, ref.review_id(), ref.record_id()));
  ASSIGN_OR_RETURN(v1::Audience own_before, OwnAudienceOf(batch, before));
  ASSIGN_OR_RETURN(v1::Audience audience,
                   AudienceOf(batch, after, references_after));
  bool write = false;
  // A record stored without a visibility by an earlier release was sent to
  // every member (docs/operations.md, "Upgrade"): its first change of
  // audience starts from that, so narrowing it withdraws the copies.
  const v1::Audience start = HasVisibility(before) ? own_before : Everyone();
  if (!timeline.has_value() &&
      (!references_after.empty() || !SameAudience(start, audience))) {
    // Its audience was its own since it was made (an entry from the start).
    timeline.emplace();
    Append(0, start, &*timeline);
    write = true;
  }
  if (timeline.has_value() && Append(seq, audience, &*timeline)) write = true;
  if (write) {
    WriteAudienceTimeline(batch, ref.review_id(), ref.record_id(), *timeline);
  }
  if (!Writes(change, kVisibilityField)) return absl::OkStatus();
  ASSIGN_OR_RETURN(v1::Audience own_after, OwnAudienceOf(batch, after));
  if (SameAudience(own_before, own_after)) return absl::OkStatus();
  return Propagate(batch, ref, seq, changed);
}

}  // namespace casesync
