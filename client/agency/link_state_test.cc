// The board link's stored state: loading and committing it, the board's
// Welcome and acknowledgements taken in (recovery after a restore, epochs,
// rejections stored and reported once).
#include "client/agency/link_state.h"

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common/testing/replica_set.h"
#include "common/testing/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace casesync {
namespace {

using ::testing::ElementsAre;
using testing::IsOk;
using testing::IsOkAndHolds;
using testing::StatusIs;

MATCHER_P(VerdictOn, counter, "") { return arg.dot().counter() == counter; }

class LinkStateTest : public ::testing::Test {
 protected:
  // police's link state, loaded with `options` (the fake clock filled in).
  std::unique_ptr<LinkState> Load(LinkStateOptions options = {}) {
    options.clock = replicas_.clock();
    options.on_commit = [this] { ++commits_; };
    absl::StatusOr<std::unique_ptr<LinkState>> loaded =
        LinkState::Load(police_, std::move(options));
    EXPECT_THAT(loaded, IsOk());
    return loaded.ok() ? *std::move(loaded) : nullptr;
  }

  static v1::Welcome WelcomeFrom(const std::string& board,
                                 uint64_t acknowledged, uint64_t feed_head) {
    v1::Welcome welcome;
    welcome.set_board_id(board);
    welcome.set_acknowledged(acknowledged);
    welcome.set_feed_head(feed_head);
    return welcome;
  }

  [[nodiscard]] absl::Status Welcome(LinkState* state,
                                     const v1::Welcome& welcome) {
    LinkState::Change change(state);
    if (absl::Status staged = state->StageWelcome(welcome, &change);
        !staged.ok()) {
      return staged;
    }
    return change.Commit();
  }

  testing::ReplicaSet replicas_;
  Replica* police_ = replicas_.Open("police");
  int commits_ = 0;
};

TEST_F(LinkStateTest, AChangeIsPublishedAndStoredOnlyWhenCommitted) {
  std::unique_ptr<LinkState> state = Load();
  ASSERT_NE(state, nullptr);
  EXPECT_EQ(state->Get().feed_cursor(), 0u);
  {
    LinkState::Change change(state.get());
    change.state()->set_feed_cursor(9);
  }
  EXPECT_EQ(state->Get().feed_cursor(), 0u) << "an uncommitted change shows";
  {
    LinkState::Change change(state.get());
    change.state()->set_feed_cursor(7);
    change.MarkContact();
    ASSERT_THAT(change.Commit(), IsOk());
  }
  EXPECT_EQ(commits_, 1);
  EXPECT_EQ(state->Get().feed_cursor(), 7u);
  EXPECT_EQ(state->Get().last_contact_ms(), replicas_.clock()->NowMillis());
  state.reset();
  EXPECT_EQ(Load()->Get().feed_cursor(), 7u) << "not stored";
}

TEST_F(LinkStateTest, ABoardIdOtherThanTheOneSyncedWithIsRefused) {
  std::unique_ptr<LinkState> state = Load();
  ASSERT_THAT(Welcome(state.get(), WelcomeFrom("board", 0, 0)), IsOk());
  state.reset();
  LinkStateOptions other;
  other.board_id = "other";
  EXPECT_THAT(LinkState::Load(police_, other),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       "synced with board 'board'"));
  LinkStateOptions same;
  same.board_id = "board";
  EXPECT_EQ(Load(same)->KnownBoardId(), "board");
  LinkStateOptions configured;
  configured.board_id = "board";
  testing::ReplicaSet fresh;
  absl::StatusOr<std::unique_ptr<LinkState>> first_contact =
      LinkState::Load(fresh.Open("police"), configured);
  ASSERT_THAT(first_contact, IsOk());
  EXPECT_EQ((*first_contact)->KnownBoardId(), "board");
}

TEST_F(LinkStateTest, ARestoreIsRecordedDurablyAndHoldsWritesUntilWelcomed) {
  LinkStateOptions restored;
  restored.restored_from_backup_ms = 1234;
  ASSERT_NE(Load(restored), nullptr);
  std::unique_ptr<LinkState> state = Load();
  EXPECT_EQ(state->Get().restored_from_backup_ms(), 1234);
  EXPECT_THAT(state->MayWrite(),
              StatusIs(absl::StatusCode::kFailedPrecondition, "sync --wait"));
  // The board holds nothing this store lacks: writes open at once.
  ASSERT_THAT(Welcome(state.get(), WelcomeFrom("board", 0, 4)), IsOk());
  EXPECT_THAT(state->MayWrite(), IsOk());
}

TEST_F(LinkStateTest, AWelcomeAboveTheStoreTakesTheChangesBack) {
  LinkStateOptions restored;
  restored.restored_from_backup_ms = 1234;
  std::unique_ptr<LinkState> state = Load(restored);
  ASSERT_THAT(Welcome(state.get(), WelcomeFrom("board", 5, 20)), IsOk());
  EXPECT_THAT(police_->Frontier("police"), IsOkAndHolds(5u));
  v1::BoardLinkState stored = state->Get();
  EXPECT_EQ(stored.acknowledged(), 5u);
  EXPECT_EQ(stored.recover_from(), 0u);
  EXPECT_EQ(stored.recover_until_feed(), 20u);
  EXPECT_THAT(state->MayWrite(),
              StatusIs(absl::StatusCode::kFailedPrecondition));

  // Until the feed cursor gets to the head the Welcome named.
  stored.set_feed_cursor(19);
  LinkState::FinishRecoveryIfDone(&stored);
  EXPECT_EQ(stored.restored_from_backup_ms(), 1234);
  stored.set_feed_cursor(20);
  LinkState::FinishRecoveryIfDone(&stored);
  EXPECT_EQ(stored.restored_from_backup_ms(), 0);
  EXPECT_EQ(stored.recover_until_feed(), 0u);
}

TEST_F(LinkStateTest, AStoreThatWroteUnderTheBoardsNumbersIsRefused) {
  testing::NewEntry(police_, "r1", "Visit");
  testing::NewEntry(police_, "r1", "Call");
  std::unique_ptr<LinkState> state = Load();
  EXPECT_THAT(Welcome(state.get(), WelcomeFrom("board", 5, 20)),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       "holds only 2: was the data directory replaced"));
  EXPECT_EQ(state->Get().acknowledged(), 0u);
}

TEST_F(LinkStateTest, TheBoardsWordOnWhatItHoldsIsTheTruth) {
  for (int i = 0; i < 4; ++i) testing::NewEntry(police_, "r1", "Visit");
  std::unique_ptr<LinkState> state = Load();
  ASSERT_THAT(Welcome(state.get(), WelcomeFrom("board", 4, 0)), IsOk());
  EXPECT_EQ(state->Get().acknowledged(), 4u);
  // Restored from a backup: lower means resend.
  ASSERT_THAT(Welcome(state.get(), WelcomeFrom("board", 1, 0)), IsOk());
  EXPECT_EQ(state->Get().acknowledged(), 1u);
}

TEST_F(LinkStateTest, ANewFeedEpochReadsTheFeedAgainFromWhereHistoriesAgree) {
  v1::BoardLinkState state;
  state.set_feed_cursor(50);
  LinkState::AdoptFeedEpoch(0, 0, 10, &state);
  EXPECT_EQ(state.feed_cursor(), 50u) << "the same epoch moved the cursor";
  LinkState::AdoptFeedEpoch(7, 1000, 30, &state);
  EXPECT_EQ(state.feed_cursor(), 30u);
  EXPECT_EQ(state.feed_epoch(), 7u);
  EXPECT_EQ(state.feed_epoch_started_ms(), 1000);
  LinkState::AdoptFeedEpoch(8, 2000, 40, &state);
  EXPECT_EQ(state.feed_cursor(), 30u) << "a later start moved the cursor on";
  EXPECT_EQ(state.feed_epoch(), 8u);
}

TEST_F(LinkStateTest, RejectionsAreStoredOnceAndReportedOnce) {
  for (int i = 0; i < 3; ++i) testing::NewEntry(police_, "r1", "Visit");
  std::unique_ptr<LinkState> state = Load();
  v1::PushAck ack;
  ack.set_acknowledged(3);
  *ack.add_rejected() = testing::Rejection("police", 1);
  *ack.add_rejected() = testing::Rejection("police", 3);
  *ack.add_rejected() = testing::Rejection("school", 2);  // not ours
  for (int repeat = 0; repeat < 2; ++repeat) {
    LinkState::Change change(state.get());
    ASSERT_THAT(state->StageAck(ack, &change), IsOk());
    ASSERT_THAT(change.Commit(), IsOk());
  }
  EXPECT_EQ(state->Get().acknowledged(), 3u);
  EXPECT_EQ(state->Get().rejected(), 2u);
  EXPECT_EQ(state->Get().last_contact_ms(), replicas_.clock()->NowMillis());

  absl::StatusOr<std::vector<v1::Verdict>> newest = state->NewestRejections(1);
  ASSERT_THAT(newest, IsOk());
  EXPECT_THAT(*newest, ElementsAre(VerdictOn(3u)));
  absl::StatusOr<google::protobuf::RepeatedPtrField<v1::Verdict>> reported =
      state->TakeNewRejections();
  ASSERT_THAT(reported, IsOk());
  EXPECT_THAT(*reported, ElementsAre(VerdictOn(1u), VerdictOn(3u)));
  const int commits = commits_;
  reported = state->TakeNewRejections();
  ASSERT_THAT(reported, IsOk());
  EXPECT_TRUE(reported->empty());
  EXPECT_EQ(commits_, commits) << "nothing new to report, yet committed";
}

TEST_F(LinkStateTest, ABackupReadsTheStateThroughItsBatch) {
  std::unique_ptr<LinkState> state = Load();
  {
    LinkState::Change change(state.get());
    change.state()->set_feed_cursor(12);
    ASSERT_THAT(change.Commit(), IsOk());
  }
  std::unique_ptr<Replica::Batch> hold = police_->NewBatch();
  absl::StatusOr<v1::BoardLinkState> read = LinkState::ReadThrough(hold.get());
  ASSERT_THAT(read, IsOk());
  EXPECT_EQ(read->feed_cursor(), 12u);
}

}  // namespace
}  // namespace casesync
