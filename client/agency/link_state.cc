#include "client/agency/link_state.h"

#include <algorithm>
#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/base/status_macros.h"
#include "common/replica/storage_keys.h"
#include "spdlog/spdlog.h"

namespace casesync {
namespace {

constexpr absl::string_view kStateKey = "board";

[[nodiscard]] absl::StatusOr<v1::BoardLinkState> Parse(
    const std::optional<std::string>& bytes) {
  v1::BoardLinkState state;
  if (bytes.has_value() && !state.ParseFromString(*bytes)) {
    return absl::DataLossError("unreadable board link state");
  }
  return state;
}

}  // namespace

absl::StatusOr<std::unique_ptr<LinkState>> LinkState::Load(
    Replica* replica, LinkStateOptions options) {
  ASSIGN_OR_RETURN(std::optional<std::string> bytes,
                   replica->store()->Get(Family::kSyncState, kStateKey));
  ASSIGN_OR_RETURN(v1::BoardLinkState state, Parse(bytes));
  if (!options.board_id.empty() && !state.board_id().empty() &&
      options.board_id != state.board_id()) {
    return absl::FailedPreconditionError(
        absl::StrCat("--board_id is '", options.board_id,
                     "', but this agency's store has "
                     "synced with board '",
                     state.board_id(), "'"));
  }
  if (options.restored_from_backup_ms != 0) {
    // Durably, before the caller forgets the backup's manifest.
    state.set_restored_from_backup_ms(options.restored_from_backup_ms);
    std::unique_ptr<Replica::Batch> batch = replica->NewBatch();
    batch->Put(Family::kSyncState, kStateKey, state.SerializeAsString());
    RETURN_IF_ERROR(batch->Commit());
  }
  return std::unique_ptr<LinkState>(
      new LinkState(replica, std::move(options), std::move(state)));
}

LinkState::LinkState(Replica* replica, LinkStateOptions options,
                     v1::BoardLinkState state)
    : replica_(replica),
      options_(std::move(options)),
      state_(std::move(state)) {}

v1::BoardLinkState LinkState::Get() const {
  absl::MutexLock lock(&mu_);
  return state_;
}

std::string LinkState::KnownBoardId() const {
  absl::MutexLock lock(&mu_);
  return state_.board_id().empty() ? options_.board_id : state_.board_id();
}

absl::Status LinkState::MayWrite() const {
  absl::MutexLock lock(&mu_);
  if (state_.restored_from_backup_ms() == 0) return absl::OkStatus();
  return absl::FailedPreconditionError(
      "this store was restored from a backup and has not yet taken back from "
      "the board the changes made after it: it takes changes again once it "
      "has (casesync sync --wait), so that none takes a number the board "
      "already holds");
}

absl::Status LinkState::StageWelcome(const v1::Welcome& welcome,
                                     Change* change) const {
  // Read through the batch: no local write can land in between.
  ASSIGN_OR_RETURN(uint64_t own, change->batch()->Frontier(replica_->id()));
  RETURN_IF_ERROR(StageRecovery(welcome, own, change));
  v1::BoardLinkState* state = change->state();
  AdoptFeedEpoch(welcome.feed_epoch(), welcome.feed_epoch_started_ms(),
                 welcome.feed_cursor(), state);
  FinishRecoveryIfDone(state);
  state->set_board_id(welcome.board_id());
  ASSIGN_OR_RETURN(uint64_t new_rejections,
                   StoreRejections(welcome.rejected(), change->batch()));
  state->set_rejected(state->rejected() + new_rejections);
  // The board's word is the truth: lower (it was restored) means resend.
  state->set_acknowledged(welcome.acknowledged());
  state->set_feed_head(welcome.feed_head());
  change->MarkContact();
  return absl::OkStatus();
}

absl::Status LinkState::StageRecovery(const v1::Welcome& welcome, uint64_t own,
                                      Change* change) const {
  v1::BoardLinkState* state = change->state();
  if (welcome.acknowledged() <= own) {
    if (state->recover_until_feed() > 0) {
      // A stream broke while taking them back: the board's feed head now
      // covers the rest as well.
      state->set_recover_until_feed(
          std::max(state->recover_until_feed(), welcome.feed_head()));
    }
    return absl::OkStatus();
  }
  // The board holds changes of this agency the store does not: it was
  // restored from a backup (or started empty). Later own changes are
  // numbered after the board's; the board sends back those it accepted.
  // A store that wrote changes of its own since, not knowing, has used
  // numbers the board holds for others: that cannot be mended here.
  if (state->restored_from_backup_ms() == 0 && own > 0) {
    return absl::FailedPreconditionError(absl::StrCat(
        "the board has acknowledged ", welcome.acknowledged(),
        " changes from this agency, but this store holds only ", own,
        ": was the data directory replaced by an old copy? Restore it "
        "from a backup made with casesync admin backup (docs/"
        "operations.md), which knows to take the rest back from the "
        "board"));
  }
  RETURN_IF_ERROR(change->batch()->RaiseOwnFrontier(welcome.acknowledged()));
  // All of them are in the feed by its head now; until the cursor gets
  // there, a new stream asks for them again from `own`.
  if (state->recover_until_feed() == 0) state->set_recover_from(own);
  state->set_recover_until_feed(
      std::max(state->recover_until_feed(), welcome.feed_head()));
  if (state->restored_from_backup_ms() == 0) {
    state->set_restored_from_backup_ms(options_.clock->NowMillis());
  }
  spdlog::warn(
      "the board holds this agency's changes up to {}, this store up to "
      "{}: taking back those the board accepted; new changes are "
      "numbered from {}",
      welcome.acknowledged(), own, welcome.acknowledged() + 1);
  return absl::OkStatus();
}

absl::Status LinkState::StageAck(const v1::PushAck& ack, Change* change) const {
  ASSIGN_OR_RETURN(uint64_t new_rejections,
                   StoreRejections(ack.rejected(), change->batch()));
  v1::BoardLinkState* state = change->state();
  state->set_rejected(state->rejected() + new_rejections);
  state->set_acknowledged(std::max(state->acknowledged(), ack.acknowledged()));
  change->MarkContact();
  return absl::OkStatus();
}

absl::StatusOr<uint64_t> LinkState::StoreRejections(
    const google::protobuf::RepeatedPtrField<v1::Verdict>& verdicts,
    Replica::Batch* batch) const {
  uint64_t added = 0;
  for (const v1::Verdict& verdict : verdicts) {
    if (verdict.dot().replica() != replica_->id()) continue;
    const std::string key = keys::Change(verdict.dot());
    ASSIGN_OR_RETURN(std::optional<std::string> held,
                     batch->Get(Family::kVerdicts, key));
    if (held.has_value()) continue;
    batch->Put(Family::kVerdicts, key, verdict.SerializeAsString());
    ++added;
    // The reason's name only: a verdict's sentence may quote part of the
    // value it refused, and record contents stay out of logs.
    // `casesync status` shows the sentence.
    spdlog::warn(
        "the board rejected change {}:{} ({}); casesync status says "
        "why",
        verdict.dot().replica(), verdict.dot().counter(),
        v1::Verdict::Reason_Name(verdict.reason()));
  }
  return added;
}

absl::StatusOr<google::protobuf::RepeatedPtrField<v1::Verdict>>
LinkState::TakeNewRejections() {
  Change change(this);
  google::protobuf::RepeatedPtrField<v1::Verdict> rejections;
  v1::Dot start;
  start.set_replica(replica_->id());
  start.set_counter(change.state()->rejections_reported() + 1);
  auto it = replica_->store()->NewPrefixIterator(
      Family::kVerdicts, keys::ChangePrefix(replica_->id()));
  for (it->Seek(ToSlice(keys::Change(start))); it->Valid(); it->Next()) {
    v1::Verdict* verdict = rejections.Add();
    if (!verdict->ParseFromArray(it->value().data(),
                                 static_cast<int>(it->value().size()))) {
      return absl::DataLossError("unreadable verdict");
    }
    change.state()->set_rejections_reported(verdict->dot().counter());
  }
  RETURN_IF_ERROR(FromRocksDb(it->status(), "reading verdicts"));
  if (rejections.empty()) return rejections;
  RETURN_IF_ERROR(change.Commit());
  return rejections;
}

absl::StatusOr<std::vector<v1::Verdict>> LinkState::NewestRejections(
    size_t limit) const {
  std::vector<v1::Verdict> rejections;
  auto it = replica_->store()->NewPrefixIterator(
      Family::kVerdicts, keys::ChangePrefix(replica_->id()));
  for (it->SeekToLast(); it->Valid() && rejections.size() < limit; it->Prev()) {
    v1::Verdict verdict;
    if (verdict.ParseFromArray(it->value().data(),
                               static_cast<int>(it->value().size()))) {
      rejections.push_back(std::move(verdict));
    }
  }
  RETURN_IF_ERROR(FromRocksDb(it->status(), "reading verdicts"));
  return rejections;
}

void LinkState::AdoptFeedEpoch(uint64_t epoch, int64_t started_ms,
                               uint64_t start_cursor,
                               v1::BoardLinkState* state) {
  if (epoch == state->feed_epoch()) return;
  state->set_feed_epoch_started_ms(started_ms);
  // The board was restored from a backup: its feed numbers past the backup
  // count anew, and it sends the feed from where the histories agree.
  if (start_cursor < state->feed_cursor()) {
    spdlog::warn(
        "the board was restored from a backup: reading its feed again from "
        "{} (this agency had {})",
        start_cursor, state->feed_cursor());
    state->set_feed_cursor(start_cursor);
  }
  state->set_feed_epoch(epoch);
}

void LinkState::FinishRecoveryIfDone(v1::BoardLinkState* state) {
  if (state->restored_from_backup_ms() == 0) return;
  if (state->recover_until_feed() > 0 &&
      state->feed_cursor() < state->recover_until_feed()) {
    return;
  }
  if (state->recover_until_feed() > 0) {
    spdlog::info(
        "took back from the board every change of this agency's it held; "
        "local changes are open again");
  }
  state->clear_restored_from_backup_ms();
  state->clear_recover_from();
  state->clear_recover_until_feed();
}

absl::StatusOr<v1::BoardLinkState> LinkState::ReadThrough(
    Replica::Batch* batch) {
  ASSIGN_OR_RETURN(std::optional<std::string> bytes,
                   batch->Get(Family::kSyncState, kStateKey));
  return Parse(bytes);
}

LinkState::Change::Change(LinkState* link) : link_(link) {
  link->apply_mu_.Lock();
  state_ = link->Get();
  batch_ = link->replica_->NewBatch();
}

LinkState::Change::~Change() {
  batch_.reset();
  link_->apply_mu_.Unlock();
}

void LinkState::Change::MarkContact() {
  state_.set_last_contact_ms(link_->options_.clock->NowMillis());
}

absl::Status LinkState::Change::Commit() {
  batch_->Put(Family::kSyncState, kStateKey, state_.SerializeAsString());
  RETURN_IF_ERROR(batch_->Commit(Store::Durability::kBuffered));
  {
    absl::MutexLock lock(&link_->mu_);
    link_->state_ = state_;
  }
  if (link_->options_.on_commit) link_->options_.on_commit();
  return absl::OkStatus();
}

}  // namespace casesync
