// The stored form of a record's state (storage.proto RecordState).
//
// While a replica holds a single change of a record, its state is compact:
// identity, creation time and the dot of that change, whose writes are the
// current values. Once a second change arrives the state is expanded into
// per-field current values (FieldHeads). Both forms are a function of the
// changes held, so replicas holding the same changes store the same bytes.
//
// Thread-safety: pure functions.
#ifndef CASESYNC_COMMON_RECORDS_RECORD_STATE_H_
#define CASESYNC_COMMON_RECORDS_RECORD_STATE_H_

#include <cstddef>

#include "casesync/v1/replication.pb.h"
#include "casesync/v1/storage.pb.h"

namespace casesync {

// Field values up to this many bytes (serialized) are kept in an expanded
// state beside their dot; larger ones only in the change that wrote them.
inline constexpr size_t kInlineValueBytes = 64;

inline bool IsCompact(const v1::RecordState& state) {
  return state.has_sole_change();
}

// The compact state of a record whose only held change is `change`.
v1::RecordState CompactState(const v1::Change& change);

// Expands a compact `state` in place from its sole change (which must be
// the change it names): one current value per write, and the change list.
void Expand(const v1::Change& change, v1::RecordState* state);

}  // namespace casesync

#endif  // CASESYNC_COMMON_RECORDS_RECORD_STATE_H_
