// The board's tamper-evident audit log (DESIGN.md section 6): a hash chain
// of every change the board accepts and every disclosure of records to an
// agency. Each stored entry (storage.proto AuditEntry, family audit) names
// the SHA-256 of the entry before it; an accepted change's entry also holds
// the SHA-256 of the change's stored bytes. Changing one byte of any entry,
// or of an audited change, or removing or reordering entries, is found by
// Verify().
//
// Accepted changes are appended in the same write batch that applies them
// (through the feed, which numbers them); a disclosure is appended and
// synced before the batch it describes is sent.
//
// Thread-safety: thread-safe. AppendAccepted runs under the replica's writer
// lock (inside a batch); RecordDisclosure takes it through its own batch.
#ifndef CASESYNC_SERVER_AUDIT_LOG_H_
#define CASESYNC_SERVER_AUDIT_LOG_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "casesync/v1/local_api.pb.h"
#include "casesync/v1/sync.pb.h"
#include "common/clock.h"
#include "common/replica.h"

namespace casesync {

class AuditLog {
 public:
  // `clock` is not owned.
  explicit AuditLog(Clock* clock) : clock_(clock) {}

  // Binds the log to the board's replica. Call once, before anything else.
  void Attach(Replica* replica) { replica_ = replica; }

  // Appends "accepted `change` (stored as `canonical`), feed number
  // `feed_seq`" to the chain, in `batch`. Store errors only.
  absl::Status AppendAccepted(Replica::Batch* batch, uint64_t feed_seq,
                              const v1::Change& change,
                              absl::string_view canonical);

  // Appends, and commits synced, the disclosure of what `feed` (about to be
  // sent, uncompressed) carries to `agency`. Nothing is appended for a batch
  // that carries no entries. Store errors only.
  absl::Status RecordDisclosure(absl::string_view agency,
                                const v1::FeedBatch& feed);

  // Walks the whole chain. The reply says whether it is intact and, if not,
  // the first broken entry; errors only from reading the store.
  absl::StatusOr<v1::VerifyAuditReply> Verify() const;

 private:
  // Appends `entry` (seq and prev_sha256 filled in here) in `batch`.
  absl::Status Append(Replica::Batch* batch, v1::AuditEntry entry);

  Clock* const clock_;
  Replica* replica_ = nullptr;
};

}  // namespace casesync

#endif  // CASESYNC_SERVER_AUDIT_LOG_H_
