// Contribution requests and action plans as the statutory process tracks them
// (docs/statutory_process.md, "Contribution requests", "Action plans").
//
// A request lives in two records, each written only by its owner: the
// board's ContributionRequest (requested; queried, accepted, withdrawn) and
// the agency's ContributionResponse (in progress, submitted, signed off).
// Where the request stands is read from both:
//   withdrawn or accepted on the request     -> that;
//   queried more often than the response has answered -> queried;
//   a response                               -> the response's state;
//   otherwise                                -> requested.
// It counts as done once submitted (signed off and accepted follow).
//
// Thread-safety: pure functions.
#ifndef CASESYNC_COMMON_REVIEW_CONTRIBUTIONS_H_
#define CASESYNC_COMMON_REVIEW_CONTRIBUTIONS_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "casesync/v1/records.pb.h"
#include "casesync/v1/review.pb.h"
#include "common/base/role.h"
#include "common/calendar/working_calendar.h"

namespace casesync {

// Where the request stands ("requested", "in_progress", "submitted",
// "signed_off", "queried", "accepted", "withdrawn"), given the agency's
// response (null if it has made none).
std::string RequestState(const v1::ContributionRequest& request,
                         const v1::ContributionResponse* response);

// The request's status as of `as_of`: its state, whether it is done,
// overdue or was submitted late, and the working days left.
v1::ContributionStatus RequestStatusOf(const v1::ContributionRequest& request,
                                       const v1::ContributionResponse* response,
                                       const WorkingCalendar& calendar,
                                       absl::CivilDay as_of);

// OK if the `role` side may move a request from `state` (RequestState) to
// `to`. INVALID_ARGUMENT for a state this side does not set (the agency sets
// in_progress, submitted, signed_off; the board queried, accepted,
// withdrawn); FAILED_PRECONDITION for a move `state` does not allow, saying
// what it allows.
[[nodiscard]] absl::Status CheckMove(Role role, absl::string_view state,
                                     absl::string_view to);

// The action's status as of `as_of`: done (done or dropped), overdue, and
// the working days left.
v1::ActionStatus ActionStatusOf(const v1::ActionPlanItem& action,
                                const WorkingCalendar& calendar,
                                absl::CivilDay as_of);

}  // namespace casesync

#endif  // CASESYNC_COMMON_REVIEW_CONTRIBUTIONS_H_
