// Checks that a change is well formed before anything of it is stored:
// identity, record address, and every field write against the record type's
// schema. The same check runs wherever a change enters a replica (local
// edits, a push at the board, a feed entry at an agency, a bundle).
//
// Thread-safety: pure functions.
#ifndef CASESYNC_COMMON_RECORDS_CHANGE_CHECK_H_
#define CASESYNC_COMMON_RECORDS_CHANGE_CHECK_H_

#include <cstddef>
#include <string>

#include "absl/status/status.h"
#include "casesync/v1/replication.pb.h"
#include "google/protobuf/message.h"

namespace casesync {

// Size limits on one change. Defaults suit free-text case records; a larger
// value only costs memory per change.
struct ChangeLimits {
  // The serialized change, all writes included.
  size_t max_change_bytes = 1 << 20;
  // One string value, or one entry of a list.
  size_t max_field_bytes = 64 * 1024;
  // Entries in one repeated-string value.
  size_t max_list_entries = 1000;
  // Parents named by one field write.
  size_t max_parents = 64;
  // The change's author text.
  size_t max_author_bytes = 256;
};

// "police:17".
std::string FormatDot(const v1::Dot& dot);

// OK if `dot` names a valid replica and a counter of at least 1.
[[nodiscard]] absl::Status CheckDot(const v1::Dot& dot);

// OK if `change` is well formed: a valid dot and HLC; a record address with
// valid ids and a registered type (a review's record id is its review id); at
// least one write; writes in strictly ascending field order, each to a field
// the type declares and that is not an identity field, with a value of the
// field's type, and parents that are valid, distinct dots other than the
// change's own; no fields this version does not know; and within `limits`.
// OUT_OF_RANGE when a size limit is exceeded, INVALID_ARGUMENT for anything
// else, the message naming the dot and the rule.
[[nodiscard]] absl::Status CheckChange(const v1::Change& change,
                                       const ChangeLimits& limits);

// The bytes a replica stores for a message. casesync's stored messages have
// no map fields and a checked change carries no unknown fields, so plain
// serialization is deterministic: the same change always gives the same
// bytes on every replica.
std::string CanonicalBytes(const google::protobuf::Message& message);

// A change checked and serialized ahead of applying it, so that a caller with
// a spare thread (the board, decoding the next push while it applies this
// one) can take that work off the applying thread. Replica::Batch::Apply
// accepts it in place of doing both itself.
struct CheckedChange {
  // CheckChange's result.
  absl::Status check;
  // CanonicalBytes of the change; empty if the check failed.
  std::string canonical;
  // Sha256(canonical), if the caller computed it (the board does, for its
  // audit chain); empty otherwise, and then whoever needs it computes it.
  std::string sha256;
};

CheckedChange CheckAndSerialize(const v1::Change& change,
                                const ChangeLimits& limits);

}  // namespace casesync

#endif  // CASESYNC_COMMON_RECORDS_CHANGE_CHECK_H_
