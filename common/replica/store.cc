#include "common/replica/store.h"

#include <algorithm>
#include <filesystem>
#include <memory>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/base/status_macros.h"
#include "common/replica/storage_keys.h"
#include "rocksdb/cache.h"
#include "rocksdb/filter_policy.h"
#include "rocksdb/iterator.h"
#include "rocksdb/listener.h"
#include "rocksdb/options.h"
#include "rocksdb/slice.h"
#include "rocksdb/table.h"
#include "rocksdb/utilities/checkpoint.h"

namespace casesync {
namespace {

constexpr size_t kFamilies = static_cast<size_t>(Family::kCount);
// All memtables together are flushed at this size, and the block cache
// holds this much: the store's memory, whatever its size on disk (see Open).
constexpr uint64_t kMemtablesFlushedAt = 16 << 20;
constexpr size_t kBlockCacheBytes = 8 << 20;

// Prefix-limited iterator that keeps its bound strings alive.
class BoundedIterator : public rocksdb::Iterator {
 public:
  BoundedIterator(std::string upper, rocksdb::DB* db, rocksdb::ReadOptions read,
                  rocksdb::ColumnFamilyHandle* handle)
      : upper_(std::move(upper)), upper_slice_(upper_) {
    if (!upper_.empty()) read.iterate_upper_bound = &upper_slice_;
    inner_.reset(db->NewIterator(read, handle));
  }
  bool Valid() const override { return inner_->Valid(); }
  void SeekToFirst() override { inner_->SeekToFirst(); }
  void SeekToLast() override { inner_->SeekToLast(); }
  void Seek(const rocksdb::Slice& target) override { inner_->Seek(target); }
  void SeekForPrev(const rocksdb::Slice& target) override {
    inner_->SeekForPrev(target);
  }
  void Next() override { inner_->Next(); }
  void Prev() override { inner_->Prev(); }
  rocksdb::Slice key() const override { return inner_->key(); }
  rocksdb::Slice value() const override { return inner_->value(); }
  rocksdb::Status status() const override { return inner_->status(); }

 private:
  const std::string upper_;
  const rocksdb::Slice upper_slice_;
  std::unique_ptr<rocksdb::Iterator> inner_;
};

// RocksDB recovers from a full disk by itself by polling the free space
// every 5 s, and refuses DB::Resume() meanwhile (writes fail for up to 5 s
// after space is freed). Store::Write resumes instead, when a write meets
// the error, so a write succeeds as soon as space is back. Only for errors that
// stop writes (hard): a soft one (a failed compaction) lets writes go on, so
// nothing would resume it.
class ResumeOnWrite : public rocksdb::EventListener {
 public:
  const char* Name() const override { return "CasesyncResumeOnWrite"; }
  void OnErrorRecoveryBegin(rocksdb::BackgroundErrorReason /*reason*/,
                            rocksdb::Status bg_error,
                            bool* auto_recovery) override {
    if (bg_error.IsNoSpace() &&
        bg_error.severity() >= rocksdb::Status::Severity::kHardError) {
      *auto_recovery = false;
    }
  }
};

}  // namespace

absl::string_view FamilyName(Family family) {
  switch (family) {
    case Family::kMeta:
      return rocksdb::kDefaultColumnFamilyName;
    case Family::kChanges:
      return "changes";
    case Family::kRecords:
      return "records";
    case Family::kSuperseded:
      return "superseded";
    case Family::kConflicts:
      return "conflicts";
    case Family::kFrontiers:
      return "frontiers";
    case Family::kFeed:
      return "feed";
    case Family::kVerdicts:
      return "verdicts";
    case Family::kSyncState:
      return "sync_state";
    case Family::kAudit:
      return "audit";
    case Family::kReceipts:
      return "receipts";
    case Family::kAudience:
      return "audience";
    case Family::kReferrers:
      return "referrers";
    case Family::kSnapshots:
      return "snapshots";
    case Family::kCount:
      break;
  }
  return "unknown";
}

absl::Status FromRocksDb(const rocksdb::Status& status,
                         absl::string_view context) {
  if (status.ok()) return absl::OkStatus();
  const std::string message = absl::StrCat(context, ": ", status.ToString());
  if (status.IsNotFound()) return absl::NotFoundError(message);
  if (status.IsCorruption()) return absl::DataLossError(message);
  if (status.IsNoSpace()) return absl::ResourceExhaustedError(message);
  if (status.IsIOError() || status.IsBusy() || status.IsTimedOut() ||
      status.IsTryAgain()) {
    return absl::UnavailableError(message);
  }
  if (status.IsInvalidArgument()) return absl::InvalidArgumentError(message);
  return absl::InternalError(message);
}

StoreMemory Store::Memory() const {
  StoreMemory memory;
  memory.memtables_flushed_at = kMemtablesFlushedAt;
  memory.block_cache_capacity = kBlockCacheBytes;
  // A property RocksDB cannot give leaves its figure 0.
  db_->GetAggregatedIntProperty(rocksdb::DB::Properties::kSizeAllMemTables,
                                &memory.memtables);
  db_->GetIntProperty(rocksdb::DB::Properties::kBlockCacheUsage,
                      &memory.block_cache);
  db_->GetAggregatedIntProperty(
      rocksdb::DB::Properties::kEstimateTableReadersMem, &memory.table_readers);
  return memory;
}

absl::StatusOr<std::unique_ptr<Store>> Store::Open(
    const StoreOptions& options) {
  rocksdb::DBOptions db_options;
  db_options.create_if_missing = true;
  db_options.create_missing_column_families = true;
  if (options.env != nullptr) db_options.env = options.env;
  db_options.statistics = options.statistics;
  // All memtables together stay within 16 MiB, so a daemon's memory does not
  // grow with the number of families (a daemon should run in 100 MB).
  db_options.db_write_buffer_size = kMemtablesFlushedAt;
  db_options.max_background_jobs = 2;
  db_options.keep_log_file_num = 4;
  db_options.listeners.push_back(std::make_shared<ResumeOnWrite>());

  rocksdb::ColumnFamilyOptions family_options;
  // 8 MiB memtables (still within the 16 MiB above for all families) and
  // level-0 compaction at 8 files rather than RocksDB's 4: a burst (an
  // agency's first push of 10,000 entries, 11 MB of changes) then completes
  // with one flush and no compaction competing with it for a core, which on
  // a 2-core board cut that push from ~230 to ~160 ms (docs/storage.md).
  // Point reads check at most 8 level-0 bloom filters instead of 4.
  family_options.write_buffer_size = 8 << 20;
  family_options.level0_file_num_compaction_trigger = 8;
  // Most point reads of the write path miss (is this dot held? is this write
  // superseded?); a bloom filter on memtables makes a miss cheap.
  family_options.memtable_whole_key_filtering = true;
  family_options.memtable_prefix_bloom_size_ratio = 0.05;
  // Level 0 uncompressed: flushes write it, and an LZ4 flush took a core
  // for 30 ms while a burst it was flushing still arrived; compaction
  // compresses every level below, the last with zstd (docs/storage.md).
  family_options.compression_per_level = {
      rocksdb::kNoCompression,  rocksdb::kLZ4Compression,
      rocksdb::kLZ4Compression, rocksdb::kLZ4Compression,
      rocksdb::kLZ4Compression, rocksdb::kLZ4Compression,
      rocksdb::kLZ4Compression};
  family_options.bottommost_compression = rocksdb::kZSTD;
  rocksdb::BlockBasedTableOptions table_options;
  table_options.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  // One 8 MiB block cache for every family, holding the index and filter
  // blocks too: outside it (RocksDB's default) they are held per open table
  // file and a long-running daemon's memory grows with its store. Level-0
  // files' index and filter blocks stay pinned, as the write path's point
  // reads check them all (docs/storage.md, "Memory").
  table_options.block_cache = rocksdb::NewLRUCache(kBlockCacheBytes);
  table_options.cache_index_and_filter_blocks = true;
  table_options.pin_l0_filter_and_index_blocks_in_cache = true;
  family_options.table_factory.reset(
      rocksdb::NewBlockBasedTableFactory(table_options));

  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  for (size_t i = 0; i < kFamilies; ++i) {
    descriptors.emplace_back(std::string(FamilyName(static_cast<Family>(i))),
                             family_options);
  }
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw_db = nullptr;
  rocksdb::Status status = rocksdb::DB::Open(db_options, options.path,
                                             descriptors, &handles, &raw_db);
  if (!status.ok()) {
    if (status.IsIOError() && absl::StrContains(status.ToString(), "lock")) {
      return absl::UnavailableError(
          absl::StrCat("the store at ", options.path,
                       " is in use by another process (is a daemon already "
                       "running on it?)"));
    }
    return FromRocksDb(status,
                       absl::StrCat("opening the store at ", options.path));
  }
  std::array<rocksdb::ColumnFamilyHandle*, kFamilies> array{};
  for (size_t i = 0; i < kFamilies; ++i) array[i] = handles[i];
  return std::unique_ptr<Store>(
      new Store(options, std::unique_ptr<rocksdb::DB>(raw_db), array));
}

Store::Store(StoreOptions options, std::unique_ptr<rocksdb::DB> db,
             std::array<rocksdb::ColumnFamilyHandle*, kFamilies> handles)
    : options_(std::move(options)), db_(std::move(db)), handles_(handles) {
  absl::MutexLock lock(&held_.mu);
  held_.snapshot = db_->GetSnapshot();
  held_.taken = absl::Now();
}

Store::~Store() {
  {
    absl::MutexLock lock(&held_.mu);
    db_->ReleaseSnapshot(held_.snapshot);
  }
  for (rocksdb::ColumnFamilyHandle* handle : handles_) {
    db_->DestroyColumnFamilyHandle(handle);
  }
  db_->Close().PermitUncheckedError();
}

absl::Status Store::CreateCheckpoint(const std::string& dir) {
  rocksdb::Checkpoint* raw = nullptr;
  RETURN_IF_ERROR(FromRocksDb(rocksdb::Checkpoint::Create(db_.get(), &raw),
                              "preparing a checkpoint"));
  std::unique_ptr<rocksdb::Checkpoint> checkpoint(raw);
  // 0: always flush the memtables, so the copy needs no log replay.
  const rocksdb::Status made =
      checkpoint->CreateCheckpoint(dir, /*log_size_for_flush=*/0);
  if (!made.ok()) {
    std::error_code ignored;
    std::filesystem::remove_all(dir, ignored);
  }
  return FromRocksDb(made, absl::StrCat("taking a checkpoint into ", dir));
}

absl::Status Store::SyncFailure() {
  absl::MutexLock lock(&log_sync_.mu);
  return log_sync_.failed;
}

absl::StatusOr<uint64_t> Store::WriteForSync(rocksdb::WriteBatch* batch) {
  RETURN_IF_ERROR(Write(batch, Durability::kBuffered));
  return db_->GetLatestSequenceNumber();
}

absl::Status Store::SyncUpTo(uint64_t position) {
  if (!options_.sync) return absl::OkStatus();
  absl::MutexLock lock(&log_sync_.mu);
  while (log_sync_.failed.ok() && log_sync_.synced < position) {
    if (log_sync_.syncing) {
      log_sync_.done.Wait(&log_sync_.mu);
      continue;
    }
    // This caller syncs for everyone: every write made so far is in the
    // log (RocksDB logs a write before making it visible), so one sync
    // covers them all.
    log_sync_.syncing = true;
    const uint64_t covered = db_->GetLatestSequenceNumber();
    log_sync_.mu.Unlock();
    const rocksdb::Status synced = db_->SyncWAL();
    log_sync_.mu.Lock();
    log_sync_.syncing = false;
    if (synced.ok()) {
      log_sync_.synced = std::max(log_sync_.synced, covered);
    } else {
      log_sync_.failed = absl::FailedPreconditionError(absl::StrCat(
          "the store at ", options_.path,
          " could not sync its log to disk, so recent writes may not be "
          "held; restart to reopen it (",
          synced.ToString(), ")"));
    }
    log_sync_.done.SignalAll();
  }
  return log_sync_.failed;
}

void Store::MaybeRenewSnapshot() {
  const absl::Time now = absl::Now();
  absl::MutexLock lock(&held_.mu);
  if (now - held_.taken < kSnapshotLifetime) return;
  // The new one first: a release with none held would mark every
  // bottommost file, including those just flushed.
  const rocksdb::Snapshot* renewed = db_->GetSnapshot();
  db_->ReleaseSnapshot(held_.snapshot);
  held_.snapshot = renewed;
  held_.taken = now;
}

absl::Status Store::Write(rocksdb::WriteBatch* batch, Durability durability) {
  RETURN_IF_ERROR(SyncFailure());
  MaybeRenewSnapshot();
  rocksdb::WriteOptions write_options;
  write_options.sync = options_.sync && durability == Durability::kSynced;
  rocksdb::Status status = db_->Write(write_options, batch);
  if (status.IsNoSpace()) {
    // The disk was full, at this write or an earlier one (or a flush), and
    // RocksDB refuses writes until it resumes: if space is back, resume and
    // write again. The failed attempt applied nothing (RocksDB writes the
    // memtables only after the log), so this writes the batch once.
    const rocksdb::Status resumed = db_->Resume();
    if (resumed.ok()) status = db_->Write(write_options, batch);
  }
  if (status.IsNoSpace()) {
    return absl::ResourceExhaustedError(
        absl::StrCat("the disk holding the store at ", options_.path,
                     " is full; writes resume once space is freed (",
                     status.ToString(), ")"));
  }
  return FromRocksDb(status, "writing to the store");
}

absl::StatusOr<std::optional<std::string>> Store::Get(
    Family family, absl::string_view key) const {
  std::string value;
  rocksdb::Status status =
      db_->Get(rocksdb::ReadOptions(), handle(family), ToSlice(key), &value);
  if (status.IsNotFound()) return std::nullopt;
  if (!status.ok()) return FromRocksDb(status, "reading the store");
  return value;
}

std::unique_ptr<rocksdb::Iterator> Store::NewPrefixIterator(
    Family family, absl::string_view prefix,
    const rocksdb::Snapshot* snapshot) const {
  rocksdb::ReadOptions read;
  read.snapshot = snapshot;
  auto it = std::make_unique<BoundedIterator>(keys::PrefixEnd(prefix),
                                              db_.get(), read, handle(family));
  it->Seek(ToSlice(prefix));
  return it;
}

}  // namespace casesync
