// Looking up a review in a replica: the record every access rule is checked
// against (common/records/access_rules.h).
//
// Thread-safety: as Replica (safe from many threads).
#ifndef CASESYNC_COMMON_REPLICA_REVIEW_LOOKUP_H_
#define CASESYNC_COMMON_REPLICA_REVIEW_LOOKUP_H_

#include <optional>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "casesync/v1/records.pb.h"
#include "common/replica/replica.h"

namespace casesync {

// The review as `replica` holds it; nullopt if it holds no such review or
// the review is deleted. Errors as Replica::ReadRecord (other than
// NOT_FOUND).
[[nodiscard]] absl::StatusOr<std::optional<v1::Review>> ReadReview(
    const Replica& replica, absl::string_view review_id);

}  // namespace casesync

#endif  // CASESYNC_COMMON_REPLICA_REVIEW_LOOKUP_H_
