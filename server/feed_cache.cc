#include "server/feed_cache.h"

#include <algorithm>
#include <utility>

#include "absl/hash/hash.h"

namespace casesync {

FeedCache::FeedCache(size_t capacity, size_t max_bytes)
    : versions_(new std::atomic<uint64_t>[kVersionBuckets]()),
      slots_(std::max<size_t>(capacity, 1)),
      max_bytes_(max_bytes) {}

size_t FeedCache::ItemBytes(const Item& item) {
  // The item and its shared_ptr control block are one allocation.
  size_t bytes = sizeof(Item) + 2 * sizeof(void*) + item.encoded.capacity() +
                 item.dot.SpaceUsedLong() - sizeof(v1::Dot);
  for (const v1::RecordRef& ref : item.audience_changed) {
    bytes += ref.SpaceUsedLong();
  }
  if (item.change != nullptr) {
    bytes += item.change->SpaceUsedLong() + 2 * sizeof(void*);
  }
  return bytes;
}

size_t FeedCache::OutlineBytes(const RecordOutline& outline) {
  size_t bytes = sizeof(RecordOutline) + 2 * sizeof(void*);
  if (outline.audience.has_value()) {
    bytes += outline.audience->SpaceUsedLong() - sizeof(v1::AudienceTimeline);
  }
  return bytes;
}

void FeedCache::ClearLocked(Slot* slot) {
  bytes_ -= slot->item_bytes + slot->outline_bytes;
  *slot = Slot();
}

void FeedCache::MakeRoomLocked(size_t bytes, uint64_t seq) {
  while (bytes_ + bytes > max_bytes_ && evict_from_ < seq) {
    Slot& oldest = slots_[evict_from_ % slots_.size()];
    if (oldest.item != nullptr && oldest.item->seq == evict_from_) {
      ClearLocked(&oldest);
    }
    ++evict_from_;
  }
}

size_t FeedCache::Bucket(absl::string_view review_id,
                         absl::string_view record_id) {
  return absl::HashOf(review_id, record_id) % kVersionBuckets;
}

void FeedCache::NoteRecordChanged(absl::string_view review_id,
                                  absl::string_view record_id, uint64_t seq) {
  std::atomic<uint64_t>& version = versions_[Bucket(review_id, record_id)];
  // Sequence numbers only grow (one writer at a time), but a failed commit
  // may number the same one again: never go back.
  uint64_t seen = version.load();
  while (seen < seq && !version.compare_exchange_weak(seen, seq)) {
  }
}

uint64_t FeedCache::RecordVersion(absl::string_view review_id,
                                  absl::string_view record_id) const {
  return versions_[Bucket(review_id, record_id)].load();
}

FeedCache::Found FeedCache::FindLocked(uint64_t seq,
                                       uint64_t* outline_version) const {
  Found found;
  const Slot& slot = slots_[seq % slots_.size()];
  if (slot.item == nullptr || slot.item->seq != seq) return found;
  found.item = slot.item;
  found.outline = slot.outline;
  *outline_version = slot.outline_version;
  return found;
}

void FeedCache::DropStaleOutline(uint64_t outline_version, Found* found) const {
  if (found->outline == nullptr) return;
  const v1::RecordRef& ref = found->item->change->record();
  if (RecordVersion(ref.review_id(), ref.record_id()) != outline_version) {
    found->outline = nullptr;
  }
}

FeedCache::Found FeedCache::Find(uint64_t seq) const {
  std::vector<Found> found;
  FindRange(seq, seq, &found);
  return std::move(found.front());
}

void FeedCache::FindRange(uint64_t from, uint64_t to,
                          std::vector<Found>* found) const {
  found->clear();
  if (to < from) return;
  std::vector<uint64_t> versions(to - from + 1);
  found->resize(to - from + 1);
  {
    absl::MutexLock lock(&mu_);
    for (uint64_t seq = from; seq <= to; ++seq) {
      (*found)[seq - from] = FindLocked(seq, &versions[seq - from]);
    }
  }
  for (size_t i = 0; i < found->size(); ++i) {
    DropStaleOutline(versions[i], &(*found)[i]);
  }
}

size_t FeedCache::bytes() const {
  absl::MutexLock lock(&mu_);
  return bytes_;
}

void FeedCache::Put(std::shared_ptr<const Item> item) {
  const size_t bytes = ItemBytes(*item);
  absl::MutexLock lock(&mu_);
  Slot& slot = slots_[item->seq % slots_.size()];
  if (slot.item != nullptr) {
    if (slot.item->seq > item->seq) return;  // an older one, pushed out
    if (slot.item->seq == item->seq &&
        (slot.item->change != nullptr || item->change == nullptr)) {
      return;  // as much is known already
    }
  }
  // Older than what is being evicted: not worth a place.
  if (item->seq < evict_from_) return;
  ClearLocked(&slot);
  // Make room, oldest first (sequence numbers mostly arrive in order).
  const uint64_t seq = item->seq;
  evict_from_ =
      std::max(evict_from_,
               seq >= slots_.size() ? seq - slots_.size() + 1 : uint64_t{0});
  MakeRoomLocked(bytes, seq);
  slot.item = std::move(item);
  slot.item_bytes = bytes;
  bytes_ += bytes;
}

void FeedCache::PutOutline(uint64_t seq,
                           std::shared_ptr<const RecordOutline> outline,
                           uint64_t version, uint64_t head) {
  if (version > head) return;  // its change may not be visible yet
  const size_t bytes = OutlineBytes(*outline);
  absl::MutexLock lock(&mu_);
  Slot& slot = slots_[seq % slots_.size()];
  if (slot.item == nullptr || slot.item->seq != seq ||
      slot.item->change == nullptr) {
    return;
  }
  bytes_ -= slot.outline_bytes;
  slot.outline_bytes = 0;
  MakeRoomLocked(bytes, seq);
  slot.outline = std::move(outline);
  slot.outline_version = version;
  slot.outline_bytes = bytes;
  bytes_ += bytes;
}

std::shared_ptr<const ReviewFacts> FeedCache::FindReview(
    absl::string_view review_id) const {
  const uint64_t version = RecordVersion(review_id, review_id);
  absl::MutexLock lock(&mu_);
  auto it = reviews_.find(review_id);
  if (it == reviews_.end() || it->second.version != version) return nullptr;
  return it->second.review;
}

void FeedCache::PutReview(absl::string_view review_id,
                          std::shared_ptr<const ReviewFacts> review,
                          uint64_t version, uint64_t head) {
  if (version > head) return;
  absl::MutexLock lock(&mu_);
  CachedReview& cached = reviews_[review_id];
  cached.review = std::move(review);
  cached.version = version;
}

}  // namespace casesync
