// Stored changes as a PushBatch's bytes: what the board parses is the
// changes as stored, in order.
#include "client/agency/serialized_push.h"

#include <string>
#include <vector>

#include "casesync/v1/sync.pb.h"
#include "common/testing/replica_set.h"
#include "common/testing/status_matchers.h"
#include "gtest/gtest.h"

namespace casesync {
namespace {

using testing::IsOk;

TEST(SerializedPushTest, ParsesAsAPushBatchOfTheStoredChanges) {
  testing::ReplicaSet replicas;
  Replica* police = replicas.Open("police");
  for (const char* event : {"Visit", "Call", "Strategy meeting"}) {
    testing::NewEntry(police, "r1", event);
  }
  absl::StatusOr<std::vector<Replica::EncodedChange>> changes =
      police->ChangesAfter("police", 0, 10, 1 << 20);
  ASSERT_THAT(changes, IsOk());
  ASSERT_EQ(changes->size(), 3u);
  v1::PushBatch push;
  ASSERT_TRUE(push.ParseFromString(SerializedPush(*changes)));
  ASSERT_EQ(push.changes_size(), 3);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(push.changes(i).SerializeAsString(), (*changes)[i].bytes);
    EXPECT_EQ(push.changes(i).dot().counter(), (*changes)[i].counter);
  }
  EXPECT_TRUE(push.zstd().empty());
}

TEST(SerializedPushTest, NoChangesIsAnEmptyPush) {
  EXPECT_EQ(SerializedPush({}), "");
}

}  // namespace
}  // namespace casesync
