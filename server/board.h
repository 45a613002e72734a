// The board: the server of record (docs/domain.md). Owns the board's
// replica, its feed, the intake of agencies' pushes, and the record service
// its review team uses through the local API; answers "who has synced what"
// for the local API's status.
//
// Thread-safety: thread-safe.
#ifndef CASESYNC_SERVER_BOARD_H_
#define CASESYNC_SERVER_BOARD_H_

#include <map>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "common/api/record_service.h"
#include "common/api/sync_control.h"
#include "common/replica/replica.h"
#include "server/audit_log.h"
#include "server/board_bundles.h"
#include "server/feed.h"
#include "server/feed_epochs.h"
#include "server/ingest.h"

namespace casesync {

struct BoardOptions {
  // Directory of the board's store; created if missing.
  std::string data_dir;
  // The board's replica id (its certificate's common name). Default "board".
  std::string board_id = "board";
  // Wall clock. Not owned.
  Clock* clock = SystemClock();
  // Limits every change must keep.
  ChangeLimits limits;
  // Limits on what agencies push.
  IngestLimits ingest_limits;
  // Sync every commit to disk before acknowledging it (the default). False
  // only for tests that say so.
  bool sync = true;
  // The board's TLS certificate and key (PEM files), with which it signs
  // each push's receipt. Both empty: no receipts (an --insecure board).
  std::string receipt_cert_file;
  std::string receipt_key_file;
  // The CA (PEM file) whose certificates sign agencies' bundles, and the
  // revocation lists they are checked against (optional). Empty CA: an
  // --insecure board, which takes unsigned bundles.
  std::string bundle_ca_file;
  std::string bundle_crl_dir;
  // Take unsigned bundles when there is no CA (--insecure only).
  bool allow_unsigned_bundles = false;
};

class Board : public SyncControl, public AuditChainControl {
 public:
  // Opens the board's store. Errors as Replica::Open, and as
  // ReceiptSigner::Load for the receipt key pair.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<Board>> Open(
      const BoardOptions& options);
  ~Board() override;

  const std::string& id() const { return replica_->id(); }
  Replica* replica() const { return replica_.get(); }
  Feed* feed() { return &feed_; }
  AuditLog* audit() { return &audit_; }
  Ingest* ingest() { return ingest_.get(); }
  RecordService* records() { return records_.get(); }

  // A sync stream from `agency` opened or closed (for status).
  void StreamOpened(const std::string& agency);
  void StreamClosed(const std::string& agency);

  // SyncControl: one row per agency the board knows (from pushes or from
  // reviews' member lists).
  [[nodiscard]] absl::StatusOr<v1::StatusReply> Status() override;
  // SyncControl: the board is the server of record; nothing to do.
  [[nodiscard]] absl::StatusOr<v1::SyncReply> Sync(
      const v1::SyncRequest& request) override;
  // AuditChainControl: walks the audit chain (AuditLog::Verify).
  [[nodiscard]] absl::StatusOr<v1::VerifyAuditReply> VerifyAudit() override;
  // SyncControl: the receipt bundle for request.agency(), as
  // BoardBundles::Export; INVALID_ARGUMENT without an agency.
  [[nodiscard]] absl::StatusOr<ExportedBundle> ExportBundle(
      const v1::ExportBundleRequest& request,
      const BundleProgressFn& progress) override;
  // SyncControl: an agency's bundle, as BoardBundles::Import.
  [[nodiscard]] absl::StatusOr<v1::BundleSummary> ImportBundle(
      absl::string_view bytes, const BundleProgressFn& progress) override;
  // SyncControl: a checkpoint of the board's store, as StreamBackup.
  [[nodiscard]] absl::Status Backup(const BackupChunkFn& send) override;

  // Which history the feed's numbers count in (restores from backups).
  const FeedEpochs& feed_epochs() const { return feed_epochs_; }

 private:
  explicit Board(const BoardOptions& options);
  // If the data directory was restored from a backup: begins a new feed
  // epoch and moves own counters past any given out since, then forgets the
  // backup's manifest. INVALID_ARGUMENT for another replica's backup.
  [[nodiscard]] absl::Status RecordRestore();

  const BoardOptions options_;
  // Declared before the replica, which holds a pointer to it.
  AuditLog audit_;
  Feed feed_;
  std::unique_ptr<Replica> replica_;
  std::unique_ptr<ReceiptSigner> signer_;
  std::unique_ptr<BoardBundles> bundles_;
  std::unique_ptr<Ingest> ingest_;
  std::unique_ptr<RecordService> records_;
  FeedEpochs feed_epochs_;
  absl::Mutex mu_;
  std::map<std::string, int> open_streams_ ABSL_GUARDED_BY(mu_);
};

}  // namespace casesync

#endif  // CASESYNC_SERVER_BOARD_H_
