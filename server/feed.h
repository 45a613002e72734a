// The board's feed (docs/sync_protocol.md): every change the board applies,
// its own and the agencies', numbered in one sequence in the same batch that
// applies it; and what each agency may see of it.
//
// Reading for an agency decides each entry by whom its record has been meant
// for over the feed (server/disclosure.h): a change made while the record
// was visible to the agency, and still is, is sent; when a change makes a
// record visible to it (its visibility, a record it names, or the agency
// joining the review), the record's current state is sent, never its
// history; when it hides it, a purge. Changes the agency wrote itself are
// not sent back. docs/sync_protocol.md, "Who sees what", has the rules and
// the argument for why they deliver every visible record whole and nothing
// else, whatever the timing.
//
// Thread-safety: thread-safe. OnApplied runs under the replica's writer lock.
#ifndef CASESYNC_SERVER_FEED_H_
#define CASESYNC_SERVER_FEED_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "casesync/v1/storage.pb.h"
#include "casesync/v1/sync.pb.h"
#include "common/daemon/metrics.h"
#include "common/replica/replica.h"
#include "server/audit_log.h"
#include "server/feed_cache.h"

namespace casesync {

// The agency's own changes a feed read sends back to it: those with
// counters in (after, up_to]. None by default: an agency has its own
// changes, unless its store was restored from a backup older than them.
struct OwnChangesBack {
  uint64_t after = 0;
  uint64_t up_to = 0;
};

// One read of the feed for an agency, encoded for sending.
struct FeedRead {
  // As FeedBatch.cursor and FeedBatch.feed_head.
  uint64_t cursor = 0;
  uint64_t feed_head = 0;
  // How many entries were read, and the serialized FeedBatch holding only
  // them (what FeedBatch.zstd compresses).
  size_t entries = 0;
  std::string entries_wire;
  // What the audit log records of this read (AuditLog::RecordDisclosure):
  // empty if there are no entries.
  v1::AuditDisclosure disclosure;
};

class Feed : public ChangeObserver {
 public:
  Feed() = default;

  // Binds the feed to the board's replica (opened with this feed as its
  // observer) and reads the head. Must be called once, before anything else.
  [[nodiscard]] absl::Status Attach(Replica* replica);

  // Every change numbered from now on is also appended to `audit` (not
  // owned), in the same batch. Call before Attach.
  void SetAuditLog(AuditLog* audit) { audit_ = audit; }

  // ChangeObserver: the state before a change that may alter whom its
  // record is meant for (AudienceTracker::MayAlterAudience).
  bool WantsStateBefore(const v1::Change& change) const override;
  // ChangeObserver: numbers `change` in the feed, in its batch, keeps the
  // audiences it alters (AudienceTracker) and notes it for the audit chain.
  [[nodiscard]] absl::Status OnApplied(Replica::Batch* batch,
                                       const v1::Change& change,
                                       const CheckedChange& checked,
                                       const AppliedTo& applied_to) override;
  // ChangeObserver: appends the batch's audit entry; notes the head the
  // batch leaves.
  [[nodiscard]] absl::Status OnCommitting(Replica::Batch* batch) override;
  // ChangeObserver: publishes the head the batch left (now durable) and
  // wakes waiting readers.
  void OnCommitted(uint64_t serial) override;

  // The feed head as `batch` would leave it (the sequence number of the
  // newest entry, 0 if none).
  [[nodiscard]] static absl::StatusOr<uint64_t> HeadIn(Replica::Batch* batch);

  // The sequence number of the newest committed entry.
  uint64_t head() const;

  // How many times Wake() was called so far. Read it before checking for
  // other work, then pass it to WaitBeyond, so a Wake() in between is not
  // missed.
  uint64_t wake_count() const;

  // Blocks until the head passes `seq`, Wake() is called after wake_count()
  // returned `wakes_seen`, or `timeout` passes. Returns the head.
  uint64_t WaitBeyond(uint64_t seq, uint64_t wakes_seen,
                      absl::Duration timeout);

  // Wakes every WaitBeyond caller (a stream has something else to do).
  void Wake();

  // The entries `agency` may see after sequence `after`, read until about
  // `max_bytes` of them are collected or the head is reached; `cursor` in
  // the result is the last sequence number considered. The agency's own
  // changes are left out but for those `own_back` names. Errors from
  // reading the store.
  [[nodiscard]] absl::StatusOr<FeedRead> Read(
      absl::string_view agency, uint64_t after, size_t max_bytes,
      OwnChangesBack own_back = OwnChangesBack()) const;

  // What the cache of recently numbered entries shared by every reader
  // holds now, and its bound ("feed_cache", for metrics).
  MemoryUse CacheMemory() const {
    return {"feed_cache", cache_.bytes(), cache_.max_bytes()};
  }

  // The same, decoded.
  [[nodiscard]] absl::StatusOr<v1::FeedBatch> ReadFor(
      absl::string_view agency, uint64_t after, size_t max_bytes,
      OwnChangesBack own_back = OwnChangesBack()) const;

 private:
  // The feed entry numbered `seq` as the store holds it, read with `*it`
  // (created if null; left where it read, for the next one).
  [[nodiscard]] absl::StatusOr<v1::FeedRecord> ReadFeedRecord(
      uint64_t seq, std::unique_ptr<rocksdb::Iterator>* it) const;

  AuditLog* audit_ = nullptr;
  Replica* replica_ = nullptr;
  // Entries read for one agency, kept for the others.
  mutable FeedCache cache_;
  mutable absl::Mutex mu_;
  absl::CondVar changed_;
  uint64_t head_ ABSL_GUARDED_BY(mu_) = 0;
  // The head each batch being committed leaves, by batch serial: published
  // once the batch is durable. Entries of batches whose write failed are
  // dropped when a later batch commits.
  std::map<uint64_t, uint64_t> committing_heads_ ABSL_GUARDED_BY(mu_);
  uint64_t wakes_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace casesync

#endif  // CASESYNC_SERVER_FEED_H_
