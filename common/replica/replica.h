// A replica: one copy of the review records, kept in a RocksDB store, that
// applies changes by the merge rule of docs/replication.md.
//
// Agencies' daemons and the board each hold one. A change is applied
// idempotently and in any order (relayed changes may arrive with gaps): the
// state is a function of the set of changes held, so replicas holding the same
// changes hold byte-identical state. Every logical operation is one atomic
// RocksDB write batch, synced when ReplicaOptions::sync says so.
//
// Writes go through a Replica::Batch, which holds the replica's single writer
// lock from creation until it is committed or destroyed; callers that must
// record something else atomically with the changes (a cursor, a verdict) add
// it to the same batch. Reads need no lock and see committed state only.
//
// Thread-safety: a Replica is safe to use from many threads. A Batch belongs
// to the thread that made it.
#ifndef CASESYNC_COMMON_REPLICA_REPLICA_H_
#define CASESYNC_COMMON_REPLICA_REPLICA_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "casesync/v1/records.pb.h"
#include "casesync/v1/replication.pb.h"
#include "casesync/v1/storage.pb.h"
#include "common/base/clock.h"
#include "common/base/hlc.h"
#include "common/base/ids.h"
#include "common/records/change_check.h"
#include "common/records/record_state.h"
#include "common/replica/store.h"
#include "google/protobuf/message.h"
#include "rocksdb/write_batch.h"

namespace casesync {

class ChangeObserver;

struct ReplicaOptions {
  // Directory of the replica's RocksDB store; created if missing.
  std::string path;
  // This replica's id (an agency id, or the board's). Required. A store
  // remembers the id it was created with and refuses to open under another.
  std::string replica_id;
  // Source of wall-clock time for HLC stamps and record ids. Not owned.
  Clock* clock = SystemClock();
  // Size limits every change must keep, local or remote.
  ChangeLimits limits;
  // When true (the default) every commit is synced to disk before it returns:
  // a committed change survives a power cut. False only for tests and
  // benchmarks that say so.
  bool sync = true;
  // RocksDB environment, for fault-injection tests; nullptr is the default.
  rocksdb::Env* env = nullptr;
  // RocksDB statistics sink (see StoreOptions::statistics); null for none.
  std::shared_ptr<rocksdb::Statistics> statistics;
  // Told of every change applied, inside its batch (the board numbers them
  // in its feed this way). Not owned; null for none.
  ChangeObserver* observer = nullptr;
};

// How a change reaches the replica.
enum class Arrival {
  // Straight from its author (a push to the board, a local edit): the author's
  // changes must arrive in counter order, so a change whose counter is not the
  // next after the author's frontier is refused.
  kInOrder,
  // Relayed (a feed at an agency, a test's random delivery): any order, with
  // gaps where changes were filtered out.
  kAnyOrder,
};

enum class ApplyOutcome {
  kApplied,
  // The replica already held this very change: nothing was written.
  kAlreadyHeld,
};

// Sets one field to a value (a tombstone deletes it).
struct FieldEdit {
  uint32_t field = 0;
  v1::FieldValue value;
};

// A local edit of one record, which the replica turns into a change.
struct RecordEdit {
  // review_id and type are required. An empty record_id creates a record with
  // a freshly minted id (a review's id is its review_id); an empty
  // owner_agency means this replica for a new record, and the stored owner for
  // an existing one.
  v1::RecordRef record;
  std::vector<FieldEdit> fields;
  // Who made the edit (informational).
  std::string author;
};

// One field as the replica holds it.
struct FieldState {
  const google::protobuf::FieldDescriptor* field = nullptr;
  v1::FieldHeads heads;  // sorted by dot
  bool in_conflict() const { return heads.heads_size() > 1; }
};

// A record as the replica holds it, materialized as its typed message.
struct RecordView {
  v1::RecordRef ref;
  // The smallest HLC among the record's changes held.
  v1::HlcTimestamp created;
  // The record's message type with every field at its shown value; identity
  // fields filled from `ref`.
  std::shared_ptr<google::protobuf::Message> message;
  // Every content field holds a tombstone as its shown value.
  bool deleted = false;
  // The record's visibility, as VisibilityOf gives it.
  v1::Visibility visibility = v1::VISIBILITY_AGENCY;
  // Every field written so far, by field number.
  std::vector<FieldState> fields;
};

// The record's visibility as its stored state gives it: the most restrictive
// of its current values; unset, deleted or unknown values read as agency
// (common/records/audience.h).
v1::Visibility VisibilityOf(const v1::RecordState& state);

// Builds the view of a record state whose values are all filled in (see
// Replica::ReadRecord). DATA_LOSS for an unknown type.
[[nodiscard]] absl::StatusOr<RecordView> MaterializeRecord(
    v1::RecordState state);

// A field with more than one current value.
struct FieldConflict {
  v1::RecordRef record;
  const google::protobuf::FieldDescriptor* field = nullptr;
  // Every current value, the shown one first.
  std::vector<v1::HeadValue> values;
};

// A hash of replica state, for comparing replicas cheaply.
struct StateDigest {
  // SHA-256, lower-case hex, over every included record's identity, creation
  // time and current field values (each with the dot and clock time that
  // wrote it), in key order: the same on two replicas that hold the same
  // current values, however they came by them (changes or a snapshot).
  std::string sha256;
  uint64_t records = 0;
  uint64_t field_values = 0;
};

// Chooses records for a digest: return true to include.
using RecordFilter =
    std::function<bool(const v1::RecordRef& record, v1::Visibility visibility)>;

// A batch written by Replica::Batch::CommitUnsynced and not yet known to be
// synced.
struct UnsyncedCommit {
  // The store's position after the batch (Store::WriteForSync).
  uint64_t position = 0;
  // The batch's serial, and whether the observer's OnCommitted is due.
  uint64_t serial = 0;
  bool observed = false;
};

class Replica {
 public:
  class Batch;

  // Opens the replica at options.path, creating it if missing.
  // INVALID_ARGUMENT for a bad replica id, FAILED_PRECONDITION if the store
  // belongs to another replica id or was written by a newer format, other
  // codes as Store::Open.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<Replica>> Open(
      const ReplicaOptions& options);

  ~Replica();
  Replica(const Replica&) = delete;
  Replica& operator=(const Replica&) = delete;

  const std::string& id() const { return options_.replica_id; }
  const ReplicaOptions& options() const { return options_; }
  Store* store() const { return store_.get(); }
  Hlc* hlc() { return &hlc_; }

  // Starts an atomic batch of work. Blocks while another batch is open.
  std::unique_ptr<Batch> NewBatch();

  // Returns once `commit` is synced to disk (writers waiting together share
  // one sync, and a later batch's sync covers the earlier ones), then tells
  // the observer (OnCommitted). Thread-safe. Errors as Store::SyncUpTo: the
  // batch may not be held, and the store takes no more writes.
  [[nodiscard]] absl::Status AwaitSynced(const UnsyncedCommit& commit);

  // Convenience: one edit, one change, committed. Errors as Batch::Edit and
  // Batch::Commit.
  [[nodiscard]] absl::StatusOr<v1::Change> Edit(const RecordEdit& edit);
  // Convenience: one change applied and committed. Errors as Batch::Apply and
  // Batch::Commit.
  [[nodiscard]] absl::StatusOr<ApplyOutcome> Apply(const v1::Change& change,
                                                   Arrival arrival);

  // The record, NOT_FOUND if the replica holds no change of it.
  [[nodiscard]] absl::StatusOr<RecordView> ReadRecord(
      absl::string_view review_id, absl::string_view record_id) const;

  // Records of a review (every review if `review_id` is empty), optionally of
  // one type, in key order; deleted ones only if `include_deleted`.
  [[nodiscard]] absl::StatusOr<std::vector<RecordView>> ListRecords(
      absl::string_view review_id, std::optional<v1::RecordType> type,
      bool include_deleted) const;

  // One page of ListRecords: at most `limit` records (0: no limit) whose
  // store key is after `after` (empty: from the first). `next` is the key to
  // pass as `after` for the next page, empty after the last.
  struct RecordPage {
    std::vector<RecordView> records;
    std::string next;
  };
  [[nodiscard]] absl::StatusOr<RecordPage> ListRecordsPage(
      absl::string_view review_id, std::optional<v1::RecordType> type,
      bool include_deleted, absl::string_view after, size_t limit) const;

  // Open conflicts of a review (every review if empty), in key order.
  [[nodiscard]] absl::StatusOr<std::vector<FieldConflict>> ListConflicts(
      absl::string_view review_id) const;

  // Number of fields in conflict across all reviews.
  [[nodiscard]] absl::StatusOr<uint64_t> CountConflicts() const;

  // The change with this dot, or nullopt if not held.
  [[nodiscard]] absl::StatusOr<std::optional<v1::Change>> ReadChange(
      const v1::Dot& dot) const;

  // Up to `limit` changes authored by `replica` with counters above `after`,
  // in counter order, stopping at the first gap or once `max_bytes` are
  // collected (at least one change is returned if any): each change's
  // stored bytes (its serialized form) and counter.
  struct EncodedChange {
    uint64_t counter = 0;
    std::string bytes;
  };
  [[nodiscard]] absl::StatusOr<std::vector<EncodedChange>> ChangesAfter(
      absl::string_view replica, uint64_t after, size_t limit,
      size_t max_bytes) const;

  // The dots of every change held from `replica`, in counter order, gaps
  // and all.
  [[nodiscard]] absl::StatusOr<std::vector<v1::Dot>> HeldDots(
      absl::string_view replica) const;

  // The record's visibility (VisibilityOf); NOT_FOUND if no change of it is
  // held. `hint`, if not null, is a change of the record the caller holds
  // already: when it is the record's only change it is not read again.
  [[nodiscard]] absl::StatusOr<v1::Visibility> ReadVisibility(
      absl::string_view review_id, absl::string_view record_id,
      const v1::Change* hint) const;

  // The dots of every change held for one record, in dot order.
  [[nodiscard]] absl::StatusOr<std::vector<v1::Dot>> RecordChanges(
      absl::string_view review_id, absl::string_view record_id) const;

  // The highest counter of `replica` held with no gap below it (0 if none).
  [[nodiscard]] absl::StatusOr<uint64_t> Frontier(
      absl::string_view replica) const;

  // A digest of the records `filter` accepts (all if null).
  [[nodiscard]] absl::StatusOr<StateDigest> Digest(
      const RecordFilter& filter = nullptr) const;

  // The record as a snapshot for an agency it became visible to
  // (sync.proto RecordSnapshot): identity, creation time and every current
  // value with its dot, clock time and author; `covers_to` left 0.
  // NOT_FOUND if no change of it is held; DATA_LOSS if a change it names is
  // missing.
  [[nodiscard]] absl::StatusOr<v1::RecordSnapshot> ReadSnapshot(
      absl::string_view review_id, absl::string_view record_id) const;

 private:
  Replica(ReplicaOptions options, std::unique_ptr<Store> store);

  // Expands a compact `state`, fills in every current value it keeps only by
  // dot, and the author of every value of a field in conflict (of every
  // value, with `all_authors`), reading the changes that wrote them (through
  // `snapshot`, if any). A value kept with its author (a record that came
  // as a snapshot) needs no change. DATA_LOSS if a needed change is
  // missing.
  [[nodiscard]] absl::Status FillValues(v1::RecordState* state,
                                        const rocksdb::Snapshot* snapshot,
                                        bool all_authors = false) const;

  // A record's state, values filled in (FillValues), read at one instant.
  // NOT_FOUND if no change of it is held; errors as FillValues.
  [[nodiscard]] absl::StatusOr<v1::RecordState> ReadFilledState(
      absl::string_view review_id, absl::string_view record_id,
      bool all_authors) const;

  const ReplicaOptions options_;
  std::unique_ptr<Store> store_;
  Hlc hlc_;
  RecordIdMinter minter_;
  // Held by the open Batch, if any: one writer at a time.
  absl::Mutex write_mu_;
  // The serial of the newest batch (guarded by write_mu_).
  uint64_t last_batch_serial_ = 0;
};

// An atomic batch of work on a replica: changes applied and edits made are
// visible to later calls on the same batch, and reach the store together at
// Commit(). Destroying an uncommitted batch discards it.
class Replica::Batch {
 public:
  ~Batch();
  Batch(const Batch&) = delete;
  Batch& operator=(const Batch&) = delete;

  // Stages one change. Returns kAlreadyHeld if the replica (or this batch)
  // holds the identical change. On error nothing of the change is staged:
  // CheckChange's errors; INVALID_ARGUMENT if its dot already holds a
  // different change or its record exists with another type or owner;
  // FAILED_PRECONDITION if `arrival` is kInOrder and the counter skips past
  // the author's frontier; store errors as FromRocksDb.
  [[nodiscard]] absl::StatusOr<ApplyOutcome> Apply(const v1::Change& change,
                                                   Arrival arrival);
  // The same, with the check and serialization already done by
  // CheckAndSerialize(change, limits) with this replica's limits (the caller
  // vouches for that). Errors as above.
  [[nodiscard]] absl::StatusOr<ApplyOutcome> Apply(const v1::Change& change,
                                                   const CheckedChange& checked,
                                                   Arrival arrival);

  // Turns a local edit into a change with this replica's next dot, the
  // current values of each field as parents, and a fresh HLC stamp, and
  // stages it. Returns the change. INVALID_ARGUMENT for an unknown type, a
  // field set twice, a new record missing a required field, or anything
  // Apply refuses; NOT_FOUND never (an edit of an unknown id creates it).
  [[nodiscard]] absl::StatusOr<v1::Change> Edit(const RecordEdit& edit);

  // Stages a change that writes a tombstone to every content field not
  // already deleted, naming their current values as parents. NOT_FOUND if the
  // record is not held, FAILED_PRECONDITION if it is already deleted.
  [[nodiscard]] absl::StatusOr<v1::Change> Delete(absl::string_view review_id,
                                                  absl::string_view record_id,
                                                  absl::string_view author);

  // Removes a record this replica may no longer see: its state, its indexes,
  // and the changes of it that other replicas authored (never this
  // replica's own). Frontiers of those authors step back below the removed
  // changes. FAILED_PRECONDITION for a record this replica owns; OK if the
  // record is not held.
  [[nodiscard]] absl::Status Purge(absl::string_view review_id,
                                   absl::string_view record_id);

  // Purges every record of a review that this replica does not own.
  [[nodiscard]] absl::Status PurgeReview(absl::string_view review_id);

  // Replaces this replica's copy of a record it may see, but does not own,
  // by `snapshot` (the board's state of it when it became visible): its
  // current values, each with the dot that wrote it, and no change. Later
  // changes of the record merge on it as usual. The record's feed entries
  // numbered up to snapshot.covers_to are in it (SnapshotCovers).
  // FAILED_PRECONDITION for a record this replica owns; INVALID_ARGUMENT for
  // an unknown type or a malformed snapshot (values out of field order, a
  // value that does not fit its field).
  [[nodiscard]] absl::Status InstallSnapshot(
      const v1::RecordSnapshot& snapshot);

  // The covers_to of the snapshot the record came by, or 0 if it did not
  // come by one (or was purged since).
  [[nodiscard]] absl::StatusOr<uint64_t> SnapshotCovers(
      absl::string_view review_id, absl::string_view record_id);

  // Stages a raw write to any family, for callers' own state that must be
  // atomic with the changes (cursors, verdicts).
  void Put(Family family, absl::string_view key, absl::string_view value);
  void Remove(Family family, absl::string_view key);

  // The keys of `family` starting with `prefix`, as this batch would leave
  // the store, in order.
  [[nodiscard]] absl::StatusOr<std::vector<std::string>> KeysWithPrefix(
      Family family, absl::string_view prefix);

  // Reads through the batch: staged writes first, then the store.
  [[nodiscard]] absl::StatusOr<std::optional<std::string>> Get(
      Family family, absl::string_view key);

  // The author's frontier as this batch would leave it.
  [[nodiscard]] absl::StatusOr<uint64_t> Frontier(absl::string_view replica);

  // Numbers this replica's next own change after `counter`, if its frontier
  // is below it: for a store restored from a backup, whose counters after
  // the backup were used by changes it no longer holds. Own changes that
  // arrive later (Apply) with counters at or below it are kept as any
  // other. Store errors.
  [[nodiscard]] absl::Status RaiseOwnFrontier(uint64_t counter);

  // How many records of `review_id` (the review record itself not counted)
  // the replica holds as this batch would leave it. DATA_LOSS if the stored
  // count is unreadable.
  [[nodiscard]] absl::StatusOr<uint64_t> RecordCount(
      absl::string_view review_id);

  // The stored state of a record as this batch would leave it, nullopt if
  // the replica holds none.
  [[nodiscard]] absl::StatusOr<std::optional<v1::RecordState>> ReadState(
      absl::string_view review_id, absl::string_view record_id);

  // Prepares for about `changes` more changes (saves rehashing). Optional.
  void Reserve(size_t changes);

  // Number of changes staged (applied or edited) so far.
  size_t staged_changes() const { return staged_changes_; }

  // Distinct for every batch of this replica (since it was opened).
  uint64_t serial() const { return serial_; }

  // Writes everything staged in one atomic write, synced per the replica's
  // options unless `durability` says kBuffered (only for what can be
  // rebuilt: see Store::Durability), and releases the writer lock. The batch
  // is spent afterwards. Errors as Store::Write, or the observer's
  // OnCommitting error; on error nothing was written.
  [[nodiscard]] absl::Status Commit(
      Store::Durability durability = Store::Durability::kSynced);

  // The first half of Commit(kSynced): writes the batch and releases the
  // writer lock, but returns before the sync, so that a caller can prepare
  // its next batch while this one waits for the disk. Nothing of the batch
  // may be acknowledged (nor does the observer's OnCommitted run) until
  // Replica::AwaitSynced(returned) returns OK; later reads see it already.
  // Errors as Commit, with nothing written.
  [[nodiscard]] absl::StatusOr<UnsyncedCommit> CommitUnsynced();

 private:
  friend class Replica;
  explicit Batch(Replica* replica);

  // Commit and CommitUnsynced: writes the batch with `durability` (for
  // kSynced, not yet synced), tells the observer of a buffered one.
  [[nodiscard]] absl::StatusOr<UnsyncedCommit> WriteStaged(
      Store::Durability durability);

  // Writes the change's field values, indexes and frontier into the batch.
  [[nodiscard]] absl::Status Stage(const v1::Change& change,
                                   const std::string& canonical,
                                   std::optional<v1::RecordState> state);
  // Puts the superseded marker of `parent` for `field` of the record, unless
  // the parent is held.
  [[nodiscard]] absl::Status MarkIfNotHeld(const v1::RecordRef& ref,
                                           uint32_t field,
                                           const v1::Dot& parent);
  // Adds `delta` (+1 or -1) to the review's record count.
  [[nodiscard]] absl::Status CountRecord(absl::string_view review_id,
                                         int delta);
  // Writes the change itself, its index entry and the author's frontier.
  [[nodiscard]] absl::Status StageIndexes(const v1::Change& change,
                                          const std::string& canonical);
  void Unlock();

  // What the batch knows of a key: a value read from the store, or a write
  // staged by the batch. The writer lock keeps the store from changing under
  // it, so reads can be remembered for the life of the batch.
  struct Entry {
    std::optional<std::string> value;  // nullopt: absent or deleted
    bool staged = false;
  };
  static std::string ViewKey(Family family, absl::string_view key);
  void StageWrite(Family family, absl::string_view key,
                  std::optional<std::string> value);

  Replica* const replica_;
  // Everything read or staged; Commit() writes the staged entries.
  absl::flat_hash_map<std::string, Entry> view_;
  // While a change is being staged: how to restore view_ if it is refused.
  std::vector<std::pair<std::string, std::optional<Entry>>> undo_;
  size_t staged_changes_ = 0;
  uint64_t serial_ = 0;
  bool locked_ = true;
};

// Sees every change a replica applies (not those it already held), whatever
// path it came by: a local edit, a push, a feed, a bundle.
// What OnApplied is told of the record a change was applied to.
struct AppliedTo {
  // The change made the record: the replica held none of its changes.
  bool created = false;
  // The record's state just before the change (expanded), when the
  // observer asked for it (WantsStateBefore) and the record existed; null
  // otherwise.
  const v1::RecordState* before = nullptr;
};

class ChangeObserver {
 public:
  virtual ~ChangeObserver() = default;
  // Whether OnApplied should be given the record's state before `change`
  // (AppliedTo::before): a copy the replica makes only when asked.
  virtual bool WantsStateBefore(const v1::Change& /*change*/) const {
    return false;
  }
  // Called inside the batch right after `change` was staged (`checked`:
  // its check, the bytes stored for it, and their digest if known); may
  // stage more writes with batch->Put. An error refuses the change: nothing
  // of it (or of what this call staged) stays in the batch.
  [[nodiscard]] virtual absl::Status OnApplied(Replica::Batch* batch,
                                               const v1::Change& change,
                                               const CheckedChange& checked,
                                               const AppliedTo& record) = 0;
  // Called inside a batch that applied at least one change, just before
  // Commit() writes it; may stage more writes. Per-batch state an observer
  // keeps is keyed by batch->serial(): a batch destroyed uncommitted never
  // gets here. An error fails the commit with nothing written.
  [[nodiscard]] virtual absl::Status OnCommitting(Replica::Batch* /*batch*/) {
    return absl::OkStatus();
  }
  // Called after a batch that applied at least one change was committed
  // (and synced, if it was to be), with no lock held: `serial` is the
  // batch's. Batches are written in serial order but their syncs may end
  // in any order (a later batch's sync covers the earlier ones).
  virtual void OnCommitted(uint64_t serial) = 0;
};

}  // namespace casesync

#endif  // CASESYNC_COMMON_REPLICA_REPLICA_H_
