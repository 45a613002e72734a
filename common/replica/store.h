// The RocksDB database under a replica: opening it with casesync's column
// families, and converting RocksDB's errors to absl::Status in one place.
//
// Every family and its keys are described in docs/storage.md. Callers group
// each logical operation into one WriteBatch and write it with Write(), synced
// when StoreOptions::sync says so.
//
// Thread-safety: a Store is safe to use from many threads (RocksDB is);
// atomicity across reads and writes is the caller's business (Replica
// serializes writers).
#ifndef CASESYNC_COMMON_REPLICA_STORE_H_
#define CASESYNC_COMMON_REPLICA_STORE_H_

#include <array>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "rocksdb/db.h"
#include "rocksdb/env.h"
#include "rocksdb/statistics.h"

namespace casesync {

// The column families. The names are on disk: never rename one.
enum class Family {
  kMeta = 0,    // "default": replica id, format version, HLC high-water
  kChanges,     // every change held, by dot
  kRecords,     // RecordState per record: identity and current values
  kSuperseded,  // dots named as parents, per field
  kConflicts,   // index: fields with more than one current value
  kFrontiers,   // per replica: highest counter held with no gap below it
  kFeed,        // board: the feed, by sequence number
  kVerdicts,    // verdicts on pushed changes, by pushing agency and dot
  kSyncState,   // sync bookkeeping: per agency on the board, the link on an
                // agency
  kAudit,       // board: the audit hash chain, by sequence number
  kReceipts,    // agency: the board's signed receipts, by acknowledged counter
  kAudience,    // board: who each record is meant for, and reviews' members,
                // over the feed
  kReferrers,   // board: which records name which in an id field
  kSnapshots,   // agency: records held from a snapshot, and what it covers
  kCount,
};

// Debian's Abseil keeps its own string_view type (not std::string_view), so
// conversions to and from RocksDB's Slice are spelled out.
inline rocksdb::Slice ToSlice(absl::string_view s) {
  return rocksdb::Slice(s.data(), s.size());
}
inline absl::string_view ToView(const rocksdb::Slice& s) {
  return absl::string_view(s.data(), s.size());
}

// The family's on-disk name.
absl::string_view FamilyName(Family family);

struct StoreOptions {
  // Directory of the database; created if missing.
  std::string path;
  // When true (the default), Write() syncs RocksDB's write-ahead log before
  // returning, so a write that returned survives a power cut. When false, a
  // crash of the machine (not just the process) can lose recent writes: only
  // for tests and benchmarks that say so.
  bool sync = true;
  // The environment RocksDB runs on; nullptr means rocksdb::Env::Default().
  // Tests pass a fault-injecting one. Not owned; must outlive the Store.
  rocksdb::Env* env = nullptr;
  // When set, RocksDB counts its work here (bytes written, syncs, ...), for
  // benchmarks and metrics. Costs a little CPU per operation.
  std::shared_ptr<rocksdb::Statistics> statistics;
};

// The absl::Status for a RocksDB status: NotFound -> NOT_FOUND, Corruption ->
// DATA_LOSS, out of space -> RESOURCE_EXHAUSTED, other I/O errors ->
// UNAVAILABLE, Busy/TimedOut/TryAgain -> UNAVAILABLE, InvalidArgument ->
// INVALID_ARGUMENT, anything else -> INTERNAL. `context` prefixes the message.
[[nodiscard]] absl::Status FromRocksDb(const rocksdb::Status& status,
                                       absl::string_view context);

// What a store holds in memory now, by consumer, as RocksDB counts it, and
// what each is configured to keep to.
struct StoreMemory {
  // Every family's memtables: the one being written, those waiting to be
  // flushed or being flushed ("rocksdb.size-all-mem-tables").
  uint64_t memtables = 0;
  // Memtables are flushed once together they reach this (they can pass it
  // while a flush runs).
  uint64_t memtables_flushed_at = 0;
  // The block cache shared by every family: data blocks, and index and
  // filter blocks (pinned ones included).
  uint64_t block_cache = 0;
  uint64_t block_cache_capacity = 0;
  // Table readers held outside the block cache
  // ("rocksdb.estimate-table-readers-mem"); small, as index and filter
  // blocks are in the cache.
  uint64_t table_readers = 0;
};

class Store {
 public:
  // Opens (creating if missing) the database at options.path with every
  // family. UNAVAILABLE if another process holds it (the message says so),
  // DATA_LOSS if it is corrupt, other codes as FromRocksDb.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<Store>> Open(
      const StoreOptions& options);

  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  rocksdb::DB* db() const { return db_.get(); }
  rocksdb::ColumnFamilyHandle* handle(Family family) const {
    return handles_[static_cast<size_t>(family)];
  }
  const StoreOptions& options() const { return options_; }

  // How durable a write must be when it returns.
  enum class Durability {
    // Synced to disk if options().sync (the default): survives a power cut.
    kSynced,
    // In the write-ahead log but not synced: survives a crash of the process,
    // a power cut may lose it. For state that can be rebuilt (sync
    // bookkeeping the other side re-sends). A later synced write makes it
    // durable too.
    kBuffered,
  };

  // Writes `batch` atomically. Errors as FromRocksDb; when the disk is full,
  // RESOURCE_EXHAUSTED saying so, with nothing written. RocksDB then refuses
  // every write until it resumes (its "background error"); a write that
  // meets that error resumes it (DB::Resume) and tries once more, so writes
  // succeed again as soon as space is freed, without a restart.
  [[nodiscard]] absl::Status Write(rocksdb::WriteBatch* batch,
                                   Durability durability = Durability::kSynced);

  // Group commit, in two steps, for a writer that holds a lock of its own
  // while it writes: WriteForSync under the lock, then SyncUpTo after
  // releasing it, so that the next writer can write while this one waits
  // for the disk, and writers waiting at the same time share one sync of
  // the write-ahead log instead of taking one each, in turn.
  //
  // WriteForSync writes `batch` atomically, visible at once but durable
  // only once SyncUpTo(the returned position) returns OK. Errors as Write.
  [[nodiscard]] absl::StatusOr<uint64_t> WriteForSync(
      rocksdb::WriteBatch* batch);
  // Returns once everything written up to `position` is on disk (at once
  // if options().sync is false). If a sync fails, the disk may not hold
  // what was written: that error is returned, and from then on every write
  // and sync fails with FAILED_PRECONDITION until the store is reopened
  // (which reads back what the disk really holds).
  [[nodiscard]] absl::Status SyncUpTo(uint64_t position);

  // Writes a consistent copy of the store into `dir`, which must not exist
  // (RocksDB's Checkpoint: memtables flushed first, table files hard-linked
  // when `dir` is on the same filesystem, copied otherwise). Writes may go
  // on meanwhile. Errors as FromRocksDb (a half-made `dir` is removed).
  [[nodiscard]] absl::Status CreateCheckpoint(const std::string& dir);

  // What the store holds in memory now (a figure RocksDB cannot give reads
  // 0). Thread-safe; cheap enough to call on every metrics scrape.
  StoreMemory Memory() const;

  // The value at `key`, nullopt if absent; errors as FromRocksDb.
  [[nodiscard]] absl::StatusOr<std::optional<std::string>> Get(
      Family family, absl::string_view key) const;

  // An iterator over `family` limited to keys starting with `prefix` (all keys
  // if empty), reading from `snapshot` when given.
  std::unique_ptr<rocksdb::Iterator> NewPrefixIterator(
      Family family, absl::string_view prefix,
      const rocksdb::Snapshot* snapshot = nullptr) const;

 private:
  Store(StoreOptions options, std::unique_ptr<rocksdb::DB> db,
        std::array<rocksdb::ColumnFamilyHandle*,
                   static_cast<size_t>(Family::kCount)>
            handles);

  // The write-ahead log sync for SyncUpTo, taken by one caller at a time
  // on behalf of all.
  struct LogSync {
    absl::Mutex mu;
    absl::CondVar done;
    // Everything up to this position is on disk.
    uint64_t synced ABSL_GUARDED_BY(mu) = 0;
    bool syncing ABSL_GUARDED_BY(mu) = false;
    // Set for good by a failed sync.
    absl::Status failed ABSL_GUARDED_BY(mu);
  };

  // The error a failed sync left, OK if none.
  [[nodiscard]] absl::Status SyncFailure();

  // Renews held_.snapshot if it is older than kSnapshotLifetime.
  void MaybeRenewSnapshot();

  // A snapshot the store holds, renewed every kSnapshotLifetime, so that
  // RocksDB 7.8 rewrites the files it calls bottommost (in a young store,
  // every file just flushed) once per lifetime rather than after every
  // flush: their sequence numbers are zeroed only below the oldest snapshot
  // (docs/storage.md, "RocksDB tuning").
  static constexpr absl::Duration kSnapshotLifetime = absl::Minutes(10);
  struct HeldSnapshot {
    absl::Mutex mu;
    const rocksdb::Snapshot* snapshot ABSL_GUARDED_BY(mu) = nullptr;
    absl::Time taken ABSL_GUARDED_BY(mu);
  };

  const StoreOptions options_;
  std::unique_ptr<rocksdb::DB> db_;
  LogSync log_sync_;
  HeldSnapshot held_;
  std::array<rocksdb::ColumnFamilyHandle*, static_cast<size_t>(Family::kCount)>
      handles_;
};

}  // namespace casesync

#endif  // CASESYNC_COMMON_REPLICA_STORE_H_
