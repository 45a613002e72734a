// The board's tamper-evident audit log (docs/security.md): a hash chain
// of every change the board accepts and every disclosure of records to an
// agency. Each stored entry (storage.proto AuditEntry, family audit) names
// the SHA-256 of the entry before it; an accepted change's entry also holds
// the SHA-256 of the change's stored bytes. Changing one byte of any entry,
// or of an audited change, or removing or reordering entries, is found by
// Verify().
//
// Accepted changes are appended in the same write batch that applies them
// (the feed, which numbers them, notes each one; one entry lists every
// change of the batch, appended as it commits); a disclosure is appended and
// synced before the batch it describes is sent. Disclosures recorded at the
// same time by different streams are committed together, in one synced
// batch (group commit, as leveldb's DBImpl::Write does for its writers): a
// board feeding a hundred live agencies makes one disk sync per group
// rather than one per frame.
//
// Thread-safety: thread-safe. NoteAccepted and AppendNoted run under the
// replica's writer lock (inside a batch), which also guards the noted
// changes; RecordDisclosure takes the lock through its own batch.
#ifndef CASESYNC_SERVER_AUDIT_LOG_H_
#define CASESYNC_SERVER_AUDIT_LOG_H_

#include <cstdint>
#include <deque>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "casesync/v1/local_api.pb.h"
#include "casesync/v1/sync.pb.h"
#include "common/base/clock.h"
#include "common/records/change_check.h"
#include "common/replica/replica.h"

namespace casesync {

class AuditLog {
 public:
  // `clock` is not owned.
  explicit AuditLog(Clock* clock) : clock_(clock) {}

  // Binds the log to the board's replica. Call once, before anything else.
  void Attach(Replica* replica) { replica_ = replica; }

  // Notes "accepted the change at `dot` (checked and stored as `checked`),
  // feed number `feed_seq`" for the entry `batch` will append. Never fails.
  void NoteAccepted(const Replica::Batch& batch, uint64_t feed_seq,
                    const v1::Dot& dot, const CheckedChange& checked);

  // Appends, in `batch`, the one entry listing every change noted for it
  // (nothing if none was). Returns the chain's head as `batch` leaves it.
  // Store errors only.
  [[nodiscard]] absl::StatusOr<v1::AuditHead> AppendNoted(
      Replica::Batch* batch);

  // Appends, and commits synced, `disclosure` (made by Feed::Read, of what
  // is about to be sent to an agency); returns once it is durable. Nothing
  // is appended for one that names nothing sent or purged. Store errors
  // only (every disclosure committed in the same group gets the error).
  [[nodiscard]] absl::Status RecordDisclosure(v1::AuditDisclosure disclosure);

  // The head as `batch` would leave it. Store errors only.
  [[nodiscard]] absl::StatusOr<v1::AuditHead> Head(Replica::Batch* batch) const;

  // Walks the whole chain. The reply says whether it is intact and, if not,
  // the first broken entry; errors only from reading the store.
  [[nodiscard]] absl::StatusOr<v1::VerifyAuditReply> Verify() const;

 private:
  // Appends `entry` (seq and prev_sha256 filled in here) in `batch`.
  // Returns the new head.
  [[nodiscard]] absl::StatusOr<v1::AuditHead> Append(Replica::Batch* batch,
                                                     v1::AuditEntry entry);
  // A disclosure waiting in the group-commit queue.
  struct PendingDisclosure {
    v1::AuditEntry entry;
    absl::Status status;
    bool done = false;
  };

  Clock* const clock_;
  Replica* replica_ = nullptr;
  // Disclosures waiting to be committed; the one at the front commits them
  // all (its own and those queued behind it) while the others wait.
  absl::Mutex disclosures_mu_;
  std::deque<PendingDisclosure*> disclosures_ ABSL_GUARDED_BY(disclosures_mu_);
  // The changes noted for the batch with serial `noted_batch_` (guarded by
  // the replica's writer lock).
  uint64_t noted_batch_ = 0;
  v1::AuditAccepted noted_;
};

}  // namespace casesync

#endif  // CASESYNC_SERVER_AUDIT_LOG_H_
