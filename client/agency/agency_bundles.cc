#include "client/agency/agency_bundles.h"

#include <algorithm>
#include <memory>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "client/agency/serialized_push.h"
#include "common/base/status_macros.h"
#include "common/sync/frame_codec.h"
#include "spdlog/spdlog.h"

namespace casesync {

AgencyBundles::AgencyBundles(Parts parts, BoardLinkOptions options)
    : parts_(parts), options_(std::move(options)) {}

absl::StatusOr<ExportedBundle> AgencyBundles::Export(
    const v1::ExportBundleRequest& request, const BundleProgressFn& progress) {
  Replica* const replica = parts_.replica;
  if (!request.agency().empty() && request.agency() != replica->id()) {
    return absl::InvalidArgumentError(
        "an agency daemon exports its own changes: run `bundle export --out "
        "FILE` without --agency (--agency is for the board's receipts)");
  }
  const std::string board = parts_.link_state->KnownBoardId();
  if (board.empty()) {
    return absl::FailedPreconditionError(
        "this agency has not been in contact with its board yet, so it does "
        "not know whom to address the bundle to: start casesyncd with "
        "--board_id ID (the board's id, the name in its certificate)");
  }
  const v1::BoardLinkState state = parts_.link_state->Get();
  ASSIGN_OR_RETURN(uint64_t own, replica->Frontier(replica->id()));
  const uint64_t first = state.acknowledged() + 1;
  BundleWriter writer;
  ASSIGN_OR_RETURN(const uint64_t next,
                   AddPushFrames(first, own, progress, &writer));
  v1::BundleHeader header;
  header.set_format_version(kBundleFormatVersion);
  header.set_kind(v1::BundleHeader::KIND_CHANGES);
  header.set_sender(replica->id());
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
  ASSIGN_OR_RETURN(exported.bytes, writer.Finish(header, parts_.signer));
  *exported.summary.mutable_header() = std::move(header);
  exported.summary.set_bytes(exported.bytes.size());
  exported.summary.set_acknowledged(state.acknowledged());
  exported.summary.set_feed_cursor(state.feed_cursor());
  // (Changes written during the export may have gone in too.)
  exported.summary.set_remaining(own - std::min(own, next - 1));
  if (parts_.signer != nullptr) {
    exported.summary.set_signed_by(parts_.signer->CommonName());
  }
  return exported;
}

absl::StatusOr<uint64_t> AgencyBundles::AddPushFrames(
    uint64_t first, uint64_t own, const BundleProgressFn& progress,
    BundleWriter* writer) const {
  Replica* const replica = parts_.replica;
  const uint64_t total = own - std::min(own, first - 1);
  uint64_t next = first;
  ReportProgress(progress, "changes", 0, total);
  // A backlog too large for one bundle goes in parts: this one stops where
  // it is full, and its last_counter says where.
  while (next <= own && writer->frame_bytes() + 2 * options_.max_push_bytes <=
                            kMaxBundleBytes - kBundleSlackBytes) {
    ASSIGN_OR_RETURN(std::vector<Replica::EncodedChange> changes,
                     replica->ChangesAfter(replica->id(), next - 1,
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
    writer->Add(frame);
    next = changes.back().counter + 1;
    ReportProgress(progress, "changes", next - first, total);
  }
  return next;
}

absl::Status AgencyBundles::CheckAddressedTo(
    const v1::BundleHeader& header) const {
  if (header.kind() == v1::BundleHeader::KIND_CHANGES) {
    return absl::InvalidArgumentError(absl::StrCat(
        "this is a bundle of changes from agency '", header.sender(),
        "' for board '", header.recipient(), "': import it on the board"));
  }
  if (header.kind() != v1::BundleHeader::KIND_RECEIPT) {
    return absl::InvalidArgumentError(
        "the bundle holds neither an agency's changes nor a receipt");
  }
  const std::string& agency = parts_.replica->id();
  if (header.recipient() != agency) {
    return absl::InvalidArgumentError(
        absl::StrCat("the bundle is made out to agency '", header.recipient(),
                     "', not to this one ('", agency, "')"));
  }
  if (const std::string known = parts_.link_state->KnownBoardId();
      !known.empty() && known != header.sender()) {
    return absl::InvalidArgumentError(
        absl::StrCat("the bundle is from board '", header.sender(),
                     "', but this agency syncs with board '", known, "'"));
  }
  return absl::OkStatus();
}

absl::StatusOr<v1::BundleSummary> AgencyBundles::Import(
    absl::string_view bytes, const BundleProgressFn& progress) {
  ASSIGN_OR_RETURN(OpenedBundle bundle, OpenReceipt(bytes));
  const v1::BundleHeader& header = bundle.header;
  const v1::PushAck& ack = bundle.frames.front().push_ack();
  LinkState::Change change(parts_.link_state);
  // Again, under the lock: a Welcome may have named the board meanwhile.
  RETURN_IF_ERROR(CheckAddressedTo(header));
  RETURN_IF_ERROR(CheckFollowsOn(header, ack, &change));
  ASSIGN_OR_RETURN(const uint64_t applied,
                   StageReceipt(bundle, progress, &change));
  RETURN_IF_ERROR(change.Commit());
  const v1::BoardLinkState& state = *change.state();
  v1::BundleSummary summary;
  *summary.mutable_header() = header;
  summary.set_bytes(bundle.bytes);
  summary.set_signed_by(bundle.signed_by);
  summary.set_acknowledged(state.acknowledged());
  summary.set_feed_cursor(state.feed_cursor());
  summary.set_feed_entries_applied(applied);
  for (const v1::Verdict& verdict : ack.rejected()) {
    if (verdict.dot().replica() != parts_.replica->id()) continue;
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

absl::StatusOr<OpenedBundle> AgencyBundles::OpenReceipt(
    absl::string_view bytes) const {
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
  if (bundle.frames.empty() || !bundle.frames.front().has_push_ack()) {
    return absl::InvalidArgumentError(
        "a receipt bundle starts with the board's acknowledgement; this one "
        "does not");
  }
  const v1::PushAck& ack = bundle.frames.front().push_ack();
  if (ack.acknowledged() != bundle.header.acknowledged()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "its header acknowledges up to ", bundle.header.acknowledged(),
        " but its acknowledgement up to ", ack.acknowledged()));
  }
  return bundle;
}

absl::Status AgencyBundles::CheckFollowsOn(const v1::BundleHeader& header,
                                           const v1::PushAck& ack,
                                           LinkState::Change* change) const {
  v1::BoardLinkState* state = change->state();
  if (state->restored_from_backup_ms() != 0) {
    return absl::FailedPreconditionError(
        "this store was restored from a backup: it takes back the changes "
        "made after it from the board over the network (casesync sync "
        "--wait) before it takes receipt bundles again");
  }
  if (header.feed_epoch() != state->feed_epoch()) {
    // The board was restored from a backup since this agency last heard
    // from it, and this receipt carries the feed from where the histories
    // agree. Only a receipt of a later epoch may say so (one of an earlier
    // epoch comes from a history the board no longer has). Both times are
    // the board's clock.
    if (header.feed_epoch_started_ms() <= state->feed_epoch_started_ms()) {
      return absl::FailedPreconditionError(
          "this receipt is from another history of the board's feed than "
          "the one this agency has (the board was restored from a backup), "
          "an older one: export a new bundle to the board and import its "
          "answer");
    }
    LinkState::AdoptFeedEpoch(header.feed_epoch(),
                              header.feed_epoch_started_ms(),
                              header.requires_feed_cursor(), state);
  }
  if (header.requires_feed_cursor() > state->feed_cursor()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "this receipt carries board '", header.sender(), "''s feed from entry ",
        header.requires_feed_cursor() + 1,
        " on, but this agency has applied it only up to entry ",
        state->feed_cursor(),
        ": import the earlier receipt bundle that brought entries ",
        state->feed_cursor() + 1, "..", header.requires_feed_cursor(),
        " first, or export a new bundle to the board, whose answer will "
        "start from entry ",
        state->feed_cursor() + 1));
  }
  Replica* const replica = parts_.replica;
  ASSIGN_OR_RETURN(uint64_t own, replica->Frontier(replica->id()));
  if (ack.acknowledged() > own) {
    return absl::FailedPreconditionError(absl::StrCat(
        "the board has acknowledged ", ack.acknowledged(),
        " changes from this agency, but this store holds only ", own,
        ": was the data directory restored from an old backup?"));
  }
  return absl::OkStatus();
}

absl::StatusOr<uint64_t> AgencyBundles::StageReceipt(
    const OpenedBundle& bundle, const BundleProgressFn& progress,
    LinkState::Change* change) const {
  // Everything in one batch: a frame that fails leaves nothing applied.
  const v1::PushAck& ack = bundle.frames.front().push_ack();
  if (change->state()->board_id().empty()) {
    change->state()->set_board_id(bundle.header.sender());
  }
  RETURN_IF_ERROR(parts_.link_state->StageAck(ack, change));
  RETURN_IF_ERROR(parts_.receipts->Keep(ack, change->batch()));
  uint64_t applied = 0;
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
    absl::StatusOr<uint64_t> staged = parts_.feed->Stage(
        *entries, frame.feed().cursor(), frame.feed().feed_head(), change);
    if (!staged.ok()) {
      return absl::Status(
          staged.status().code(),
          absl::StrCat("frame ", i + 1, ": ", staged.status().message(),
                       " (nothing from the bundle applied)"));
    }
    applied += *staged;
    ReportProgress(progress, "feed frames", i, bundle.frames.size() - 1);
  }
  return applied;
}

}  // namespace casesync
