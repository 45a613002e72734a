// Bundles on the board (DESIGN.md section 5, docs/bundle_format.md): an
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

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/clock.h"
#include "common/receipt.h"
#include "common/signing.h"
#include "common/sync_control.h"

namespace casesync {

class Board;

class BoardBundles {
 public:
  // None is owned. Without `trust` (a board running --insecure), bundles
  // are taken unsigned and signatures are not checked; without `signer`,
  // receipt bundles go out unsigned.
  BoardBundles(Board* board, Clock* clock, const CertificateTrust* trust,
               ReceiptSigner* signer)
      : board_(board), clock_(clock), trust_(trust), signer_(signer) {}

  // Checks an agency's bundle whole, then applies its changes as pushes from
  // its signer. Errors as LocalApi.ImportBundle, with nothing applied; store
  // errors part way leave what was applied durable and consistent (the
  // agency's frontier covers exactly that), so importing again resumes.
  absl::StatusOr<v1::BundleSummary> Import(absl::string_view bytes,
                                           const BundleProgressFn& progress);

  // The receipt bundle for `agency`. NOT_FOUND for an agency the board has
  // never heard from and no review lists; INVALID_ARGUMENT for a malformed
  // id; store and signing errors. Each feed batch is logged in the audit
  // chain as a disclosure before it goes into the bundle.
  absl::StatusOr<ExportedBundle> Export(const std::string& agency,
                                        const BundleProgressFn& progress);

 private:
  Board* const board_;
  Clock* const clock_;
  const CertificateTrust* const trust_;
  ReceiptSigner* const signer_;
};

}  // namespace casesync

#endif  // CASESYNC_SERVER_BOARD_BUNDLES_H_
