// Opening a replica and reading its state. The write path is in
// replica_batch.cc.
#include "common/replica/replica.h"

#include <openssl/evp.h>

#include <algorithm>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "common/base/status_macros.h"
#include "common/records/audience.h"
#include "common/records/field_merge.h"
#include "common/records/field_value.h"
#include "common/records/record_types.h"
#include "common/replica/storage_keys.h"

namespace casesync {
namespace {

namespace pb = ::google::protobuf;

// Bumped when the meaning of stored bytes changes; a store written by a newer
// format is refused rather than misread.
constexpr absl::string_view kFormatVersion = "3";

[[nodiscard]] absl::Status Corrupt(absl::string_view what,
                                   absl::string_view key) {
  return absl::DataLossError(absl::StrCat("unreadable ", what, " at key \"",
                                          absl::CHexEscape(key), "\""));
}

absl::StatusOr<std::optional<v1::RecordState>> ReadState(
    const Store& store, absl::string_view review, absl::string_view record,
    const rocksdb::Snapshot* snapshot) {
  rocksdb::ReadOptions read;
  read.snapshot = snapshot;
  std::string value;
  const std::string key = keys::Record(review, record);
  rocksdb::Status status =
      store.db()->Get(read, store.handle(Family::kRecords), key, &value);
  if (status.IsNotFound()) return std::nullopt;
  RETURN_IF_ERROR(FromRocksDb(status, "reading a record"));
  v1::RecordState state;
  if (!state.ParseFromString(value)) return Corrupt("record", key);
  return state;
}

// Releases a snapshot when it goes out of scope.
class ScopedSnapshot {
 public:
  explicit ScopedSnapshot(rocksdb::DB* db)
      : db_(db), snapshot_(db->GetSnapshot()) {}
  ~ScopedSnapshot() { db_->ReleaseSnapshot(snapshot_); }
  const rocksdb::Snapshot* get() const { return snapshot_; }

 private:
  rocksdb::DB* const db_;
  const rocksdb::Snapshot* const snapshot_;
};

}  // namespace

v1::Visibility VisibilityOf(const v1::RecordState& state) {
  for (const v1::FieldHeads& heads : state.fields()) {
    if (heads.field() == kVisibilityField) return ResolveVisibility(&heads);
  }
  return ResolveVisibility(nullptr);
}

absl::StatusOr<RecordView> MaterializeRecord(v1::RecordState state) {
  const RecordTypeInfo* info = FindRecordType(state.ref().type());
  if (info == nullptr) {
    return absl::DataLossError(
        absl::StrCat("record ", state.ref().record_id(), " has unknown type ",
                     static_cast<int>(state.ref().type())));
  }
  RecordView view;
  view.message = NewRecordMessage(*info);
  pb::Message* message = view.message.get();
  const pb::Reflection* reflection = message->GetReflection();
  const pb::Descriptor* descriptor = info->descriptor;
  reflection->SetString(message, descriptor->FindFieldByNumber(kIdField),
                        state.ref().record_id());
  reflection->SetString(message, descriptor->FindFieldByNumber(kReviewIdField),
                        state.ref().review_id());
  reflection->SetString(message,
                        descriptor->FindFieldByNumber(kOwnerAgencyField),
                        state.ref().owner_agency());
  view.visibility = VisibilityOf(state);
  bool any_content = false;
  bool all_content_deleted = true;
  for (v1::FieldHeads& heads : *state.mutable_fields()) {
    const pb::FieldDescriptor* field =
        descriptor->FindFieldByNumber(static_cast<int>(heads.field()));
    if (field == nullptr || heads.heads().empty()) continue;
    const v1::FieldValue& shown = Winner(heads).value();
    SetFieldValue(*field, shown, message);
    if (heads.field() >= kFirstContentField) {
      any_content = true;
      if (!IsTombstone(shown)) all_content_deleted = false;
    }
    view.fields.push_back(FieldState{field, std::move(heads)});
  }
  // Keep the materialized visibility consistent with what filters use.
  reflection->SetEnumValue(message,
                           descriptor->FindFieldByNumber(kVisibilityField),
                           view.visibility);
  view.deleted = any_content && all_content_deleted;
  view.ref = std::move(*state.mutable_ref());
  view.created = std::move(*state.mutable_created());
  return view;
}

absl::StatusOr<std::unique_ptr<Replica>> Replica::Open(
    const ReplicaOptions& options) {
  RETURN_IF_ERROR(CheckId("replica id", options.replica_id));
  StoreOptions store_options;
  store_options.path = options.path;
  store_options.sync = options.sync;
  store_options.env = options.env;
  store_options.statistics = options.statistics;
  ASSIGN_OR_RETURN(std::unique_ptr<Store> store, Store::Open(store_options));

  ASSIGN_OR_RETURN(std::optional<std::string> stored_id,
                   store->Get(Family::kMeta, keys::kMetaReplicaId));
  ASSIGN_OR_RETURN(std::optional<std::string> stored_format,
                   store->Get(Family::kMeta, keys::kMetaFormatVersion));
  if (stored_id.has_value()) {
    if (*stored_id != options.replica_id) {
      return absl::FailedPreconditionError(
          absl::StrCat("the store at ", options.path, " belongs to replica '",
                       *stored_id, "', not '", options.replica_id, "'"));
    }
    if (stored_format.value_or("") != kFormatVersion) {
      return absl::FailedPreconditionError(
          absl::StrCat("the store at ", options.path, " has format version '",
                       stored_format.value_or(""),
                       "'; this build reads version ", kFormatVersion));
    }
  } else {
    rocksdb::WriteBatch init;
    init.Put(store->handle(Family::kMeta), ToSlice(keys::kMetaReplicaId),
             options.replica_id);
    init.Put(store->handle(Family::kMeta), ToSlice(keys::kMetaFormatVersion),
             ToSlice(kFormatVersion));
    RETURN_IF_ERROR(store->Write(&init));
  }

  auto replica =
      std::unique_ptr<Replica>(new Replica(options, std::move(store)));
  ASSIGN_OR_RETURN(std::optional<std::string> hlc_bytes,
                   replica->store_->Get(Family::kMeta, keys::kMetaHlc));
  if (hlc_bytes.has_value()) {
    v1::HlcTimestamp latest;
    if (!latest.ParseFromString(*hlc_bytes)) {
      return Corrupt("HLC high-water mark", keys::kMetaHlc);
    }
    // Never stamp below anything stamped or seen before a restart, even if
    // the wall clock has stepped back since.
    replica->hlc_.Observe(latest);
  }
  return replica;
}

Replica::Replica(ReplicaOptions options, std::unique_ptr<Store> store)
    : options_(std::move(options)),
      store_(std::move(store)),
      hlc_(options_.clock),
      minter_(options_.clock) {}

Replica::~Replica() = default;

std::unique_ptr<Replica::Batch> Replica::NewBatch() {
  return std::unique_ptr<Batch>(new Batch(this));
}

absl::StatusOr<v1::Change> Replica::Edit(const RecordEdit& edit) {
  std::unique_ptr<Batch> batch = NewBatch();
  ASSIGN_OR_RETURN(v1::Change change, batch->Edit(edit));
  RETURN_IF_ERROR(batch->Commit());
  return change;
}

absl::StatusOr<ApplyOutcome> Replica::Apply(const v1::Change& change,
                                            Arrival arrival) {
  std::unique_ptr<Batch> batch = NewBatch();
  ASSIGN_OR_RETURN(ApplyOutcome outcome, batch->Apply(change, arrival));
  if (outcome == ApplyOutcome::kApplied) RETURN_IF_ERROR(batch->Commit());
  return outcome;
}

absl::Status Replica::FillValues(v1::RecordState* state,
                                 const rocksdb::Snapshot* snapshot,
                                 bool all_authors) const {
  // Most of a record's values come from one or two changes: parse each once.
  std::vector<std::pair<std::string, v1::Change>> changes;
  rocksdb::ReadOptions read;
  read.snapshot = snapshot;
  auto change_of =
      [&](const v1::Dot& dot) -> absl::StatusOr<const v1::Change*> {
    const std::string key = keys::Change(dot);
    for (const auto& [held_key, change] : changes) {
      if (held_key == key) return &change;
    }
    std::string bytes;
    const rocksdb::Status got =
        store_->db()->Get(read, store_->handle(Family::kChanges), key, &bytes);
    if (got.IsNotFound()) return nullptr;
    RETURN_IF_ERROR(FromRocksDb(got, "reading a change"));
    v1::Change change;
    if (!change.ParseFromString(bytes)) return Corrupt("change", key);
    changes.emplace_back(key, std::move(change));
    return &changes.back().second;
  };
  if (IsCompact(*state)) {
    ASSIGN_OR_RETURN(const v1::Change* sole, change_of(state->sole_change()));
    if (sole == nullptr)
      return Corrupt("change", keys::Change(state->sole_change()));
    Expand(*sole, state);
  }
  for (v1::FieldHeads& heads : *state->mutable_fields()) {
    const bool need_author = all_authors || heads.heads_size() > 1;
    for (v1::HeadValue& head : *heads.mutable_heads()) {
      const bool has_value =
          head.value().kind_case() != v1::FieldValue::KIND_NOT_SET;
      if (has_value && (!need_author || !head.author().empty())) continue;
      ASSIGN_OR_RETURN(const v1::Change* change, change_of(head.dot()));
      if (change == nullptr) {
        // A value that came in a snapshot is kept whole, its author with it.
        if (has_value) continue;
        return Corrupt("change", keys::Change(head.dot()));
      }
      head.set_author(change->author());
      for (const v1::FieldWrite& write : change->writes()) {
        if (write.field() == heads.field())
          *head.mutable_value() = write.value();
      }
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<v1::RecordState> Replica::ReadFilledState(
    absl::string_view review_id, absl::string_view record_id,
    bool all_authors) const {
  ScopedSnapshot snapshot(store_->db());
  ASSIGN_OR_RETURN(std::optional<v1::RecordState> state,
                   ReadState(*store_, review_id, record_id, snapshot.get()));
  if (!state.has_value()) {
    return absl::NotFoundError(
        absl::StrCat("no record ", record_id, " in review ", review_id));
  }
  RETURN_IF_ERROR(FillValues(&*state, snapshot.get(), all_authors));
  return *std::move(state);
}

absl::StatusOr<RecordView> Replica::ReadRecord(
    absl::string_view review_id, absl::string_view record_id) const {
  ASSIGN_OR_RETURN(
      v1::RecordState state,
      ReadFilledState(review_id, record_id, /*all_authors=*/false));
  return MaterializeRecord(std::move(state));
}

absl::StatusOr<std::vector<RecordView>> Replica::ListRecords(
    absl::string_view review_id, std::optional<v1::RecordType> type,
    bool include_deleted) const {
  ASSIGN_OR_RETURN(
      RecordPage page,
      ListRecordsPage(review_id, type, include_deleted, "", /*limit=*/0));
  return std::move(page.records);
}

absl::StatusOr<Replica::RecordPage> Replica::ListRecordsPage(
    absl::string_view review_id, std::optional<v1::RecordType> type,
    bool include_deleted, absl::string_view after, size_t limit) const {
  RecordPage page;
  ScopedSnapshot snapshot(store_->db());
  auto it = store_->NewPrefixIterator(
      Family::kRecords,
      review_id.empty() ? std::string() : keys::ReviewPrefix(review_id),
      snapshot.get());
  if (!after.empty()) {
    it->Seek(ToSlice(after));
    if (it->Valid() && ToView(it->key()) == after) it->Next();
  }
  bool more = false;
  for (; it->Valid(); it->Next()) {
    if (limit > 0 && page.records.size() == limit) {
      more = true;
      break;
    }
    v1::RecordState state;
    if (!state.ParseFromArray(it->value().data(),
                              static_cast<int>(it->value().size()))) {
      return Corrupt("record", ToView(it->key()));
    }
    if (type.has_value() && state.ref().type() != *type) continue;
    RETURN_IF_ERROR(FillValues(&state, snapshot.get()));
    ASSIGN_OR_RETURN(RecordView view, MaterializeRecord(std::move(state)));
    if (view.deleted && !include_deleted) continue;
    page.records.push_back(std::move(view));
  }
  RETURN_IF_ERROR(FromRocksDb(it->status(), "listing records"));
  if (more) {
    page.next = keys::Record(page.records.back().ref.review_id(),
                             page.records.back().ref.record_id());
  }
  return page;
}

absl::StatusOr<std::vector<FieldConflict>> Replica::ListConflicts(
    absl::string_view review_id) const {
  ScopedSnapshot snapshot(store_->db());
  std::vector<FieldConflict> conflicts;
  auto it = store_->NewPrefixIterator(
      Family::kConflicts,
      review_id.empty() ? std::string() : keys::ReviewPrefix(review_id),
      snapshot.get());
  for (; it->Valid(); it->Next()) {
    const absl::string_view key = ToView(it->key());
    std::optional<keys::FieldKey> field_key = keys::ParseField(key);
    if (!field_key) return Corrupt("conflict index", key);
    ASSIGN_OR_RETURN(std::optional<v1::RecordState> state,
                     ReadState(*store_, field_key->review, field_key->record,
                               snapshot.get()));
    if (!state.has_value()) return Corrupt("conflicted record", key);
    RETURN_IF_ERROR(FillValues(&*state, snapshot.get()));
    const RecordTypeInfo* info = FindRecordType(state->ref().type());
    if (info == nullptr) return Corrupt("record type", key);
    for (const v1::FieldHeads& heads : state->fields()) {
      if (heads.field() != field_key->field) continue;
      FieldConflict conflict;
      conflict.record = state->ref();
      conflict.field =
          info->descriptor->FindFieldByNumber(static_cast<int>(heads.field()));
      for (const v1::HeadValue* value : InShownOrder(heads)) {
        conflict.values.push_back(*value);
      }
      conflicts.push_back(std::move(conflict));
    }
  }
  RETURN_IF_ERROR(FromRocksDb(it->status(), "listing conflicts"));
  return conflicts;
}

absl::StatusOr<uint64_t> Replica::CountConflicts() const {
  uint64_t count = 0;
  auto it = store_->NewPrefixIterator(Family::kConflicts, "");
  for (; it->Valid(); it->Next()) ++count;
  RETURN_IF_ERROR(FromRocksDb(it->status(), "counting conflicts"));
  return count;
}

absl::StatusOr<std::optional<v1::Change>> Replica::ReadChange(
    const v1::Dot& dot) const {
  const std::string key = keys::Change(dot);
  ASSIGN_OR_RETURN(std::optional<std::string> bytes,
                   store_->Get(Family::kChanges, key));
  if (!bytes.has_value()) return std::nullopt;
  v1::Change change;
  if (!change.ParseFromString(*bytes)) return Corrupt("change", key);
  return change;
}

absl::StatusOr<std::vector<Replica::EncodedChange>> Replica::ChangesAfter(
    absl::string_view replica, uint64_t after, size_t limit,
    size_t max_bytes) const {
  std::vector<EncodedChange> changes;
  v1::Dot start;
  start.set_replica(std::string(replica));
  start.set_counter(after + 1);
  auto it =
      store_->NewPrefixIterator(Family::kChanges, keys::ChangePrefix(replica));
  uint64_t expected = after + 1;
  size_t bytes = 0;
  for (it->Seek(ToSlice(keys::Change(start)));
       it->Valid() && changes.size() < limit &&
       (changes.empty() || bytes < max_bytes);
       it->Next(), ++expected) {
    std::optional<v1::Dot> dot = keys::ParseChange(ToView(it->key()));
    if (!dot) return Corrupt("change key", ToView(it->key()));
    if (dot->counter() != expected) break;  // a gap: stop before it
    changes.push_back({dot->counter(), std::string(ToView(it->value()))});
    bytes += it->value().size();
  }
  RETURN_IF_ERROR(FromRocksDb(it->status(), "reading changes"));
  return changes;
}

absl::StatusOr<std::vector<v1::Dot>> Replica::HeldDots(
    absl::string_view replica) const {
  std::vector<v1::Dot> dots;
  auto it =
      store_->NewPrefixIterator(Family::kChanges, keys::ChangePrefix(replica));
  for (; it->Valid(); it->Next()) {
    std::optional<v1::Dot> dot = keys::ParseChange(ToView(it->key()));
    if (!dot) return Corrupt("change key", ToView(it->key()));
    dots.push_back(*std::move(dot));
  }
  RETURN_IF_ERROR(FromRocksDb(it->status(), "listing changes"));
  return dots;
}

absl::StatusOr<v1::Visibility> Replica::ReadVisibility(
    absl::string_view review_id, absl::string_view record_id,
    const v1::Change* hint) const {
  ASSIGN_OR_RETURN(std::optional<v1::RecordState> state,
                   ReadState(*store_, review_id, record_id, nullptr));
  if (!state.has_value()) {
    return absl::NotFoundError(
        absl::StrCat("no record ", record_id, " in review ", review_id));
  }
  if (IsCompact(*state)) {
    // The values are the sole change's writes.
    std::optional<v1::Change> read;
    const v1::Change* sole = hint;
    if (sole == nullptr || !SameDot(sole->dot(), state->sole_change())) {
      ASSIGN_OR_RETURN(read, ReadChange(state->sole_change()));
      if (!read.has_value()) {
        return Corrupt("record", keys::Record(state->ref().review_id(),
                                              state->ref().record_id()));
      }
      sole = &*read;
    }
    Expand(*sole, &*state);
  }
  // Small values (every visibility) are kept in the expanded state.
  return VisibilityOf(*state);
}

absl::StatusOr<std::vector<v1::Dot>> Replica::RecordChanges(
    absl::string_view review_id, absl::string_view record_id) const {
  ASSIGN_OR_RETURN(std::optional<v1::RecordState> state,
                   ReadState(*store_, review_id, record_id, nullptr));
  if (!state.has_value()) return std::vector<v1::Dot>();
  if (IsCompact(*state)) return std::vector<v1::Dot>{state->sole_change()};
  return std::vector<v1::Dot>(state->changes().begin(), state->changes().end());
}

absl::StatusOr<uint64_t> Replica::Frontier(absl::string_view replica) const {
  ASSIGN_OR_RETURN(std::optional<std::string> bytes,
                   store_->Get(Family::kFrontiers, keys::Frontier(replica)));
  if (!bytes.has_value()) return 0;
  if (bytes->size() != 8) return Corrupt("frontier", replica);
  return keys::ReadU64(*bytes);
}

absl::StatusOr<StateDigest> Replica::Digest(const RecordFilter& filter) const {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(),
                                                              &EVP_MD_CTX_free);
  if (ctx == nullptr ||
      EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1) {
    return absl::InternalError("cannot initialise SHA-256");
  }
  auto hash = [&ctx](absl::string_view bytes) {
    // Length-prefix every piece so that different splits cannot collide.
    std::string length;
    keys::AppendU64(bytes.size(), &length);
    EVP_DigestUpdate(ctx.get(), length.data(), length.size());
    EVP_DigestUpdate(ctx.get(), bytes.data(), bytes.size());
  };
  StateDigest digest;
  auto it = store_->NewPrefixIterator(Family::kRecords, "");
  for (; it->Valid(); it->Next()) {
    v1::RecordState state;
    if (!state.ParseFromArray(it->value().data(),
                              static_cast<int>(it->value().size()))) {
      return Corrupt("record", ToView(it->key()));
    }
    RETURN_IF_ERROR(FillValues(&state, nullptr));
    if (filter && !filter(state.ref(), VisibilityOf(state))) continue;
    // What the record is, not how it came: its identity, creation time and
    // current values with their dots (no change list, no authors).
    state.clear_changes();
    state.clear_sole_change();
    for (v1::FieldHeads& heads : *state.mutable_fields()) {
      digest.field_values += heads.heads_size();
      for (v1::HeadValue& head : *heads.mutable_heads()) head.clear_author();
    }
    ++digest.records;
    hash(ToView(it->key()));
    hash(CanonicalBytes(state));
  }
  RETURN_IF_ERROR(FromRocksDb(it->status(), "computing the digest"));
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int out_size = 0;
  if (EVP_DigestFinal_ex(ctx.get(), out, &out_size) != 1) {
    return absl::InternalError("cannot finish SHA-256");
  }
  digest.sha256 = absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(out), out_size));
  return digest;
}

absl::StatusOr<v1::RecordSnapshot> Replica::ReadSnapshot(
    absl::string_view review_id, absl::string_view record_id) const {
  ASSIGN_OR_RETURN(v1::RecordState state,
                   ReadFilledState(review_id, record_id, /*all_authors=*/true));
  v1::RecordSnapshot out;
  *out.mutable_record() = state.ref();
  *out.mutable_created() = state.created();
  for (const v1::FieldHeads& heads : state.fields()) {
    if (heads.heads().empty()) continue;
    v1::SnapshotField* field = out.add_fields();
    field->set_field(heads.field());
    for (const v1::HeadValue& head : heads.heads()) {
      v1::SnapshotValue* value = field->add_values();
      *value->mutable_dot() = head.dot();
      *value->mutable_hlc() = head.hlc();
      *value->mutable_value() = head.value();
      value->set_author(head.author());
    }
  }
  return out;
}

}  // namespace casesync
