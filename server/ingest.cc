#include "server/ingest.h"

#include <algorithm>
#include <map>
#include <optional>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/base/ids.h"
#include "common/base/sha256.h"
#include "common/base/status_macros.h"
#include "common/records/access_rules.h"
#include "common/records/change_check.h"
#include "common/records/record_types.h"
#include "common/replica/review_lookup.h"
#include "common/replica/storage_keys.h"
#include "server/feed.h"
#include "server/text_merge.h"

namespace casesync {
namespace {

constexpr absl::string_view kStatePrefix = "agency/";

std::string StateKey(absl::string_view agency) {
  return absl::StrCat(kStatePrefix, agency);
}

// Verdicts are kept per pushing agency, so a change claiming another author
// cannot touch that author's verdicts.
std::string VerdictKey(absl::string_view agency, const v1::Dot& dot) {
  return absl::StrCat(agency, absl::string_view("\0", 1), keys::Change(dot));
}

v1::Verdict Rejected(const v1::Dot& dot, v1::Verdict::Reason reason,
                     absl::string_view detail) {
  v1::Verdict verdict;
  *verdict.mutable_dot() = dot;
  verdict.set_outcome(v1::Verdict::OUTCOME_REJECTED);
  verdict.set_reason(reason);
  verdict.set_detail(std::string(detail));
  return verdict;
}

[[nodiscard]] absl::StatusOr<v1::AgencySyncState> ParseState(
    const std::optional<std::string>& bytes) {
  v1::AgencySyncState state;
  if (bytes.has_value() && !state.ParseFromString(*bytes)) {
    return absl::DataLossError("unreadable agency sync state");
  }
  return state;
}

}  // namespace

CheckedChange CheckForIngest(const v1::Change& change,
                             const ChangeLimits& limits) {
  CheckedChange checked = CheckAndSerialize(change, limits);
  if (checked.check.ok()) checked.sha256 = Sha256(checked.canonical);
  return checked;
}

v1::ReceiptBody ReceiptBodyFor(absl::string_view board,
                               absl::string_view agency,
                               uint64_t acknowledged_before,
                               const v1::PushAck& ack,
                               const v1::AuditHead& audit_head,
                               int64_t time_ms) {
  v1::ReceiptBody body;
  body.set_board(std::string(board));
  body.set_agency(std::string(agency));
  body.set_acknowledged_before(acknowledged_before);
  body.set_acknowledged(ack.acknowledged());
  body.set_accepted(ack.accepted());
  for (const v1::Verdict& rejected : ack.rejected()) {
    *body.add_rejected() = rejected.dot();
  }
  body.set_audit_seq(audit_head.seq());
  body.set_audit_sha256(audit_head.sha256());
  body.set_time_ms(time_ms);
  return body;
}

absl::StatusOr<v1::PushAck> Ingest::Push(absl::string_view agency,
                                         const v1::PushBatch& push) {
  return Push(agency, push, {});
}

absl::StatusOr<std::optional<Refusal>> Ingest::CheckRecordCount(
    Replica::Batch* batch, const v1::RecordRef& ref) const {
  if (limits_.max_records_per_review == 0 ||
      ref.type() == v1::RECORD_TYPE_REVIEW) {
    return std::nullopt;
  }
  ASSIGN_OR_RETURN(std::optional<std::string> held,
                   batch->Get(Family::kRecords,
                              keys::Record(ref.review_id(), ref.record_id())));
  if (held.has_value()) return std::nullopt;  // not a new record
  ASSIGN_OR_RETURN(uint64_t count, batch->RecordCount(ref.review_id()));
  if (count < limits_.max_records_per_review) return std::nullopt;
  return Refusal{
      v1::Verdict::REASON_TOO_LARGE,
      absl::StrCat("review ", ref.review_id(), " already holds ", count,
                   " records, the most this board allows "
                   "in one review (--max_records_per_review)")};
}

absl::StatusOr<v1::PushAck> Ingest::Push(
    absl::string_view agency, const v1::PushBatch& push,
    absl::Span<const CheckedChange> checked) {
  ASSIGN_OR_RETURN(AppliedPush applied, Apply(agency, push, checked));
  return Acknowledge(std::move(applied));
}

absl::Status Ingest::CheckPushShape(
    absl::string_view agency, const v1::PushBatch& push,
    absl::Span<const CheckedChange> checked) const {
  if (!checked.empty() &&
      checked.size() != static_cast<size_t>(push.changes_size())) {
    return absl::InvalidArgumentError(
        "a push's checked changes do not match its changes");
  }
  if (static_cast<size_t>(push.changes_size()) > limits_.max_push_changes) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "a push of ", push.changes_size(), " changes from ", agency,
        "; this board takes at most ", limits_.max_push_changes,
        " per push (--max_push_changes)"));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::optional<Refusal>> Ingest::CheckWrite(
    absl::string_view agency, const v1::Change& change, Replica::Batch* batch,
    ReviewsRead* reviews) const {
  // The record's address is checked first, so that a malformed one is
  // judged invalid rather than looked up; Apply checks the rest.
  const v1::RecordRef& ref = change.record();
  if (!IsValidId(ref.review_id()) || !IsValidId(ref.record_id()) ||
      !IsValidId(ref.owner_agency()) || FindRecordType(ref.type()) == nullptr) {
    return Refusal{
        v1::Verdict::REASON_INVALID,
        std::string(CheckChange(change, replica_->options().limits).message())};
  }
  auto it = reviews->find(ref.review_id());
  if (it == reviews->end()) {
    ASSIGN_OR_RETURN(std::optional<v1::Review> review,
                     ReadReview(*replica_, ref.review_id()));
    it = reviews->emplace(ref.review_id(), std::move(review)).first;
  }
  std::optional<Refusal> refusal = CheckAgencyWrite(
      agency, ref, it->second.has_value() ? &*it->second : nullptr);
  if (refusal.has_value()) return refusal;
  return CheckRecordCount(batch, ref);
}

absl::StatusOr<std::optional<Refusal>> Ingest::ApplyChange(
    const v1::Change& change, const CheckedChange* checked,
    Replica::Batch* batch, TextConflictMerger* merger) const {
  absl::StatusOr<ApplyOutcome> applied =
      checked == nullptr ? batch->Apply(change, Arrival::kAnyOrder)
                         : batch->Apply(change, *checked, Arrival::kAnyOrder);
  if (absl::IsOutOfRange(applied.status())) {
    return Refusal{v1::Verdict::REASON_TOO_LARGE,
                   std::string(applied.status().message())};
  }
  if (absl::IsInvalidArgument(applied.status()) ||
      absl::IsFailedPrecondition(applied.status())) {
    return Refusal{v1::Verdict::REASON_INVALID,
                   std::string(applied.status().message())};
  }
  if (!applied.ok()) {
    return applied.status();  // the store failed: nothing is durable
  }
  if (*applied == ApplyOutcome::kApplied) merger->Note(change);
  return std::nullopt;
}

void Ingest::StoreRejection(absl::string_view agency, Replica::Batch* batch,
                            v1::Verdict* verdict) const {
  *verdict->mutable_decided_at() = replica_->hlc()->Now();
  batch->Put(Family::kVerdicts, VerdictKey(agency, verdict->dot()),
             verdict->SerializeAsString());
}

absl::StatusOr<Ingest::AppliedPush> Ingest::Apply(
    absl::string_view agency, const v1::PushBatch& push,
    absl::Span<const CheckedChange> checked) {
  RETURN_IF_ERROR(CheckPushShape(agency, push, checked));
  std::unique_ptr<Replica::Batch> batch = replica_->NewBatch();
  batch->Reserve(static_cast<size_t>(push.changes_size()));
  ASSIGN_OR_RETURN(std::optional<std::string> state_bytes,
                   batch->Get(Family::kSyncState, StateKey(agency)));
  ASSIGN_OR_RETURN(v1::AgencySyncState state, ParseState(state_bytes));
  const uint64_t acknowledged_before = state.acknowledged();
  ReviewsRead reviews;
  // Long text fields left in conflict by the push are merged in its batch.
  TextConflictMerger merger;
  v1::PushAck ack;
  for (int i = 0; i < push.changes_size(); ++i) {
    const v1::Change& change = push.changes(i);
    const v1::Dot& dot = change.dot();
    if (dot.replica() != agency) {
      // Not this agency's counter sequence: judged, but moves no frontier.
      v1::Verdict verdict =
          Rejected(dot, v1::Verdict::REASON_NOT_AUTHORISED,
                   absl::StrCat("change ", FormatDot(dot), " claims to be by ",
                                dot.replica(), ", but was pushed by ", agency));
      StoreRejection(agency, batch.get(), &verdict);
      *ack.add_rejected() = std::move(verdict);
      continue;
    }
    if (dot.counter() <= state.acknowledged()) continue;  // judged before
    if (dot.counter() != state.acknowledged() + 1) {
      return absl::FailedPreconditionError(absl::StrCat(
          "push from ", agency, " skips from counter ", state.acknowledged(),
          " to ", dot.counter(), "; resend from ", state.acknowledged() + 1));
    }
    ASSIGN_OR_RETURN(std::optional<Refusal> refusal,
                     CheckWrite(agency, change, batch.get(), &reviews));
    if (!refusal.has_value()) {
      ASSIGN_OR_RETURN(
          refusal, ApplyChange(change, checked.empty() ? nullptr : &checked[i],
                               batch.get(), &merger));
    }
    state.set_acknowledged(dot.counter());
    if (refusal.has_value()) {
      v1::Verdict verdict = Rejected(dot, refusal->reason, refusal->detail);
      StoreRejection(agency, batch.get(), &verdict);
      state.set_rejected(state.rejected() + 1);
      *ack.add_rejected() = std::move(verdict);
    } else {
      state.set_accepted(state.accepted() + 1);
      ack.set_accepted(ack.accepted() + 1);
    }
  }
  merger.MergeInto(batch.get());
  return CommitPush(agency, acknowledged_before, std::move(state),
                    std::move(ack), batch.get());
}

absl::StatusOr<Ingest::AppliedPush> Ingest::CommitPush(
    absl::string_view agency, uint64_t acknowledged_before,
    v1::AgencySyncState state, v1::PushAck ack, Replica::Batch* batch) {
  OverlayFeedAck(agency, &state);
  state.set_last_contact_ms(clock_->NowMillis());
  batch->Put(Family::kSyncState, StateKey(agency), state.SerializeAsString());
  // A receipt for each push that moved the frontier; a repeat (all judged
  // before) leaves the agency the receipt it already has.
  const bool receipt_due =
      signer_ != nullptr && state.acknowledged() > acknowledged_before;
  AppliedPush applied;
  if (receipt_due) {
    // The push's own audit entry now, rather than as the batch commits, so
    // that the receipt can name it.
    ASSIGN_OR_RETURN(applied.receipt_audit_head, audit_->AppendNoted(batch));
  }
  ASSIGN_OR_RETURN(applied.commit, batch->CommitUnsynced());
  {
    absl::MutexLock lock(&written_mu_);
    uint64_t& position = written_[agency];
    position = std::max(position, applied.commit.position);
  }
  ack.set_acknowledged(state.acknowledged());
  applied.ack = std::move(ack);
  applied.acknowledged_before = acknowledged_before;
  applied.agency = std::string(agency);
  return applied;
}

absl::StatusOr<v1::PushAck> Ingest::Acknowledge(AppliedPush applied) {
  RETURN_IF_ERROR(replica_->AwaitSynced(applied.commit));
  if (applied.receipt_audit_head.has_value()) {
    const v1::ReceiptBody body = ReceiptBodyFor(
        board_id_, applied.agency, applied.acknowledged_before, applied.ack,
        *applied.receipt_audit_head, static_cast<int64_t>(clock_->NowMillis()));
    // The push is stored either way: if it cannot be signed, the stream
    // ends with this error and the agency learns its acknowledgement from
    // the next Welcome (with no receipt for this push).
    absl::StatusOr<v1::Receipt> receipt = signer_->Sign(body);
    if (!receipt.ok()) return receipt.status();
    *applied.ack.mutable_receipt() = *std::move(receipt);
  }
  return std::move(applied.ack);
}

absl::Status Ingest::Touch(absl::string_view agency,
                           const AgencyReport& report) {
  std::unique_ptr<Replica::Batch> batch = replica_->NewBatch();
  ASSIGN_OR_RETURN(std::optional<std::string> bytes,
                   batch->Get(Family::kSyncState, StateKey(agency)));
  ASSIGN_OR_RETURN(v1::AgencySyncState state, ParseState(bytes));
  OverlayFeedAck(agency, &state);
  const uint64_t now = clock_->NowMillis();
  state.set_last_contact_ms(now);
  const int64_t reported_at_ms =
      report.at_ms != 0 ? report.at_ms : static_cast<int64_t>(now);
  if (reported_at_ms >= state.reported_at_ms()) {
    state.set_reported_at_ms(reported_at_ms);
    // Even 0: after a restore of the board, an agency's cursor may have to
    // go back to the start.
    state.set_feed_cursor(report.feed_cursor);
    if (report.acknowledged.has_value()) {
      state.set_reported_acknowledged(*report.acknowledged);
    }
    if (report.changes.has_value()) {
      state.set_reported_changes(*report.changes);
    }
  }
  batch->Put(Family::kSyncState, StateKey(agency), state.SerializeAsString());
  // Contact times and feed cursors are bookkeeping: a power cut that loses
  // one loses nothing the agency will not report again.
  return batch->Commit(Store::Durability::kBuffered);
}

void Ingest::NoteFeedAck(absl::string_view agency, uint64_t feed_cursor) {
  const uint64_t now = clock_->NowMillis();
  absl::MutexLock lock(&feed_acks_mu_);
  NotedFeedAck& noted = feed_acks_[agency];
  noted.feed_cursor = feed_cursor;
  noted.at_ms = std::max(noted.at_ms, now);
}

absl::Status Ingest::FlushFeedAck(absl::string_view agency) {
  {
    absl::MutexLock lock(&feed_acks_mu_);
    if (!feed_acks_.contains(agency)) return absl::OkStatus();
  }
  // Touch lays the noted acknowledgement over what is stored.
  AgencyReport report;
  ASSIGN_OR_RETURN(v1::AgencySyncState state, State(agency));
  report.feed_cursor = state.feed_cursor();
  report.at_ms = static_cast<int64_t>(state.reported_at_ms());
  RETURN_IF_ERROR(Touch(agency, report));
  absl::MutexLock lock(&feed_acks_mu_);
  auto it = feed_acks_.find(agency);
  // Unless a newer one was noted meanwhile.
  if (it != feed_acks_.end() &&
      it->second.at_ms <= static_cast<uint64_t>(report.at_ms)) {
    feed_acks_.erase(it);
  }
  return absl::OkStatus();
}

void Ingest::OverlayFeedAck(absl::string_view agency,
                            v1::AgencySyncState* state) const {
  absl::MutexLock lock(&feed_acks_mu_);
  auto it = feed_acks_.find(agency);
  if (it == feed_acks_.end()) return;
  const NotedFeedAck& noted = it->second;
  state->set_last_contact_ms(std::max(state->last_contact_ms(), noted.at_ms));
  if (static_cast<int64_t>(noted.at_ms) >= state->reported_at_ms()) {
    state->set_reported_at_ms(static_cast<int64_t>(noted.at_ms));
    state->set_feed_cursor(noted.feed_cursor);
  }
}

absl::StatusOr<v1::AgencySyncState> Ingest::State(
    absl::string_view agency) const {
  ASSIGN_OR_RETURN(
      std::optional<std::string> bytes,
      replica_->store()->Get(Family::kSyncState, StateKey(agency)));
  ASSIGN_OR_RETURN(v1::AgencySyncState state, ParseState(bytes));
  OverlayFeedAck(agency, &state);
  return state;
}

absl::StatusOr<v1::AgencySyncState> Ingest::DurableState(
    absl::string_view agency) {
  uint64_t position = 0;
  {
    absl::MutexLock lock(&written_mu_);
    if (auto it = written_.find(agency); it != written_.end()) {
      position = it->second;
    }
  }
  if (position > 0) {
    RETURN_IF_ERROR(replica_->store()->SyncUpTo(position));
  }
  return State(agency);
}

absl::StatusOr<std::vector<std::pair<std::string, v1::AgencySyncState>>>
Ingest::AllStates() const {
  std::vector<std::pair<std::string, v1::AgencySyncState>> states;
  auto it =
      replica_->store()->NewPrefixIterator(Family::kSyncState, kStatePrefix);
  for (; it->Valid(); it->Next()) {
    v1::AgencySyncState state;
    if (!state.ParseFromArray(it->value().data(),
                              static_cast<int>(it->value().size()))) {
      return absl::DataLossError("unreadable agency sync state");
    }
    absl::string_view key = ToView(it->key());
    key.remove_prefix(kStatePrefix.size());
    OverlayFeedAck(key, &state);
    states.emplace_back(std::string(key), std::move(state));
  }
  RETURN_IF_ERROR(FromRocksDb(it->status(), "reading agency sync state"));
  return states;
}

absl::StatusOr<std::vector<v1::Verdict>> Ingest::RejectionsAfter(
    absl::string_view agency, uint64_t after) const {
  std::vector<v1::Verdict> rejections;
  v1::Dot start;
  start.set_replica(std::string(agency));
  start.set_counter(after + 1);
  auto it = replica_->store()->NewPrefixIterator(
      Family::kVerdicts,
      VerdictKey(agency, start).substr(0, agency.size() * 2 + 2));
  for (it->Seek(ToSlice(VerdictKey(agency, start))); it->Valid(); it->Next()) {
    v1::Verdict verdict;
    if (!verdict.ParseFromArray(it->value().data(),
                                static_cast<int>(it->value().size()))) {
      return absl::DataLossError("unreadable verdict");
    }
    if (verdict.outcome() == v1::Verdict::OUTCOME_REJECTED) {
      rejections.push_back(std::move(verdict));
    }
  }
  RETURN_IF_ERROR(FromRocksDb(it->status(), "reading verdicts"));
  return rejections;
}

absl::StatusOr<std::optional<v1::Verdict>> Ingest::VerdictOf(
    absl::string_view agency, const v1::Dot& dot) const {
  ASSIGN_OR_RETURN(
      std::optional<std::string> bytes,
      replica_->store()->Get(Family::kVerdicts, VerdictKey(agency, dot)));
  if (bytes.has_value()) {
    v1::Verdict verdict;
    if (!verdict.ParseFromString(*bytes)) {
      return absl::DataLossError("unreadable verdict");
    }
    return verdict;
  }
  // Acceptance is recorded by the frontier: a change of the agency's own at
  // or below it with no rejection record was accepted, and is held.
  ASSIGN_OR_RETURN(v1::AgencySyncState state, State(agency));
  if (dot.replica() != agency || dot.counter() > state.acknowledged()) {
    return std::nullopt;
  }
  v1::Verdict verdict;
  *verdict.mutable_dot() = dot;
  verdict.set_outcome(v1::Verdict::OUTCOME_ACCEPTED);
  return verdict;
}

}  // namespace casesync
