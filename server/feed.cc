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
#include "common/records/access_rules.h"
#include "common/records/field_merge.h"
#include "common/records/record_types.h"
#include "common/replica/review_lookup.h"
#include "common/replica/storage_keys.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/wire_format_lite.h"

namespace casesync {
namespace {

constexpr absl::string_view kHeadKey = "feed_head";
// Review.agencies: who may see the review.
constexpr uint32_t kReviewAgenciesField = 7;

bool Writes(const v1::Change& change, uint32_t field) {
  for (const v1::FieldWrite& write : change.writes()) {
    if (write.field() == field) return true;
  }
  return false;
}

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

// Collects the entries for one agency during one Read call, with what it
// has looked up so far.
class Collector {
 public:
  // `head`: the feed head read before anything else, for `cache`.
  Collector(const Replica& replica, FeedCache* cache, uint64_t head,
            absl::string_view agency, OwnChangesBack own_back, FeedRead* out)
      : replica_(replica),
        cache_(cache),
        head_(head),
        agency_(agency),
        own_back_(own_back),
        out_(out) {}

  // Whether the change at `dot` is the agency's own and not to go back.
  bool OwnKept(const v1::Dot& dot) const {
    return dot.replica() == agency_ && !(dot.counter() > own_back_.after &&
                                         dot.counter() <= own_back_.up_to);
  }

  size_t bytes() const { return bytes_; }

  // `entry` (its change read) as the cache had it or the store gave it;
  // `outline`, its record's, if the cache had it.
  [[nodiscard]] absl::Status Consider(
      const FeedCache::Item& entry,
      std::shared_ptr<const RecordOutline> outline) {
    const uint64_t seq = entry.seq;
    const v1::Change& change = *entry.change;
    const v1::RecordRef& ref = change.record();
    if (OwnKept(change.dot())) return absl::OkStatus();
    ASSIGN_OR_RETURN(const ReviewSeen* seen, Review(ref.review_id()));
    const v1::Review* review = seen->review;
    const bool member = seen->member;
    if (ref.type() == v1::RECORD_TYPE_REVIEW) {
      if (Writes(change, kReviewAgenciesField)) {
        // Membership may have changed: send the review whole if the agency
        // is a member now; purge it if the list this change replaced had
        // the agency (an agency that never was a member hears nothing).
        if (member) return SendReview(seq, ref.review_id(), *review);
        ASSIGN_OR_RETURN(bool was_member,
                         ReplacedAny(change, kReviewAgenciesField,
                                     [this](const v1::FieldValue& value) {
                                       return Lists(value, agency_);
                                     }));
        if (was_member) return Purge(seq, ref.review_id(), "");
        return absl::OkStatus();
      }
      if (member) EmitEntry(entry);
      return absl::OkStatus();
    }
    if (outline == nullptr) {
      ASSIGN_OR_RETURN(outline, ReadOutline(seq, change));
    }
    const bool visible =
        member && MayDiscloseToMember(agency_, ref, outline->visibility);
    if (Writes(change, kVisibilityField)) {
      if (visible) return SendRecord(seq, outline->changes, &entry);
      // Purge only what the agency could see before this change.
      if (!member || ref.owner_agency() == agency_) return absl::OkStatus();
      ASSIGN_OR_RETURN(
          bool was_visible,
          ReplacedAny(
              change, kVisibilityField, [](const v1::FieldValue& value) {
                return value.kind_case() != v1::FieldValue::kEnumValue ||
                       value.enum_value() != v1::VISIBILITY_AGENCY;
              }));
      if (was_visible) return Purge(seq, ref.review_id(), ref.record_id());
      return absl::OkStatus();
    }
    if (visible) EmitEntry(entry);
    return absl::OkStatus();
  }

 private:
  static bool Lists(const v1::FieldValue& value, absl::string_view agency) {
    for (const std::string& entry : value.string_list().values()) {
      if (entry == agency) return true;
    }
    return false;
  }

  // Whether any value `change` replaced in `field` (the values its write
  // names as parents) satisfies `test`.
  [[nodiscard]] absl::StatusOr<bool> ReplacedAny(
      const v1::Change& change, uint32_t field,
      const std::function<bool(const v1::FieldValue&)>& test) {
    for (const v1::FieldWrite& write : change.writes()) {
      if (write.field() != field) continue;
      for (const v1::Dot& parent : write.parents()) {
        ASSIGN_OR_RETURN(std::optional<v1::Change> replaced,
                         replica_.ReadChange(parent));
        if (!replaced.has_value()) continue;
        for (const v1::FieldWrite& old : replaced->writes()) {
          if (old.field() == field && test(old.value())) return true;
        }
      }
    }
    return false;
  }

  // A review as the board holds it now, looked up once per read.
  struct ReviewSeen {
    std::shared_ptr<const std::optional<v1::Review>> held;
    // Null if the board does not hold it.
    const v1::Review* review = nullptr;
    // Whether it lists the agency.
    bool member = false;
  };

  [[nodiscard]] absl::StatusOr<const ReviewSeen*> Review(
      const std::string& review_id) {
    // Most entries of a read are of one review.
    if (last_review_ != nullptr && last_review_->first == review_id) {
      return &last_review_->second;
    }
    auto it = reviews_.find(review_id);
    if (it == reviews_.end()) {
      std::optional<std::shared_ptr<const std::optional<v1::Review>>> cached =
          cache_->FindReview(review_id);
      if (!cached.has_value()) {
        // The version first: see feed_cache.h.
        const uint64_t version = cache_->RecordVersion(review_id, review_id);
        ASSIGN_OR_RETURN(std::optional<v1::Review> review,
                         ReadReview(replica_, review_id));
        cached = std::make_shared<const std::optional<v1::Review>>(
            std::move(review));
        cache_->PutReview(review_id, *cached, version, head_);
      }
      ReviewSeen seen;
      seen.held = *std::move(cached);
      if (seen.held->has_value()) {
        seen.review = &**seen.held;
        seen.member = IsMember(*seen.review, agency_);
      }
      it = reviews_.emplace(review_id, std::move(seen)).first;
    }
    last_review_ = &*it;
    return &it->second;
  }

  // The outline of the record `change` (numbered `seq`) changed, as the
  // board holds it now.
  [[nodiscard]] absl::StatusOr<std::shared_ptr<const RecordOutline>>
  ReadOutline(uint64_t seq, const v1::Change& change) {
    const v1::RecordRef& ref = change.record();
    // The version first: see feed_cache.h.
    const uint64_t version =
        cache_->RecordVersion(ref.review_id(), ref.record_id());
    ASSIGN_OR_RETURN(
        RecordOutline outline,
        replica_.ReadOutline(ref.review_id(), ref.record_id(), &change));
    auto shared = std::make_shared<const RecordOutline>(std::move(outline));
    cache_->PutOutline(seq, shared, version, head_);
    return shared;
  }

  // Sends the entry's own change: its encoding is made once and shared by
  // every agency it goes to.
  void EmitEntry(const FeedCache::Item& entry) {
    Append(entry.seq, entry.encoded);
    NoteSent(entry.seq);
  }

  void Emit(uint64_t seq, const v1::Change& change) {
    Append(seq, EncodeEntry(seq, change));
    NoteDisclosed(change.record());
  }

  [[nodiscard]] absl::Status Purge(uint64_t seq, const std::string& review_id,
                                   const std::string& record_id) {
    v1::FeedEntry entry;
    entry.set_seq(seq);
    entry.mutable_purge()->set_review_id(review_id);
    entry.mutable_purge()->set_record_id(record_id);
    Append(seq, EncodeElement(entry));
    v1::RecordRef* purged = out_->disclosure.add_purged();
    purged->set_review_id(review_id);
    purged->set_record_id(record_id);
    return absl::OkStatus();
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

  // Notes, for the audit log, that a change of the record `ref` other than
  // a feed entry's own is sent.
  void NoteDisclosed(const v1::RecordRef& ref) {
    if (disclosed_.insert(absl::StrCat(ref.review_id(), "/", ref.record_id()))
            .second) {
      *out_->disclosure.add_records() = ref;
    }
  }

  // Every change of one record (`dots`, all it holds) the agency did not
  // write itself. `held`, if not null, is the feed entry numbered `seq`,
  // whose change is one of them, already read and encoded.
  [[nodiscard]] absl::Status SendRecord(uint64_t seq,
                                        const std::vector<v1::Dot>& dots,
                                        const FeedCache::Item* held) {
    for (const v1::Dot& dot : dots) {
      if (OwnKept(dot)) continue;
      if (held != nullptr && SameDot(dot, held->change->dot())) {
        EmitEntry(*held);
        continue;
      }
      ASSIGN_OR_RETURN(std::optional<v1::Change> change,
                       replica_.ReadChange(dot));
      if (change.has_value()) Emit(seq, *change);
    }
    return absl::OkStatus();
  }

  // The review record and every record of it the agency may see, whole.
  [[nodiscard]] absl::Status SendReview(uint64_t seq,
                                        const std::string& review_id,
                                        const v1::Review& review) {
    ASSIGN_OR_RETURN(std::vector<RecordView> views,
                     replica_.ListRecords(review_id, std::nullopt,
                                          /*include_deleted=*/true));
    for (const RecordView& view : views) {
      if (MayDisclose(agency_, view.ref, view.visibility, &review)) {
        ASSIGN_OR_RETURN(
            std::vector<v1::Dot> dots,
            replica_.RecordChanges(view.ref.review_id(), view.ref.record_id()));
        RETURN_IF_ERROR(SendRecord(seq, dots, nullptr));
      }
    }
    return absl::OkStatus();
  }

  const Replica& replica_;
  FeedCache* const cache_;
  const uint64_t head_;
  const std::string agency_;
  const OwnChangesBack own_back_;
  FeedRead* const out_;
  std::map<std::string, ReviewSeen> reviews_;
  const std::pair<const std::string, ReviewSeen>* last_review_ = nullptr;
  // Records of which a change was sent ("review/record").
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

absl::Status Feed::OnApplied(Replica::Batch* batch, const v1::Change& change,
                             const CheckedChange& checked) {
  ASSIGN_OR_RETURN(uint64_t head, HeadIn(batch));
  const uint64_t seq = head + 1;
  v1::FeedRecord record;
  *record.mutable_dot() = change.dot();
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
  Collector collector(*replica_, &cache_, head, agency, own_back, &read);
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
      ASSIGN_OR_RETURN(item->dot, ReadFeedRecord(seq, &it));
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
      auto item = std::make_shared<FeedCache::Item>();
      item->seq = seq;
      item->dot = dot;
      item->encoded = EncodeEntry(seq, *change);
      item->change = std::make_shared<const v1::Change>(*std::move(change));
      found.item = item;
      cache_.Put(std::move(item));
    }
    RETURN_IF_ERROR(collector.Consider(*found.item, std::move(found.outline)));
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

absl::StatusOr<v1::Dot> Feed::ReadFeedRecord(
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
  return std::move(*record.mutable_dot());
}

}  // namespace casesync
