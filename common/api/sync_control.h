// What the local API asks of a daemon's sync side: its status ("am I
// synced?"), a sync on demand, bundles and backups (SyncControl, which the
// agency daemon's board link and the board each implement), and what only
// one side keeps: the board's audit chain (AuditChainControl) and the
// receipts an agency keeps of its pushes (ReceiptControl).
//
// Thread-safety: implementations must be safe to call from many threads.
#ifndef CASESYNC_COMMON_API_SYNC_CONTROL_H_
#define CASESYNC_COMMON_API_SYNC_CONTROL_H_

#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "casesync/v1/local_api.pb.h"
#include "common/replica/backup.h"

namespace casesync {

// Reports how far bundle work has got; called often, from the working
// thread.
using BundleProgressFn = std::function<void(const v1::BundleProgress&)>;

// Calls `progress`, if any, with `done` of `total` `unit`s.
inline void ReportProgress(const BundleProgressFn& progress,
                           absl::string_view unit, uint64_t done,
                           uint64_t total) {
  if (!progress) return;
  v1::BundleProgress report;
  report.set_unit(std::string(unit));
  report.set_done(done);
  report.set_total(total);
  progress(report);
}

// A bundle file's bytes and what they hold.
struct ExportedBundle {
  std::string bytes;
  v1::BundleSummary summary;
};

class SyncControl {
 public:
  virtual ~SyncControl() = default;
  // The daemon's sync status; errors only from reading the store.
  [[nodiscard]] virtual absl::StatusOr<v1::StatusReply> Status() = 0;
  // See LocalApi.Sync in local_api.proto for the errors.
  [[nodiscard]] virtual absl::StatusOr<v1::SyncReply> Sync(
      const v1::SyncRequest& request) = 0;
  // Bundles (docs/bundle_format.md): see LocalApi.ExportBundle and
  // LocalApi.ImportBundle in local_api.proto for what each side writes and
  // applies, and for the errors.
  [[nodiscard]] virtual absl::StatusOr<ExportedBundle> ExportBundle(
      const v1::ExportBundleRequest& request,
      const BundleProgressFn& progress) = 0;
  [[nodiscard]] virtual absl::StatusOr<v1::BundleSummary> ImportBundle(
      absl::string_view bytes, const BundleProgressFn& progress) = 0;
  // A consistent backup of the daemon's store, streamed through `send`:
  // see LocalApi.Backup and StreamBackup for what and the errors.
  [[nodiscard]] virtual absl::Status Backup(const BackupChunkFn& send) = 0;
};

// The board's audit chain, as the local API reaches it (the board only).
class AuditChainControl {
 public:
  virtual ~AuditChainControl() = default;
  // Walks the whole chain: see LocalApi.VerifyAudit. Errors from reading
  // the store.
  [[nodiscard]] virtual absl::StatusOr<v1::VerifyAuditReply> VerifyAudit() = 0;
};

// The board's receipts an agency keeps (an agency only).
class ReceiptControl {
 public:
  virtual ~ReceiptControl() = default;
  // Every receipt kept, each checked offline against the daemon's CA.
  // FAILED_PRECONDITION on a plain-text link (no receipts, no CA); errors
  // from reading the store or the CA file.
  [[nodiscard]] virtual absl::StatusOr<v1::ListReceiptsReply>
  ListReceipts() = 0;
};

}  // namespace casesync

#endif  // CASESYNC_COMMON_API_SYNC_CONTROL_H_
