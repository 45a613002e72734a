#include "common/sync/frame_codec.h"

#include <zstd.h>

#include <memory>

#include "absl/strings/str_cat.h"

namespace casesync {

std::string CompressMessage(const google::protobuf::Message& message) {
  return CompressSerialized(message.SerializeAsString());
}

std::string CompressSerialized(absl::string_view plain) {
  // A context per thread, made once: making one per frame (ZSTD_compress)
  // allocates and clears its tables every time.
  thread_local std::unique_ptr<ZSTD_CCtx, decltype(&ZSTD_freeCCtx)> context(
      ZSTD_createCCtx(), &ZSTD_freeCCtx);
  std::string compressed(ZSTD_compressBound(plain.size()), '\0');
  const size_t size =
      context == nullptr
          ? ZSTD_compress(compressed.data(), compressed.size(), plain.data(),
                          plain.size(), 1)
          : ZSTD_compressCCtx(context.get(), compressed.data(),
                              compressed.size(), plain.data(), plain.size(), 1);
  // Compression cannot fail with a buffer of ZSTD_compressBound bytes.
  compressed.resize(ZSTD_isError(size) ? 0 : size);
  // Give back the rest of the worst-case buffer: a frame can wait in a
  // send queue a while, and a hundred streams' worth of bounds adds up.
  compressed.shrink_to_fit();
  return compressed;
}

[[nodiscard]] absl::Status DecompressMessage(absl::string_view compressed,
                                             google::protobuf::Message* message,
                                             size_t max_bytes) {
  const unsigned long long size =
      ZSTD_getFrameContentSize(compressed.data(), compressed.size());
  if (size == ZSTD_CONTENTSIZE_ERROR) {
    return absl::InvalidArgumentError("not a zstd frame");
  }
  if (size == ZSTD_CONTENTSIZE_UNKNOWN) {
    return absl::InvalidArgumentError("zstd frame does not state its size");
  }
  if (size > max_bytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("zstd frame would decompress to ", size,
                     " bytes; the limit is ", max_bytes));
  }
  std::string plain(static_cast<size_t>(size), '\0');
  const size_t got = ZSTD_decompress(plain.data(), plain.size(),
                                     compressed.data(), compressed.size());
  if (ZSTD_isError(got) || got != size) {
    return absl::InvalidArgumentError(
        absl::StrCat("corrupt zstd frame: ",
                     ZSTD_isError(got) ? ZSTD_getErrorName(got) : "short"));
  }
  if (!message->ParseFromString(plain)) {
    return absl::InvalidArgumentError(
        absl::StrCat("compressed ", message->GetTypeName(), " does not parse"));
  }
  return absl::OkStatus();
}

}  // namespace casesync
