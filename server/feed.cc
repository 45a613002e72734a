#include "server/feed.h"

#include <algorithm>
#include <functional>
#include <iterator>
#include <map>
#include <memory>
#include <optional>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "casesync/v1/storage.pb.h"
#include "common/base/status_macros.h"
#include "common/records/audience.h"
#include "common/records/record_types.h"
#include "common/replica/audience_store.h"
#include "common/replica/review_lookup.h"
#include "common/replica/storage_keys.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/wire_format_lite.h"
#include "server/audience_tracker.h"
#include "server/disclosure.h"

namespace casesync {
namespace {

constexpr absl::string_view kHeadKey = "feed_head";
// `entry` as one element of FeedBatch.entries (serialized FeedBatches
// holding only entries concatenate), in a string of exactly its size: the
// feed cache keeps these, and a StringOutputStream would leave up to twice
// the capacity behind.
std::string EncodeElement(const v1::FeedEntry& entry) {
  using google::protobuf::internal::WireFormatLite;
  using google::protobuf::io::CodedOutputStream;
  const uint32_t tag =
      WireFormatLite::MakeTag(v1::FeedBatch::kEntriesFieldNumber,
                              WireFormatLite::WIRETYPE_LENGTH_DELIMITED);
  const size_t size = entry.ByteSizeLong();
  std::string out(
      CodedOutputStream::VarintSize32(tag) +
          CodedOutputStream::VarintSize32(static_cast<uint32_t>(size)) + size,
      '\0');
  auto* at = reinterpret_cast<uint8_t*>(out.data());
  at = CodedOutputStream::WriteVarint32ToArray(tag, at);
  at = CodedOutputStream::WriteVarint32ToArray(static_cast<uint32_t>(size), at);
  entry.SerializeWithCachedSizesToArray(at);
  return out;
}

// The FeedEntry {seq, change} as one element of FeedBatch.entries.
std::string EncodeEntry(uint64_t seq, const v1::Change& change) {
  v1::FeedEntry entry;
  entry.set_seq(seq);
  // Borrowed, not copied: released before `change` is.
  entry.unsafe_arena_set_allocated_change(const_cast<v1::Change*>(&change));
  std::string encoded = EncodeElement(entry);
  entry.unsafe_arena_release_change();
  return encoded;
}

// The item of a feed entry as the store's FeedRecord gives it (not its
// change).
void FillFromRecord(v1::FeedRecord record, FeedCache::Item* item) {
  item->dot = std::move(*record.mutable_dot());
  item->creates_record = record.creates_record();
  item->audience_changed.assign(
      std::make_move_iterator(record.mutable_audience_changed()->begin()),
      std::make_move_iterator(record.mutable_audience_changed()->end()));
}

// Collects the entries for one agency during one Read call, with what it
// has looked up so far (docs/sync_protocol.md, "Who sees what").
class Collector {
 public:
  // `head`: the feed head read before anything else, for `cache`, and the
  // "now" every decision is made at; `after`: the entry the agency has
  // applied everything up to.
  Collector(const Replica& replica, FeedCache* cache, uint64_t head,
            uint64_t after, absl::string_view agency, OwnChangesBack own_back,
            FeedRead* out)
      : replica_(replica),
        cache_(cache),
        head_(head),
        after_(after),
        agency_(agency),
        own_back_(own_back),
        out_(out) {
    everyone_.constant.set_everyone(true);
  }

  // Whether the change at `dot` is the agency's own and not to go back.
  bool OwnKept(const v1::Dot& dot) const {
    return dot.replica() == agency_ && !(dot.counter() > own_back_.after &&
                                         dot.counter() <= own_back_.up_to);
  }

  size_t bytes() const { return bytes_; }

  // `entry` (its change read) as the cache had it or the store gave it;
  // `outline`, its record's, if the cache had it. Returns false, having
  // sent nothing of it, when a record it would send whole changed after the
  // head this read stops at: the read must end before `entry`.
  [[nodiscard]] absl::StatusOr<bool> Consider(
      const FeedCache::Item& entry,
      std::shared_ptr<const RecordOutline> outline) {
    const v1::Change& change = *entry.change;
    const v1::RecordRef& ref = change.record();
    if (OwnKept(change.dot())) return true;
    std::vector<Action> actions;
    ASSIGN_OR_RETURN(const ReviewSeen* seen, Review(ref.review_id()));
    if (seen->facts->review.has_value()) {
      if (ref.type() == v1::RECORD_TYPE_REVIEW) {
        RETURN_IF_ERROR(PlanReviewEntry(entry, *seen, &actions));
      } else {
        if (outline == nullptr) {
          ASSIGN_OR_RETURN(outline, ReadOutline(entry.seq, &change));
        }
        PlanRecordEntry(entry, *seen, *outline, &actions);
      }
    }
    for (const v1::RecordRef& other : entry.audience_changed) {
      RETURN_IF_ERROR(PlanAudienceChange(entry.seq, other, &actions));
    }
    for (const Action& action : actions) {
      if (action.kind == Action::kSnapshot &&
          cache_->RecordVersion(action.ref.review_id(),
                                action.ref.record_id()) > head_) {
        return false;
      }
    }
    for (const Action& action : actions) {
      RETURN_IF_ERROR(Do(entry, action));
    }
    return true;
  }

 private:
  // What to send of one feed entry.
  struct Action {
    enum Kind { kChange, kSnapshot, kPurge } kind;
    // The record (for a purge of a whole review: the review record).
    v1::RecordRef ref;
    bool whole_review = false;
  };

  // A review as the board holds it now, looked up once per read.
  struct ReviewSeen {
    std::shared_ptr<const ReviewFacts> facts;
    // Its members over the feed.
    AudienceHistory members;
  };

  static v1::Audience Members(const v1::Review& review) {
    std::vector<std::string> agencies(review.agencies().begin(),
                                      review.agencies().end());
    std::sort(agencies.begin(), agencies.end());
    agencies.erase(std::unique(agencies.begin(), agencies.end()),
                   agencies.end());
    v1::Audience members;
    members.mutable_agencies()->Assign(agencies.begin(), agencies.end());
    return members;
  }

  // The record's audience over the feed, from its outline.
  static AudienceHistory HistoryOf(const v1::RecordRef& ref,
                                   const RecordOutline& outline) {
    AudienceHistory history;
    if (outline.audience.has_value()) {
      history.timeline = &*outline.audience;
    } else {
      history.constant = OwnAudience(ref, outline.visibility);
    }
    return history;
  }

  // A change of a record other than a review: sent if the record was
  // visible to the agency when it was made and still is; the record whole
  // if this change made it visible; a purge if this change hid it.
  void PlanRecordEntry(const FeedCache::Item& entry, const ReviewSeen& seen,
                       const RecordOutline& outline,
                       std::vector<Action>* actions) const {
    const v1::RecordRef& ref = entry.change->record();
    if (!FindRecordType(ref.type()) || !FindRecordType(ref.type())->disclosable)
      return;
    const AudienceHistory audience = HistoryOf(ref, outline);
    const Disclosure disclosure(agency_, ref.owner_agency() == agency_,
                                &seen.members, &audience);
    const uint64_t seq = entry.seq;
    if (disclosure.VisibleAt(head_)) {
      const uint64_t gain = disclosure.LastGain(head_);
      if (seq < gain) return;  // withdrawn history: the gain sends the state
      if (seq == gain && !entry.creates_record) {
        actions->push_back({Action::kSnapshot, ref});
      } else {
        actions->push_back({Action::kChange, ref});
      }
    } else if (Hides(disclosure, seq)) {
      actions->push_back({Action::kPurge, ref});
    }
  }

  // A change of a review record: its members may have changed. An agency
  // the review lists from this change on receives the review and every
  // record of it it may see, as they are now; one it stopped listing purges
  // the review.
  [[nodiscard]] absl::Status PlanReviewEntry(const FeedCache::Item& entry,
                                             const ReviewSeen& seen,
                                             std::vector<Action>* actions) {
    const v1::RecordRef& ref = entry.change->record();
    const Disclosure disclosure(agency_, false, &seen.members, &everyone_);
    const uint64_t seq = entry.seq;
    if (!disclosure.VisibleAt(head_)) {
      if (Hides(disclosure, seq)) {
        actions->push_back({Action::kPurge, ref, /*whole_review=*/true});
      }
      return absl::OkStatus();
    }
    const uint64_t gain = disclosure.LastGain(head_);
    if (seq < gain) return absl::OkStatus();
    if (seq > gain || entry.creates_record) {
      // Its change; a review made at this change has no records yet (each
      // comes later, at its own number).
      actions->push_back({Action::kChange, ref});
      return absl::OkStatus();
    }
    // The agency joined at this change: the review as it is now, and every
    // record of it the agency may see whose visibility began here.
    actions->push_back({Action::kSnapshot, ref});
    ASSIGN_OR_RETURN(std::vector<RecordView> views,
                     replica_.ListRecords(ref.review_id(), std::nullopt,
                                          /*include_deleted=*/true));
    for (const RecordView& view : views) {
      if (view.ref.type() == v1::RECORD_TYPE_REVIEW ||
          view.ref.owner_agency() == agency_ ||
          !FindRecordType(view.ref.type())->disclosable) {
        continue;
      }
      ASSIGN_OR_RETURN(std::shared_ptr<const RecordOutline> outline,
                       ReadOutline(0, view.ref, nullptr));
      const AudienceHistory audience = HistoryOf(view.ref, *outline);
      const Disclosure record(agency_, false, &seen.members, &audience);
      if (record.VisibleAt(head_) && record.LastGain(head_) == seq) {
        actions->push_back({Action::kSnapshot, view.ref});
      }
    }
    return absl::OkStatus();
  }

  // Record `ref`'s audience changed at `seq` because a record it names did:
  // sent whole if it became visible, purged if it was hidden.
  [[nodiscard]] absl::Status PlanAudienceChange(uint64_t seq,
                                                const v1::RecordRef& ref,
                                                std::vector<Action>* actions) {
    if (ref.owner_agency() == agency_) return absl::OkStatus();
    ASSIGN_OR_RETURN(const ReviewSeen* seen, Review(ref.review_id()));
    if (!seen->facts->review.has_value()) return absl::OkStatus();
    ASSIGN_OR_RETURN(std::shared_ptr<const RecordOutline> outline,
                     ReadOutline(0, ref, nullptr));
    const AudienceHistory audience = HistoryOf(ref, *outline);
    const Disclosure disclosure(agency_, false, &seen->members, &audience);
    if (disclosure.VisibleAt(head_)) {
      if (disclosure.LastGain(head_) == seq) {
        actions->push_back({Action::kSnapshot, ref});
      }
    } else if (Hides(disclosure, seq)) {
      actions->push_back({Action::kPurge, ref});
    }
    return absl::OkStatus();
  }

  [[nodiscard]] absl::Status Do(const FeedCache::Item& entry,
                                const Action& action) {
    switch (action.kind) {
      case Action::kChange:
        EmitEntry(entry);
        return absl::OkStatus();
      case Action::kSnapshot:
        return Snapshot(entry.seq, action.ref);
      case Action::kPurge:
        Purge(entry.seq, action.ref.review_id(),
              action.whole_review ? "" : action.ref.record_id());
        return absl::OkStatus();
    }
    return absl::OkStatus();
  }

  [[nodiscard]] absl::StatusOr<const ReviewSeen*> Review(
      const std::string& review_id) {
    // Most entries of a read are of one review.
    if (last_review_ != nullptr && last_review_->first == review_id) {
      return &last_review_->second;
    }
    auto it = reviews_.find(review_id);
    if (it == reviews_.end()) {
      std::shared_ptr<const ReviewFacts> facts = cache_->FindReview(review_id);
      if (facts == nullptr) {
        // The version first: see feed_cache.h.
        const uint64_t version = cache_->RecordVersion(review_id, review_id);
        auto read = std::make_shared<ReviewFacts>();
        ASSIGN_OR_RETURN(read->review, ReadReview(replica_, review_id));
        ASSIGN_OR_RETURN(
            read->members,
            ReadAudienceTimeline(*replica_.store(), review_id, review_id));
        facts = read;
        cache_->PutReview(review_id, facts, version, head_);
      }
      ReviewSeen seen;
      seen.facts = std::move(facts);
      if (seen.facts->members.has_value()) {
        seen.members.timeline = &*seen.facts->members;
      } else if (seen.facts->review.has_value()) {
        seen.members.constant = Members(*seen.facts->review);
      }
      it = reviews_.emplace(review_id, std::move(seen)).first;
    }
    last_review_ = &*it;
    return &it->second;
  }

  // The outline of record `ref` as the board holds it now; `seq`, if not 0,
  // is the entry whose change (`hint`) the outline is cached with.
  [[nodiscard]] absl::StatusOr<std::shared_ptr<const RecordOutline>>
  ReadOutline(uint64_t seq, const v1::RecordRef& ref, const v1::Change* hint) {
    // The version first: see feed_cache.h.
    const uint64_t version =
        cache_->RecordVersion(ref.review_id(), ref.record_id());
    auto outline = std::make_shared<RecordOutline>();
    ASSIGN_OR_RETURN(
        outline->visibility,
        replica_.ReadVisibility(ref.review_id(), ref.record_id(), hint));
    ASSIGN_OR_RETURN(outline->audience,
                     ReadAudienceTimeline(*replica_.store(), ref.review_id(),
                                          ref.record_id()));
    std::shared_ptr<const RecordOutline> shared = std::move(outline);
    if (seq != 0) cache_->PutOutline(seq, shared, version, head_);
    return shared;
  }
  [[nodiscard]] absl::StatusOr<std::shared_ptr<const RecordOutline>>
  ReadOutline(uint64_t seq, const v1::Change* change) {
    return ReadOutline(seq, change->record(), change);
  }

  // Sends the entry's own change: its encoding is made once and shared by
  // every agency it goes to.
  void EmitEntry(const FeedCache::Item& entry) {
    Append(entry.seq, entry.encoded);
    NoteSent(entry.seq);
  }

  // Sends record `ref` as the board holds it now (its version is at or
  // below the head: Consider checked).
  [[nodiscard]] absl::Status Snapshot(uint64_t seq, const v1::RecordRef& ref) {
    v1::FeedEntry entry;
    entry.set_seq(seq);
    ASSIGN_OR_RETURN(*entry.mutable_snapshot(),
                     replica_.ReadSnapshot(ref.review_id(), ref.record_id()));
    entry.mutable_snapshot()->set_covers_to(head_);
    Append(seq, EncodeElement(entry));
    NoteDisclosed(ref);
    return absl::OkStatus();
  }

  void Purge(uint64_t seq, const std::string& review_id,
             const std::string& record_id) {
    v1::FeedEntry entry;
    entry.set_seq(seq);
    entry.mutable_purge()->set_review_id(review_id);
    entry.mutable_purge()->set_record_id(record_id);
    Append(seq, EncodeElement(entry));
    v1::RecordRef* purged = out_->disclosure.add_purged();
    purged->set_review_id(review_id);
    purged->set_record_id(record_id);
  }

  // Adds one encoded entry (of sequence number `seq`) to the read.
  void Append(uint64_t seq, absl::string_view encoded) {
    if (out_->entries == 0) out_->disclosure.set_feed_from(seq - 1);
    ++out_->entries;
    out_->entries_wire.append(encoded.data(), encoded.size());
    bytes_ += encoded.size();
  }

  // Notes, for the audit log, that the change numbered `seq` is sent (as
  // the run of feed numbers it extends: numbers only grow within a read).
  void NoteSent(uint64_t seq) {
    auto* sent = out_->disclosure.mutable_sent();
    if (!sent->empty()) {
      v1::FeedRun& run = *sent->rbegin();
      if (run.last() >= seq) return;
      if (run.last() + 1 == seq) {
        run.set_last(seq);
        return;
      }
    }
    v1::FeedRun* run = sent->Add();
    run->set_first(seq);
    run->set_last(seq);
  }

  // Notes, for the audit log, that the record `ref` was sent whole (its
  // state, as a snapshot).
  void NoteDisclosed(const v1::RecordRef& ref) {
    if (disclosed_.insert(absl::StrCat(ref.review_id(), "/", ref.record_id()))
            .second) {
      *out_->disclosure.add_records() = ref;
    }
  }

  // Whether `disclosure` hides its record at `seq` from an agency that may
  // hold it: visible just before, not at `seq`, and visible where the
  // agency's cursor was (else nothing of it was sent: the agency never
  // learns the id of a record it never held).
  bool Hides(const Disclosure& disclosure, uint64_t seq) const {
    return seq > 0 && disclosure.VisibleAt(seq - 1) &&
           !disclosure.VisibleAt(seq) && disclosure.VisibleAt(after_);
  }

  const Replica& replica_;
  FeedCache* const cache_;
  const uint64_t head_;
  const uint64_t after_;
  const std::string agency_;
  const OwnChangesBack own_back_;
  FeedRead* const out_;
  // The review record's own audience: its members alone decide.
  AudienceHistory everyone_;
  std::map<std::string, ReviewSeen> reviews_;
  const std::pair<const std::string, ReviewSeen>* last_review_ = nullptr;
  // Records sent whole ("review/record").
  absl::flat_hash_set<std::string> disclosed_;
  size_t bytes_ = 0;
};

}  // namespace

absl::Status Feed::Attach(Replica* replica) {
  replica_ = replica;
  ASSIGN_OR_RETURN(std::optional<std::string> head,
                   replica->store()->Get(Family::kMeta, kHeadKey));
  absl::MutexLock lock(&mu_);
  head_ = head.has_value() && head->size() == 8 ? keys::ReadU64(*head) : 0;
  return absl::OkStatus();
}

absl::StatusOr<uint64_t> Feed::HeadIn(Replica::Batch* batch) {
  ASSIGN_OR_RETURN(std::optional<std::string> head,
                   batch->Get(Family::kMeta, kHeadKey));
  if (!head.has_value()) return 0;
  if (head->size() != 8) return absl::DataLossError("unreadable feed head");
  return keys::ReadU64(*head);
}

bool Feed::WantsStateBefore(const v1::Change& change) const {
  return AudienceTracker::MayAlterAudience(change);
}

absl::Status Feed::OnApplied(Replica::Batch* batch, const v1::Change& change,
                             const CheckedChange& checked,
                             const AppliedTo& applied_to) {
  ASSIGN_OR_RETURN(uint64_t head, HeadIn(batch));
  const uint64_t seq = head + 1;
  v1::FeedRecord record;
  *record.mutable_dot() = change.dot();
  record.set_creates_record(applied_to.created);
  std::vector<v1::RecordRef> changed;
  RETURN_IF_ERROR(
      AudienceTracker::OnApplied(batch, change, applied_to, seq, &changed));
  for (v1::RecordRef& ref : changed) {
    cache_.NoteRecordChanged(ref.review_id(), ref.record_id(), seq);
    *record.add_audience_changed() = std::move(ref);
  }
  batch->Put(Family::kFeed, keys::Seq(seq), record.SerializeAsString());
  batch->Put(Family::kMeta, kHeadKey, keys::Seq(seq));
  cache_.NoteRecordChanged(change.record().review_id(),
                           change.record().record_id(), seq);
  if (audit_ != nullptr)
    audit_->NoteAccepted(*batch, seq, change.dot(), checked);
  return absl::OkStatus();
}

absl::Status Feed::OnCommitting(Replica::Batch* batch) {
  ASSIGN_OR_RETURN(uint64_t head, HeadIn(batch));
  {
    absl::MutexLock lock(&mu_);
    committing_heads_[batch->serial()] = head;
  }
  if (audit_ == nullptr) return absl::OkStatus();
  return audit_->AppendNoted(batch).status();
}

void Feed::OnCommitted(uint64_t serial) {
  absl::MutexLock lock(&mu_);
  auto it = committing_heads_.find(serial);
  if (it == committing_heads_.end()) return;
  // A later batch's sync may have published a later head already.
  head_ = std::max(head_, it->second);
  committing_heads_.erase(committing_heads_.begin(), std::next(it));
  changed_.SignalAll();
}

uint64_t Feed::head() const {
  absl::MutexLock lock(&mu_);
  return head_;
}

uint64_t Feed::wake_count() const {
  absl::MutexLock lock(&mu_);
  return wakes_;
}

uint64_t Feed::WaitBeyond(uint64_t seq, uint64_t wakes_seen,
                          absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  absl::MutexLock lock(&mu_);
  while (head_ <= seq && wakes_ == wakes_seen) {
    if (changed_.WaitWithDeadline(&mu_, deadline)) break;
  }
  return head_;
}

void Feed::Wake() {
  absl::MutexLock lock(&mu_);
  ++wakes_;
  changed_.SignalAll();
}

absl::StatusOr<FeedRead> Feed::Read(absl::string_view agency, uint64_t after,
                                    size_t max_bytes,
                                    OwnChangesBack own_back) const {
  FeedRead read;
  const uint64_t head = this->head();
  read.feed_head = head;
  read.cursor = after;
  if (after >= head) return read;
  Collector collector(*replica_, &cache_, head, after, agency, own_back, &read);
  // The store's feed is read only for entries the cache does not know.
  std::unique_ptr<rocksdb::Iterator> it;
  // Looked up in the cache a run at a time.
  constexpr uint64_t kRun = 256;
  std::vector<FeedCache::Found> run;
  uint64_t run_from = after + 1;
  for (uint64_t seq = after + 1; seq <= head; ++seq) {
    if (seq - run_from >= run.size()) {
      run_from = seq;
      cache_.FindRange(seq, std::min(head, seq + kRun - 1), &run);
    }
    FeedCache::Found found = std::move(run[seq - run_from]);
    if (found.item == nullptr) {
      auto item = std::make_shared<FeedCache::Item>();
      item->seq = seq;
      ASSIGN_OR_RETURN(v1::FeedRecord record, ReadFeedRecord(seq, &it));
      FillFromRecord(std::move(record), item.get());
      found.item = item;
      cache_.Put(std::move(item));
    }
    read.cursor = seq;
    // The agency's own changes do not go back to it (but for those it
    // lost): skip them unread.
    if (collector.OwnKept(found.item->dot)) continue;
    if (found.item->change == nullptr) {
      const v1::Dot& dot = found.item->dot;
      ASSIGN_OR_RETURN(std::optional<v1::Change> change,
                       replica_->ReadChange(dot));
      if (!change.has_value()) {
        return absl::DataLossError(
            absl::StrCat("feed entry ", seq, " names ", dot.replica(), ":",
                         dot.counter(), ", which the board does not hold"));
      }
      auto item = std::make_shared<FeedCache::Item>(*found.item);
      item->encoded = EncodeEntry(seq, *change);
      item->change = std::make_shared<const v1::Change>(*std::move(change));
      found.item = item;
      cache_.Put(std::move(item));
    }
    ASSIGN_OR_RETURN(bool taken,
                     collector.Consider(*found.item, std::move(found.outline)));
    if (!taken) {
      // A record it sends whole changed after the head: the next read,
      // once the head has passed that change, takes this entry.
      read.cursor = seq - 1;
      break;
    }
    if (collector.bytes() >= max_bytes) break;
  }
  if (read.entries > 0) {
    read.disclosure.set_agency(std::string(agency));
    read.disclosure.set_feed_to(read.cursor);
  }
  return read;
}

absl::StatusOr<v1::FeedBatch> Feed::ReadFor(absl::string_view agency,
                                            uint64_t after, size_t max_bytes,
                                            OwnChangesBack own_back) const {
  ASSIGN_OR_RETURN(FeedRead read, Read(agency, after, max_bytes, own_back));
  v1::FeedBatch batch;
  if (!batch.ParseFromString(read.entries_wire)) {
    return absl::InternalError("a feed read does not decode");
  }
  batch.set_cursor(read.cursor);
  batch.set_feed_head(read.feed_head);
  return batch;
}

absl::StatusOr<v1::FeedRecord> Feed::ReadFeedRecord(
    uint64_t seq, std::unique_ptr<rocksdb::Iterator>* it) const {
  const std::string key = keys::Seq(seq);
  if (*it == nullptr) {
    *it = replica_->store()->NewPrefixIterator(Family::kFeed, "");
    (*it)->Seek(ToSlice(key));
  } else if ((*it)->Valid() && (*it)->key() != ToSlice(key)) {
    // Usually the next entry.
    (*it)->Next();
    if ((*it)->Valid() && (*it)->key() != ToSlice(key)) {
      (*it)->Seek(ToSlice(key));
    }
  }
  if (!(*it)->Valid()) {
    RETURN_IF_ERROR(FromRocksDb((*it)->status(), "reading the feed"));
    return absl::DataLossError(absl::StrCat("feed entry ", seq, " is missing"));
  }
  if ((*it)->key() != ToSlice(key)) {
    return absl::DataLossError(absl::StrCat("feed entry ", seq, " is missing"));
  }
  v1::FeedRecord record;
  if (!record.ParseFromArray((*it)->value().data(),
                             static_cast<int>((*it)->value().size()))) {
    return absl::DataLossError(absl::StrCat("unreadable feed entry ", seq));
  }
  return record;
}

}  // namespace casesync
