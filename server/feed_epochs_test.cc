// FeedEpochs: where a restored board streams its feed from for a cursor
// counted in an earlier epoch, and that epochs survive reopening.
#include "server/feed_epochs.h"

#include "common/testing/status_matchers.h"
#include "common/testing/temp_dir.h"
#include "gtest/gtest.h"

namespace casesync::testing {
namespace {

class FeedEpochsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ReplicaOptions options;
    options.path = dir_.Sub("board");
    options.replica_id = "board";
    options.sync = false;
    auto replica = Replica::Open(options);
    ASSERT_THAT(replica, IsOk());
    replica_ = *std::move(replica);
  }

  // Begins an epoch at `head` and commits it; returns its id.
  uint64_t Begin(FeedEpochs* epochs, uint64_t head) {
    std::unique_ptr<Replica::Batch> batch = replica_->NewBatch();
    EXPECT_THAT(epochs->Begin(batch.get(), head, 1), IsOk());
    EXPECT_THAT(batch->Commit(), IsOk());
    return epochs->current();
  }

  TempDir dir_;
  std::unique_ptr<Replica> replica_;
};

TEST_F(FeedEpochsTest, ANeverRestoredBoardTakesEveryCursorAsItIs) {
  auto epochs = FeedEpochs::Load(*replica_);
  ASSERT_THAT(epochs, IsOk());
  EXPECT_EQ(epochs->current(), 0u);
  EXPECT_EQ(epochs->StartCursor(0, 57), 57u);
}

TEST_F(FeedEpochsTest, CursorsFromEarlierEpochsStopWhereTheHistoriesPart) {
  auto loaded = FeedEpochs::Load(*replica_);
  ASSERT_THAT(loaded, IsOk());
  FeedEpochs epochs = *loaded;
  // Restored at head 40 (the backup's), then again at head 25 (a backup
  // older still).
  const uint64_t first = Begin(&epochs, 40);
  const uint64_t second = Begin(&epochs, 25);
  ASSERT_NE(first, 0u);
  ASSERT_NE(first, second);
  EXPECT_EQ(epochs.current(), second);
  // In the current epoch: as it is, even past the start.
  EXPECT_EQ(epochs.StartCursor(second, 90), 90u);
  // From the first history: no further than the first restore's head, nor
  // the second's.
  EXPECT_EQ(epochs.StartCursor(0, 90), 25u);
  EXPECT_EQ(epochs.StartCursor(0, 10), 10u);
  // From the second history: no further than the second restore's head.
  EXPECT_EQ(epochs.StartCursor(first, 33), 25u);
  EXPECT_EQ(epochs.StartCursor(first, 20), 20u);
  // An epoch this board never had (a history lost with the restore): all.
  EXPECT_EQ(epochs.StartCursor(12345, 90), 0u);

  // Kept in the store.
  auto reopened = FeedEpochs::Load(*replica_);
  ASSERT_THAT(reopened, IsOk());
  EXPECT_EQ(reopened->current(), second);
  EXPECT_EQ(reopened->StartCursor(first, 33), 25u);
}

}  // namespace
}  // namespace casesync::testing
