#include "client/agency/feed_apply.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/base/status_macros.h"
#include "common/sync/frame_codec.h"

namespace casesync {
namespace {

// A change from the feed, unless its record came in a snapshot that holds
// it already.
[[nodiscard]] absl::Status StageChange(const v1::FeedEntry& entry,
                                       Replica::Batch* batch) {
  const v1::RecordRef& ref = entry.change().record();
  ASSIGN_OR_RETURN(uint64_t covers,
                   batch->SnapshotCovers(ref.review_id(), ref.record_id()));
  if (covers >= entry.seq()) return absl::OkStatus();
  return batch->Apply(entry.change(), Arrival::kAnyOrder).status();
}

}  // namespace

absl::StatusOr<uint64_t> StageFeed(const v1::FeedBatch& feed,
                                   uint64_t applied_up_to,
                                   Replica::Batch* batch) {
  uint64_t applied = 0;
  for (const v1::FeedEntry& entry : feed.entries()) {
    if (entry.seq() <= applied_up_to) continue;
    ++applied;
    absl::Status status;
    if (entry.has_change()) {
      status = StageChange(entry, batch);
    } else if (entry.has_snapshot()) {
      status = batch->InstallSnapshot(entry.snapshot());
      // Never a snapshot of the agency's own record; if sent, keep its own.
      if (absl::IsFailedPrecondition(status)) status = absl::OkStatus();
    } else if (entry.purge().record_id().empty()) {
      status = batch->PurgeReview(entry.purge().review_id());
    } else {
      status =
          batch->Purge(entry.purge().review_id(), entry.purge().record_id());
      // The board never purges an agency's own record; if it tries, keep it.
      if (absl::IsFailedPrecondition(status)) status = absl::OkStatus();
    }
    if (!status.ok()) {
      return absl::Status(status.code(),
                          absl::StrCat("feed entry ", entry.seq(),
                                       " refused: ", status.message()));
    }
  }
  return applied;
}

absl::StatusOr<uint64_t> FeedApplier::Stage(const v1::FeedBatch& entries,
                                            uint64_t cursor, uint64_t head,
                                            LinkState::Change* change) const {
  v1::BoardLinkState* state = change->state();
  ASSIGN_OR_RETURN(uint64_t applied,
                   StageFeed(entries, state->feed_cursor(), change->batch()));
  state->set_feed_cursor(std::max(state->feed_cursor(), cursor));
  state->set_feed_head(std::max({state->feed_head(), head, cursor}));
  change->MarkContact();
  LinkState::FinishRecoveryIfDone(state);
  return applied;
}

absl::Status FeedApplier::Apply(const v1::FeedBatch& frame) {
  const absl::Time arrived = absl::Now();
  ASSIGN_OR_RETURN(const v1::FeedBatch feed, Unwrapped(frame));
  LinkState::Change change(link_state_);
  RETURN_IF_ERROR(
      Stage(feed, frame.cursor(), frame.feed_head(), &change).status());
  RETURN_IF_ERROR(change.Commit());
  if (metrics_ != nullptr && feed.entries_size() > 0) {
    metrics_->pull.Observe(absl::Now() - arrived);
  }
  return absl::OkStatus();
}

}  // namespace casesync
