// The write path of a replica: applying changes by the merge rule, turning
// local edits into changes, and committing them atomically.
#include <algorithm>
#include <map>
#include <set>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "casesync/v1/options.pb.h"
#include "common/base/status_macros.h"
#include "common/records/field_merge.h"
#include "common/records/field_value.h"
#include "common/records/record_types.h"
#include "common/replica/replica.h"
#include "common/replica/storage_keys.h"

namespace casesync {
namespace {

namespace pb = ::google::protobuf;

// The bytes stored for a message. casesync's stored messages have no map
// fields and carry no unknown fields (CheckChange refuses them), so plain
// serialization is deterministic: the same change always gives the same
// bytes.
std::string Canonical(const pb::Message& message) {
  return CanonicalBytes(message);
}

// The current values of `field` in `state`, or nullptr if never written.
const v1::FieldHeads* FindField(const std::optional<v1::RecordState>& state,
                                uint32_t field) {
  if (!state.has_value()) return nullptr;
  for (const v1::FieldHeads& heads : state->fields()) {
    if (heads.field() == field) return &heads;
  }
  return nullptr;
}

std::string EncodeCounter(uint64_t counter) {
  std::string bytes;
  keys::AppendU64(counter, &bytes);
  return bytes;
}

}  // namespace

Replica::Batch::Batch(Replica* replica) : replica_(replica) {
  replica_->write_mu_.Lock();
  serial_ = ++replica_->last_batch_serial_;
}

void Replica::Batch::Reserve(size_t changes) {
  // About four keys are read or written per change.
  view_.reserve(view_.size() + 4 * changes);
}

Replica::Batch::~Batch() { Unlock(); }

void Replica::Batch::Unlock() ABSL_NO_THREAD_SAFETY_ANALYSIS {
  if (locked_) {
    locked_ = false;
    replica_->write_mu_.Unlock();
  }
}

std::string Replica::Batch::ViewKey(Family family, absl::string_view key) {
  std::string view_key;
  view_key.reserve(key.size() + 1);
  view_key.push_back(static_cast<char>(family));
  view_key.append(key.data(), key.size());
  return view_key;
}

void Replica::Batch::StageWrite(Family family, absl::string_view key,
                                std::optional<std::string> value) {
  std::string view_key = ViewKey(family, key);
  auto it = view_.find(view_key);
  undo_.emplace_back(view_key, it == view_.end()
                                   ? std::nullopt
                                   : std::optional<Entry>(it->second));
  view_[std::move(view_key)] = Entry{std::move(value), /*staged=*/true};
}

void Replica::Batch::Put(Family family, absl::string_view key,
                         absl::string_view value) {
  StageWrite(family, key, std::string(value));
}

void Replica::Batch::Remove(Family family, absl::string_view key) {
  StageWrite(family, key, std::nullopt);
}

absl::StatusOr<std::optional<std::string>> Replica::Batch::Get(
    Family family, absl::string_view key) {
  std::string view_key = ViewKey(family, key);
  if (auto it = view_.find(view_key); it != view_.end())
    return it->second.value;
  ASSIGN_OR_RETURN(std::optional<std::string> value,
                   replica_->store_->Get(family, key));
  view_.emplace(std::move(view_key), Entry{value, /*staged=*/false});
  return value;
}

absl::StatusOr<uint64_t> Replica::Batch::Frontier(absl::string_view replica) {
  ASSIGN_OR_RETURN(std::optional<std::string> bytes,
                   Get(Family::kFrontiers, keys::Frontier(replica)));
  if (!bytes.has_value()) return 0;
  if (bytes->size() != 8) {
    return absl::DataLossError(
        absl::StrCat("unreadable frontier of ", replica));
  }
  return keys::ReadU64(*bytes);
}

absl::StatusOr<uint64_t> Replica::Batch::RecordCount(
    absl::string_view review_id) {
  ASSIGN_OR_RETURN(std::optional<std::string> bytes,
                   Get(Family::kMeta, keys::ReviewRecordCount(review_id)));
  if (!bytes.has_value()) return 0;
  if (bytes->size() != 8) {
    return absl::DataLossError(
        absl::StrCat("unreadable record count of review ", review_id));
  }
  return keys::ReadU64(*bytes);
}

absl::Status Replica::Batch::CountRecord(absl::string_view review_id,
                                         int delta) {
  ASSIGN_OR_RETURN(uint64_t count, RecordCount(review_id));
  count = delta < 0 ? (count == 0 ? 0 : count - 1) : count + 1;
  Put(Family::kMeta, keys::ReviewRecordCount(review_id), EncodeCounter(count));
  return absl::OkStatus();
}

absl::StatusOr<std::optional<v1::RecordState>> Replica::Batch::ReadState(
    absl::string_view review_id, absl::string_view record_id) {
  ASSIGN_OR_RETURN(std::optional<std::string> bytes,
                   Get(Family::kRecords, keys::Record(review_id, record_id)));
  if (!bytes.has_value()) return std::nullopt;
  v1::RecordState state;
  if (!state.ParseFromString(*bytes)) {
    return absl::DataLossError(absl::StrCat("unreadable record ", record_id));
  }
  if (IsCompact(state)) {
    ASSIGN_OR_RETURN(std::optional<std::string> change_bytes,
                     Get(Family::kChanges, keys::Change(state.sole_change())));
    v1::Change sole;
    if (!change_bytes.has_value() || !sole.ParseFromString(*change_bytes)) {
      return absl::DataLossError(
          absl::StrCat("record ", record_id, " names a change it cannot read"));
    }
    Expand(sole, &state);
  }
  return state;
}

absl::StatusOr<ApplyOutcome> Replica::Batch::Apply(const v1::Change& change,
                                                   Arrival arrival) {
  return Apply(change, CheckAndSerialize(change, replica_->options_.limits),
               arrival);
}

absl::StatusOr<ApplyOutcome> Replica::Batch::Apply(const v1::Change& change,
                                                   const CheckedChange& checked,
                                                   Arrival arrival) {
  RETURN_IF_ERROR(checked.check);
  const std::string& canonical = checked.canonical;
  const v1::Dot& dot = change.dot();
  ASSIGN_OR_RETURN(std::optional<std::string> held,
                   Get(Family::kChanges, keys::Change(dot)));
  if (held.has_value()) {
    if (*held == canonical) return ApplyOutcome::kAlreadyHeld;
    return absl::InvalidArgumentError(
        absl::StrCat("change ", FormatDot(dot),
                     ": this replica already holds a different change with "
                     "that dot (a replica reused a counter)"));
  }
  if (arrival == Arrival::kInOrder) {
    ASSIGN_OR_RETURN(uint64_t frontier, Frontier(dot.replica()));
    if (dot.counter() != frontier + 1) {
      return absl::FailedPreconditionError(absl::StrCat(
          "change ", FormatDot(dot), ": counters of ", dot.replica(),
          " must arrive in order; the next expected is ", frontier + 1));
    }
  }
  const v1::RecordRef& ref = change.record();
  ASSIGN_OR_RETURN(std::optional<v1::RecordState> state,
                   ReadState(ref.review_id(), ref.record_id()));
  if (state.has_value() &&
      (state->ref().type() != ref.type() ||
       state->ref().owner_agency() != ref.owner_agency())) {
    return absl::InvalidArgumentError(absl::StrCat(
        "change ", FormatDot(dot), ": record ", ref.record_id(), " is a ",
        RecordTypeName(state->ref().type()), " owned by ",
        state->ref().owner_agency(), ", but the change addresses a ",
        RecordTypeName(ref.type()), " owned by ", ref.owner_agency()));
  }
  undo_.clear();
  ChangeObserver* const observer = replica_->options_.observer;
  AppliedTo applied_to;
  applied_to.created = !state.has_value();
  std::optional<v1::RecordState> before;
  if (observer != nullptr && state.has_value() &&
      observer->WantsStateBefore(change)) {
    before = *state;
    applied_to.before = &*before;
  }
  absl::Status status = Stage(change, canonical, std::move(state));
  if (status.ok() && observer != nullptr) {
    status = observer->OnApplied(this, change, checked, applied_to);
  }
  if (!status.ok()) {
    for (auto it = undo_.rbegin(); it != undo_.rend(); ++it) {
      if (it->second.has_value()) {
        view_[it->first] = *it->second;
      } else {
        view_.erase(it->first);
      }
    }
    undo_.clear();
    return status;
  }
  undo_.clear();
  replica_->hlc_.Observe(change.hlc());
  ++staged_changes_;
  return ApplyOutcome::kApplied;
}

absl::Status Replica::Batch::Stage(const v1::Change& change,
                                   const std::string& canonical,
                                   std::optional<v1::RecordState> state) {
  const v1::RecordRef& ref = change.record();
  const v1::Dot& dot = change.dot();
  if (!state.has_value()) {
    // The first change held of a record: its writes are the current values,
    // and the state is kept compact until a second change arrives. The
    // record has no markers yet; its parents (an edit that arrived before
    // the change it edits) get one each.
    for (const v1::FieldWrite& write : change.writes()) {
      for (const v1::Dot& parent : write.parents()) {
        RETURN_IF_ERROR(MarkIfNotHeld(ref, write.field(), parent));
      }
    }
    Put(Family::kRecords, keys::Record(ref.review_id(), ref.record_id()),
        Canonical(CompactState(change)));
    if (ref.type() != v1::RECORD_TYPE_REVIEW) {
      RETURN_IF_ERROR(CountRecord(ref.review_id(), +1));
    }
    return StageIndexes(change, canonical);
  }
  if (CompareHlc(change.hlc(), state->created()) < 0) {
    *state->mutable_created() = change.hlc();
  }
  auto* fields = state->mutable_fields();
  for (const v1::FieldWrite& write : change.writes()) {
    // The field's entry, inserted in field order if new.
    auto it = std::lower_bound(fields->begin(), fields->end(), write.field(),
                               [](const v1::FieldHeads& heads, uint32_t field) {
                                 return heads.field() < field;
                               });
    if (it == fields->end() || it->field() != write.field()) {
      const int index = static_cast<int>(it - fields->begin());
      fields->Add()->set_field(write.field());
      for (int i = fields->size() - 1; i > index; --i) {
        fields->SwapElements(i, i - 1);
      }
      it = fields->begin() + index;
    }
    v1::FieldHeads& heads = *it;
    // A write that a held write already names as a parent is history, not a
    // current value: it arrived after its successor. The marker that said so
    // has done its work once the write is held.
    const std::string own_marker =
        keys::Superseded(ref.review_id(), ref.record_id(), write.field(), dot);
    ASSIGN_OR_RETURN(std::optional<std::string> superseded,
                     Get(Family::kSuperseded, own_marker));
    if (superseded.has_value()) Remove(Family::kSuperseded, own_marker);
    const bool was_conflict = heads.heads_size() > 1;
    for (const v1::Dot& parent : write.parents()) {
      // A parent that is a current value is held: it needs no marker. One
      // that is not held yet gets a marker, so that it is not taken for a
      // current value when it arrives. Either way the markers are exactly
      // the parents named but not held: a function of the changes held.
      if (RemoveHead(parent, &heads)) continue;
      RETURN_IF_ERROR(MarkIfNotHeld(ref, write.field(), parent));
    }
    if (!superseded.has_value()) {
      v1::HeadValue head;
      *head.mutable_dot() = dot;
      *head.mutable_hlc() = change.hlc();
      if (write.value().ByteSizeLong() <= kInlineValueBytes) {
        *head.mutable_value() = write.value();
      }
      AddHead(std::move(head), &heads);
    }
    const bool is_conflict = heads.heads_size() > 1;
    if (is_conflict != was_conflict) {
      const std::string conflict_key =
          keys::Field(ref.review_id(), ref.record_id(), write.field());
      if (is_conflict) {
        Put(Family::kConflicts, conflict_key, "");
      } else {
        Remove(Family::kConflicts, conflict_key);
      }
    }
  }
  auto* held = state->mutable_changes();
  auto at = std::lower_bound(
      held->begin(), held->end(), dot,
      [](const v1::Dot& a, const v1::Dot& b) { return CompareDots(a, b) < 0; });
  const int index = static_cast<int>(at - held->begin());
  *held->Add() = dot;
  for (int i = held->size() - 1; i > index; --i) held->SwapElements(i, i - 1);
  Put(Family::kRecords, keys::Record(ref.review_id(), ref.record_id()),
      Canonical(*state));
  return StageIndexes(change, canonical);
}

absl::Status Replica::Batch::MarkIfNotHeld(const v1::RecordRef& ref,
                                           uint32_t field,
                                           const v1::Dot& parent) {
  ASSIGN_OR_RETURN(std::optional<std::string> held,
                   Get(Family::kChanges, keys::Change(parent)));
  if (!held.has_value()) {
    Put(Family::kSuperseded,
        keys::Superseded(ref.review_id(), ref.record_id(), field, parent), "");
  }
  return absl::OkStatus();
}

absl::Status Replica::Batch::StageIndexes(const v1::Change& change,
                                          const std::string& canonical) {
  const v1::Dot& dot = change.dot();
  Put(Family::kChanges, keys::Change(dot), canonical);

  // Advance the author's frontier over this change and any held changes that
  // were waiting behind a gap it fills.
  ASSIGN_OR_RETURN(uint64_t frontier, Frontier(dot.replica()));
  if (dot.counter() == frontier + 1) {
    uint64_t next = dot.counter();
    v1::Dot probe;
    probe.set_replica(dot.replica());
    while (true) {
      probe.set_counter(next + 1);
      ASSIGN_OR_RETURN(std::optional<std::string> waiting,
                       Get(Family::kChanges, keys::Change(probe)));
      if (!waiting.has_value()) break;
      ++next;
    }
    Put(Family::kFrontiers, keys::Frontier(dot.replica()), EncodeCounter(next));
  }
  return absl::OkStatus();
}

absl::Status Replica::Batch::RaiseOwnFrontier(uint64_t counter) {
  ASSIGN_OR_RETURN(uint64_t frontier, Frontier(replica_->id()));
  if (frontier < counter) {
    Put(Family::kFrontiers, keys::Frontier(replica_->id()),
        EncodeCounter(counter));
  }
  return absl::OkStatus();
}

absl::StatusOr<v1::Change> Replica::Batch::Edit(const RecordEdit& edit) {
  const RecordTypeInfo* info = FindRecordType(edit.record.type());
  if (info == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat(
        "unknown record type ", static_cast<int>(edit.record.type())));
  }
  v1::RecordRef ref = edit.record;
  RETURN_IF_ERROR(CheckId("review id", ref.review_id()));
  if (ref.type() == v1::RECORD_TYPE_REVIEW && ref.record_id().empty()) {
    ref.set_record_id(ref.review_id());
  }
  std::optional<v1::RecordState> existing;
  if (ref.record_id().empty()) {
    ref.set_record_id(replica_->minter_.Mint());
  } else {
    ASSIGN_OR_RETURN(existing, ReadState(ref.review_id(), ref.record_id()));
    if (existing.has_value() && ref.owner_agency().empty()) {
      ref.set_owner_agency(existing->ref().owner_agency());
    }
  }
  if (ref.owner_agency().empty()) ref.set_owner_agency(replica_->id());

  std::vector<const FieldEdit*> fields;
  for (const FieldEdit& field : edit.fields) fields.push_back(&field);
  std::sort(fields.begin(), fields.end(),
            [](const FieldEdit* a, const FieldEdit* b) {
              return a->field < b->field;
            });
  for (size_t i = 1; i < fields.size(); ++i) {
    if (fields[i]->field == fields[i - 1]->field) {
      return absl::InvalidArgumentError(absl::StrCat(
          "field ", fields[i]->field, " is set twice in one edit"));
    }
  }
  if (!existing.has_value()) {
    for (int i = 0; i < info->descriptor->field_count(); ++i) {
      const pb::FieldDescriptor* field = info->descriptor->field(i);
      if (!field->options().GetExtension(v1::required)) continue;
      auto it =
          std::find_if(fields.begin(), fields.end(), [&](const FieldEdit* f) {
            return f->field == static_cast<uint32_t>(field->number());
          });
      if (it == fields.end() || IsTombstone((*it)->value) ||
          ((*it)->value.kind_case() == v1::FieldValue::kStringValue &&
           (*it)->value.string_value().empty())) {
        return absl::InvalidArgumentError(absl::StrCat(
            "a new ", info->name, " needs the field '", field->name(), "'"));
      }
    }
  }

  ASSIGN_OR_RETURN(uint64_t counter, Frontier(replica_->id()));
  v1::Change change;
  change.mutable_dot()->set_replica(replica_->id());
  change.mutable_dot()->set_counter(counter + 1);
  *change.mutable_hlc() = replica_->hlc_.Now();
  *change.mutable_record() = ref;
  change.set_author(edit.author);
  for (const FieldEdit* field : fields) {
    v1::FieldWrite* write = change.add_writes();
    write->set_field(field->field);
    *write->mutable_value() = field->value;
    if (const v1::FieldHeads* heads = FindField(existing, field->field)) {
      for (const v1::HeadValue& head : heads->heads()) {
        *write->add_parents() = head.dot();
      }
    }
  }
  RETURN_IF_ERROR(Apply(change, Arrival::kInOrder).status());
  return change;
}

absl::StatusOr<v1::Change> Replica::Batch::Delete(absl::string_view review_id,
                                                  absl::string_view record_id,
                                                  absl::string_view author) {
  ASSIGN_OR_RETURN(std::optional<v1::RecordState> state,
                   ReadState(review_id, record_id));
  if (!state.has_value()) {
    return absl::NotFoundError(
        absl::StrCat("no record ", record_id, " in review ", review_id));
  }
  const RecordTypeInfo* info = FindRecordType(state->ref().type());
  if (info == nullptr) {
    return absl::DataLossError(
        absl::StrCat("record ", record_id, " has an unknown type"));
  }
  RecordEdit edit;
  edit.record = state->ref();
  edit.author = std::string(author);
  for (int i = 0; i < info->descriptor->field_count(); ++i) {
    const uint32_t number =
        static_cast<uint32_t>(info->descriptor->field(i)->number());
    if (number < kFirstContentField) continue;
    const v1::FieldHeads* heads = FindField(state, number);
    const bool already_deleted =
        heads != nullptr && !heads->heads().empty() &&
        std::all_of(
            heads->heads().begin(), heads->heads().end(),
            [](const v1::HeadValue& h) { return IsTombstone(h.value()); });
    if (!already_deleted) edit.fields.push_back(FieldEdit{number, Tombstone()});
  }
  if (edit.fields.empty()) {
    return absl::FailedPreconditionError(
        absl::StrCat("record ", record_id, " is already deleted"));
  }
  return Edit(edit);
}

absl::StatusOr<std::vector<std::string>> Replica::Batch::KeysWithPrefix(
    Family family, absl::string_view prefix) {
  std::set<std::string> found;
  auto it = replica_->store_->NewPrefixIterator(family, prefix);
  for (; it->Valid(); it->Next()) found.emplace(ToView(it->key()));
  RETURN_IF_ERROR(FromRocksDb(it->status(), "scanning the store"));
  const std::string view_prefix = ViewKey(family, prefix);
  for (const auto& [view_key, entry] : view_) {
    if (!absl::StartsWith(view_key, view_prefix)) continue;
    std::string key = view_key.substr(1);
    if (entry.value.has_value()) {
      found.insert(std::move(key));
    } else {
      found.erase(key);
    }
  }
  return std::vector<std::string>(found.begin(), found.end());
}

absl::Status Replica::Batch::Purge(absl::string_view review_id,
                                   absl::string_view record_id) {
  ASSIGN_OR_RETURN(std::optional<v1::RecordState> state,
                   ReadState(review_id, record_id));
  if (!state.has_value()) return absl::OkStatus();
  if (state->ref().owner_agency() == replica_->id()) {
    return absl::FailedPreconditionError(
        absl::StrCat("record ", record_id, " is this replica's own"));
  }
  const std::string prefix = keys::RecordPrefix(review_id, record_id);
  std::map<std::string, uint64_t> lowest_removed;
  for (const v1::Dot& dot : state->changes()) {
    if (dot.replica() == replica_->id()) continue;
    Remove(Family::kChanges, keys::Change(dot));
    auto [it, inserted] = lowest_removed.emplace(dot.replica(), dot.counter());
    if (!inserted) it->second = std::min(it->second, dot.counter());
  }
  for (Family family : {Family::kSuperseded, Family::kConflicts}) {
    ASSIGN_OR_RETURN(std::vector<std::string> keys,
                     KeysWithPrefix(family, prefix));
    for (const std::string& key : keys) Remove(family, key);
  }
  Remove(Family::kRecords, keys::Record(review_id, record_id));
  Remove(Family::kSnapshots, keys::Record(review_id, record_id));
  if (state->ref().type() != v1::RECORD_TYPE_REVIEW) {
    RETURN_IF_ERROR(CountRecord(review_id, -1));
  }
  for (const auto& [author, lowest] : lowest_removed) {
    ASSIGN_OR_RETURN(uint64_t frontier, Frontier(author));
    if (lowest <= frontier) {
      Put(Family::kFrontiers, keys::Frontier(author),
          EncodeCounter(lowest - 1));
    }
  }
  return absl::OkStatus();
}

absl::Status Replica::Batch::PurgeReview(absl::string_view review_id) {
  ASSIGN_OR_RETURN(
      std::vector<std::string> record_keys,
      KeysWithPrefix(Family::kRecords, keys::ReviewPrefix(review_id)));
  for (const std::string& key : record_keys) {
    ASSIGN_OR_RETURN(std::optional<std::string> bytes,
                     Get(Family::kRecords, key));
    v1::RecordState state;
    if (!bytes.has_value() || !state.ParseFromString(*bytes)) {
      return absl::DataLossError("unreadable record");
    }
    if (state.ref().owner_agency() == replica_->id()) continue;
    RETURN_IF_ERROR(Purge(review_id, state.ref().record_id()));
  }
  return absl::OkStatus();
}

absl::Status Replica::Batch::InstallSnapshot(
    const v1::RecordSnapshot& snapshot) {
  const v1::RecordRef& ref = snapshot.record();
  if (ref.owner_agency() == replica_->id()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "record ", ref.record_id(), " is this replica's own: no snapshot"));
  }
  // Every value is checked as the change that wrote it would be (the
  // record's identity with it); a record holds at least one.
  if (snapshot.fields().empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the snapshot of record ", ref.record_id(), " holds no values"));
  }
  v1::RecordState state;
  *state.mutable_ref() = ref;
  *state.mutable_created() = snapshot.created();
  uint32_t last_field = 0;
  for (const v1::SnapshotField& field : snapshot.fields()) {
    if (field.field() <= last_field || field.values().empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "the snapshot of record ", ref.record_id(),
          " lists its fields out of order, twice or without a value"));
    }
    last_field = field.field();
    v1::FieldHeads* heads = state.add_fields();
    heads->set_field(field.field());
    for (const v1::SnapshotValue& value : field.values()) {
      // Each value as the change that wrote it would be checked.
      v1::Change change;
      *change.mutable_dot() = value.dot();
      *change.mutable_hlc() = value.hlc();
      *change.mutable_record() = ref;
      v1::FieldWrite* write = change.add_writes();
      write->set_field(field.field());
      *write->mutable_value() = value.value();
      change.set_author(value.author());
      RETURN_IF_ERROR(
          CheckAndSerialize(change, replica_->options_.limits).check);
      v1::HeadValue head;
      *head.mutable_dot() = value.dot();
      *head.mutable_hlc() = value.hlc();
      *head.mutable_value() = value.value();
      head.set_author(value.author());
      if (!AddHead(std::move(head), heads)) {
        return absl::InvalidArgumentError(
            absl::StrCat("the snapshot of record ", ref.record_id(),
                         " lists one value twice"));
      }
    }
  }
  RETURN_IF_ERROR(Purge(ref.review_id(), ref.record_id()));
  const std::string record_key = keys::Record(ref.review_id(), ref.record_id());
  for (const v1::FieldHeads& heads : state.fields()) {
    if (heads.heads_size() > 1) {
      Put(Family::kConflicts,
          keys::Field(ref.review_id(), ref.record_id(), heads.field()), "");
    }
  }
  Put(Family::kRecords, record_key, Canonical(state));
  if (ref.type() != v1::RECORD_TYPE_REVIEW) {
    RETURN_IF_ERROR(CountRecord(ref.review_id(), +1));
  }
  Put(Family::kSnapshots, record_key, EncodeCounter(snapshot.covers_to()));
  return absl::OkStatus();
}

absl::StatusOr<uint64_t> Replica::Batch::SnapshotCovers(
    absl::string_view review_id, absl::string_view record_id) {
  ASSIGN_OR_RETURN(std::optional<std::string> bytes,
                   Get(Family::kSnapshots, keys::Record(review_id, record_id)));
  if (!bytes.has_value()) return 0;
  if (bytes->size() != 8) {
    return absl::DataLossError(
        absl::StrCat("unreadable snapshot mark of record ", record_id));
  }
  return keys::ReadU64(*bytes);
}

absl::Status Replica::Batch::Commit(Store::Durability durability) {
  if (durability == Store::Durability::kSynced) {
    absl::StatusOr<UnsyncedCommit> written = CommitUnsynced();
    if (!written.ok()) return written.status();
    return replica_->AwaitSynced(*written);
  }
  return WriteStaged(durability).status();
}

absl::StatusOr<UnsyncedCommit> Replica::Batch::CommitUnsynced() {
  return WriteStaged(Store::Durability::kSynced);
}

absl::Status Replica::AwaitSynced(const UnsyncedCommit& commit) {
  RETURN_IF_ERROR(store_->SyncUpTo(commit.position));
  if (commit.observed) options_.observer->OnCommitted(commit.serial);
  return absl::OkStatus();
}

absl::StatusOr<UnsyncedCommit> Replica::Batch::WriteStaged(
    Store::Durability durability) {
  if (!locked_) {
    return absl::FailedPreconditionError("this batch was already committed");
  }
  // Persist the HLC high-water mark with the data it stamped, so a restart
  // under a wall clock that stepped back never stamps below it.
  Put(Family::kMeta, keys::kMetaHlc, Canonical(replica_->hlc_.Latest()));
  const bool observed =
      staged_changes_ > 0 && replica_->options_.observer != nullptr;
  if (observed) {
    absl::Status ready = replica_->options_.observer->OnCommitting(this);
    if (!ready.ok()) {
      view_.clear();
      Unlock();
      return ready;
    }
  }
  // Only the last value of each key reaches the store: a field edited many
  // times in one batch is written once.
  // In key order, which RocksDB's memtable inserts fastest.
  std::vector<std::pair<const std::string, Entry>*> staged;
  for (auto& item : view_) {
    if (item.second.staged) staged.push_back(&item);
  }
  std::sort(staged.begin(), staged.end(),
            [](const auto* a, const auto* b) { return a->first < b->first; });
  rocksdb::WriteBatch batch;
  for (auto* item : staged) {
    const std::string& view_key = item->first;
    Entry& entry = item->second;
    rocksdb::ColumnFamilyHandle* handle =
        replica_->store_->handle(static_cast<Family>(view_key[0]));
    const rocksdb::Slice key(view_key.data() + 1, view_key.size() - 1);
    if (entry.value.has_value()) {
      batch.Put(handle, key, ToSlice(*entry.value)).PermitUncheckedError();
      // The write batch has its own copy now: free this one, so that a big
      // batch does not sit in memory twice.
      std::string().swap(*entry.value);
    } else {
      batch.Delete(handle, key).PermitUncheckedError();
    }
  }
  // A synced batch is written under the writer lock and synced after it
  // is released (Replica::AwaitSynced): the next batch is prepared while
  // this one waits for the disk, and batches waiting together share one
  // sync.
  UnsyncedCommit commit;
  commit.serial = serial_;
  commit.observed = observed;
  absl::Status written;
  if (durability == Store::Durability::kSynced) {
    absl::StatusOr<uint64_t> position = replica_->store_->WriteForSync(&batch);
    written = position.status();
    if (position.ok()) commit.position = *position;
  } else {
    written = replica_->store_->Write(&batch, durability);
  }
  view_.clear();
  Unlock();
  RETURN_IF_ERROR(written);
  // A buffered batch is not waited for: it is told to the observer now.
  if (durability != Store::Durability::kSynced && observed) {
    replica_->options_.observer->OnCommitted(serial_);
  }
  return commit;
}

}  // namespace casesync
