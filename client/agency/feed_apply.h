// Applying the board's feed at an agency (docs/sync_protocol.md): the
// changes it may see, the snapshots of records as they became visible to it
// (a change of such a record the snapshot holds already is skipped), and the
// purges of what it may no longer see, staged
// with the feed cursor and head they move, whether they come from the sync
// stream or a receipt bundle.
//
// Thread-safety: StageFeed as Replica::Batch (one thread per batch);
// FeedApplier is thread-safe (each frame is one LinkState::Change).
#ifndef CASESYNC_CLIENT_AGENCY_FEED_APPLY_H_
#define CASESYNC_CLIENT_AGENCY_FEED_APPLY_H_

#include <cstdint>

#include "absl/status/statusor.h"
#include "casesync/v1/sync.pb.h"
#include "client/agency/link_state.h"
#include "common/daemon/metrics.h"
#include "common/replica/replica.h"

namespace casesync {

// Stages the entries of `feed` (already decompressed) numbered after
// `applied_up_to` into `batch`, in order, and returns how many; entries at
// or below it were applied before (from the network or a bundle), and
// applying an old entry again could undo a later one. A purge of one of the
// agency's own records is ignored (the board never sends one). On error the
// batch must be discarded: the status is the refused entry's, prefixed with its
// sequence number (errors as Replica::Batch::Apply, Purge and PurgeReview).
[[nodiscard]] absl::StatusOr<uint64_t> StageFeed(const v1::FeedBatch& feed,
                                                 uint64_t applied_up_to,
                                                 Replica::Batch* batch);

class FeedApplier {
 public:
  // Neither pointer is owned; `metrics` (pull latencies) may be null.
  FeedApplier(LinkState* link_state, SyncMetrics* metrics)
      : link_state_(link_state), metrics_(metrics) {}

  // Stages one feed frame into `change`: its `entries` (decompressed) after
  // the state's feed cursor, as StageFeed, and the frame's `cursor` and the
  // feed `head` the board reported into the state; ends a recovery the
  // cursor completes. Returns how many entries were new. Errors as
  // StageFeed: `change` must then be dropped.
  [[nodiscard]] absl::StatusOr<uint64_t> Stage(const v1::FeedBatch& entries,
                                               uint64_t cursor, uint64_t head,
                                               LinkState::Change* change) const;

  // A FeedBatch frame from the sync stream, decompressed, staged and
  // committed. Errors as Unwrapped, Stage and LinkState::Change::Commit,
  // with nothing applied.
  [[nodiscard]] absl::Status Apply(const v1::FeedBatch& frame);

 private:
  LinkState* const link_state_;
  SyncMetrics* const metrics_;
};

}  // namespace casesync

#endif  // CASESYNC_CLIENT_AGENCY_FEED_APPLY_H_
