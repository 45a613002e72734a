// An agency daemon's link to the board (docs/sync_protocol.md): keeps one
// sync session open whenever the board can be reached, and answers "am I
// synced?". The link coordinates; its parts do the work:
//
//   LinkState      the stored state: acknowledged frontier, feed cursor and
//                  epoch, recovery after a restore, rejections
//   SyncSession    one stream: Hello/Welcome, pushes, the feed, pings
//   FeedApplier    the board's feed staged with the cursor it moves
//   Receipts       the board's signed receipts, kept and checked offline
//   AgencyBundles  air-gapped sync: bundles out, receipt bundles in
//
// Offline first: the agency works against its replica whether or not the
// link is up. When the board is unreachable the link retries with
// exponential backoff and jitter; a sync request cuts the wait short.
//
// Thread-safety: thread-safe. One background thread runs the link (and its
// session, which reads the stream on a second). Locks, in the order they
// may be taken: the link state's apply lock, then mu_, then the link
// state's and the session's own.
#ifndef CASESYNC_CLIENT_AGENCY_BOARD_LINK_H_
#define CASESYNC_CLIENT_AGENCY_BOARD_LINK_H_

#include <cstdint>
#include <memory>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/random/random.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "casesync/v1/sync.grpc.pb.h"
#include "client/agency/agency_bundles.h"
#include "client/agency/board_link_options.h"
#include "client/agency/feed_apply.h"
#include "client/agency/link_state.h"
#include "client/agency/receipts.h"
#include "client/agency/sync_session.h"
#include "common/api/sync_control.h"
#include "common/replica/replica.h"
#include "common/security/signing.h"

namespace casesync {

class BoardLink : public SyncControl, public ReceiptControl {
 public:
  // Starts the link's thread. `replica` is not owned and must outlive the
  // link. Errors as LinkState::Load (FAILED_PRECONDITION if
  // options.board_id is not the board the store has synced with), and
  // (unless insecure) as KeyPairSigner::Load and CertificateTrust::Load for
  // the transport's files, with which bundles are signed and checked.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<BoardLink>> Start(
      Replica* replica, BoardLinkOptions options);
  ~BoardLink() override;

  // Ends the open session and the thread. Idempotent.
  void Stop();

  // A local change was committed: push it soon.
  void LocalWrite();

  // As LinkState::MayWrite: FAILED_PRECONDITION while a store restored
  // from a backup has not yet heard from the board.
  [[nodiscard]] absl::Status MayWrite() const;

  // SyncControl.
  [[nodiscard]] absl::StatusOr<v1::StatusReply> Status() override;
  [[nodiscard]] absl::StatusOr<v1::SyncReply> Sync(
      const v1::SyncRequest& request) override;
  // ReceiptControl: as Receipts::List.
  [[nodiscard]] absl::StatusOr<v1::ListReceiptsReply> ListReceipts() override;
  // SyncControl: as AgencyBundles::Export.
  [[nodiscard]] absl::StatusOr<ExportedBundle> ExportBundle(
      const v1::ExportBundleRequest& request,
      const BundleProgressFn& progress) override;
  // SyncControl: as AgencyBundles::Import.
  [[nodiscard]] absl::StatusOr<v1::BundleSummary> ImportBundle(
      absl::string_view bytes, const BundleProgressFn& progress) override;
  // SyncControl: a checkpoint of the agency's store, as StreamBackup.
  [[nodiscard]] absl::Status Backup(const BackupChunkFn& send) override;

 private:
  BoardLink(Replica* replica, BoardLinkOptions options);

  void Run();
  // Waits out the backoff after `attempt` failures in a row, or until Stop()
  // or a sync request.
  void AwaitRetry(int attempt, absl::BitGen& bitgen);
  // Waits for the channel to the board to connect: UNAVAILABLE if it does
  // not within the connect timeout, CANCELLED on Stop().
  [[nodiscard]] absl::Status Connect();
  // One session, until it fails or Stop(): as SyncSession::Run.
  [[nodiscard]] absl::Status RunSession();
  // The session's events, and every commit of the link state.
  void Welcomed();
  void Answered(uint64_t ping);
  void StateCommitted();
  // Waits until the own changes up to `target` are acknowledged and the
  // ping `ping` (0: none) is answered. UNAVAILABLE when stopping or when a
  // session begun after `sessions_at_start` failed; DEADLINE_EXCEEDED after
  // `timeout`.
  [[nodiscard]] absl::Status AwaitSynced(uint64_t target, uint64_t ping,
                                         uint64_t sessions_at_start,
                                         absl::Duration timeout)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The stored link state's part of the status.
  static void ReportState(const v1::BoardLinkState& state,
                          v1::AgencyStatus* status);

  Replica* const replica_;
  const BoardLinkOptions options_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::BoardSync::Stub> stub_;
  // Signs this agency's bundles (null: insecure).
  std::unique_ptr<KeyPairSigner> signer_;
  std::unique_ptr<LinkState> state_;
  std::unique_ptr<FeedApplier> feed_;
  std::unique_ptr<Receipts> receipts_;
  std::unique_ptr<AgencyBundles> bundles_;
  std::thread thread_;

  mutable absl::Mutex mu_;
  absl::CondVar cv_;
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  bool connect_now_ ABSL_GUARDED_BY(mu_) = false;
  bool connected_ ABSL_GUARDED_BY(mu_) = false;
  // The current or last session received the board's Welcome.
  bool session_welcomed_ ABSL_GUARDED_BY(mu_) = false;
  // Sessions begun, and the number of the last one that ended in failure.
  uint64_t sessions_started_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t last_failed_session_ ABSL_GUARDED_BY(mu_) = 0;
  std::string last_error_ ABSL_GUARDED_BY(mu_);
  uint64_t pings_requested_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t pings_answered_ ABSL_GUARDED_BY(mu_) = 0;
  // The open session, to tell it of writes, pings and Stop().
  SyncSession* session_ ABSL_GUARDED_BY(mu_) = nullptr;
};

}  // namespace casesync

#endif  // CASESYNC_CLIENT_AGENCY_BOARD_LINK_H_
