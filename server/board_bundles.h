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

#include <string>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/api/sync_control.h"
#include "common/base/clock.h"
#include "common/security/receipt.h"
#include "common/security/signing.h"

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
  Board* const board_;
  Clock* const clock_;
  const std::string ca_file_;
  const std::string crl_dir_;
  const bool allow_unsigned_;
  ReceiptSigner* const signer_;
};

}  // namespace casesync

#endif  // CASESYNC_SERVER_BOARD_BUNDLES_H_
