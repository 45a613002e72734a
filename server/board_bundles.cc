#include "server/board_bundles.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/base/ids.h"
#include "common/base/status_macros.h"
#include "common/records/change_check.h"
#include "common/sync/bundle_format.h"
#include "common/sync/frame_codec.h"
#include "server/board.h"
#include "server/ingest.h"
#include "spdlog/spdlog.h"

namespace casesync {
namespace {

// Rejections listed in an import's summary; the rest are counted.
constexpr int kMaxRejectionsListed = 100;

// Frame `i` of an agency's bundle, decompressed. INVALID_ARGUMENT if it is
// not a push or does not decompress.
[[nodiscard]] absl::StatusOr<v1::PushBatch> DecodePush(
    const OpenedBundle& bundle, size_t i) {
  const v1::BundleFrame& frame = bundle.frames[i];
  if (!frame.has_push()) {
    return absl::InvalidArgumentError(
        absl::StrCat("frame ", i + 1, " of an agency's bundle is not a push"));
  }
  absl::StatusOr<v1::PushBatch> push = Unwrapped(frame.push());
  if (!push.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("frame ", i + 1, ": ", push.status().message()));
  }
  return push;
}

// Decodes every frame of `bundle`, one at a time, and checks that the
// sender's changes run from first_counter to last_counter with no gap, so
// that nothing is applied from a bundle that would fail part way. Returns
// how many changes the bundle holds.
[[nodiscard]] absl::StatusOr<uint64_t> CheckPushes(const OpenedBundle& bundle) {
  const v1::BundleHeader& header = bundle.header;
  if (header.first_counter() == 0 ||
      header.requires_acknowledged() + 1 != header.first_counter()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "its header is inconsistent: changes from ", header.first_counter(),
        " on, requiring ", header.requires_acknowledged(), " judged before"));
  }
  uint64_t changes = 0;
  uint64_t next = header.first_counter();
  for (size_t i = 0; i < bundle.frames.size(); ++i) {
    ASSIGN_OR_RETURN(v1::PushBatch push, DecodePush(bundle, i));
    for (const v1::Change& change : push.changes()) {
      ++changes;
      if (change.dot().replica() != header.sender()) continue;
      if (change.dot().counter() != next) {
        return absl::InvalidArgumentError(
            absl::StrCat("its changes skip from ", next - 1, " to ",
                         change.dot().counter(), " (the bundle is malformed)"));
      }
      ++next;
    }
  }
  if (next != std::max(header.last_counter() + 1, header.first_counter())) {
    return absl::InvalidArgumentError(absl::StrCat(
        "its header announces changes up to ", header.last_counter(),
        " but its frames end at ", next - 1));
  }
  return changes;
}

// INVALID_ARGUMENT unless `header` is an agency's bundle of changes for
// board `board_id`.
[[nodiscard]] absl::Status CheckAddressedTo(const std::string& board_id,
                                            const v1::BundleHeader& header) {
  if (header.kind() == v1::BundleHeader::KIND_RECEIPT) {
    return absl::InvalidArgumentError(
        absl::StrCat("this is a receipt bundle from board '", header.sender(),
                     "' for agency '", header.recipient(),
                     "': import it on that agency's daemon"));
  }
  if (header.kind() != v1::BundleHeader::KIND_CHANGES) {
    return absl::InvalidArgumentError(
        "the bundle holds neither an agency's changes nor a receipt");
  }
  if (header.recipient() != board_id) {
    return absl::InvalidArgumentError(
        absl::StrCat("the bundle is made out to board '", header.recipient(),
                     "', not to this board ('", board_id, "')"));
  }
  if (!IsValidId(header.sender()) || header.sender() == board_id) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the bundle names no agency as its sender ('", header.sender(), "')"));
  }
  return absl::OkStatus();
}

// FAILED_PRECONDITION, naming the bundle to import first, if the bundle
// with `header` brings changes that follow ones the board has not judged
// yet (`state`: what it holds of the sender).
[[nodiscard]] absl::Status CheckFollowsJudged(
    const v1::BundleHeader& header, const v1::AgencySyncState& state) {
  if (header.last_counter() < header.first_counter() ||
      state.acknowledged() >= header.requires_acknowledged()) {
    return absl::OkStatus();
  }
  const std::string& agency = header.sender();
  return absl::FailedPreconditionError(absl::StrCat(
      "this bundle from ", agency, " brings its changes ",
      header.first_counter(), "..", header.last_counter(),
      " and needs this board to hold its changes up to ",
      header.requires_acknowledged(), " already, but the board has judged ",
      "only up to ", state.acknowledged(), ": import the earlier bundle from ",
      agency, " that brought changes ", state.acknowledged() + 1, "..",
      header.requires_acknowledged(), " first"));
}

// Counts the verdicts of `ack` in `summary`, listing rejections up to
// kMaxRejectionsListed.
void AddToSummary(v1::PushAck ack, v1::BundleSummary* summary) {
  summary->set_accepted(summary->accepted() + ack.accepted());
  summary->set_rejected(summary->rejected() +
                        static_cast<uint64_t>(ack.rejected_size()));
  for (v1::Verdict& verdict : *ack.mutable_rejected()) {
    if (summary->rejections_size() >= kMaxRejectionsListed) break;
    *summary->add_rejections() = std::move(verdict);
  }
}

// What the agency reports of itself in the bundle with `header`. A cursor
// from before a restore of the board counts in another history past the
// backup: recorded as where the two agree.
Ingest::AgencyReport ReportOf(const v1::BundleHeader& header,
                              const FeedEpochs& epochs) {
  Ingest::AgencyReport report;
  report.feed_cursor =
      epochs.StartCursor(header.feed_epoch(), header.feed_cursor());
  report.acknowledged = header.acknowledged();
  report.changes = std::max(header.last_counter(), header.acknowledged());
  report.at_ms = header.created_ms();
  return report;
}

// True if one of `reviews` lists `agency`.
bool AnyLists(const std::vector<RecordView>& reviews,
              const std::string& agency) {
  return std::any_of(reviews.begin(), reviews.end(), [&](const RecordView& v) {
    const auto& agencies =
        static_cast<const v1::Review&>(*v.message).agencies();
    return std::find(agencies.begin(), agencies.end(), agency) !=
           agencies.end();
  });
}

}  // namespace

absl::StatusOr<v1::BundleSummary> BoardBundles::Import(
    absl::string_view bytes, const BundleProgressFn& progress) {
  // Addressed here? Said before the signature is checked: a bundle meant
  // for an agency is signed by a key the board would not expect.
  ASSIGN_OR_RETURN(const v1::BundleHeader peeked, PeekBundleHeader(bytes));
  RETURN_IF_ERROR(CheckAddressedTo(board_->id(), peeked));
  ASSIGN_OR_RETURN(std::unique_ptr<CertificateTrust> trust, LoadTrust());
  ASSIGN_OR_RETURN(OpenedBundle bundle,
                   OpenBundle(bytes, trust.get(), CertificateRole::kClient));
  const v1::BundleHeader& header = bundle.header;
  const std::string& agency = header.sender();
  ASSIGN_OR_RETURN(const uint64_t total, CheckPushes(bundle));
  Ingest* ingest = board_->ingest();
  ASSIGN_OR_RETURN(v1::AgencySyncState state, ingest->State(agency));
  RETURN_IF_ERROR(CheckFollowsJudged(header, state));

  v1::BundleSummary summary;
  *summary.mutable_header() = header;
  summary.set_bytes(bundle.bytes);
  summary.set_signed_by(bundle.signed_by);
  RETURN_IF_ERROR(PushChanges(bundle, total, progress, &summary));
  summary.set_judged_before(total - summary.accepted() - summary.rejected());
  // What the agency reports of itself, unless a later report (a newer
  // bundle, or a Hello) is already recorded.
  RETURN_IF_ERROR(
      ingest->Touch(agency, ReportOf(header, board_->feed_epochs())));
  ASSIGN_OR_RETURN(state, ingest->State(agency));
  summary.set_acknowledged(state.acknowledged());
  spdlog::info(
      "bundle from agency {} imported: {} changes accepted, {} rejected, {} "
      "judged before",
      agency, summary.accepted(), summary.rejected(), summary.judged_before());
  return summary;
}

absl::StatusOr<std::unique_ptr<CertificateTrust>> BoardBundles::LoadTrust()
    const {
  if (ca_file_.empty()) {
    if (allow_unsigned_) return nullptr;
    return absl::FailedPreconditionError(
        "this board has no CA to check bundles against (--tls_ca)");
  }
  absl::StatusOr<std::unique_ptr<CertificateTrust>> loaded =
      CertificateTrust::Load(ca_file_, crl_dir_);
  if (!loaded.ok()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "this board cannot check bundles: ", loaded.status().message()));
  }
  return loaded;
}

absl::Status BoardBundles::PushChanges(const OpenedBundle& bundle,
                                       uint64_t total,
                                       const BundleProgressFn& progress,
                                       v1::BundleSummary* summary) {
  const std::string& agency = bundle.header.sender();
  Ingest* ingest = board_->ingest();
  const ChangeLimits& limits = board_->replica()->options().limits;
  const size_t max_push =
      std::max<size_t>(1, ingest->limits().max_push_changes);
  uint64_t done = 0;
  ReportProgress(progress, "changes", 0, total);
  for (size_t frame = 0; frame < bundle.frames.size(); ++frame) {
    // Decoded again, one frame at a time: memory stays one frame's worth.
    ASSIGN_OR_RETURN(const v1::PushBatch push, DecodePush(bundle, frame));
    for (int start = 0; start < push.changes_size();
         start += static_cast<int>(max_push)) {
      const int end =
          std::min(push.changes_size(), start + static_cast<int>(max_push));
      v1::PushBatch chunk;
      std::vector<CheckedChange> checked;
      checked.reserve(static_cast<size_t>(end - start));
      for (int i = start; i < end; ++i) {
        *chunk.add_changes() = push.changes(i);
        checked.push_back(CheckForIngest(push.changes(i), limits));
      }
      ASSIGN_OR_RETURN(v1::PushAck ack, ingest->Push(agency, chunk, checked));
      AddToSummary(std::move(ack), summary);
      done += static_cast<uint64_t>(end - start);
      ReportProgress(progress, "changes", done, total);
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<ExportedBundle> BoardBundles::Export(
    const std::string& agency, const BundleProgressFn& progress) {
  if (!IsValidId(agency) || agency == board_->id()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "'", agency, "' is not an agency id: bundle export --agency ID"));
  }
  ASSIGN_OR_RETURN(v1::AgencySyncState state, board_->ingest()->State(agency));
  if (state.last_contact_ms() == 0) {
    ASSIGN_OR_RETURN(
        std::vector<RecordView> reviews,
        board_->replica()->ListRecords("", v1::RECORD_TYPE_REVIEW, false));
    if (!AnyLists(reviews, agency)) {
      return absl::NotFoundError(
          absl::StrCat("the board knows no agency '", agency,
                       "': no review lists it and it has never synced"));
    }
  }

  v1::BundleHeader header;
  header.set_format_version(kBundleFormatVersion);
  header.set_kind(v1::BundleHeader::KIND_RECEIPT);
  header.set_sender(board_->id());
  header.set_recipient(agency);
  header.set_created_ms(static_cast<int64_t>(clock_->NowMillis()));
  header.set_requires_feed_cursor(state.feed_cursor());
  header.set_feed_epoch(board_->feed_epochs().current());
  header.set_feed_epoch_started_ms(board_->feed_epochs().current_started_ms());
  header.set_acknowledged(state.acknowledged());
  BundleWriter writer;
  ASSIGN_OR_RETURN(const v1::BundleFrame ack_frame,
                   AcknowledgementFrame(agency, state));
  writer.Add(ack_frame);
  RETURN_IF_ERROR(
      AddFeed(agency, state.feed_cursor(), progress, &writer, &header));
  header.set_frames(writer.frames());

  ExportedBundle exported;
  ASSIGN_OR_RETURN(
      exported.bytes,
      writer.Finish(header,
                    signer_ == nullptr ? nullptr : signer_->key_pair()));
  exported.summary.set_bytes(exported.bytes.size());
  exported.summary.set_acknowledged(state.acknowledged());
  exported.summary.set_feed_cursor(header.feed_cursor());
  exported.summary.set_remaining(
      header.feed_head() - std::min(header.feed_head(), header.feed_cursor()));
  *exported.summary.mutable_header() = std::move(header);
  if (signer_ != nullptr) {
    exported.summary.set_signed_by(signer_->key_pair()->CommonName());
  }
  return exported;
}

absl::StatusOr<v1::BundleFrame> BoardBundles::AcknowledgementFrame(
    const std::string& agency, const v1::AgencySyncState& state) {
  // The acknowledgement, as a PushAck for everything judged since the
  // frontier the agency last reported.
  const uint64_t reported =
      std::min(state.reported_acknowledged(), state.acknowledged());
  v1::BundleFrame ack_frame;
  v1::PushAck* ack = ack_frame.mutable_push_ack();
  ack->set_acknowledged(state.acknowledged());
  ASSIGN_OR_RETURN(std::vector<v1::Verdict> rejections,
                   board_->ingest()->RejectionsAfter(agency, reported));
  uint64_t rejected_in_range = 0;
  for (v1::Verdict& verdict : rejections) {
    if (verdict.dot().counter() <= state.acknowledged()) ++rejected_in_range;
    *ack->add_rejected() = std::move(verdict);
  }
  ack->set_accepted(static_cast<uint32_t>(
      state.acknowledged() - reported -
      std::min(rejected_in_range, state.acknowledged() - reported)));
  if (signer_ != nullptr && state.acknowledged() > reported) {
    v1::AuditHead audit_head;
    {
      std::unique_ptr<Replica::Batch> batch = board_->replica()->NewBatch();
      ASSIGN_OR_RETURN(audit_head, board_->audit()->Head(batch.get()));
    }
    ASSIGN_OR_RETURN(*ack->mutable_receipt(),
                     signer_->Sign(ReceiptBodyFor(
                         board_->id(), agency, reported, *ack, audit_head,
                         static_cast<int64_t>(clock_->NowMillis()))));
  }
  return ack_frame;
}

absl::Status BoardBundles::AddFeed(const std::string& agency, uint64_t start,
                                   const BundleProgressFn& progress,
                                   BundleWriter* writer,
                                   v1::BundleHeader* header) {
  Feed* feed = board_->feed();
  const uint64_t head = feed->head();
  uint64_t cursor = start;
  uint64_t entries = 0;
  ReportProgress(progress, "feed entries", 0, head - std::min(head, start));
  // A feed too large for one bundle goes in parts: this one stops where it
  // is full, and says so by a cursor short of the head.
  while (cursor < head && writer->frame_bytes() + (size_t{2} << 20) <=
                              kMaxBundleBytes - kBundleSlackBytes) {
    ASSIGN_OR_RETURN(FeedRead read,
                     feed->Read(agency, cursor, size_t{1} << 20));
    if (read.cursor <= cursor) break;  // nothing more to read
    v1::BundleFrame frame;
    v1::FeedBatch* out = frame.mutable_feed();
    out->set_cursor(read.cursor);
    out->set_feed_head(read.feed_head);
    if (read.entries > 0) {
      // Logged before it leaves, as for the network.
      RETURN_IF_ERROR(
          board_->audit()->RecordDisclosure(std::move(read.disclosure)));
      entries += read.entries;
      out->set_zstd(CompressSerialized(read.entries_wire));
    }
    cursor = read.cursor;
    writer->Add(frame);
    ReportProgress(progress, "feed entries", std::min(cursor, head) - start,
                   head - start);
  }
  header->set_feed_cursor(cursor);
  header->set_feed_head(head);
  header->set_feed_entries(entries);
  return absl::OkStatus();
}

}  // namespace casesync
