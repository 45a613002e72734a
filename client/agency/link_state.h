// The board link's stored state (docs/sync_protocol.md): one
// v1::BoardLinkState in the sync_state family, saying what the board has
// acknowledged of this agency's changes, how far the board's feed has been
// applied and in which of its epochs, and where a store restored from a
// backup stands in taking its own changes back; with it, the board's
// rejections of this agency's changes (the verdicts family) and the mark of
// those a `sync --wait` has reported.
//
// Every change of the state is a read, modify and commit (LinkState::Change)
// in the same batch as what it describes: the feed entries a cursor covers,
// the verdicts a count includes. Commits are not synced: all of it can be
// had from the board again (a lost acknowledgement means a harmless resend,
// a lost feed cursor a harmless re-pull, lost rejections come back in the
// next Welcome), so after a crash the link resends or re-pulls, but never
// skips.
//
// Thread-safety: thread-safe. Changes are serialized by apply_mu_, which is
// taken before mu_ (which guards the published copy) and before any lock of
// the link that owns this state; on_commit runs holding apply_mu_ only.
#ifndef CASESYNC_CLIENT_AGENCY_LINK_STATE_H_
#define CASESYNC_CLIENT_AGENCY_LINK_STATE_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "casesync/v1/storage.pb.h"
#include "casesync/v1/sync.pb.h"
#include "common/base/clock.h"
#include "common/replica/replica.h"

namespace casesync {

struct LinkStateOptions {
  // The board's id as configured (--board_id); empty: learnt at the first
  // contact.
  std::string board_id;
  // Non-zero: the store was just restored from a backup taken then (ms since
  // the epoch). Load records it durably; local writes are refused (MayWrite)
  // until the board has sent back what it holds.
  int64_t restored_from_backup_ms = 0;
  // Wall clock for last-contact times and the start of a recovery. Not
  // owned.
  Clock* clock = SystemClock();
  // Called after every commit, holding apply_mu_ (so it may take locks
  // ordered after it); empty for none.
  std::function<void()> on_commit;
};

class LinkState {
 public:
  class Change;

  // Reads the stored state of `replica` (not owned; must outlive this).
  // DATA_LOSS if it is unreadable; FAILED_PRECONDITION if options.board_id
  // is not the board the store has synced with; store errors, also from
  // recording a restore (synced, before the caller forgets the backup).
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<LinkState>> Load(
      Replica* replica, LinkStateOptions options);

  // The state as last committed.
  v1::BoardLinkState Get() const;
  // The board id this link knows: learnt, else configured, else empty.
  std::string KnownBoardId() const;

  // OK if local changes may be made; FAILED_PRECONDITION, saying what to
  // do, while a store restored from a backup has not yet heard from the
  // board (a change made now could take a number the board already holds).
  [[nodiscard]] absl::Status MayWrite() const;

  // Stages the board's Welcome: its word on what it has acknowledged (a
  // higher frontier than the store's starts a recovery, raising the own
  // frontier; a lower one means resend), its rejections, feed epoch and
  // head, and its id. FAILED_PRECONDITION for a store that wrote changes of
  // its own under numbers the board holds; store errors.
  [[nodiscard]] absl::Status StageWelcome(const v1::Welcome& welcome,
                                          Change* change) const;
  // Stages a PushAck's rejections (those not stored yet) and acknowledged
  // frontier. Errors from reading the store.
  [[nodiscard]] absl::Status StageAck(const v1::PushAck& ack,
                                      Change* change) const;

  // The stored rejections above the reported mark, oldest first; moves the
  // mark past them. DATA_LOSS for an unreadable verdict; store errors.
  [[nodiscard]] absl::StatusOr<google::protobuf::RepeatedPtrField<v1::Verdict>>
  TakeNewRejections();
  // The newest `limit` rejections, newest first (unreadable ones skipped).
  // Errors from reading the store.
  [[nodiscard]] absl::StatusOr<std::vector<v1::Verdict>> NewestRejections(
      size_t limit) const;

  // Takes the board's feed `epoch` (begun at `started_ms`) into `state`: if
  // it is new (the board was restored from a backup), the cursor goes back
  // to `start_cursor`, where the board's stream or receipt starts, when
  // that is lower.
  static void AdoptFeedEpoch(uint64_t epoch, int64_t started_ms,
                             uint64_t start_cursor, v1::BoardLinkState* state);
  // Ends the restore from a backup in `state` (opening local writes again)
  // once every own change the board held has come back: at once if none
  // was missing, else when the feed cursor reaches recover_until_feed.
  static void FinishRecoveryIfDone(v1::BoardLinkState* state);

  // The state as `batch` reads it (a backup's consistent view). DATA_LOSS
  // if it is unreadable; store errors.
  [[nodiscard]] static absl::StatusOr<v1::BoardLinkState> ReadThrough(
      Replica::Batch* batch);

 private:
  LinkState(Replica* replica, LinkStateOptions options,
            v1::BoardLinkState state);

  // Stages the rejections among `verdicts` not stored yet into `batch`;
  // returns how many were new.
  [[nodiscard]] absl::StatusOr<uint64_t> StoreRejections(
      const google::protobuf::RepeatedPtrField<v1::Verdict>& verdicts,
      Replica::Batch* batch) const;
  // The part of StageWelcome for a board that holds more of this agency's
  // changes than the store (`own`), or is still sending them back.
  [[nodiscard]] absl::Status StageRecovery(const v1::Welcome& welcome,
                                           uint64_t own, Change* change) const;

  Replica* const replica_;
  const LinkStateOptions options_;
  absl::Mutex apply_mu_ ABSL_ACQUIRED_BEFORE(mu_);
  mutable absl::Mutex mu_;
  v1::BoardLinkState state_ ABSL_GUARDED_BY(mu_);
};

// A read, modify and commit of the link state: holds the apply lock and a
// batch of the replica from construction, so that nothing else changes the
// state or writes to the store until Commit or destruction. Destroying it
// uncommitted discards everything staged. Belongs to the thread that made
// it.
class ABSL_SCOPED_LOCKABLE LinkState::Change {
 public:
  explicit Change(LinkState* link)
      ABSL_EXCLUSIVE_LOCK_FUNCTION(link->apply_mu_);
  ~Change() ABSL_UNLOCK_FUNCTION();
  Change(const Change&) = delete;
  Change& operator=(const Change&) = delete;

  // The state as it will be committed; the batch it commits with.
  v1::BoardLinkState* state() { return &state_; }
  Replica::Batch* batch() { return batch_.get(); }
  // The board was heard from now: the last-contact time.
  void MarkContact();

  // Writes the state into the batch, commits both (not synced) and
  // publishes the state. Errors as Replica::Batch::Commit, with nothing
  // published. Once only.
  [[nodiscard]] absl::Status Commit();

 private:
  LinkState* const link_;
  v1::BoardLinkState state_;
  std::unique_ptr<Replica::Batch> batch_;
};

}  // namespace casesync

#endif  // CASESYNC_CLIENT_AGENCY_LINK_STATE_H_
