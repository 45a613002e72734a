// This agency's stored changes as the bytes of a PushBatch (sync.proto), for
// a push on the sync stream or a frame of a bundle: the stored bytes of each
// change go out as they are, with nothing parsed or re-encoded.
//
// Thread-safety: a pure function.
#ifndef CASESYNC_CLIENT_AGENCY_SERIALIZED_PUSH_H_
#define CASESYNC_CLIENT_AGENCY_SERIALIZED_PUSH_H_

#include <string>
#include <vector>

#include "common/replica/replica.h"

namespace casesync {

// `changes` as a serialized PushBatch: each change's bytes as field 1
// (PushBatch.changes), in order. Never fails.
std::string SerializedPush(const std::vector<Replica::EncodedChange>& changes);

}  // namespace casesync

#endif  // CASESYNC_CLIENT_AGENCY_SERIALIZED_PUSH_H_
