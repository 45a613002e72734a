// An agency daemon's link to the board (docs/sync_protocol.md): keeps one sync
// stream open whenever the board can be reached, pushes every local change
// the board has not acknowledged, applies the feed the board sends, and
// answers "am I synced?".
//
// Offline first: the agency works against its replica whether or not the
// link is up. When the board is unreachable the link retries with
// exponential backoff and jitter; a sync request cuts the wait short.
//
// Durability: the acknowledged frontier, rejections and feed cursor are
// written in the same batch as what they describe (not synced: all of it
// can be had from the board again), so after a crash the link resends
// (harmless: the board acknowledges repeats) or re-pulls, but never skips.
//
// Thread-safety: thread-safe. One background thread runs the link, and a
// second reads the stream while a session is open.
#ifndef CASESYNC_CLIENT_AGENCY_BOARD_LINK_H_
#define CASESYNC_CLIENT_AGENCY_BOARD_LINK_H_

#include <deque>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "casesync/v1/storage.pb.h"
#include "casesync/v1/sync.grpc.pb.h"
#include "common/api/sync_control.h"
#include "common/daemon/metrics.h"
#include "common/replica/replica.h"
#include "common/security/signing.h"
#include "common/security/transport.h"

namespace casesync {

struct BoardLinkOptions {
  // host:port of the board's sync service.
  std::string board_address;
  // The board's id (its certificate's common name), if known in advance:
  // a board answering under another id is refused, and bundles can be
  // addressed to it before the first contact. Empty: learnt at the first
  // contact (a Welcome or a receipt bundle).
  std::string board_id;
  // Mutual TLS with this agency's certificate, or plain text naming the
  // agency in call metadata (development only).
  TransportOptions transport;
  // Wall clock for last-contact times. Not owned.
  Clock* clock = SystemClock();
  // Backoff between failed attempts: doubles from min to max, each wait
  // drawn uniformly from 50% to 150% of the nominal value.
  absl::Duration min_backoff = absl::Milliseconds(200);
  absl::Duration max_backoff = absl::Seconds(30);
  // Most changes and bytes in one push frame, and frames awaiting
  // acknowledgement at once.
  size_t max_push_changes = 1000;
  size_t max_push_bytes = 4 << 20;
  int push_window = 4;
  // How long one attempt waits for a connection to the board.
  absl::Duration connect_timeout = absl::Seconds(5);
  // A stream is closed and reopened after this long (its gRPC deadline).
  absl::Duration stream_lifetime = absl::Hours(1);
  // Where to record push and pull latencies; not owned; may be null.
  SyncMetrics* metrics = nullptr;
  // Non-zero: the store was just restored from a backup taken then (ms
  // since the epoch). Recorded durably at Start; local writes are refused
  // (MayWrite) until the board's Welcome has been applied.
  int64_t restored_from_backup_ms = 0;
};

class BoardLink : public SyncControl, public ReceiptControl {
 public:
  // Starts the link's thread. `replica` is not owned and must outlive the
  // link. Errors from reading the link's stored state, FAILED_PRECONDITION
  // if options.board_id is not the board the store has synced with, and
  // (unless
  // insecure) as KeyPairSigner::Load and CertificateTrust::Load for the
  // transport's files, with which bundles are signed and checked.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<BoardLink>> Start(
      Replica* replica, BoardLinkOptions options);
  ~BoardLink() override;

  // Ends the open session and the thread. Idempotent.
  void Stop();

  // A local change was committed: push it soon.
  void LocalWrite();

  // OK if local changes may be made; FAILED_PRECONDITION, saying what to
  // do, while a store restored from a backup has not yet heard from the
  // board (a change made now could take a number the board already holds).
  [[nodiscard]] absl::Status MayWrite() const;

  // SyncControl.
  [[nodiscard]] absl::StatusOr<v1::StatusReply> Status() override;
  [[nodiscard]] absl::StatusOr<v1::SyncReply> Sync(
      const v1::SyncRequest& request) override;
  // ReceiptControl: the receipts kept, each checked against --tls_ca and
  // against the receipts before it (the board's audit chain never shrinks).
  [[nodiscard]] absl::StatusOr<v1::ListReceiptsReply> ListReceipts() override;
  // SyncControl: a bundle of every change the board has not acknowledged,
  // with this agency's feed cursor, addressed to its board and signed with
  // its key (unsigned when insecure).
  [[nodiscard]] absl::StatusOr<ExportedBundle> ExportBundle(
      const v1::ExportBundleRequest& request,
      const BundleProgressFn& progress) override;
  // SyncControl: the board's receipt bundle, checked whole and then applied
  // as the frames of a sync stream would be: the acknowledgement (verdicts,
  // receipt), then the feed entries after this agency's cursor.
  [[nodiscard]] absl::StatusOr<v1::BundleSummary> ImportBundle(
      absl::string_view bytes, const BundleProgressFn& progress) override;
  // SyncControl: a checkpoint of the agency's store, as StreamBackup.
  [[nodiscard]] absl::Status Backup(const BackupChunkFn& send) override;

 private:
  // Changes in a stream's first push (then twice as many in each next one,
  // up to max_push_changes).
  static constexpr size_t kFirstPushChanges = 125;

  BoardLink(Replica* replica, BoardLinkOptions options,
            v1::BoardLinkState state);

  // Takes the board's feed `epoch` (begun at `started_ms`) into `state`: if
  // it is new (the board was restored from a backup), the cursor goes back
  // to `start_cursor`, where the board's stream or receipt starts, when
  // that is lower.
  static void AdoptFeedEpoch(uint64_t epoch, int64_t started_ms,
                             uint64_t start_cursor, v1::BoardLinkState* state);

  // Ends the restore from a backup in `state` (opening local writes again)
  // once every own change the board held has come back: at once if none
  // was missing, else when the feed cursor reaches recover_until_feed.
  void FinishRecoveryIfDone(v1::BoardLinkState* state) const;

  // Stored change bytes as a serialized PushBatch, with nothing parsed:
  // each change is field 1.
  static std::string SerializedPush(
      const std::vector<Replica::EncodedChange>& changes);

  void Run();
  // Waits for the channel to the board to connect: UNAVAILABLE if it does
  // not within the connect timeout, CANCELLED on Stop().
  [[nodiscard]] absl::Status Connect();
  // One connection, until it fails or Stop().
  [[nodiscard]] absl::Status RunSession();
  // The board's frames, from the stream or a receipt bundle. Each holds
  // apply_mu_ while it reads, changes and commits the link's state.
  [[nodiscard]] absl::Status OnWelcome(const v1::Welcome& welcome);
  [[nodiscard]] absl::Status OnPushAck(const v1::PushAck& ack);
  [[nodiscard]] absl::Status OnFeed(const v1::FeedBatch& frame);
  // Stage a frame's effects into `batch` and `*state` (committed together
  // by the caller with CommitState). StageFeedFrame returns how many of
  // `entries` (decompressed) were new: those at or below the cursor are
  // skipped.
  [[nodiscard]] absl::Status StagePushAck(const v1::PushAck& ack,
                                          Replica::Batch* batch,
                                          v1::BoardLinkState* state)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(apply_mu_);
  [[nodiscard]] absl::StatusOr<uint64_t> StageFeedFrame(
      const v1::FeedBatch& entries, uint64_t cursor, uint64_t head,
      Replica::Batch* batch, v1::BoardLinkState* state)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(apply_mu_);
  // Push frames up to `acknowledged` are no longer in flight.
  void Acknowledged(uint64_t acknowledged);
  // INVALID_ARGUMENT unless `header` is a receipt bundle for this agency
  // from its board.
  [[nodiscard]] absl::Status CheckAddressedTo(
      const v1::BundleHeader& header) const;
  // The board id this link knows: learnt, else configured, else empty.
  std::string KnownBoardId() const;
  // Stores the rejections among `verdicts` not stored yet into `batch`;
  // returns how many were new.
  [[nodiscard]] absl::StatusOr<uint64_t> StoreRejections(
      Replica::Batch* batch,
      const google::protobuf::RepeatedPtrField<v1::Verdict>& verdicts);
  // The stored rejections above the reported mark, oldest first; moves the
  // mark past them.
  [[nodiscard]] absl::StatusOr<google::protobuf::RepeatedPtrField<v1::Verdict>>
  TakeNewRejections();
  // Commits `state` with `batch` and publishes it.
  [[nodiscard]] absl::Status CommitState(Replica::Batch* batch,
                                         v1::BoardLinkState state);
  v1::BoardLinkState state() const;

  Replica* const replica_;
  const BoardLinkOptions options_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::BoardSync::Stub> stub_;
  std::thread thread_;
  // Signs this agency's bundles (null: insecure).
  std::unique_ptr<KeyPairSigner> signer_;

  // Serializes changes of the stored link state (stream frames, bundle
  // imports, rejection reports), each a read, modify and commit. Taken
  // before mu_, never after it.
  absl::Mutex apply_mu_ ABSL_ACQUIRED_BEFORE(mu_);
  mutable absl::Mutex mu_;
  absl::CondVar cv_;
  v1::BoardLinkState state_ ABSL_GUARDED_BY(mu_);
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  bool connect_now_ ABSL_GUARDED_BY(mu_) = false;
  bool connected_ ABSL_GUARDED_BY(mu_) = false;
  // The current or last session received the board's Welcome.
  bool session_welcomed_ ABSL_GUARDED_BY(mu_) = false;
  uint64_t local_writes_ ABSL_GUARDED_BY(mu_) = 0;
  // Sessions begun, and the number of the last one that ended in failure.
  uint64_t sessions_started_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t last_failed_session_ ABSL_GUARDED_BY(mu_) = 0;
  std::string last_error_ ABSL_GUARDED_BY(mu_);
  uint64_t pings_requested_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t pings_answered_ ABSL_GUARDED_BY(mu_) = 0;
  // The open session's call, to cancel it on Stop().
  grpc::ClientContext* session_context_ ABSL_GUARDED_BY(mu_) = nullptr;
  // Last counters of the push frames sent and not yet acknowledged.
  // Pushes sent and not yet acknowledged: their last counter, and when
  // each was sent.
  struct InFlight {
    uint64_t last_counter;
    absl::Time sent;
  };
  std::deque<InFlight> in_flight_ ABSL_GUARDED_BY(mu_);
  bool reader_done_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace casesync

#endif  // CASESYNC_CLIENT_AGENCY_BOARD_LINK_H_
