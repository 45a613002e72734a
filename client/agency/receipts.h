// The board's signed receipts for this agency's pushes (docs/security.md):
// kept as received in the receipts family, under the counter each
// acknowledges, and listed with each one checked offline against the CA.
//
// Thread-safety: thread-safe (Keep stages into the caller's batch).
#ifndef CASESYNC_CLIENT_AGENCY_RECEIPTS_H_
#define CASESYNC_CLIENT_AGENCY_RECEIPTS_H_

#include <cstdint>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "casesync/v1/local_api.pb.h"
#include "casesync/v1/sync.pb.h"
#include "common/replica/replica.h"
#include "common/security/receipt.h"
#include "common/security/transport.h"

namespace casesync {

class Receipts {
 public:
  // `replica` is not owned and must outlive this. Receipts are checked
  // against transport.tls_ca, read afresh at each List; an insecure
  // transport has none.
  Receipts(Replica* replica, TransportOptions transport)
      : replica_(replica), transport_(std::move(transport)) {}

  // Stages the receipt `ack` carries, if any, into `batch`, unless one for
  // the same push is kept: the first stays, since after a restore of the
  // board the same range is acknowledged again, and the first receipt is
  // the evidence of what the board had acknowledged before it lost it.
  // Errors from reading the store.
  [[nodiscard]] absl::Status Keep(const v1::PushAck& ack,
                                  Replica::Batch* batch) const;

  // Every receipt kept, oldest first, each checked against the CA and
  // against the receipts before it (the board's audit chain never shrinks).
  // FAILED_PRECONDITION on a plain-text link (no receipts, no CA); errors as
  // ReceiptVerifier::Load and from reading the store.
  [[nodiscard]] absl::StatusOr<v1::ListReceiptsReply> List() const;

 private:
  // Fills `checked` from the receipt stored under `key` as `bytes`: valid,
  // or what is wrong with it. `audit_seq` is the audit entry of the last
  // valid receipt before it, moved on when this one is valid too.
  void Check(absl::string_view key, absl::string_view bytes,
             const ReceiptVerifier& verifier, uint64_t* audit_seq,
             v1::CheckedReceipt* checked) const;

  Replica* const replica_;
  const TransportOptions transport_;
};

}  // namespace casesync

#endif  // CASESYNC_CLIENT_AGENCY_RECEIPTS_H_
