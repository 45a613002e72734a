#include "client/agency/feed_apply.h"

#include "absl/strings/str_cat.h"

namespace casesync {

absl::StatusOr<uint64_t> StageFeed(const v1::FeedBatch& feed,
                                   uint64_t applied_up_to,
                                   Replica::Batch* batch) {
  uint64_t applied = 0;
  for (const v1::FeedEntry& entry : feed.entries()) {
    if (entry.seq() <= applied_up_to) continue;
    ++applied;
    absl::Status status;
    if (entry.has_change()) {
      status = batch->Apply(entry.change(), Arrival::kAnyOrder).status();
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

}  // namespace casesync
