// Fuzz target: a feed batch as an agency receives it from the board (the
// bytes of a FeedBatch), staged into the agency's replica and committed when
// accepted. The agency must still read back every record it was sent.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>

#include "casesync/v1/sync.pb.h"
#include "client/feed_apply.h"
#include "common/replica.h"
#include "tests/fuzz/fuzz_seeds.h"

namespace {

casesync::Replica* TheAgency() {
  static casesync::Replica* agency = [] {
    casesync::ReplicaOptions options;
    options.path = casesync::fuzz::ScratchDir();
    options.replica_id = "police";
    options.sync = false;
    auto opened = casesync::Replica::Open(options);
    if (!opened.ok()) std::abort();
    return opened->release();
  }();
  return agency;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  casesync::v1::FeedBatch feed;
  if (!feed.ParseFromArray(data, static_cast<int>(size))) return 0;
  casesync::Replica* agency = TheAgency();
  std::unique_ptr<casesync::Replica::Batch> batch = agency->NewBatch();
  if (casesync::StageFeed(feed, batch.get()).ok()) {
    if (!batch->Commit(casesync::Store::Durability::kBuffered).ok()) {
      std::abort();
    }
  }
  batch.reset();
  for (const casesync::v1::FeedEntry& entry : feed.entries()) {
    const casesync::v1::RecordRef& ref = entry.change().record();
    auto record = agency->ReadRecord(ref.review_id(), ref.record_id());
    if (!record.ok() && !absl::IsNotFound(record.status()) &&
        !absl::IsInvalidArgument(record.status())) {
      std::abort();
    }
  }
  return 0;
}
