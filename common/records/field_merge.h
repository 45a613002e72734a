// The merge rule for one field (docs/replication.md), as pure functions over
// the field's current values (FieldHeads).
//
// The current values of a field are the writes no held write names as a
// parent. One value is the field; several are a conflict, all kept, and the
// one shown is the greatest by (HLC, replica id, counter). Nothing here reads
// storage: the replica decides which writes are superseded and calls these to
// keep the set.
//
// Thread-safety: pure functions.
#ifndef CASESYNC_COMMON_RECORDS_FIELD_MERGE_H_
#define CASESYNC_COMMON_RECORDS_FIELD_MERGE_H_

#include <vector>

#include "casesync/v1/storage.pb.h"

namespace casesync {

// Total order on dots: by replica id, then counter.
int CompareDots(const v1::Dot& a, const v1::Dot& b);
inline bool SameDot(const v1::Dot& a, const v1::Dot& b) {
  return a.counter() == b.counter() && a.replica() == b.replica();
}

// True if `a` is shown in preference to `b`: higher HLC, then higher replica
// id, then higher counter. Deterministic on every replica.
bool ShownBefore(const v1::HeadValue& a, const v1::HeadValue& b);

// Adds `value` to `heads`, keeping them sorted by dot. Returns false (and
// changes nothing) if a value with the same dot is already there.
bool AddHead(v1::HeadValue value, v1::FieldHeads* heads);

// Removes the value written by `dot`; returns whether there was one.
bool RemoveHead(const v1::Dot& dot, v1::FieldHeads* heads);

// The shown value; requires at least one head.
const v1::HeadValue& Winner(const v1::FieldHeads& heads);

// The heads, shown value first, then the others in ShownBefore order.
std::vector<const v1::HeadValue*> InShownOrder(const v1::FieldHeads& heads);

}  // namespace casesync

#endif  // CASESYNC_COMMON_RECORDS_FIELD_MERGE_H_
