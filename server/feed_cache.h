// Recently numbered feed entries, decoded once and shared by every stream
// reading the board's feed, and what the feed needs of their records.
//
// A board feeding a hundred live agencies reads each new feed entry a
// hundred times: without this, each reading parses the change again, reads
// its record's state again and encodes it again. The cache keeps, for the
// newest `capacity` sequence numbers, the change's dot, the change itself,
// its encoding as a feed entry, and the facts of its record (its visibility
// and the audience the board keeps of it); and, per review, the review
// record and its members over the feed. Each is read once from the store
// and then handed out as a shared, immutable object.
//
// What may go stale: a change at a sequence number never changes (nor its
// dot), but a record's facts and a review do, whenever a later change to
// them (or to a record they name) is applied. The cache tells them apart by
// record version: the sequence number of the newest change applied to a record
// (kept per hash bucket of records, so that an unrelated record sharing a
// bucket only costs a needless reread). The feed raises the version as it
// numbers a change, before the change is visible in the store; a reader reads
// the version *before* reading the store and keeps what it read only if that
// version was already committed (at or below the feed head it also read
// before), so that what is cached is never older than the version it is filed
// under.
//
// Thread-safety: thread-safe.
#ifndef CASESYNC_SERVER_FEED_CACHE_H_
#define CASESYNC_SERVER_FEED_CACHE_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "casesync/v1/records.pb.h"
#include "casesync/v1/replication.pb.h"
#include "casesync/v1/storage.pb.h"
#include "common/replica/replica.h"

namespace casesync {

// What a feed reader needs of a record to decide what an agency may see.
struct RecordOutline {
  v1::Visibility visibility = v1::VISIBILITY_AGENCY;
  // The board's audience timeline of the record, if it keeps one
  // (server/audience_tracker.h).
  std::optional<v1::AudienceTimeline> audience;
};

// A review as the feed reads it.
struct ReviewFacts {
  // Empty if the board does not hold the review.
  std::optional<v1::Review> review;
  // Its members over the feed, if the board keeps them.
  std::optional<v1::AudienceTimeline> members;
};

class FeedCache {
 public:
  // One numbered entry as read from the store. Immutable once cached.
  struct Item {
    uint64_t seq = 0;
    v1::Dot dot;
    // Null if only the dot was read (the reader skipped the change).
    std::shared_ptr<const v1::Change> change;
    // The FeedEntry {seq, change} encoded as one element of
    // FeedBatch.entries; empty without `change`.
    std::string encoded;
    // As FeedRecord: the change made its record; other records whose
    // audience it altered.
    bool creates_record = false;
    std::vector<v1::RecordRef> audience_changed;
  };

  // What Find knows of a sequence number.
  struct Found {
    std::shared_ptr<const Item> item;
    // Null if not read yet, or stale.
    std::shared_ptr<const RecordOutline> outline;
  };

  // Keeps at most the newest `capacity` sequence numbers (at least 1), and
  // of what they hold (items and outlines, as ItemBytes and OutlineBytes
  // count them) at most `max_bytes`, dropping the oldest first.
  explicit FeedCache(size_t capacity = 32768, size_t max_bytes = 8 << 20);

  // The heap an item or an outline takes, near enough: its own size, the
  // capacity of its strings and vectors, and the decoded change as protobuf
  // counts it (Message::SpaceUsedLong).
  static size_t ItemBytes(const Item& item);
  static size_t OutlineBytes(const RecordOutline& outline);

  FeedCache(const FeedCache&) = delete;
  FeedCache& operator=(const FeedCache&) = delete;

  // The newest change applied to the record (review_id, record_id) has
  // sequence number `seq`. Called as the change is numbered, before it is
  // committed.
  void NoteRecordChanged(absl::string_view review_id,
                         absl::string_view record_id, uint64_t seq);

  // The record's version: what NoteRecordChanged last said of it (or of a
  // record sharing its bucket); 0 if nothing yet.
  uint64_t RecordVersion(absl::string_view review_id,
                         absl::string_view record_id) const;

  // What is known of sequence number `seq` (a null item if nothing). An
  // outline is returned only if its record's version is still the one it
  // was read at.
  Found Find(uint64_t seq) const;

  // Find for each of `from`..`to` (inclusive) in turn, into `found`
  // (cleared first), taking the cache's lock once.
  void FindRange(uint64_t from, uint64_t to, std::vector<Found>* found) const;

  // What the items and outlines kept take (as ItemBytes and OutlineBytes
  // count them), and the most they may.
  size_t bytes() const;
  size_t max_bytes() const { return max_bytes_; }

  // Keeps `item`, unless what is kept for its sequence number already has
  // its change.
  void Put(std::shared_ptr<const Item> item);

  // Keeps the outline of the record changed at `seq`, as read at record
  // version `version` while the feed head was `head`. Ignored unless
  // `version` <= `head` (see the top of this file) and `seq`'s change is
  // kept.
  void PutOutline(uint64_t seq, std::shared_ptr<const RecordOutline> outline,
                  uint64_t version, uint64_t head);

  // The review as read at its record version, or null if not cached or
  // stale.
  std::shared_ptr<const ReviewFacts> FindReview(
      absl::string_view review_id) const;

  // Keeps `review` as read at `version` while the feed head was `head`;
  // ignored unless `version` <= `head`.
  void PutReview(absl::string_view review_id,
                 std::shared_ptr<const ReviewFacts> review, uint64_t version,
                 uint64_t head);

 private:
  // Enough that a record's bucket is seldom raised by another record while
  // agencies are still reading its entry.
  static constexpr size_t kVersionBuckets = size_t{1} << 16;

  struct Slot {
    std::shared_ptr<const Item> item;
    std::shared_ptr<const RecordOutline> outline;
    uint64_t outline_version = 0;
    // What the item and the outline count against max_bytes_.
    size_t item_bytes = 0;
    size_t outline_bytes = 0;
  };

  // Empties `slot`, taking its bytes off bytes_.
  void ClearLocked(Slot* slot) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Drops the oldest items below `seq` until `bytes` more fit.
  void MakeRoomLocked(size_t bytes, uint64_t seq)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  struct CachedReview {
    std::shared_ptr<const ReviewFacts> review;
    uint64_t version = 0;
  };

  // Find's work under the lock; `outline_version` receives the version
  // the outline was read at.
  Found FindLocked(uint64_t seq, uint64_t* outline_version) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Drops `found`'s outline if its record changed since `outline_version`.
  void DropStaleOutline(uint64_t outline_version, Found* found) const;

  static size_t Bucket(absl::string_view review_id,
                       absl::string_view record_id);

  std::unique_ptr<std::atomic<uint64_t>[]> versions_;
  mutable absl::Mutex mu_;
  std::vector<Slot> slots_ ABSL_GUARDED_BY(mu_);
  const size_t max_bytes_;
  size_t bytes_ ABSL_GUARDED_BY(mu_) = 0;
  // Slots below this sequence number hold nothing that counts (eviction
  // goes on from here).
  uint64_t evict_from_ ABSL_GUARDED_BY(mu_) = 0;
  absl::flat_hash_map<std::string, CachedReview> reviews_ ABSL_GUARDED_BY(mu_);
};

}  // namespace casesync

#endif  // CASESYNC_SERVER_FEED_CACHE_H_
