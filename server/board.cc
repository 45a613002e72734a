#include "server/board.h"

#include <algorithm>
#include <set>
#include <utility>

#include "common/base/role.h"
#include "common/base/status_macros.h"
#include "common/records/access_rules.h"
#include "common/replica/backup.h"
#include "google/protobuf/util/time_util.h"
#include "spdlog/spdlog.h"

namespace casesync {

Board::Board(const BoardOptions& options)
    : options_(options), audit_(options.clock) {}

Board::~Board() = default;

absl::StatusOr<std::unique_ptr<Board>> Board::Open(
    const BoardOptions& options) {
  auto board = std::unique_ptr<Board>(new Board(options));
  ReplicaOptions replica_options;
  replica_options.path = options.data_dir;
  replica_options.replica_id = options.board_id;
  replica_options.clock = options.clock;
  replica_options.limits = options.limits;
  replica_options.sync = options.sync;
  replica_options.observer = &board->feed_;
  board->feed_.SetAuditLog(&board->audit_);
  ASSIGN_OR_RETURN(board->replica_, Replica::Open(replica_options));
  board->audit_.Attach(board->replica_.get());
  RETURN_IF_ERROR(board->feed_.Attach(board->replica_.get()));
  ASSIGN_OR_RETURN(board->feed_epochs_, FeedEpochs::Load(*board->replica_));
  RETURN_IF_ERROR(board->RecordRestore());
  board->ingest_ = std::make_unique<Ingest>(
      board->replica_.get(), options.clock, options.ingest_limits);
  if (!options.receipt_cert_file.empty() || !options.receipt_key_file.empty()) {
    ASSIGN_OR_RETURN(board->signer_,
                     ReceiptSigner::Load(options.receipt_cert_file,
                                         options.receipt_key_file));
    board->ingest_->SignReceipts(options.board_id, &board->audit_,
                                 board->signer_.get());
  }
  if (!options.bundle_ca_file.empty()) {
    // Read now only to refuse to start with files that cannot be read.
    RETURN_IF_ERROR(
        CertificateTrust::Load(options.bundle_ca_file, options.bundle_crl_dir)
            .status());
  }
  board->bundles_ = std::make_unique<BoardBundles>(
      board.get(), options.clock, options.bundle_ca_file,
      options.bundle_crl_dir, options.allow_unsigned_bundles,
      board->signer_.get());
  RecordServiceOptions record_options;
  record_options.replica = board->replica_.get();
  record_options.role = Role::kBoard;
  board->records_ = std::make_unique<RecordService>(std::move(record_options));
  return board;
}

absl::Status Board::RecordRestore() {
  ASSIGN_OR_RETURN(std::optional<v1::BackupManifest> restored,
                   FindRestoredBackup(options_.data_dir, "board", id()));
  if (!restored.has_value()) return absl::OkStatus();
  // Numbers past the backup's feed head and counters past its newest own
  // change were given out after the backup, to entries and changes this
  // store no longer holds but agencies may: a new feed epoch, and own
  // counters from a base no earlier life of this board can have reached,
  // so that nothing is numbered twice. The base comes from the clock
  // (milliseconds << 20: a board would have to make a million changes a
  // millisecond to catch up with the next restore's), not from the backup,
  // because the same backup may be restored twice.
  std::unique_ptr<Replica::Batch> batch = replica_->NewBatch();
  const uint64_t head = feed_.head();
  RETURN_IF_ERROR(
      feed_epochs_.Begin(batch.get(), head, options_.clock->NowMillis()));
  ASSIGN_OR_RETURN(uint64_t own, batch->Frontier(id()));
  const uint64_t next_base =
      std::max(((own >> 40) + 1) << 40,
               static_cast<uint64_t>(options_.clock->NowMillis()) << 20);
  RETURN_IF_ERROR(batch->RaiseOwnFrontier(next_base));
  RETURN_IF_ERROR(batch->Commit());
  spdlog::warn(
      "store restored from a backup taken at {}: feed epoch {} begins at "
      "entry {}; agencies re-send what the board acknowledged after the "
      "backup, and re-read the feed from there",
      google::protobuf::util::TimeUtil::ToString(restored->taken_at()),
      feed_epochs_.current(), head);
  return ForgetRestoredBackup(options_.data_dir);
}

absl::Status Board::Backup(const BackupChunkFn& send) {
  v1::BackupManifest manifest;
  manifest.set_role(RoleName(Role::kBoard));
  manifest.set_replica_id(id());
  return StreamBackup(
      replica_.get(), std::move(manifest),
      [](Replica::Batch* hold, v1::BackupManifest* m) -> absl::Status {
        ASSIGN_OR_RETURN(uint64_t head, Feed::HeadIn(hold));
        m->set_feed_position(head);
        return absl::OkStatus();
      },
      send);
}

void Board::StreamOpened(const std::string& agency) {
  absl::MutexLock lock(&mu_);
  ++open_streams_[agency];
}

void Board::StreamClosed(const std::string& agency) {
  absl::MutexLock lock(&mu_);
  if (--open_streams_[agency] <= 0) open_streams_.erase(agency);
}

absl::StatusOr<v1::StatusReply> Board::Status() {
  v1::StatusReply reply;
  v1::BoardStatus* status = reply.mutable_board();
  status->set_board(id());
  const uint64_t head = feed_.head();
  status->set_feed_head(head);
  ASSIGN_OR_RETURN(uint64_t conflicts, replica_->CountConflicts());
  status->set_conflicts(static_cast<uint32_t>(conflicts));

  ASSIGN_OR_RETURN(auto states, ingest_->AllStates());
  std::map<std::string, v1::AgencySyncState> rows(states.begin(), states.end());
  ASSIGN_OR_RETURN(std::vector<RecordView> reviews,
                   replica_->ListRecords("", v1::RECORD_TYPE_REVIEW, false));
  for (const RecordView& view : reviews) {
    for (const std::string& agency :
         static_cast<const v1::Review&>(*view.message).agencies()) {
      rows.emplace(agency, v1::AgencySyncState());
    }
  }
  absl::MutexLock lock(&mu_);
  for (const auto& [agency, state] : rows) {
    v1::BoardAgencyRow* row = status->add_agencies();
    row->set_agency(agency);
    row->set_connected(open_streams_.count(agency) > 0);
    if (state.last_contact_ms() > 0) {
      *row->mutable_last_contact() =
          google::protobuf::util::TimeUtil::MillisecondsToTimestamp(
              static_cast<int64_t>(state.last_contact_ms()));
    }
    row->set_acknowledged(state.acknowledged());
    row->set_pending(static_cast<uint32_t>(
        state.reported_changes() > state.acknowledged()
            ? state.reported_changes() - state.acknowledged()
            : 0));
    row->set_accepted(static_cast<uint32_t>(state.accepted()));
    row->set_rejected(static_cast<uint32_t>(state.rejected()));
    row->set_lag(static_cast<uint32_t>(
        head > state.feed_cursor() ? head - state.feed_cursor() : 0));
  }
  return reply;
}

absl::StatusOr<v1::SyncReply> Board::Sync(const v1::SyncRequest&) {
  return v1::SyncReply();
}

absl::StatusOr<v1::VerifyAuditReply> Board::VerifyAudit() {
  return audit_.Verify();
}

absl::StatusOr<ExportedBundle> Board::ExportBundle(
    const v1::ExportBundleRequest& request, const BundleProgressFn& progress) {
  if (request.agency().empty()) {
    return absl::InvalidArgumentError(
        "the board writes a receipt bundle for one agency at a time: "
        "bundle export --agency ID --out FILE");
  }
  return bundles_->Export(request.agency(), progress);
}

absl::StatusOr<v1::BundleSummary> Board::ImportBundle(
    absl::string_view bytes, const BundleProgressFn& progress) {
  return bundles_->Import(bytes, progress);
}

}  // namespace casesync
