// The link as the daemon drives it, against a board in the test's process:
// `sync --wait` returns once the board has acknowledged every change and
// answered, reports each rejection once, fails promptly when the board
// cannot be reached, and a restored store takes writes again once the board
// has answered.
#include "client/agency/board_link.h"

#include <memory>
#include <string>

#include "common/testing/fake_board.h"
#include "common/testing/replica_set.h"
#include "common/testing/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace casesync {
namespace {

using testing::FakeBoard;
using testing::IsOk;
using testing::StatusIs;

class BoardLinkTest : public ::testing::Test {
 protected:
  // police's link to the board at `address`, restored from a backup taken
  // at `restored_ms` if not 0.
  std::unique_ptr<BoardLink> Start(const std::string& address,
                                   int64_t restored_ms = 0) {
    BoardLinkOptions options;
    options.board_address = address;
    options.transport.insecure = true;
    options.clock = replicas_.clock();
    options.connect_timeout = absl::Seconds(2);
    options.restored_from_backup_ms = restored_ms;
    absl::StatusOr<std::unique_ptr<BoardLink>> link =
        BoardLink::Start(police_, options);
    EXPECT_THAT(link, IsOk());
    return link.ok() ? *std::move(link) : nullptr;
  }

  static FakeBoard::Script Board() {
    FakeBoard::Script script;
    script.welcome.set_board_id("board");
    return script;
  }

  // Local changes, as the record service makes them.
  void Write(BoardLink* link, int changes) {
    for (int i = 0; i < changes; ++i) {
      testing::NewEntry(police_, "r1", "Visit");
      link->LocalWrite();
    }
  }

  [[nodiscard]] static absl::StatusOr<v1::SyncReply> SyncWait(BoardLink* link) {
    v1::SyncRequest request;
    request.set_wait(true);
    request.set_timeout_ms(30'000);
    return link->Sync(request);
  }

  testing::ReplicaSet replicas_;
  Replica* police_ = replicas_.Open("police");
};

TEST_F(BoardLinkTest, SyncWaitReturnsOnceEveryChangeIsAcknowledged) {
  FakeBoard board(Board());
  std::unique_ptr<BoardLink> link = Start(board.address());
  Write(link.get(), 3);
  absl::StatusOr<v1::SyncReply> synced = SyncWait(link.get());
  ASSERT_THAT(synced, IsOk());
  EXPECT_TRUE(synced->status().connected());
  EXPECT_EQ(synced->status().pending(), 0u);
  EXPECT_EQ(synced->status().accepted(), 3u);
  EXPECT_EQ(board.acknowledged(), 3u);
  Write(link.get(), 2);
  ASSERT_THAT(SyncWait(link.get()), IsOk());
  EXPECT_EQ(board.acknowledged(), 5u);
  EXPECT_EQ(board.streams(), 1);
}

TEST_F(BoardLinkTest, EachRejectionIsReportedOnce) {
  FakeBoard::Script script = Board();
  script.rejections = {testing::Rejection("police", 2)};
  FakeBoard board(script);
  std::unique_ptr<BoardLink> link = Start(board.address());
  Write(link.get(), 3);
  absl::StatusOr<v1::SyncReply> first = SyncWait(link.get());
  ASSERT_THAT(first, IsOk());
  ASSERT_EQ(first->new_rejections_size(), 1);
  EXPECT_EQ(first->new_rejections(0).dot().counter(), 2u);
  absl::StatusOr<v1::SyncReply> second = SyncWait(link.get());
  ASSERT_THAT(second, IsOk());
  EXPECT_EQ(second->new_rejections_size(), 0);
  absl::StatusOr<v1::StatusReply> status = link->Status();
  ASSERT_THAT(status, IsOk());
  EXPECT_EQ(status->agency().rejected(), 1u);
  EXPECT_EQ(status->agency().accepted(), 2u);
  EXPECT_EQ(status->agency().rejections_size(), 1);
}

TEST_F(BoardLinkTest, AnUnreachableBoardFailsASyncWaitAndLeavesChangesPending) {
  std::unique_ptr<BoardLink> link = Start(testing::UnreachableBoardAddress());
  Write(link.get(), 2);
  EXPECT_THAT(SyncWait(link.get()), StatusIs(absl::StatusCode::kUnavailable,
                                             "cannot reach the board"));
  absl::StatusOr<v1::StatusReply> status = link->Status();
  ASSERT_THAT(status, IsOk());
  EXPECT_FALSE(status->agency().connected());
  EXPECT_EQ(status->agency().pending(), 2u);
  EXPECT_TRUE(status->agency().has_oldest_pending());
  EXPECT_THAT(status->agency().last_error(),
              ::testing::HasSubstr("cannot reach the board"));
}

TEST_F(BoardLinkTest, ARestoredStoreTakesWritesAgainOnceTheBoardAnswers) {
  FakeBoard board(Board());
  std::unique_ptr<BoardLink> link = Start(board.address(), /*restored_ms=*/1);
  ASSERT_NE(link, nullptr);
  ASSERT_THAT(SyncWait(link.get()), IsOk());
  EXPECT_THAT(link->MayWrite(), IsOk());
}

TEST_F(BoardLinkTest, ARestoredStoreRefusesWritesWhileTheBoardIsAway) {
  std::unique_ptr<BoardLink> link =
      Start(testing::UnreachableBoardAddress(), /*restored_ms=*/1);
  ASSERT_NE(link, nullptr);
  EXPECT_THAT(link->MayWrite(), StatusIs(absl::StatusCode::kFailedPrecondition,
                                         "restored from a backup"));
}

}  // namespace
}  // namespace casesync
