// Bundles at an agency (docs/bundle_format.md): air-gapped sync, for when
// the board cannot be reached over the network. The bundle an agency
// carries to the board holds every change the board has not acknowledged,
// as the pushes of a sync stream would; the receipt bundle it brings back
// is checked whole and applied as the frames of a sync stream would be: the
// acknowledgement (verdicts, receipt), then the feed entries after this
// agency's cursor.
//
// Thread-safety: thread-safe; an import is one LinkState::Change, so it
// and the frames of an open sync stream apply one at a time.
#ifndef CASESYNC_CLIENT_AGENCY_AGENCY_BUNDLES_H_
#define CASESYNC_CLIENT_AGENCY_AGENCY_BUNDLES_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "client/agency/board_link_options.h"
#include "client/agency/feed_apply.h"
#include "client/agency/link_state.h"
#include "client/agency/receipts.h"
#include "common/api/sync_control.h"
#include "common/replica/replica.h"
#include "common/security/signing.h"
#include "common/sync/bundle_format.h"

namespace casesync {

class AgencyBundles {
 public:
  // What an agency's bundles need; no pointer is owned, and each must
  // outlive the AgencyBundles.
  struct Parts {
    Replica* replica = nullptr;
    LinkState* link_state = nullptr;
    FeedApplier* feed = nullptr;
    Receipts* receipts = nullptr;
    // Signs exported bundles; null: unsigned (an insecure link).
    KeyPairSigner* signer = nullptr;
  };
  // Uses the push limits, clock and transport of `options`: receipt bundles
  // are checked against transport.tls_ca, read afresh at each import
  // (unchecked when insecure).
  AgencyBundles(Parts parts, BoardLinkOptions options);

  // A bundle of every change the board has not acknowledged (as many as fit
  // in one bundle: summary.remaining says how many did not), with this
  // agency's feed cursor, addressed to its board and signed. INVALID_ARGUMENT
  // for a request naming another agency; FAILED_PRECONDITION while the
  // board's id is unknown; DATA_LOSS if an own change is missing; errors as
  // BundleWriter::Finish and from reading the store.
  [[nodiscard]] absl::StatusOr<ExportedBundle> Export(
      const v1::ExportBundleRequest& request, const BundleProgressFn& progress);

  // The board's receipt bundle, checked whole, then applied in one batch.
  // Errors as LocalApi.ImportBundle, with nothing applied: INVALID_ARGUMENT
  // for a bundle not addressed to this agency by its board, or malformed;
  // FAILED_PRECONDITION for one that does not follow on from what this
  // agency holds (a gap in the feed, an older history of the board's, a
  // store restored from a backup and not yet recovered); as OpenBundle,
  // StageFeed and the store otherwise.
  [[nodiscard]] absl::StatusOr<v1::BundleSummary> Import(
      absl::string_view bytes, const BundleProgressFn& progress);

 private:
  // Adds push frames of the own changes from `first` up to `own` to
  // `writer` until the bundle is full; returns the counter after the last
  // one added.
  [[nodiscard]] absl::StatusOr<uint64_t> AddPushFrames(
      uint64_t first, uint64_t own, const BundleProgressFn& progress,
      BundleWriter* writer) const;
  // INVALID_ARGUMENT unless `header` is a receipt bundle for this agency
  // from its board.
  [[nodiscard]] absl::Status CheckAddressedTo(
      const v1::BundleHeader& header) const;
  // The receipt bundle in `bytes`, addressed here, signed by the board and
  // starting with an acknowledgement that agrees with its header.
  [[nodiscard]] absl::StatusOr<OpenedBundle> OpenReceipt(
      absl::string_view bytes) const;
  // FAILED_PRECONDITION unless the receipt in `header` follows on from the
  // state of `change` (its feed epoch taken in, when it is a later one) and
  // acknowledges no more than the store holds.
  [[nodiscard]] absl::Status CheckFollowsOn(const v1::BundleHeader& header,
                                            const v1::PushAck& ack,
                                            LinkState::Change* change) const;
  // Stages the bundle's acknowledgement and feed frames into `change`;
  // returns how many feed entries were new.
  [[nodiscard]] absl::StatusOr<uint64_t> StageReceipt(
      const OpenedBundle& bundle, const BundleProgressFn& progress,
      LinkState::Change* change) const;

  const Parts parts_;
  const BoardLinkOptions options_;
};

}  // namespace casesync

#endif  // CASESYNC_CLIENT_AGENCY_AGENCY_BUNDLES_H_
