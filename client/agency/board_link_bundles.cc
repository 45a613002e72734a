// BoardLink's side of air-gapped sync (docs/bundle_format.md): the bundle
// an agency carries to the board, and the board's receipt bundle it brings
// back. The frames are those of the sync stream, applied by the same code.
#include <algorithm>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "client/agency/board_link.h"
#include "common/base/status_macros.h"
#include "common/sync/bundle_format.h"
#include "common/sync/frame_codec.h"
#include "spdlog/spdlog.h"

namespace casesync {

absl::StatusOr<ExportedBundle> BoardLink::ExportBundle(
    const v1::ExportBundleRequest& request, const BundleProgressFn& progress) {
  if (!request.agency().empty() && request.agency() != replica_->id()) {
    return absl::InvalidArgumentError(
        "an agency daemon exports its own changes: run `bundle export --out "
        "FILE` without --agency (--agency is for the board's receipts)");
  }
  const std::string board = KnownBoardId();
  if (board.empty()) {
    return absl::FailedPreconditionError(
        "this agency has not been in contact with its board yet, so it does "
        "not know whom to address the bundle to: start casesyncd with "
        "--board_id ID (the board's id, the name in its certificate)");
  }
  const v1::BoardLinkState state = this->state();
  ASSIGN_OR_RETURN(uint64_t own, replica_->Frontier(replica_->id()));
  const uint64_t first = state.acknowledged() + 1;
  const uint64_t total = own - std::min(own, state.acknowledged());
  BundleWriter writer;
  uint64_t next = first;
  ReportProgress(progress, "changes", 0, total);
  // A backlog too large for one bundle goes in parts: this one stops where
  // it is full, and its last_counter says where.
  while (next <= own && writer.frame_bytes() + 2 * options_.max_push_bytes <=
                            kMaxBundleBytes - kBundleSlackBytes) {
    ASSIGN_OR_RETURN(std::vector<Replica::EncodedChange> changes,
                     replica_->ChangesAfter(replica_->id(), next - 1,
                                            options_.max_push_changes,
                                            options_.max_push_bytes));
    if (changes.empty()) break;
    if (changes.front().counter != next) {
      return absl::DataLossError(absl::StrCat(
          "this store is missing its own change ", next,
          " (the next one held is ", changes.front().counter, ")"));
    }
    v1::BundleFrame frame;
    frame.mutable_push()->set_zstd(CompressSerialized(SerializedPush(changes)));
    writer.Add(frame);
    next = changes.back().counter + 1;
    ReportProgress(progress, "changes", next - first, total);
  }
  v1::BundleHeader header;
  header.set_format_version(1);
  header.set_kind(v1::BundleHeader::KIND_CHANGES);
  header.set_sender(replica_->id());
  header.set_recipient(board);
  header.set_created_ms(static_cast<int64_t>(options_.clock->NowMillis()));
  header.set_requires_acknowledged(state.acknowledged());
  header.set_first_counter(first);
  header.set_last_counter(next - 1);
  header.set_feed_cursor(state.feed_cursor());
  header.set_feed_epoch(state.feed_epoch());
  header.set_acknowledged(state.acknowledged());
  header.set_frames(writer.frames());
  ExportedBundle exported;
  ASSIGN_OR_RETURN(exported.bytes, writer.Finish(header, signer_.get()));
  *exported.summary.mutable_header() = std::move(header);
  exported.summary.set_bytes(exported.bytes.size());
  exported.summary.set_acknowledged(state.acknowledged());
  exported.summary.set_feed_cursor(state.feed_cursor());
  // (Changes written during the export may have gone in too.)
  exported.summary.set_remaining(own - std::min(own, next - 1));
  if (signer_ != nullptr) {
    exported.summary.set_signed_by(signer_->CommonName());
  }
  return exported;
}

absl::Status BoardLink::CheckAddressedTo(const v1::BundleHeader& header) const {
  if (header.kind() == v1::BundleHeader::KIND_CHANGES) {
    return absl::InvalidArgumentError(absl::StrCat(
        "this is a bundle of changes from agency '", header.sender(),
        "' for board '", header.recipient(), "': import it on the board"));
  }
  if (header.kind() != v1::BundleHeader::KIND_RECEIPT) {
    return absl::InvalidArgumentError(
        "the bundle holds neither an agency's changes nor a receipt");
  }
  if (header.recipient() != replica_->id()) {
    return absl::InvalidArgumentError(
        absl::StrCat("the bundle is made out to agency '", header.recipient(),
                     "', not to this one ('", replica_->id(), "')"));
  }
  if (const std::string known = KnownBoardId();
      !known.empty() && known != header.sender()) {
    return absl::InvalidArgumentError(
        absl::StrCat("the bundle is from board '", header.sender(),
                     "', but this agency syncs with board '", known, "'"));
  }
  return absl::OkStatus();
}

absl::StatusOr<v1::BundleSummary> BoardLink::ImportBundle(
    absl::string_view bytes, const BundleProgressFn& progress) {
  // Addressed here? Said before the signature is checked: a bundle meant
  // for the board is signed by a key this agency would not expect.
  ASSIGN_OR_RETURN(const v1::BundleHeader peeked, PeekBundleHeader(bytes));
  RETURN_IF_ERROR(CheckAddressedTo(peeked));
  std::unique_ptr<CertificateTrust> trust;
  if (!options_.transport.insecure) {
    ASSIGN_OR_RETURN(trust, CertificateTrust::Load(options_.transport.tls_ca));
  }
  ASSIGN_OR_RETURN(OpenedBundle bundle,
                   OpenBundle(bytes, trust.get(), CertificateRole::kServer));
  const v1::BundleHeader& header = bundle.header;
  if (bundle.frames.empty() || !bundle.frames.front().has_push_ack()) {
    return absl::InvalidArgumentError(
        "a receipt bundle starts with the board's acknowledgement; this one "
        "does not");
  }
  const v1::PushAck& ack = bundle.frames.front().push_ack();
  if (ack.acknowledged() != header.acknowledged()) {
    return absl::InvalidArgumentError(
        absl::StrCat("its header acknowledges up to ", header.acknowledged(),
                     " but its acknowledgement up to ", ack.acknowledged()));
  }

  absl::MutexLock apply(&apply_mu_);
  v1::BoardLinkState state = this->state();
  // Again, under the lock: a Welcome may have named the board meanwhile.
  RETURN_IF_ERROR(CheckAddressedTo(header));
  if (state.restored_from_backup_ms() != 0) {
    return absl::FailedPreconditionError(
        "this store was restored from a backup: it takes back the changes "
        "made after it from the board over the network (casesync sync "
        "--wait) before it takes receipt bundles again");
  }
  if (header.feed_epoch() != state.feed_epoch()) {
    // The board was restored from a backup since this agency last heard
    // from it, and this receipt carries the feed from where the histories
    // agree. Only a receipt of a later epoch may say so (one of an earlier
    // epoch comes from a history the board no longer has). Both times are
    // the board's clock.
    if (header.feed_epoch_started_ms() <= state.feed_epoch_started_ms()) {
      return absl::FailedPreconditionError(
          "this receipt is from another history of the board's feed than "
          "the one this agency has (the board was restored from a backup), "
          "an older one: export a new bundle to the board and import its "
          "answer");
    }
    AdoptFeedEpoch(header.feed_epoch(), header.feed_epoch_started_ms(),
                   header.requires_feed_cursor(), &state);
  }
  if (header.requires_feed_cursor() > state.feed_cursor()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "this receipt carries board '", header.sender(), "''s feed from entry ",
        header.requires_feed_cursor() + 1,
        " on, but this agency has applied it only up to entry ",
        state.feed_cursor(),
        ": import the earlier receipt bundle that brought entries ",
        state.feed_cursor() + 1, "..", header.requires_feed_cursor(),
        " first, or export a new bundle to the board, whose answer will "
        "start from entry ",
        state.feed_cursor() + 1));
  }
  ASSIGN_OR_RETURN(uint64_t own, replica_->Frontier(replica_->id()));
  if (ack.acknowledged() > own) {
    return absl::FailedPreconditionError(absl::StrCat(
        "the board has acknowledged ", ack.acknowledged(),
        " changes from this agency, but this store holds only ", own,
        ": was the data directory restored from an old backup?"));
  }
  // Everything in one batch: a frame that fails leaves nothing applied.
  std::unique_ptr<Replica::Batch> batch = replica_->NewBatch();
  if (state.board_id().empty()) state.set_board_id(header.sender());
  RETURN_IF_ERROR(StagePushAck(ack, batch.get(), &state));
  v1::BundleSummary summary;
  ReportProgress(progress, "feed frames", 0, bundle.frames.size() - 1);
  for (size_t i = 1; i < bundle.frames.size(); ++i) {
    const v1::BundleFrame& frame = bundle.frames[i];
    if (!frame.has_feed()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "frame ", i + 1, " of a receipt bundle is not a feed batch"));
    }
    absl::StatusOr<v1::FeedBatch> entries = Unwrapped(frame.feed());
    if (!entries.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("frame ", i + 1, ": ", entries.status().message()));
    }
    absl::StatusOr<uint64_t> applied =
        StageFeedFrame(*entries, frame.feed().cursor(),
                       frame.feed().feed_head(), batch.get(), &state);
    if (!applied.ok()) {
      return absl::Status(
          applied.status().code(),
          absl::StrCat("frame ", i + 1, ": ", applied.status().message(),
                       " (nothing from the bundle applied)"));
    }
    summary.set_feed_entries_applied(summary.feed_entries_applied() + *applied);
    ReportProgress(progress, "feed frames", i, bundle.frames.size() - 1);
  }
  RETURN_IF_ERROR(CommitState(batch.get(), state));
  Acknowledged(ack.acknowledged());
  *summary.mutable_header() = header;
  summary.set_bytes(bundle.bytes);
  summary.set_signed_by(bundle.signed_by);
  summary.set_acknowledged(state.acknowledged());
  summary.set_feed_cursor(state.feed_cursor());
  for (const v1::Verdict& verdict : ack.rejected()) {
    if (verdict.dot().replica() != replica_->id()) continue;
    summary.set_rejected(summary.rejected() + 1);
    *summary.add_rejections() = verdict;
  }
  spdlog::info(
      "receipt bundle from board {} imported: acknowledged up to {}, {} feed "
      "entries applied, feed cursor {}",
      header.sender(), state.acknowledged(), summary.feed_entries_applied(),
      state.feed_cursor());
  return summary;
}

}  // namespace casesync
