#include "common/replica/audience_store.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "common/base/status_macros.h"
#include "common/records/access_rules.h"
#include "common/records/audience.h"
#include "common/replica/review_lookup.h"
#include "common/replica/storage_keys.h"

namespace casesync {
namespace {

[[nodiscard]] absl::StatusOr<std::optional<v1::AudienceTimeline>> Parse(
    const std::optional<std::string>& bytes, absl::string_view record) {
  if (!bytes.has_value()) return std::nullopt;
  v1::AudienceTimeline timeline;
  if (!timeline.ParseFromString(*bytes)) {
    return absl::DataLossError(
        absl::StrCat("unreadable audience of record ", record));
  }
  return timeline;
}

}  // namespace

absl::StatusOr<std::optional<v1::AudienceTimeline>> ReadAudienceTimeline(
    const Store& store, absl::string_view review, absl::string_view record) {
  ASSIGN_OR_RETURN(std::optional<std::string> bytes,
                   store.Get(Family::kAudience, keys::Record(review, record)));
  return Parse(bytes, record);
}

absl::StatusOr<std::optional<v1::AudienceTimeline>> ReadAudienceTimeline(
    Replica::Batch* batch, absl::string_view review, absl::string_view record) {
  ASSIGN_OR_RETURN(std::optional<std::string> bytes,
                   batch->Get(Family::kAudience, keys::Record(review, record)));
  return Parse(bytes, record);
}

void WriteAudienceTimeline(Replica::Batch* batch, absl::string_view review,
                           absl::string_view record,
                           const v1::AudienceTimeline& timeline) {
  batch->Put(Family::kAudience, keys::Record(review, record),
             timeline.SerializeAsString());
}

v1::Audience AudienceNow(const std::optional<v1::AudienceTimeline>& timeline,
                         const v1::RecordRef& ref, v1::Visibility visibility) {
  if (timeline.has_value() && timeline->entries_size() > 0) {
    return timeline->entries(timeline->entries_size() - 1).audience();
  }
  return OwnAudience(ref, visibility);
}

absl::StatusOr<bool> MaySeeNow(const Replica& replica, absl::string_view agency,
                               const v1::RecordRef& ref,
                               v1::Visibility visibility) {
  ASSIGN_OR_RETURN(std::optional<v1::Review> review,
                   ReadReview(replica, ref.review_id()));
  if (!review.has_value()) return ref.owner_agency() == agency;
  ASSIGN_OR_RETURN(
      std::optional<v1::AudienceTimeline> members,
      ReadAudienceTimeline(*replica.store(), ref.review_id(), ref.review_id()));
  ASSIGN_OR_RETURN(
      std::optional<v1::AudienceTimeline> audience,
      ReadAudienceTimeline(*replica.store(), ref.review_id(), ref.record_id()));
  if (!members.has_value() || members->entries().empty()) {
    return MayDisclose(agency, ref, AudienceNow(audience, ref, visibility),
                       MembersOf(*review));
  }
  return MayDisclose(agency, ref, AudienceNow(audience, ref, visibility),
                     members->entries(members->entries_size() - 1).audience());
}

}  // namespace casesync
