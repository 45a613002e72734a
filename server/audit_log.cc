#include "server/audit_log.h"

#include <algorithm>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/base/sha256.h"
#include "common/base/status_macros.h"
#include "common/replica/storage_keys.h"

namespace casesync {
namespace {

constexpr absl::string_view kHeadKey = "audit_head";

v1::VerifyAuditReply Broken(v1::VerifyAuditReply reply, uint64_t seq,
                            std::string problem) {
  reply.set_intact(false);
  reply.set_broken_seq(seq);
  reply.set_problem(std::move(problem));
  return reply;
}

// Why the changes an entry records as accepted are not the ones `store`
// holds (one is missing, or its bytes differ from the hash recorded), or
// nullopt if they are. Errors only from reading the store.
[[nodiscard]] absl::StatusOr<std::optional<std::string>> AcceptedProblem(
    const Store& store, const rocksdb::ReadOptions& read,
    const v1::AuditAccepted& accepted) {
  std::string change;
  for (const v1::AcceptedChange& recorded : accepted.changes()) {
    rocksdb::Status got =
        store.db()->Get(read, store.handle(Family::kChanges),
                        ToSlice(keys::Change(recorded.dot())), &change);
    if (got.IsNotFound()) {
      return absl::StrCat("a change it records, ", FormatDot(recorded.dot()),
                          ", is not held");
    }
    RETURN_IF_ERROR(FromRocksDb(got, "reading a change"));
    if (Sha256(change) != recorded.change_sha256()) {
      return absl::StrCat("a change it records, ", FormatDot(recorded.dot()),
                          ", is not the change that was accepted");
    }
  }
  return std::nullopt;
}

// Why `disclosure` cannot be true of a chain that had accepted feed entries
// up to `accepted_up_to` before it: what it says was sent must be changes
// the chain accepted before it, within the feed range it covers. Nullopt if
// it can be.
std::optional<std::string> DisclosureProblem(
    const v1::AuditDisclosure& disclosure, uint64_t accepted_up_to) {
  uint64_t after = disclosure.feed_from();
  for (const v1::FeedRun& run : disclosure.sent()) {
    if (run.first() <= after || run.last() < run.first() ||
        run.last() > disclosure.feed_to() || run.last() > accepted_up_to) {
      return absl::StrCat("it says feed entries ", run.first(), " to ",
                          run.last(),
                          " were sent, which are not changes the chain "
                          "accepted before it within its range ",
                          disclosure.feed_from(), "..", disclosure.feed_to());
    }
    after = run.last();
  }
  return std::nullopt;
}

// Checks the event `entry` records (changes accepted, or a disclosure)
// against the store and the chain before it, whose accepted changes reach
// feed entry `*accepted_up_to`; counts it in `reply` and raises
// `*accepted_up_to` over what it accepts. Returns the problem, or nullopt
// if there is none; errors only from reading the store.
[[nodiscard]] absl::StatusOr<std::optional<std::string>> EventProblem(
    const Store& store, const rocksdb::ReadOptions& read,
    const v1::AuditEntry& entry, uint64_t* accepted_up_to,
    v1::VerifyAuditReply* reply) {
  if (entry.has_accepted() && !entry.accepted().changes().empty()) {
    ASSIGN_OR_RETURN(std::optional<std::string> problem,
                     AcceptedProblem(store, read, entry.accepted()));
    if (problem.has_value()) return problem;
    reply->set_accepted(reply->accepted() + entry.accepted().changes_size());
    for (const v1::AcceptedChange& accepted : entry.accepted().changes()) {
      *accepted_up_to = std::max(*accepted_up_to, accepted.feed_seq());
    }
    return std::nullopt;
  }
  if (entry.has_disclosure()) {
    std::optional<std::string> problem =
        DisclosureProblem(entry.disclosure(), *accepted_up_to);
    if (problem.has_value()) return problem;
    reply->set_disclosures(reply->disclosures() + 1);
    return std::nullopt;
  }
  return std::string("the entry records no event");
}

// `reply`, for a chain walked to its end, checked against the chain's head
// record: the newest entry's bytes must match the hash the head recorded
// (`newest_sha256` is the hash of those bytes), and the chain must end
// where the head says. Errors only from reading the store.
[[nodiscard]] absl::StatusOr<v1::VerifyAuditReply> CheckHead(
    const Store& store, const rocksdb::ReadOptions& read,
    v1::VerifyAuditReply reply, const std::string& newest_sha256) {
  std::string head_bytes;
  rocksdb::Status got = store.db()->Get(read, store.handle(Family::kMeta),
                                        ToSlice(kHeadKey), &head_bytes);
  v1::AuditHead head;
  if (!got.ok() && !got.IsNotFound()) {
    return FromRocksDb(got, "reading the audit head");
  }
  if (got.ok() && !head.ParseFromString(head_bytes)) {
    return Broken(reply, reply.entries() + 1,
                  "the chain's head record is unreadable");
  }
  if (head.seq() == reply.entries() && head.seq() > 0 &&
      head.sha256() != newest_sha256) {
    reply.set_entries(reply.entries() - 1);
    return Broken(reply, head.seq(),
                  "its bytes no longer match the hash the chain's head "
                  "recorded for it: it was changed");
  }
  if (head.seq() != reply.entries()) {
    return Broken(reply, reply.entries() + 1,
                  absl::StrCat("the chain ends at entry ", reply.entries(),
                               " but its head says ", head.seq(),
                               " (entries were removed or replaced)"));
  }
  return reply;
}

}  // namespace

absl::StatusOr<v1::AuditHead> AuditLog::Head(Replica::Batch* batch) const {
  ASSIGN_OR_RETURN(std::optional<std::string> head_bytes,
                   batch->Get(Family::kMeta, kHeadKey));
  v1::AuditHead head;
  if (head_bytes.has_value() && !head.ParseFromString(*head_bytes)) {
    return absl::DataLossError("unreadable audit head");
  }
  return head;
}

absl::StatusOr<v1::AuditHead> AuditLog::Append(Replica::Batch* batch,
                                               v1::AuditEntry entry) {
  ASSIGN_OR_RETURN(v1::AuditHead head, Head(batch));
  entry.set_seq(head.seq() + 1);
  entry.set_prev_sha256(head.seq() == 0 ? std::string(kSha256Bytes, '\0')
                                        : head.sha256());
  std::string bytes = entry.SerializeAsString();
  head.set_seq(entry.seq());
  head.set_sha256(Sha256(bytes));
  batch->Put(Family::kAudit, keys::Seq(entry.seq()), std::move(bytes));
  batch->Put(Family::kMeta, kHeadKey, head.SerializeAsString());
  return head;
}

void AuditLog::NoteAccepted(const Replica::Batch& batch, uint64_t feed_seq,
                            const v1::Dot& dot, const CheckedChange& checked) {
  if (noted_batch_ != batch.serial()) {
    // Whatever was noted belongs to a batch that was never committed.
    noted_.Clear();
    noted_batch_ = batch.serial();
  }
  v1::AcceptedChange* accepted = noted_.add_changes();
  *accepted->mutable_dot() = dot;
  accepted->set_change_sha256(checked.sha256.empty() ? Sha256(checked.canonical)
                                                     : checked.sha256);
  accepted->set_feed_seq(feed_seq);
}

absl::StatusOr<v1::AuditHead> AuditLog::AppendNoted(Replica::Batch* batch) {
  if (noted_batch_ != batch->serial() || noted_.changes().empty()) {
    return Head(batch);
  }
  v1::AuditEntry entry;
  entry.set_time_ms(clock_->NowMillis());
  entry.mutable_accepted()->Swap(&noted_);
  noted_batch_ = 0;
  return Append(batch, std::move(entry));
}

absl::Status AuditLog::RecordDisclosure(v1::AuditDisclosure disclosure) {
  if (disclosure.sent().empty() && disclosure.records().empty() &&
      disclosure.purged().empty()) {
    return absl::OkStatus();
  }
  v1::AuditEntry entry;
  entry.set_time_ms(clock_->NowMillis());
  *entry.mutable_disclosure() = std::move(disclosure);
  PendingDisclosure pending;
  pending.entry = std::move(entry);
  absl::MutexLock lock(&disclosures_mu_);
  disclosures_.push_back(&pending);
  auto leads_or_done =
      [this, &pending]() ABSL_SHARED_LOCKS_REQUIRED(disclosures_mu_) {
        return pending.done || disclosures_.front() == &pending;
      };
  disclosures_mu_.Await(absl::Condition(&leads_or_done));
  if (pending.done) return pending.status;  // a leader committed it

  // This one leads: commit every disclosure queued so far in one batch. The
  // queue stays open meanwhile; those arriving now form the next group.
  const std::vector<PendingDisclosure*> group(disclosures_.begin(),
                                              disclosures_.end());
  absl::Status status;
  {
    disclosures_mu_.Unlock();
    std::unique_ptr<Replica::Batch> batch = replica_->NewBatch();
    for (PendingDisclosure* member : group) {
      status = Append(batch.get(), std::move(member->entry)).status();
      if (!status.ok()) break;
    }
    if (status.ok()) status = batch->Commit();
    batch.reset();  // releases the replica's writer lock
    disclosures_mu_.Lock();
  }
  for (PendingDisclosure* member : group) {
    disclosures_.pop_front();
    member->status = status;
    member->done = true;
  }
  return status;
}

absl::StatusOr<v1::VerifyAuditReply> AuditLog::Verify() const {
  v1::VerifyAuditReply reply;
  reply.set_intact(true);
  // A consistent view: the chain and the changes as of one instant.
  const Store& store = *replica_->store();
  const rocksdb::Snapshot* snapshot = store.db()->GetSnapshot();
  struct Release {
    const Store& store;
    const rocksdb::Snapshot* snapshot;
    ~Release() { store.db()->ReleaseSnapshot(snapshot); }
  } release{store, snapshot};
  rocksdb::ReadOptions read;
  read.snapshot = snapshot;

  std::string prev(kSha256Bytes, '\0');
  uint64_t expected = 1;
  // The highest feed number of a change the chain accepted so far.
  uint64_t accepted_up_to = 0;
  std::unique_ptr<rocksdb::Iterator> it(
      store.db()->NewIterator(read, store.handle(Family::kAudit)));
  for (it->SeekToFirst(); it->Valid(); it->Next(), ++expected) {
    const absl::string_view key = ToView(it->key());
    const absl::string_view bytes = ToView(it->value());
    if (key.size() != 8 || keys::ReadU64(key) != expected) {
      return Broken(reply, expected,
                    absl::StrCat("entry ", expected,
                                 " is missing (the chain skips to another "
                                 "number)"));
    }
    v1::AuditEntry entry;
    if (!entry.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
      return Broken(reply, expected, "the entry is unreadable");
    }
    if (entry.seq() != expected) {
      return Broken(reply, expected,
                    absl::StrCat("the entry says it is number ", entry.seq()));
    }
    if (entry.prev_sha256() != prev) {
      // The successor pins its predecessor's bytes: the changed entry is
      // the one before (unless it is this entry's record of it that was
      // changed; either way the chain breaks here).
      reply.set_entries(expected - 2);
      return Broken(reply, expected - 1,
                    absl::StrCat("its bytes no longer match the hash entry ",
                                 expected, " recorded for it: it was changed"));
    }
    ASSIGN_OR_RETURN(std::optional<std::string> problem,
                     EventProblem(store, read, entry, &accepted_up_to, &reply));
    if (problem.has_value()) {
      return Broken(reply, expected, *std::move(problem));
    }
    prev = Sha256(bytes);
    reply.set_entries(expected);
  }
  RETURN_IF_ERROR(FromRocksDb(it->status(), "reading the audit chain"));
  return CheckHead(store, read, std::move(reply), prev);
}

}  // namespace casesync
