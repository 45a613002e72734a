// The board's feed at an agency: entries after the cursor applied with the
// cursor and head they move, compressed or not, all or nothing.
#include "client/agency/feed_apply.h"

#include <memory>
#include <string>
#include <vector>

#include "common/sync/frame_codec.h"
#include "common/testing/replica_set.h"
#include "common/testing/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace casesync {
namespace {

using testing::IsOk;
using testing::IsOkAndHolds;
using testing::StatusIs;

class FeedApplyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    LinkStateOptions options;
    options.clock = replicas_.clock();
    absl::StatusOr<std::unique_ptr<LinkState>> state =
        LinkState::Load(police_, options);
    ASSERT_THAT(state, IsOk());
    state_ = *std::move(state);
    feed_ = std::make_unique<FeedApplier>(state_.get(), &metrics_);
    for (const char* event : {"Referral", "Visit", "Strategy meeting"}) {
      changes_.push_back(testing::NewEntry(board_, "r1", event));
    }
  }

  bool Holds(const v1::Change& change) {
    absl::StatusOr<std::optional<v1::Change>> held =
        police_->ReadChange(change.dot());
    return held.ok() && held->has_value();
  }

  testing::ReplicaSet replicas_;
  Replica* police_ = replicas_.Open("police");
  Replica* board_ = replicas_.Open("board");
  SyncMetrics metrics_;
  std::unique_ptr<LinkState> state_;
  std::unique_ptr<FeedApplier> feed_;
  std::vector<v1::Change> changes_;
};

TEST_F(FeedApplyTest, AFrameIsAppliedWithTheCursorAndHeadItMoves) {
  v1::FeedBatch frame = testing::FeedOf(changes_, 1);
  frame.set_feed_head(9);
  ASSERT_THAT(feed_->Apply(frame), IsOk());
  for (const v1::Change& change : changes_) EXPECT_TRUE(Holds(change));
  const v1::BoardLinkState state = state_->Get();
  EXPECT_EQ(state.feed_cursor(), 3u);
  EXPECT_EQ(state.feed_head(), 9u);
  EXPECT_EQ(state.last_contact_ms(), replicas_.clock()->NowMillis());
}

TEST_F(FeedApplyTest, EntriesAtOrBelowTheCursorAreNotAppliedAgain) {
  ASSERT_THAT(feed_->Apply(testing::FeedOf({changes_[0], changes_[1]}, 1)),
              IsOk());
  LinkState::Change change(state_.get());
  // Entries 1 and 2 again, with 3 new; the head below the cursor is raised.
  v1::FeedBatch again = testing::FeedOf(changes_, 1);
  EXPECT_THAT(feed_->Stage(again, again.cursor(), /*head=*/0, &change),
              IsOkAndHolds(1u));
  EXPECT_EQ(change.state()->feed_cursor(), 3u);
  EXPECT_EQ(change.state()->feed_head(), 3u);
}

TEST_F(FeedApplyTest, ACompressedFrameIsUnwrapped) {
  const v1::FeedBatch plain = testing::FeedOf(changes_, 1);
  v1::FeedBatch frame;
  frame.set_zstd(CompressMessage(plain));
  frame.set_cursor(plain.cursor());
  frame.set_feed_head(plain.feed_head());
  ASSERT_THAT(feed_->Apply(frame), IsOk());
  EXPECT_TRUE(Holds(changes_[2]));
  EXPECT_EQ(state_->Get().feed_cursor(), 3u);
}

TEST_F(FeedApplyTest, ARefusedEntryLeavesNothingApplied) {
  v1::FeedBatch frame = testing::FeedOf(changes_, 1);
  frame.mutable_entries(2)->mutable_change()->mutable_record()->clear_type();
  EXPECT_THAT(feed_->Apply(frame), StatusIs(absl::StatusCode::kInvalidArgument,
                                            "feed entry 3 refused"));
  EXPECT_FALSE(Holds(changes_[0]));
  EXPECT_EQ(state_->Get().feed_cursor(), 0u);
}

TEST_F(FeedApplyTest, TheCursorReachingTheRecoveryHeadEndsTheRecovery) {
  {
    LinkState::Change change(state_.get());
    change.state()->set_restored_from_backup_ms(1234);
    change.state()->set_recover_until_feed(3);
    ASSERT_THAT(change.Commit(), IsOk());
  }
  ASSERT_THAT(feed_->Apply(testing::FeedOf({changes_[0]}, 1)), IsOk());
  EXPECT_THAT(state_->MayWrite(),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  ASSERT_THAT(feed_->Apply(testing::FeedOf({changes_[1], changes_[2]}, 2)),
              IsOk());
  EXPECT_THAT(state_->MayWrite(), IsOk());
}

TEST(StageFeedTest, APurgeOfTheAgencysOwnRecordIsIgnored) {
  testing::ReplicaSet replicas;
  Replica* police = replicas.Open("police");
  const v1::Change own = testing::NewEntry(police, "r1", "Visit");
  v1::FeedBatch feed;
  v1::FeedEntry* entry = feed.add_entries();
  entry->set_seq(1);
  entry->mutable_purge()->set_review_id("r1");
  entry->mutable_purge()->set_record_id(own.record().record_id());
  std::unique_ptr<Replica::Batch> batch = police->NewBatch();
  EXPECT_THAT(StageFeed(feed, 0, batch.get()), IsOkAndHolds(1u));
  ASSERT_THAT(batch->Commit(), IsOk());
  EXPECT_THAT(police->ReadRecord("r1", own.record().record_id()), IsOk());
}

}  // namespace
}  // namespace casesync
