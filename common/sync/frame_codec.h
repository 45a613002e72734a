// Compression of sync frames: a message serialized and wrapped in one zstd
// frame, and back, with a limit on the decompressed size so that a small
// hostile frame cannot claim a huge buffer.
//
// Thread-safety: pure functions.
#ifndef CASESYNC_COMMON_SYNC_FRAME_CODEC_H_
#define CASESYNC_COMMON_SYNC_FRAME_CODEC_H_

#include <cstddef>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/message.h"

namespace casesync {

// The sync protocol this release speaks (Hello.protocol_version). 2: feed
// entries may carry snapshots (docs/sync_protocol.md, "Who sees what"),
// which an agency of protocol 1 would misread, so the board refuses it.
inline constexpr uint32_t kSyncProtocolVersion = 2;

// The bundle format this release writes; it reads this one and version 1
// (which has no snapshots). docs/sync_protocol.md, "Without a network".
inline constexpr uint32_t kBundleFormatVersion = 2;

// Largest decompressed frame accepted.
inline constexpr size_t kMaxDecompressedFrameBytes = 64 << 20;

// `message` serialized and compressed (zstd level 1: fast, and text of case
// records shrinks two to four times).
std::string CompressMessage(const google::protobuf::Message& message);

// Already serialized message bytes, compressed as CompressMessage does.
std::string CompressSerialized(absl::string_view serialized);

// Decompresses `compressed` and parses it into `message`. INVALID_ARGUMENT if
// it is not one complete zstd frame, does not state its size, states more
// than `max_bytes`, or does not parse.
[[nodiscard]] absl::Status DecompressMessage(
    absl::string_view compressed, google::protobuf::Message* message,
    size_t max_bytes = kMaxDecompressedFrameBytes);

// The batch a sync frame carries (a PushBatch or FeedBatch): `frame` itself,
// or what its `zstd` field holds. Errors as DecompressMessage.
template <typename Batch>
[[nodiscard]] absl::StatusOr<Batch> Unwrapped(const Batch& frame) {
  if (frame.zstd().empty()) return frame;
  Batch batch;
  if (absl::Status status = DecompressMessage(frame.zstd(), &batch);
      !status.ok()) {
    return status;
  }
  return batch;
}

}  // namespace casesync

#endif  // CASESYNC_COMMON_SYNC_FRAME_CODEC_H_
