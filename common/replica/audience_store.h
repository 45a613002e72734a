// The board's audience timelines as stored (family audience,
// docs/storage.md): whom each record has been meant for over the feed, and
// each review's members (the timeline of the review record itself). The
// board writes them (server/audience_tracker.h); its feed and its record
// service read them. An agency's store has none.
//
// Thread-safety: as Store and Replica::Batch.
#ifndef CASESYNC_COMMON_REPLICA_AUDIENCE_STORE_H_
#define CASESYNC_COMMON_REPLICA_AUDIENCE_STORE_H_

#include <cstdint>
#include <optional>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "casesync/v1/storage.pb.h"
#include "common/replica/replica.h"
#include "common/replica/store.h"

namespace casesync {

// The timeline of record `record` of review `review` (of its members, for
// the review record), or nullopt if none is kept. DATA_LOSS if unreadable;
// store errors.
[[nodiscard]] absl::StatusOr<std::optional<v1::AudienceTimeline>>
ReadAudienceTimeline(const Store& store, absl::string_view review,
                     absl::string_view record);
// The same, through `batch` (what it staged counts).
[[nodiscard]] absl::StatusOr<std::optional<v1::AudienceTimeline>>
ReadAudienceTimeline(Replica::Batch* batch, absl::string_view review,
                     absl::string_view record);

// Stages `timeline` for the record into `batch`.
void WriteAudienceTimeline(Replica::Batch* batch, absl::string_view review,
                           absl::string_view record,
                           const v1::AudienceTimeline& timeline);

// Whom a record is meant for now: its timeline's newest entry, or, when no
// timeline is kept (its audience never changed), its own audience.
v1::Audience AudienceNow(const std::optional<v1::AudienceTimeline>& timeline,
                         const v1::RecordRef& ref, v1::Visibility visibility);

// Whether `agency` may see the record `ref` (whose visibility is
// `visibility`) now, by what `store` keeps: the review's members and the
// record's audience (MayDisclose in common/records/access_rules.h). On a
// store that keeps no audiences (an agency's), by the visibility and the
// review alone. Errors from reading the store.
[[nodiscard]] absl::StatusOr<bool> MaySeeNow(const Replica& replica,
                                             absl::string_view agency,
                                             const v1::RecordRef& ref,
                                             v1::Visibility visibility);

}  // namespace casesync

#endif  // CASESYNC_COMMON_REPLICA_AUDIENCE_STORE_H_
