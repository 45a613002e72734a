#include "common/replica/review_lookup.h"

namespace casesync {

[[nodiscard]] absl::StatusOr<std::optional<v1::Review>> ReadReview(
    const Replica& replica, absl::string_view review_id) {
  absl::StatusOr<RecordView> view = replica.ReadRecord(review_id, review_id);
  if (absl::IsNotFound(view.status())) return std::nullopt;
  if (!view.ok()) return view.status();
  if (view->deleted || view->ref.type() != v1::RECORD_TYPE_REVIEW) {
    return std::nullopt;
  }
  return static_cast<const v1::Review&>(*view->message);
}

}  // namespace casesync
