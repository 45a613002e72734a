// Keeps, in the batch that applies each change on the board, whom each
// record is meant for over the feed (docs/sync_protocol.md, "Who sees
// what"; common/records/audience.h for the rules): the audience timelines
// and review members in family audience, and which records name which in
// family referrers (docs/storage.md).
//
// A record gets a timeline when its audience first differs from what its
// own visibility alone would give from its start: when it names other
// records, or when its audience changes. A record without one has had its
// own audience all along. A review's members have one from the review's
// first change on a board of this release; a store made by an earlier
// release has none until they first change, and then its members count as
// unchanged before that (docs/operations.md, "Upgrading").
//
// Thread-safety: OnApplied runs under the replica's writer lock (one batch
// at a time).
#ifndef CASESYNC_SERVER_AUDIENCE_TRACKER_H_
#define CASESYNC_SERVER_AUDIENCE_TRACKER_H_

#include <cstdint>
#include <vector>

#include "absl/status/status.h"
#include "casesync/v1/storage.pb.h"
#include "common/replica/replica.h"

namespace casesync {

class AudienceTracker {
 public:
  // Whether a change may alter an audience: it makes a record, or writes a
  // visibility, a reference, or a review's agencies. The tracker needs the
  // record's state before such a change (ChangeObserver::WantsStateBefore).
  static bool MayAlterAudience(const v1::Change& change);

  // After `change` (numbered `seq`) was staged in `batch`: records the
  // audience of its record (or its review's members) if it changed, keeps
  // the references index, and appends to `changed` every other record
  // whose audience this change altered (it widened or narrowed a record
  // they name). Errors from reading the batch; DATA_LOSS for unreadable
  // state.
  [[nodiscard]] static absl::Status OnApplied(
      Replica::Batch* batch, const v1::Change& change, const AppliedTo& record,
      uint64_t seq, std::vector<v1::RecordRef>* changed);
};

}  // namespace casesync

#endif  // CASESYNC_SERVER_AUDIENCE_TRACKER_H_
