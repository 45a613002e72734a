// One sync stream against a board in the test's process: Hello from the
// stored state and the Welcome taken in, pushes growing to the limits, the
// feed applied and acknowledged, pings answered, and each way it ends (a
// board that ends the stream has the connection lost, as the network would).
#include "client/agency/sync_session.h"

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common/sync/frame_codec.h"
#include "common/testing/fake_board.h"
#include "common/testing/replica_set.h"
#include "common/testing/status_matchers.h"
#include "gmock/gmock.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "gtest/gtest.h"

namespace casesync {
namespace {

using ::testing::ElementsAre;
using testing::FakeBoard;
using testing::IsOk;
using testing::StatusIs;

// How a session that was welcomed ends when the stream does.
::testing::Matcher<absl::Status> LostTheConnection() {
  return StatusIs(absl::StatusCode::kUnavailable, "lost the connection");
}

class SyncSessionTest : public ::testing::Test {
 protected:
  SyncSessionTest() {
    options_.transport.insecure = true;
    options_.clock = replicas_.clock();
  }

  // A session of police's with `board` (null: nobody listening), its link
  // state knowing the board as `board_id`.
  [[nodiscard]] absl::Status RunSession(FakeBoard* board,
                                        const std::string& board_id = "",
                                        uint64_t ping = 0) {
    LinkStateOptions state_options;
    state_options.board_id = board_id;
    state_options.clock = replicas_.clock();
    absl::StatusOr<std::unique_ptr<LinkState>> state =
        LinkState::Load(police_, state_options);
    if (!state.ok()) return state.status();
    state_ = *std::move(state);
    FeedApplier feed(state_.get(), nullptr);
    Receipts receipts(police_, options_.transport);
    options_.board_address = board != nullptr
                                 ? board->address()
                                 : testing::UnreachableBoardAddress();
    auto channel = grpc::CreateChannel(options_.board_address,
                                       grpc::InsecureChannelCredentials());
    std::unique_ptr<v1::BoardSync::Stub> stub = v1::BoardSync::NewStub(channel);
    SyncSession::Parts parts;
    parts.options = &options_;
    parts.stub = stub.get();
    parts.replica = police_;
    parts.link_state = state_.get();
    parts.feed = &feed;
    parts.receipts = &receipts;
    SyncSession::Events events;
    SyncSession* running = nullptr;
    events.welcomed = [&] {
      ++welcomed_;
      if (cancel_when_welcomed_) running->Cancel();
    };
    events.answered = [&](uint64_t id) { answered_.push_back(id); };
    SyncSession session(parts, std::move(events));
    running = &session;
    session.RequestPing(ping);
    return session.Run();
  }

  static FakeBoard::Script EndingAfter(FakeBoard::EndAfter end) {
    FakeBoard::Script script;
    script.welcome.set_board_id("board");
    script.end_after = end;
    return script;
  }

  testing::ReplicaSet replicas_;
  Replica* police_ = replicas_.Open("police");
  BoardLinkOptions options_;
  std::unique_ptr<LinkState> state_;
  int welcomed_ = 0;
  bool cancel_when_welcomed_ = false;
  std::vector<uint64_t> answered_;
};

TEST_F(SyncSessionTest, HelloTellsTheStoredStateAndTheWelcomeIsTakenIn) {
  testing::NewEntry(police_, "r1", "Visit");
  testing::NewEntry(police_, "r1", "Call");
  FakeBoard::Script script = EndingAfter(FakeBoard::EndAfter::kWelcome);
  script.welcome.set_acknowledged(2);
  script.welcome.set_feed_head(7);
  FakeBoard board(script);
  EXPECT_THAT(RunSession(&board), LostTheConnection());
  EXPECT_EQ(board.hello().protocol_version(), kSyncProtocolVersion);
  EXPECT_EQ(board.hello().local_changes(), 2u);
  EXPECT_EQ(board.hello().acknowledged(), 0u);
  EXPECT_EQ(welcomed_, 1);
  const v1::BoardLinkState state = state_->Get();
  EXPECT_EQ(state.board_id(), "board");
  EXPECT_EQ(state.acknowledged(), 2u);
  EXPECT_EQ(state.feed_head(), 7u);
}

TEST_F(SyncSessionTest, PushesStartSmallAndGrowToTheBoardsLimit) {
  for (int i = 0; i < 500; ++i) testing::NewEntry(police_, "r1", "Visit");
  FakeBoard::Script script = EndingAfter(FakeBoard::EndAfter::kAcknowledged);
  script.welcome.set_max_push_changes(200);
  script.end_at_acknowledged = 500;
  FakeBoard board(script);
  EXPECT_THAT(RunSession(&board), LostTheConnection());
  EXPECT_THAT(board.push_sizes(), ElementsAre(125, 200, 175));
  EXPECT_EQ(state_->Get().acknowledged(), 500u);
}

TEST_F(SyncSessionTest, TheFeedIsAppliedAndAcknowledged) {
  Replica* school = replicas_.Open("school");
  const v1::Change first = testing::NewEntry(school, "r1", "Attendance");
  const v1::Change second = testing::NewEntry(school, "r1", "Nurse");
  FakeBoard::Script script = EndingAfter(FakeBoard::EndAfter::kFeedAck);
  script.feed = {testing::FeedOf({first, second}, 1)};
  FakeBoard board(script);
  EXPECT_THAT(RunSession(&board), LostTheConnection());
  EXPECT_THAT(board.feed_acks(), ElementsAre(2u));
  EXPECT_EQ(state_->Get().feed_cursor(), 2u);
  EXPECT_THAT(police_->ReadChange(second.dot()), IsOk());
}

TEST_F(SyncSessionTest, APingIsAnswered) {
  FakeBoard board(EndingAfter(FakeBoard::EndAfter::kPong));
  EXPECT_THAT(RunSession(&board, "", /*ping=*/3), LostTheConnection());
  EXPECT_THAT(answered_, ElementsAre(3u));
}

TEST_F(SyncSessionTest, ABoardAnsweringUnderAnotherIdIsRefused) {
  FakeBoard::Script script = EndingAfter(FakeBoard::EndAfter::kNothing);
  script.welcome.set_board_id("impostor");
  FakeBoard board(script);
  EXPECT_THAT(RunSession(&board, "board"),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       "syncs with board 'board', but 'impostor' answered"));
  EXPECT_EQ(welcomed_, 0);
  EXPECT_TRUE(state_->Get().board_id().empty());
}

TEST_F(SyncSessionTest, ABoardThatDoesNotWelcomeOrSpeaksOutOfTurnIsRefused) {
  FakeBoard::Script no_welcome = EndingAfter(FakeBoard::EndAfter::kNothing);
  no_welcome.answer_hello = false;
  FakeBoard silent(no_welcome);
  EXPECT_THAT(
      RunSession(&silent),
      StatusIs(absl::StatusCode::kFailedPrecondition, "did not answer Hello"));
  FakeBoard::Script twice = EndingAfter(FakeBoard::EndAfter::kNothing);
  twice.welcome_twice = true;
  FakeBoard repeating(twice);
  EXPECT_THAT(
      RunSession(&repeating),
      StatusIs(absl::StatusCode::kFailedPrecondition, "unexpected frame"));
}

TEST_F(SyncSessionTest, AnUnreachableBoardIsUnavailable) {
  EXPECT_THAT(RunSession(nullptr), StatusIs(absl::StatusCode::kUnavailable,
                                            "cannot reach the board at"));
  EXPECT_EQ(welcomed_, 0);
}

TEST_F(SyncSessionTest, CancelEndsAnOpenSession) {
  FakeBoard board(EndingAfter(FakeBoard::EndAfter::kNothing));
  cancel_when_welcomed_ = true;
  EXPECT_THAT(RunSession(&board), LostTheConnection());
  EXPECT_EQ(welcomed_, 1);
}

}  // namespace
}  // namespace casesync
