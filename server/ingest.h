// Taking in agencies' pushes on the board (docs/replication.md, "Who may
// write"; docs/security.md), and the board's per-agency bookkeeping
// (acknowledged frontier, counts, last contact, feed cursor).
//
// Each pushed change is judged: its author must be the pushing agency, it
// must be well formed and within limits, and the agency must be allowed to
// write it (common/records/access_rules.h). An accepted change is applied (and
// so numbered in the feed); a rejected one is stored nowhere but in its
// verdict. The agency's acknowledged frontier moves over both, in the same
// synced batch, so the acknowledgement sent afterwards is durable, and a
// crash at any point can repeat a push but never lose or double one.
//
// Verdicts: a rejection is stored as a Verdict record; an acceptance is
// recorded by the frontier itself (at or below it, no rejection record: the
// change was accepted and is held), which saves a write per change.
//
// A push that leaves a long free-text field in conflict with a common
// ancestor may also stage, in the same batch, the board's own change that
// merges the values where they do not overlap (server/text_merge.h,
// docs/text_merge.md).
//
// Thread-safety: thread-safe (the replica serializes writers).
#ifndef CASESYNC_SERVER_INGEST_H_
#define CASESYNC_SERVER_INGEST_H_

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/types/span.h"
#include "casesync/v1/storage.pb.h"
#include "casesync/v1/sync.pb.h"
#include "common/base/clock.h"
#include "common/records/access_rules.h"
#include "common/records/change_check.h"
#include "common/replica/replica.h"
#include "common/security/receipt.h"
#include "server/audit_log.h"
#include "server/text_merge.h"

namespace casesync {

// The board's limits on what agencies push, beyond each change's own
// (ChangeLimits, which the replica enforces).
struct IngestLimits {
  // Changes in one push. An agency learns it from the Welcome and keeps to
  // it; a push over it is refused whole.
  size_t max_push_changes = 1000;
  // Records in one review (the review record itself not counted), all
  // authors together. A change creating one more is rejected (TOO_LARGE);
  // changes to records the review holds are not affected. 0: no limit.
  uint64_t max_records_per_review = 100'000;
};

// `change` checked and serialized against `limits`, and the SHA-256 of its
// canonical form taken for the audit chain when it checks out: what
// Ingest::Push wants beside each change (computed off the applying thread
// where there is one).
CheckedChange CheckForIngest(const v1::Change& change,
                             const ChangeLimits& limits);

// What a board signs for `ack`, the acknowledgement of `agency`'s changes
// from acknowledged_before + 1, with its audit chain at `audit_head`, at
// board time `time_ms`.
v1::ReceiptBody ReceiptBodyFor(absl::string_view board,
                               absl::string_view agency,
                               uint64_t acknowledged_before,
                               const v1::PushAck& ack,
                               const v1::AuditHead& audit_head,
                               int64_t time_ms);

class Ingest {
 public:
  // Neither pointer is owned.
  Ingest(Replica* replica, Clock* clock, IngestLimits limits = {})
      : replica_(replica), clock_(clock), limits_(limits) {}

  const IngestLimits& limits() const { return limits_; }

  // Judges and stores a push from `agency` (the caller's identity). Changes
  // at or below the acknowledged frontier are acknowledged again without
  // being judged twice. FAILED_PRECONDITION, with nothing written, if a
  // change's counter skips past the frontier; RESOURCE_EXHAUSTED, with
  // nothing written, for a push of more than max_push_changes; store errors
  // otherwise.
  [[nodiscard]] absl::StatusOr<v1::PushAck> Push(absl::string_view agency,
                                                 const v1::PushBatch& push);
  // The same, with `checked[i]` = CheckAndSerialize(push.changes(i), the
  // board's limits) done beforehand (by the thread that decoded the push).
  // INVALID_ARGUMENT, with nothing written, if the sizes differ.
  [[nodiscard]] absl::StatusOr<v1::PushAck> Push(
      absl::string_view agency, const v1::PushBatch& push,
      absl::Span<const CheckedChange> checked);

  // A push judged and written by Apply, not yet known to be synced.
  struct AppliedPush {
    // Its acknowledgement, less the receipt.
    v1::PushAck ack;
    UnsyncedCommit commit;
    // For the receipt: the frontier before the push, and the audit head it
    // names (none if no receipt is due).
    uint64_t acknowledged_before = 0;
    std::optional<v1::AuditHead> receipt_audit_head;
    std::string agency;
  };
  // Push in two halves, so that a stream's next push is judged while this
  // one waits for the disk: Apply judges and writes it (errors as Push, with
  // nothing written); Acknowledge waits for its sync and returns the
  // acknowledgement, with its receipt. Acknowledge's errors: the sync failed
  // (the push may not be held; the store takes no more writes), or the
  // receipt could not be signed (the push is held, and the agency learns
  // its acknowledgement from its next Welcome). Call Acknowledge for every
  // applied push, in order, even when the stream has gone: what a Welcome
  // says must be durable (DurableState).
  [[nodiscard]] absl::StatusOr<AppliedPush> Apply(
      absl::string_view agency, const v1::PushBatch& push,
      absl::Span<const CheckedChange> checked);
  [[nodiscard]] absl::StatusOr<v1::PushAck> Acknowledge(AppliedPush applied);

  // From now on the acknowledgement of each push that moves the agency's
  // frontier carries a receipt signed by `signer`, naming `board_id` and
  // the head of `audit` after the push (a repeat of changes judged before
  // gets none: the agency has that receipt).
  // Neither is owned. Call before the first push.
  void SignReceipts(std::string board_id, AuditLog* audit,
                    ReceiptSigner* signer) {
    board_id_ = std::move(board_id);
    audit_ = audit;
    signer_ = signer;
  }

  // What an agency says of itself when it connects (Hello) or in a bundle.
  struct AgencyReport {
    // Its feed cursor (in the board's current feed epoch).
    uint64_t feed_cursor = 0;
    // The acknowledged frontier it has recorded, when it says so.
    std::optional<uint64_t> acknowledged;
    // The newest counter of its own changes, when it says so.
    std::optional<uint64_t> changes;
    // When it was made, milliseconds since the epoch; 0: now.
    int64_t at_ms = 0;
  };

  // Records contact from `agency` and what it `report`s of itself. A report
  // older than the one recorded changes only the contact time.
  [[nodiscard]] absl::Status Touch(absl::string_view agency,
                                   const AgencyReport& report);
  // Records contact and a feed acknowledgement up to `feed_cursor` in
  // memory only: a live agency acknowledges every feed frame, and a write
  // for each would hold the writer lock a hundred times per push on a busy
  // board. State() and AllStates() see it at once; it is stored with the
  // agency's next push or by FlushFeedAck. A crash loses only bookkeeping
  // the agency reports again when it reconnects. Never fails.
  void NoteFeedAck(absl::string_view agency, uint64_t feed_cursor);
  // Stores what NoteFeedAck holds for `agency` (nothing if it holds nothing).
  // Store errors only.
  [[nodiscard]] absl::Status FlushFeedAck(absl::string_view agency);

  // The bookkeeping of one agency (all zero if never seen).
  [[nodiscard]] absl::StatusOr<v1::AgencySyncState> State(
      absl::string_view agency) const;
  // The same, once every push of `agency` written so far is synced: what a
  // Welcome may tell the agency it holds. Errors as State, or the sync's.
  [[nodiscard]] absl::StatusOr<v1::AgencySyncState> DurableState(
      absl::string_view agency);

  // Every agency the board has bookkeeping for, by id.
  [[nodiscard]] absl::StatusOr<
      std::vector<std::pair<std::string, v1::AgencySyncState>>>
  AllStates() const;

  // The rejections of `agency`'s own changes with counters above `after`.
  [[nodiscard]] absl::StatusOr<std::vector<v1::Verdict>> RejectionsAfter(
      absl::string_view agency, uint64_t after) const;

  // The verdict on one change pushed by `agency`, nullopt if not judged yet.
  // An accepted verdict is derived from the frontier (no decided_at).
  [[nodiscard]] absl::StatusOr<std::optional<v1::Verdict>> VerdictOf(
      absl::string_view agency, const v1::Dot& dot) const;

 private:
  // A feed acknowledgement noted but not stored yet.
  struct NotedFeedAck {
    uint64_t feed_cursor = 0;
    uint64_t at_ms = 0;
  };

  // `state` with what NoteFeedAck holds for `agency` laid over it.
  void OverlayFeedAck(absl::string_view agency,
                      v1::AgencySyncState* state) const;

  // A refusal if `ref` names a record the review does not hold yet and the
  // review is full. Store errors only.
  [[nodiscard]] absl::StatusOr<std::optional<Refusal>> CheckRecordCount(
      Replica::Batch* batch, const v1::RecordRef& ref) const;

  // The reviews a push has read so far, by id (nullopt: not held).
  using ReviewsRead = std::map<std::string, std::optional<v1::Review>>;

  // Apply's checks of a push as a whole: INVALID_ARGUMENT if `checked` does
  // not match its changes, RESOURCE_EXHAUSTED if it holds more than
  // max_push_changes.
  [[nodiscard]] absl::Status CheckPushShape(
      absl::string_view agency, const v1::PushBatch& push,
      absl::Span<const CheckedChange> checked) const;
  // Why `agency` may not write `change` (a malformed record address, the
  // access rules, a full review), or nullopt if it may; reads each review
  // once per push into `reviews`. Store errors only.
  [[nodiscard]] absl::StatusOr<std::optional<Refusal>> CheckWrite(
      absl::string_view agency, const v1::Change& change, Replica::Batch* batch,
      ReviewsRead* reviews) const;
  // Applies `change` (with `checked`, its checked form, unless null) in
  // `batch` and notes it for `merger`; or why the replica refuses it (too
  // large, invalid), with nothing staged. Store errors only.
  [[nodiscard]] absl::StatusOr<std::optional<Refusal>> ApplyChange(
      const v1::Change& change, const CheckedChange* checked,
      Replica::Batch* batch, TextConflictMerger* merger) const;
  // Stamps `verdict`, a rejection of a change `agency` pushed, with the time
  // and stages it in `batch`.
  void StoreRejection(absl::string_view agency, Replica::Batch* batch,
                      v1::Verdict* verdict) const;
  // Stages `agency`'s sync `state` after a push judged from
  // `acknowledged_before` on (and, if a receipt is due, the push's audit
  // entry), then commits `batch` unsynced. Returns the applied push with
  // `ack`; store errors otherwise.
  [[nodiscard]] absl::StatusOr<AppliedPush> CommitPush(
      absl::string_view agency, uint64_t acknowledged_before,
      v1::AgencySyncState state, v1::PushAck ack, Replica::Batch* batch);

  Replica* const replica_;
  Clock* const clock_;
  const IngestLimits limits_;
  std::string board_id_;
  AuditLog* audit_ = nullptr;
  ReceiptSigner* signer_ = nullptr;
  // The store position after each agency's newest applied push.
  absl::Mutex written_mu_;
  absl::flat_hash_map<std::string, uint64_t> written_
      ABSL_GUARDED_BY(written_mu_);
  mutable absl::Mutex feed_acks_mu_;
  absl::flat_hash_map<std::string, NotedFeedAck> feed_acks_
      ABSL_GUARDED_BY(feed_acks_mu_);
};

}  // namespace casesync

#endif  // CASESYNC_SERVER_INGEST_H_
