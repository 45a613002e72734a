// The statutory clock's work of the local API (proto/casesync/v1/
// local_api.proto; docs/statutory_process.md): listing what is due as of a
// day, moving contribution requests on, and counting what is overdue for the
// metrics. Both daemons serve it: the board sees every review's deadlines,
// requests and actions; an agency what is due from it.
//
// Thread-safety: safe to call from many threads (it reads the replica and
// writes through RecordService, both thread-safe; the overdue counts are
// cached under a mutex).
#ifndef CASESYNC_COMMON_API_STATUTORY_SERVICE_H_
#define CASESYNC_COMMON_API_STATUTORY_SERVICE_H_

#include <cstdint>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "casesync/v1/local_api.pb.h"
#include "common/api/record_service.h"
#include "common/base/clock.h"
#include "common/review/statutory_clock.h"

namespace casesync {

// How many items are overdue, by kind (the metric casesync_overdue_items).
struct OverdueCounts {
  uint64_t deadlines = 0;
  uint64_t requests = 0;
  uint64_t actions = 0;
};

class StatutoryService {
 public:
  // None is owned; each must outlive the service. `wall` gives today's date
  // where a request leaves it out.
  StatutoryService(RecordService* records, const PartnershipClock* clock,
                   Clock* wall = SystemClock())
      : records_(records), clock_(clock), wall_(wall) {}

  // INVALID_ARGUMENT for an as_of that is not a date; NOT_FOUND for an
  // unknown review; store errors otherwise.
  [[nodiscard]] absl::StatusOr<v1::ListDeadlinesReply> ListDeadlines(
      const v1::ListDeadlinesRequest& request);

  // Writes the move as one change: to the agency's own response on an agency
  // (created at its first move, seen by the agency and the board only), to
  // the request on the board. NOT_FOUND for an unknown review or request;
  // INVALID_ARGUMENT for a bad date, a state this side does not set, or a
  // sign-off without the senior manager's name; FAILED_PRECONDITION for a
  // move the request's state does not allow, or a request made of another
  // agency; as RecordService::Edit otherwise.
  [[nodiscard]] absl::StatusOr<v1::EditRecordReply> MoveRequest(
      const v1::MoveRequestRequest& request);

  // The overdue items as of today, recounted at most every kOverdueRefresh
  // (and when the day changes): the metrics ask on every scrape, and the
  // count reads every review. Store errors as ListDeadlines.
  [[nodiscard]] absl::StatusOr<OverdueCounts> Overdue();

  static constexpr absl::Duration kOverdueRefresh = absl::Minutes(5);

 private:
  // The day `text` names, or today for empty text. INVALID_ARGUMENT naming
  // `what` otherwise.
  [[nodiscard]] absl::StatusOr<absl::CivilDay> DayOrToday(
      absl::string_view text, absl::string_view what);
  [[nodiscard]] absl::StatusOr<v1::EditRecordReply> MoveAsAgency(
      const v1::MoveRequestRequest& request,
      const v1::ContributionRequest& asked, absl::CivilDay day);
  [[nodiscard]] absl::StatusOr<v1::EditRecordReply> MoveAsBoard(
      const v1::MoveRequestRequest& request,
      const v1::ContributionRequest& asked);

  RecordService* const records_;
  const PartnershipClock* const clock_;
  Clock* const wall_;

  absl::Mutex overdue_mu_;
  absl::Time overdue_at_ ABSL_GUARDED_BY(overdue_mu_) = absl::InfinitePast();
  absl::CivilDay overdue_day_ ABSL_GUARDED_BY(overdue_mu_);
  OverdueCounts overdue_ ABSL_GUARDED_BY(overdue_mu_);
};

}  // namespace casesync

#endif  // CASESYNC_COMMON_API_STATUTORY_SERVICE_H_
