// The board's feed epochs: which history a feed sequence number counts in.
//
// Restoring the board from a backup rewinds its feed to the backup's head;
// the numbers after it are then given to other entries than before. An
// agency whose cursor counts in an earlier epoch must not take its cursor
// at its word: the board streams to it from the last number the two
// histories share (docs/operations.md, "Backup and restore").
//
// Thread-safety: Begin at open, before any stream; the rest from any thread
// afterwards (read-only).
#ifndef CASESYNC_SERVER_FEED_EPOCHS_H_
#define CASESYNC_SERVER_FEED_EPOCHS_H_

#include <cstdint>

#include "absl/status/statusor.h"
#include "casesync/v1/storage.pb.h"
#include "common/replica/replica.h"

namespace casesync {

class FeedEpochs {
 public:
  // The epochs stored in `replica` (none for a board never restored).
  // DATA_LOSS if they cannot be read.
  [[nodiscard]] static absl::StatusOr<FeedEpochs> Load(const Replica& replica);

  // Starts a new epoch (random id) at feed head `head`, staged in `batch`
  // (to be committed by the caller, synced); effective once committed.
  [[nodiscard]] absl::Status Begin(Replica::Batch* batch, uint64_t head,
                                   int64_t now_ms);

  // The current epoch's id; 0 if the board was never restored.
  uint64_t current() const;
  // When the current epoch began, ms since the Unix epoch; 0 for epoch 0.
  int64_t current_started_ms() const;

  // Where to stream the feed from for an agency whose `cursor` counts in
  // `epoch`: `cursor` itself in the current epoch; otherwise no further
  // than every later epoch's start head, or 0 for an epoch this board never
  // had (one from a history the restore lost).
  uint64_t StartCursor(uint64_t epoch, uint64_t cursor) const;

 private:
  v1::FeedEpochs epochs_;
};

}  // namespace casesync

#endif  // CASESYNC_SERVER_FEED_EPOCHS_H_
