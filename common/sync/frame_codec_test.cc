#include "common/sync/frame_codec.h"

#include <zstd.h>

#include "casesync/v1/sync.pb.h"
#include "common/testing/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace casesync {
namespace {

using ::casesync::testing::IsOk;
using ::casesync::testing::StatusIs;

v1::PushBatch Sample() {
  v1::PushBatch batch;
  for (int i = 1; i <= 50; ++i) {
    v1::Change* change = batch.add_changes();
    change->mutable_dot()->set_replica("police");
    change->mutable_dot()->set_counter(i);
    v1::FieldWrite* write = change->add_writes();
    write->set_field(12);
    write->mutable_value()->set_string_value(std::string(500, 'a' + i % 26));
  }
  return batch;
}

TEST(FrameCodecTest, RoundTripsAndShrinks) {
  const v1::PushBatch batch = Sample();
  const std::string compressed = CompressMessage(batch);
  EXPECT_LT(compressed.size(), batch.ByteSizeLong() / 4);
  v1::PushBatch back;
  ASSERT_THAT(DecompressMessage(compressed, &back), IsOk());
  EXPECT_EQ(back.SerializeAsString(), batch.SerializeAsString());
}

TEST(FrameCodecTest, RefusesGarbageAndTruncation) {
  v1::PushBatch out;
  EXPECT_THAT(DecompressMessage("not zstd at all", &out),
              StatusIs(absl::StatusCode::kInvalidArgument));
  const std::string compressed = CompressMessage(Sample());
  EXPECT_THAT(
      DecompressMessage(compressed.substr(0, compressed.size() / 2), &out),
      StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(FrameCodecTest, RefusesAFrameClaimingTooMuch) {
  const std::string compressed = CompressMessage(Sample());
  v1::PushBatch out;
  EXPECT_THAT(DecompressMessage(compressed, &out, /*max_bytes=*/100),
              StatusIs(absl::StatusCode::kInvalidArgument, "the limit is 100"));
}

TEST(FrameCodecTest, RefusesContentThatIsNotTheMessage) {
  const std::string junk(100, '\xff');
  std::string compressed(ZSTD_compressBound(junk.size()), '\0');
  compressed.resize(ZSTD_compress(compressed.data(), compressed.size(),
                                  junk.data(), junk.size(), 1));
  v1::PushBatch out;
  EXPECT_THAT(DecompressMessage(compressed, &out),
              StatusIs(absl::StatusCode::kInvalidArgument, "does not parse"));
}

}  // namespace
}  // namespace casesync
