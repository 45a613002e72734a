// Fuzz target: a compressed frame as it arrives from the network or a
// bundle (zstd, then protobuf), decoded as a push and as a feed batch.
#include <cstddef>
#include <cstdint>

#include "casesync/v1/sync.pb.h"
#include "common/sync/frame_codec.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view bytes(reinterpret_cast<const char*>(data), size);
  casesync::v1::PushBatch push;
  (void)casesync::DecompressMessage(bytes, &push);
  casesync::v1::FeedBatch feed;
  (void)casesync::DecompressMessage(bytes, &feed, 1 << 20);
  return 0;
}
