// Applying the board's feed at an agency: the changes it may see, and the
// purges of what it may no longer see (docs/sync_protocol.md).
//
// Thread-safety: as Replica::Batch (one thread per batch).
#ifndef CASESYNC_CLIENT_AGENCY_FEED_APPLY_H_
#define CASESYNC_CLIENT_AGENCY_FEED_APPLY_H_

#include <cstdint>

#include "absl/status/statusor.h"
#include "casesync/v1/sync.pb.h"
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

}  // namespace casesync

#endif  // CASESYNC_CLIENT_AGENCY_FEED_APPLY_H_
