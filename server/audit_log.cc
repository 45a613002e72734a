#include "server/audit_log.h"

#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "common/storage_keys.h"
#include "openssl/sha.h"

namespace casesync {
namespace {

constexpr absl::string_view kHeadKey = "audit_head";

std::string Sha256(absl::string_view bytes) {
  std::string digest(SHA256_DIGEST_LENGTH, '\0');
  SHA256(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(),
         reinterpret_cast<unsigned char*>(digest.data()));
  return digest;
}

std::string SeqKey(uint64_t seq) {
  std::string key;
  keys::AppendU64(seq, &key);
  return key;
}

v1::VerifyAuditReply Broken(v1::VerifyAuditReply reply, uint64_t seq,
                            std::string problem) {
  reply.set_intact(false);
  reply.set_broken_seq(seq);
  reply.set_problem(std::move(problem));
  return reply;
}

}  // namespace

absl::Status AuditLog::Append(Replica::Batch* batch, v1::AuditEntry entry) {
  ASSIGN_OR_RETURN(std::optional<std::string> head_bytes,
                   batch->Get(Family::kMeta, kHeadKey));
  v1::AuditHead head;
  if (head_bytes.has_value() && !head.ParseFromString(*head_bytes)) {
    return absl::DataLossError("unreadable audit head");
  }
  entry.set_seq(head.seq() + 1);
  entry.set_prev_sha256(head.seq() == 0
                            ? std::string(SHA256_DIGEST_LENGTH, '\0')
                            : head.sha256());
  std::string bytes = entry.SerializeAsString();
  head.set_seq(entry.seq());
  head.set_sha256(Sha256(bytes));
  batch->Put(Family::kAudit, SeqKey(entry.seq()), std::move(bytes));
  batch->Put(Family::kMeta, kHeadKey, head.SerializeAsString());
  return absl::OkStatus();
}

absl::Status AuditLog::AppendAccepted(Replica::Batch* batch, uint64_t feed_seq,
                                      const v1::Change& change,
                                      absl::string_view canonical) {
  v1::AuditEntry entry;
  entry.set_time_ms(clock_->NowMillis());
  v1::AuditAccepted* accepted = entry.mutable_accepted();
  *accepted->mutable_dot() = change.dot();
  accepted->set_change_sha256(Sha256(canonical));
  accepted->set_feed_seq(feed_seq);
  return Append(batch, std::move(entry));
}

absl::Status AuditLog::RecordDisclosure(absl::string_view agency,
                                        const v1::FeedBatch& feed) {
  if (feed.entries().empty()) return absl::OkStatus();
  v1::AuditEntry entry;
  entry.set_time_ms(clock_->NowMillis());
  v1::AuditDisclosure* disclosure = entry.mutable_disclosure();
  disclosure->set_agency(std::string(agency));
  disclosure->set_feed_from(feed.entries(0).seq() - 1);
  disclosure->set_feed_to(feed.cursor());
  std::set<std::pair<std::string, std::string>> seen;
  for (const v1::FeedEntry& sent : feed.entries()) {
    if (sent.has_change()) {
      const v1::RecordRef& ref = sent.change().record();
      if (seen.emplace(ref.review_id(), ref.record_id()).second) {
        *disclosure->add_records() = ref;
      }
    } else {
      v1::RecordRef* purged = disclosure->add_purged();
      purged->set_review_id(sent.purge().review_id());
      purged->set_record_id(sent.purge().record_id());
    }
  }
  std::unique_ptr<Replica::Batch> batch = replica_->NewBatch();
  RETURN_IF_ERROR(Append(batch.get(), std::move(entry)));
  return batch->Commit();
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

  std::string prev(SHA256_DIGEST_LENGTH, '\0');
  uint64_t expected = 1;
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
    if (entry.has_accepted()) {
      const v1::AuditAccepted& accepted = entry.accepted();
      std::string change;
      rocksdb::Status got =
          store.db()->Get(read, store.handle(Family::kChanges),
                          ToSlice(keys::Change(accepted.dot())), &change);
      if (got.IsNotFound()) {
        return Broken(reply, expected,
                      absl::StrCat("the change it records, ",
                                   FormatDot(accepted.dot()), ", is not held"));
      }
      RETURN_IF_ERROR(FromRocksDb(got, "reading a change"));
      if (Sha256(change) != accepted.change_sha256()) {
        return Broken(
            reply, expected,
            absl::StrCat("the change it records, ", FormatDot(accepted.dot()),
                         ", is not the change that was accepted"));
      }
      reply.set_accepted(reply.accepted() + 1);
    } else if (entry.has_disclosure()) {
      reply.set_disclosures(reply.disclosures() + 1);
    } else {
      return Broken(reply, expected, "the entry records no event");
    }
    prev = Sha256(bytes);
    reply.set_entries(expected);
  }
  RETURN_IF_ERROR(FromRocksDb(it->status(), "reading the audit chain"));
  std::string head_bytes;
  rocksdb::Status got = store.db()->Get(read, store.handle(Family::kMeta),
                                        ToSlice(kHeadKey), &head_bytes);
  v1::AuditHead head;
  if (!got.ok() && !got.IsNotFound()) {
    return FromRocksDb(got, "reading the audit head");
  }
  if (got.ok() && !head.ParseFromString(head_bytes)) {
    return Broken(reply, expected, "the chain's head record is unreadable");
  }
  if (head.seq() == reply.entries() && head.seq() > 0 &&
      head.sha256() != prev) {
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

}  // namespace casesync
