// Bundles on the board (docs/bundle_format.md): an
// agency's bundle is taken in exactly as its pushes over the network would
// be (the same Ingest, the same verdicts), and the receipt bundle an agency
// takes home carries what a sync stream would have sent it: the
// acknowledgement with its verdicts and signed receipt, and the feed it may
// see from the cursor it last reported.
//
// Thread-safety: thread-safe; bundles and sync streams of the same agency
// may run at once (Ingest judges each change once; feed entries are
// idempotent).
#ifndef CASESYNC_SERVER_BOARD_BUNDLES_H_
#define CASESYNC_SERVER_BOARD_BUNDLES_H_

#include <memory>
#include <string>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/api/sync_control.h"
#include "common/base/clock.h"
#include "common/security/receipt.h"
#include "common/security/signing.h"
#include "common/sync/bundle_format.h"

namespace casesync {

class Board;

class BoardBundles {
 public:
  // Agencies' bundles are checked against the CA in `ca_file` and the
  // revocation lists in `crl_dir` (optional), read afresh for each import
  // (CertificateTrust::Load), so a revocation takes effect at once.
  // Without `ca_file`, bundles are refused unless `allow_unsigned` (a board
  // running --insecure), when they are taken unsigned and signatures are
  // not checked. Without `signer`, receipt bundles go out unsigned. Neither
  // pointer is owned.
  BoardBundles(Board* board, Clock* clock, std::string ca_file,
               std::string crl_dir, bool allow_unsigned, ReceiptSigner* signer)
      : board_(board),
        clock_(clock),
        ca_file_(std::move(ca_file)),
        crl_dir_(std::move(crl_dir)),
        allow_unsigned_(allow_unsigned),
        signer_(signer) {}

  // Checks an agency's bundle whole, then applies its changes as pushes from
  // its signer. Errors as LocalApi.ImportBundle, with nothing applied
  // (FAILED_PRECONDITION too when the board cannot check signatures: no CA
  // and not allow_unsigned, an unreadable CA file, a missing revocation
  // list). Store or receipt-signing errors part way leave what was applied
  // durable and consistent (the agency's frontier covers exactly that), so
  // importing again resumes.
  [[nodiscard]] absl::StatusOr<v1::BundleSummary> Import(
      absl::string_view bytes, const BundleProgressFn& progress);

  // The receipt bundle for `agency`. NOT_FOUND for an agency the board has
  // never heard from and no review lists; INVALID_ARGUMENT for a malformed
  // id; store and signing errors. Each feed batch is logged in the audit
  // chain as a disclosure before it goes into the bundle.
  [[nodiscard]] absl::StatusOr<ExportedBundle> Export(
      const std::string& agency, const BundleProgressFn& progress);

 private:
  // The CA and revocation lists to check agencies' bundles against; null
  // if bundles are taken unsigned. FAILED_PRECONDITION if they cannot be
  // read, or there is no CA and unsigned bundles are not allowed.
  [[nodiscard]] absl::StatusOr<std::unique_ptr<CertificateTrust>> LoadTrust()
      const;
  // Pushes the changes of `bundle` (`total` of them, checked whole by
  // CheckPushes) from its sender in chunks of the board's max_push_changes,
  // counting the verdicts in `summary`. Errors as Ingest::Push.
  [[nodiscard]] absl::Status PushChanges(const OpenedBundle& bundle,
                                         uint64_t total,
                                         const BundleProgressFn& progress,
                                         v1::BundleSummary* summary);
  // The PushAck frame of a receipt bundle for `agency` (its board-side
  // `state`): everything judged since the frontier it last reported, with a
  // signed receipt if there is a signer and anything new. Store and signing
  // errors.
  [[nodiscard]] absl::StatusOr<v1::BundleFrame> AcknowledgementFrame(
      const std::string& agency, const v1::AgencySyncState& state);
  // Adds to `writer` the feed `agency` may see from `start` to the head, or
  // as much of it as fits one bundle, logging each disclosure first; sets
  // `header`'s feed cursor, head and entry count to what it added. Store
  // errors.
  [[nodiscard]] absl::Status AddFeed(const std::string& agency, uint64_t start,
                                     const BundleProgressFn& progress,
                                     BundleWriter* writer,
                                     v1::BundleHeader* header);

  Board* const board_;
  Clock* const clock_;
  const std::string ca_file_;
  const std::string crl_dir_;
  const bool allow_unsigned_;
  ReceiptSigner* const signer_;
};

}  // namespace casesync

#endif  // CASESYNC_SERVER_BOARD_BUNDLES_H_
