// Fuzz target: a feed batch as an agency receives it from the board (the
// bytes of a FeedBatch), staged into the agency's replica and committed when
// accepted. The agency must still read back every record it was sent.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <set>
#include <string>
#include <utility>

#include "casesync/v1/sync.pb.h"
#include "client/agency/feed_apply.h"
#include "common/replica/replica.h"
#include "tests/fuzz/fuzz_seeds.h"

namespace {

std::unique_ptr<casesync::Replica> OpenAgency(const std::string& dir) {
  casesync::ReplicaOptions options;
  options.path = dir;
  options.replica_id = "police";
  options.sync = false;
  auto opened = casesync::Replica::Open(options);
  if (!opened.ok()) std::abort();
  return *std::move(opened);
}

casesync::Replica* TheAgency() {
  static auto* agency = new casesync::fuzz::Renewed<casesync::Replica>(
      /*every=*/100, OpenAgency);
  return agency->Get();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  casesync::v1::FeedBatch feed;
  if (!feed.ParseFromArray(data, static_cast<int>(size))) return 0;
  casesync::Replica* agency = TheAgency();
  std::unique_ptr<casesync::Replica::Batch> batch = agency->NewBatch();
  if (casesync::StageFeed(feed, 0, batch.get()).ok()) {
    if (!batch->Commit(casesync::Store::Durability::kBuffered).ok()) {
      std::abort();
    }
  }
  batch.reset();
  std::set<std::pair<std::string, std::string>> touched;
  for (const casesync::v1::FeedEntry& entry : feed.entries()) {
    const casesync::v1::RecordRef& ref = entry.has_snapshot()
                                             ? entry.snapshot().record()
                                             : entry.change().record();
    touched.emplace(ref.review_id(), ref.record_id());
  }
  for (const auto& [review_id, record_id] : touched) {
    auto record = agency->ReadRecord(review_id, record_id);
    if (!record.ok() && !absl::IsNotFound(record.status()) &&
        !absl::IsInvalidArgument(record.status())) {
      std::abort();
    }
  }
  return 0;
}
