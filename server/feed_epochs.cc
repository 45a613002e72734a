#include "server/feed_epochs.h"

#include <algorithm>

#include "absl/random/random.h"
#include "common/base/status_macros.h"
#include "common/replica/storage_keys.h"

namespace casesync {

absl::StatusOr<FeedEpochs> FeedEpochs::Load(const Replica& replica) {
  FeedEpochs epochs;
  ASSIGN_OR_RETURN(std::optional<std::string> bytes,
                   replica.store()->Get(Family::kMeta, keys::kMetaFeedEpochs));
  if (bytes.has_value() && !epochs.epochs_.ParseFromString(*bytes)) {
    return absl::DataLossError("the board's feed epochs are unreadable");
  }
  return epochs;
}

absl::Status FeedEpochs::Begin(Replica::Batch* batch, uint64_t head,
                               int64_t now_ms) {
  absl::BitGen bitgen;
  uint64_t id = 0;
  while (id == 0) id = absl::Uniform<uint64_t>(bitgen);
  v1::FeedEpochs::Epoch* epoch = epochs_.add_epochs();
  epoch->set_id(id);
  epoch->set_start_head(head);
  epoch->set_started_ms(now_ms);
  batch->Put(Family::kMeta, keys::kMetaFeedEpochs, epochs_.SerializeAsString());
  return absl::OkStatus();
}

uint64_t FeedEpochs::current() const {
  return epochs_.epochs().empty() ? 0 : epochs_.epochs().rbegin()->id();
}

int64_t FeedEpochs::current_started_ms() const {
  return epochs_.epochs().empty() ? 0 : epochs_.epochs().rbegin()->started_ms();
}

uint64_t FeedEpochs::StartCursor(uint64_t epoch, uint64_t cursor) const {
  if (epoch == current()) return cursor;
  // The epochs after the agency's: 0 is the first history, before them all.
  int first_later = 0;
  if (epoch != 0) {
    first_later = -1;
    for (int i = 0; i < epochs_.epochs_size(); ++i) {
      if (epochs_.epochs(i).id() == epoch) first_later = i + 1;
    }
    if (first_later < 0) return 0;
  }
  for (int i = first_later; i < epochs_.epochs_size(); ++i) {
    cursor = std::min(cursor, epochs_.epochs(i).start_head());
  }
  return cursor;
}

}  // namespace casesync
