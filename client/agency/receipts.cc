#include "client/agency/receipts.h"

#include <memory>
#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
#include "common/base/status_macros.h"
#include "common/replica/storage_keys.h"

namespace casesync {

absl::Status Receipts::Keep(const v1::PushAck& ack,
                            Replica::Batch* batch) const {
  if (!ack.has_receipt()) return absl::OkStatus();
  // Kept as received; `casesync audit receipts` checks them.
  std::string key;
  keys::AppendU64(ack.acknowledged(), &key);
  ASSIGN_OR_RETURN(std::optional<std::string> kept,
                   batch->Get(Family::kReceipts, key));
  if (!kept.has_value()) {
    batch->Put(Family::kReceipts, key, ack.receipt().SerializeAsString());
  }
  return absl::OkStatus();
}

absl::StatusOr<v1::ListReceiptsReply> Receipts::List() const {
  if (transport_.insecure) {
    return absl::FailedPreconditionError(
        "this daemon runs with --insecure: a board on a plain-text link signs "
        "no receipts, and there is no CA to check them against");
  }
  ASSIGN_OR_RETURN(std::unique_ptr<ReceiptVerifier> verifier,
                   ReceiptVerifier::Load(transport_.tls_ca));
  v1::ListReceiptsReply reply;
  reply.set_ca_file(transport_.tls_ca);
  uint64_t audit_seq = 0;
  std::unique_ptr<rocksdb::Iterator> it =
      replica_->store()->NewPrefixIterator(Family::kReceipts, "");
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    Check(ToView(it->key()), ToView(it->value()), *verifier, &audit_seq,
          reply.add_receipts());
  }
  RETURN_IF_ERROR(FromRocksDb(it->status(), "reading the receipts"));
  return reply;
}

void Receipts::Check(absl::string_view key, absl::string_view bytes,
                     const ReceiptVerifier& verifier, uint64_t* audit_seq,
                     v1::CheckedReceipt* checked) const {
  v1::Receipt receipt;
  if (!receipt.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    checked->set_problem("the stored receipt is unreadable");
    return;
  }
  absl::StatusOr<v1::ReceiptBody> body = verifier.Check(receipt);
  if (!body.ok()) {
    // Shown as stored, though it does not check out.
    checked->mutable_body()->ParseFromString(receipt.body());
    checked->set_problem(std::string(body.status().message()));
    return;
  }
  *checked->mutable_body() = *body;
  if (body->agency() != replica_->id()) {
    checked->set_problem(absl::StrCat("it was made out to agency '",
                                      body->agency(), "', not this one"));
  } else if (key.size() != 8 || keys::ReadU64(key) != body->acknowledged()) {
    checked->set_problem(
        "it is stored under another push than the one it acknowledges");
  } else if (body->audit_seq() < *audit_seq) {
    checked->set_problem(
        absl::StrCat("the board's audit chain went back from entry ",
                     *audit_seq, " (an earlier receipt) to entry ",
                     body->audit_seq(), ": the chain was replaced"));
  } else {
    checked->set_valid(true);
    *audit_seq = body->audit_seq();
  }
}

}  // namespace casesync
