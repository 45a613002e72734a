#include "server/feed.h"

#include <functional>
#include <map>
#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "casesync/v1/storage.pb.h"
#include "common/access_rules.h"
#include "common/record_types.h"
#include "common/status_macros.h"
#include "common/storage_keys.h"

namespace casesync {
namespace {

constexpr absl::string_view kHeadKey = "feed_head";
// Review.agencies: who may see the review.
constexpr uint32_t kReviewAgenciesField = 7;

std::string SeqKey(uint64_t seq) {
  std::string key;
  keys::AppendU64(seq, &key);
  return key;
}

bool Writes(const v1::Change& change, uint32_t field) {
  for (const v1::FieldWrite& write : change.writes()) {
    if (write.field() == field) return true;
  }
  return false;
}

// Collects the entries for one agency during one ReadFor call, with what it
// has looked up so far.
class Collector {
 public:
  Collector(const Replica& replica, absl::string_view agency,
            OwnChangesBack own_back, v1::FeedBatch* out)
      : replica_(replica), agency_(agency), own_back_(own_back), out_(out) {}

  // Whether the change at `dot` is the agency's own and not to go back.
  bool OwnKept(const v1::Dot& dot) const {
    return dot.replica() == agency_ && !(dot.counter() > own_back_.after &&
                                         dot.counter() <= own_back_.up_to);
  }

  size_t bytes() const { return bytes_; }

  absl::Status Consider(uint64_t seq, const v1::Change& change) {
    const v1::RecordRef& ref = change.record();
    if (OwnKept(change.dot())) return absl::OkStatus();
    ASSIGN_OR_RETURN(const v1::Review* review, Review(ref.review_id()));
    const bool member = review != nullptr && IsMember(*review, agency_);
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
      if (member) Emit(seq, change);
      return absl::OkStatus();
    }
    ASSIGN_OR_RETURN(v1::Visibility visibility, VisibilityNow(ref));
    const bool visible = MayDisclose(agency_, ref, visibility, review);
    if (Writes(change, kVisibilityField)) {
      if (visible) return SendRecord(seq, ref);
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
    if (visible) Emit(seq, change);
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
  absl::StatusOr<bool> ReplacedAny(
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

  absl::StatusOr<const v1::Review*> Review(const std::string& review_id) {
    auto it = reviews_.find(review_id);
    if (it == reviews_.end()) {
      ASSIGN_OR_RETURN(std::optional<v1::Review> review,
                       ReadReview(replica_, review_id));
      it = reviews_.emplace(review_id, std::move(review)).first;
    }
    return it->second.has_value() ? &*it->second : nullptr;
  }

  absl::StatusOr<v1::Visibility> VisibilityNow(const v1::RecordRef& ref) {
    absl::StatusOr<RecordView> view =
        replica_.ReadRecord(ref.review_id(), ref.record_id());
    if (!view.ok()) return view.status();
    return view->visibility;
  }

  void Emit(uint64_t seq, const v1::Change& change) {
    v1::FeedEntry* entry = out_->add_entries();
    entry->set_seq(seq);
    *entry->mutable_change() = change;
    bytes_ += change.ByteSizeLong();
  }

  absl::Status Purge(uint64_t seq, const std::string& review_id,
                     const std::string& record_id) {
    v1::FeedEntry* entry = out_->add_entries();
    entry->set_seq(seq);
    entry->mutable_purge()->set_review_id(review_id);
    entry->mutable_purge()->set_record_id(record_id);
    return absl::OkStatus();
  }

  // Every change of one record the agency did not write itself.
  absl::Status SendRecord(uint64_t seq, const v1::RecordRef& ref) {
    ASSIGN_OR_RETURN(std::vector<v1::Dot> dots,
                     replica_.RecordChanges(ref.review_id(), ref.record_id()));
    for (const v1::Dot& dot : dots) {
      if (OwnKept(dot)) continue;
      ASSIGN_OR_RETURN(std::optional<v1::Change> change,
                       replica_.ReadChange(dot));
      if (change.has_value()) Emit(seq, *change);
    }
    return absl::OkStatus();
  }

  // The review record and every record of it the agency may see, whole.
  absl::Status SendReview(uint64_t seq, const std::string& review_id,
                          const v1::Review& review) {
    ASSIGN_OR_RETURN(std::vector<RecordView> views,
                     replica_.ListRecords(review_id, std::nullopt,
                                          /*include_deleted=*/true));
    for (const RecordView& view : views) {
      if (MayDisclose(agency_, view.ref, view.visibility, &review)) {
        RETURN_IF_ERROR(SendRecord(seq, view.ref));
      }
    }
    return absl::OkStatus();
  }

  const Replica& replica_;
  const std::string agency_;
  const OwnChangesBack own_back_;
  v1::FeedBatch* const out_;
  std::map<std::string, std::optional<v1::Review>> reviews_;
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
  batch->Put(Family::kFeed, SeqKey(seq), record.SerializeAsString());
  batch->Put(Family::kMeta, kHeadKey, SeqKey(seq));
  if (audit_ != nullptr)
    audit_->NoteAccepted(*batch, seq, change.dot(), checked);
  return absl::OkStatus();
}

absl::Status Feed::OnCommitting(Replica::Batch* batch) {
  if (audit_ == nullptr) return absl::OkStatus();
  return audit_->AppendNoted(batch).status();
}

void Feed::OnCommitted() {
  absl::StatusOr<std::optional<std::string>> head =
      replica_->store()->Get(Family::kMeta, kHeadKey);
  if (!head.ok() || !head->has_value() || (*head)->size() != 8) return;
  absl::MutexLock lock(&mu_);
  head_ = std::max(head_, keys::ReadU64(**head));
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

absl::StatusOr<v1::FeedBatch> Feed::ReadFor(absl::string_view agency,
                                            uint64_t after, size_t max_bytes,
                                            OwnChangesBack own_back) const {
  v1::FeedBatch batch;
  const uint64_t head = this->head();
  batch.set_feed_head(head);
  batch.set_cursor(after);
  if (after >= head) return batch;
  Collector collector(*replica_, agency, own_back, &batch);
  auto it = replica_->store()->NewPrefixIterator(Family::kFeed, "");
  for (it->Seek(ToSlice(SeqKey(after + 1))); it->Valid(); it->Next()) {
    if (it->key().size() != 8) {
      return absl::DataLossError("unreadable feed key");
    }
    const uint64_t seq = keys::ReadU64(ToView(it->key()));
    if (seq > head) break;
    v1::FeedRecord record;
    if (!record.ParseFromArray(it->value().data(),
                               static_cast<int>(it->value().size()))) {
      return absl::DataLossError(absl::StrCat("unreadable feed entry ", seq));
    }
    batch.set_cursor(seq);
    // The agency's own changes do not go back to it (but for those it
    // lost): skip them unread.
    if (collector.OwnKept(record.dot())) continue;
    ASSIGN_OR_RETURN(std::optional<v1::Change> change,
                     replica_->ReadChange(record.dot()));
    if (!change.has_value()) {
      return absl::DataLossError(absl::StrCat(
          "feed entry ", seq, " names ", record.dot().replica(), ":",
          record.dot().counter(), ", which the board does not hold"));
    }
    RETURN_IF_ERROR(collector.Consider(seq, *change));
    batch.set_cursor(seq);
    if (collector.bytes() >= max_bytes) break;
  }
  RETURN_IF_ERROR(FromRocksDb(it->status(), "reading the feed"));
  return batch;
}

}  // namespace casesync
