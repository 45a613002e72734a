// What `casesync deadlines` lists (docs/statutory_process.md, "Deadlines"),
// read from a replica: on the board, every review's statutory deadlines,
// every contribution request with each of its moves, and every action of
// the action plans; on an agency, what is due from it: the requests made of
// it and the actions it owns, among the records it holds.
//
// Thread-safety: reads the replica only; safe from many threads.
#ifndef CASESYNC_COMMON_REVIEW_DEADLINE_LISTING_H_
#define CASESYNC_COMMON_REVIEW_DEADLINE_LISTING_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "casesync/v1/local_api.pb.h"
#include "common/base/role.h"
#include "common/replica/replica.h"
#include "common/review/statutory_clock.h"

namespace casesync {

// Whose deadlines: the board's (everything), or one agency's.
struct DeadlineScope {
  Role role = Role::kBoard;
  // With Role::kAgency: the agency whose work is listed.
  std::string agency;
  // One review only; empty: every review the replica holds.
  std::string review_id;
};

// The listing as of `as_of`, each list most urgent first (SortByUrgency).
// NOT_FOUND for a review the replica does not hold; store errors otherwise.
[[nodiscard]] absl::StatusOr<v1::ListDeadlinesReply> ListDeadlines(
    const Replica& replica, const DeadlineScope& scope,
    const PartnershipClock& clock, absl::CivilDay as_of);

}  // namespace casesync

#endif  // CASESYNC_COMMON_REVIEW_DEADLINE_LISTING_H_
