// Power cuts under the board's ingest: Ingest::Push acknowledgements survive
// every cut, and so do those of pushes applied while earlier ones wait for
// their sync (Ingest::Apply and Acknowledge), with what a Welcome says
// (DurableState). The fixture and its checks are the replica's
// (common/testing/power_cut_fixture.h).
//
// Seeds: one random per run, printed; rerun one with CASESYNC_SEED=<seed>.
#include <deque>
#include <iostream>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/testing/power_cut_fixture.h"
#include "gtest/gtest.h"
#include "server/audit_log.h"
#include "server/feed.h"
#include "server/ingest.h"

namespace casesync {
namespace power_cut {
namespace {

class BoardPowerCutTest : public RandomPowerCutTest {
 protected:
  // The board's pieces as Board::Open wires them (BoardOptions has no Env
  // to inject), without the parts a push does not touch.
  struct MiniBoard {
    explicit MiniBoard(Clock* clock) : audit(clock) {}
    Feed feed;
    AuditLog audit;
    std::unique_ptr<Replica> replica;
    std::unique_ptr<Ingest> ingest;
  };

  std::unique_ptr<MiniBoard> OpenBoard() {
    auto board = std::make_unique<MiniBoard>(SystemClock());
    ReplicaOptions options;
    options.path = dir_.Sub("board");
    options.replica_id = "board";
    options.env = env_.get();
    options.observer = &board->feed;
    board->feed.SetAuditLog(&board->audit);
    auto replica = Replica::Open(options);
    EXPECT_THAT(replica, IsOk()) << "seed " << seed_;
    if (!replica.ok()) return nullptr;
    board->replica = *std::move(replica);
    board->audit.Attach(board->replica.get());
    EXPECT_THAT(board->feed.Attach(board->replica.get()), IsOk());
    board->ingest =
        std::make_unique<Ingest>(board->replica.get(), SystemClock());
    return board;
  }

  // The agency's change with this counter, made on first use.
  const v1::Change& AgencyChange(uint64_t counter) {
    while (agency_changes_.size() < counter) {
      auto change = agency_->Edit(NewEntry(RandomText()));
      EXPECT_THAT(change, IsOk());
      agency_changes_.push_back(*change);
    }
    return agency_changes_[counter - 1];
  }

  void VerifyBoard(MiniBoard* board, int cycle) {
    SCOPED_TRACE(absl::StrCat("cycle ", cycle, " seed ", seed_));
    auto state = board->ingest->State(kSelf);
    ASSERT_THAT(state, IsOk());
    ASSERT_GE(state->acknowledged(), acknowledged_)
        << "the board acknowledged " << acknowledged_
        << " and came back from the power cut at " << state->acknowledged();
    // Every change is accepted here, so the frontier is the acknowledgement.
    EXPECT_THAT(board->replica->Frontier(kSelf),
                IsOkAndHolds(state->acknowledged()));
    for (uint64_t counter = 1; counter <= state->acknowledged(); ++counter) {
      auto held = board->replica->ReadChange(AgencyChange(counter).dot());
      ASSERT_THAT(held, IsOk());
      ASSERT_TRUE(held->has_value()) << "change " << counter << " is missing";
      EXPECT_EQ((*held)->SerializeAsString(),
                AgencyChange(counter).SerializeAsString());
    }
    // The review and each accepted change, numbered once.
    EXPECT_EQ(board->feed.head(), 1 + state->acknowledged());
    auto audit = board->audit.Verify();
    ASSERT_THAT(audit, IsOk());
    EXPECT_TRUE(audit->intact()) << audit->problem();
    acknowledged_ = state->acknowledged();
  }

  // Opens the agency and the board, makes the review, then runs power-cut
  // cycles of pushes. Pipelined, a push is applied while up to two before it
  // wait for their sync (Ingest::Apply, then Ingest::Acknowledge in order),
  // as the sync service does, and the Welcome frontier (DurableState) is
  // also asked for mid-cycle: what it says must survive like an
  // acknowledgement.
  void RunCycles(bool pipelined) {
    {
      ReplicaOptions options;
      options.path = dir_.Sub("agency");
      options.replica_id = kSelf;
      options.sync = false;
      options.env = rebuild_env_.get();
      auto agency = Replica::Open(options);
      ASSERT_THAT(agency, IsOk());
      agency_ = *std::move(agency);
    }
    std::unique_ptr<MiniBoard> board = OpenBoard();
    ASSERT_NE(board, nullptr);
    {
      RecordEdit review;
      review.record.set_review_id("r1");
      review.record.set_type(v1::RECORD_TYPE_REVIEW);
      FieldEdit members;
      members.field = 7;  // Review.agencies
      members.value.mutable_string_list()->add_values(kSelf);
      FieldEdit phase;
      phase.field = 6;  // Review.phase
      phase.value.set_enum_value(v1::Review::PHASE_DATA_GATHERING);
      review.fields = {Text(5, "Review r1"), phase, members};
      ASSERT_THAT(board->replica->Edit(review), IsOk());
    }
    constexpr int kCycles = 25;
    int welcomes_told = 0;
    for (int cycle = 0; cycle < kCycles; ++cycle) {
      VerifyBoard(board.get(), cycle);
      if (HasFatalFailure()) return;
      const auto unsynced = Chance(0.5) ? FaultFs::Unsynced::kDrop
                                        : FaultFs::Unsynced::kKeepRandomPrefix;
      if (Chance(0.6)) fs_->CutPowerAfter(Uniform(1, 40), unsynced, rng_());
      // The agency sends from the frontier the board reports (its Welcome).
      uint64_t next = acknowledged_ + 1;
      std::deque<Ingest::AppliedPush> waiting;
      // Acknowledges the oldest applied push; false once the power is gone.
      auto acknowledge_oldest = [&]() {
        auto ack = board->ingest->Acknowledge(std::move(waiting.front()));
        waiting.pop_front();
        if (!ack.ok()) {
          EXPECT_FALSE(fs_->powered()) << ack.status() << " seed " << seed_;
          return false;
        }
        // The power went during the sync: no acknowledgement left the
        // board.
        if (!fs_->powered()) return false;
        // (A Welcome told since may have said more already.)
        acknowledged_ = std::max(acknowledged_, ack->acknowledged());
        return true;
      };
      const int pushes = static_cast<int>(Uniform(1, 8));
      for (int i = 0; i < pushes && fs_->powered(); ++i) {
        v1::PushBatch push;
        const uint64_t n = Uniform(1, 20);
        for (uint64_t k = 0; k < n; ++k) {
          *push.add_changes() = AgencyChange(next + k);
        }
        auto applied = board->ingest->Apply(kSelf, push, {});
        if (!applied.ok()) {
          EXPECT_FALSE(fs_->powered()) << applied.status() << " seed " << seed_;
          break;
        }
        ASSERT_EQ(applied->ack.acknowledged(), next + n - 1)
            << "seed " << seed_;
        ASSERT_EQ(applied->ack.accepted(), n);
        next += n;
        waiting.push_back(*std::move(applied));
        const size_t keep = pipelined ? static_cast<size_t>(Uniform(0, 2)) : 0;
        while (waiting.size() > keep && acknowledge_oldest()) {
        }
        if (pipelined && fs_->powered() && Chance(0.2)) {
          // A reconnection's Welcome while pushes still wait for the disk.
          auto told = board->ingest->DurableState(kSelf);
          if (told.ok() && fs_->powered()) {
            acknowledged_ = std::max(acknowledged_, told->acknowledged());
            ++welcomes_told;
            // And the power goes before the pushes waiting are acknowledged.
            if (Chance(0.5)) fs_->PowerCut(unsynced, rng_());
          }
        }
      }
      // Whatever still waits is lost with the power or synced after it.
      while (!waiting.empty() && fs_->powered() && acknowledge_oldest()) {
      }
      waiting.clear();
      if (fs_->powered()) fs_->PowerCut(unsynced, rng_());
      ASSERT_FALSE(fs_->powered());
      board.reset();
      fs_->Restart();
      board = OpenBoard();
      ASSERT_NE(board, nullptr) << "cycle " << cycle << " seed " << seed_;
    }
    VerifyBoard(board.get(), kCycles);
    std::cout << "[ power_cut ] board" << (pipelined ? ", pipelined" : "")
              << ": " << kCycles << " cuts, " << acknowledged_
              << " changes acknowledged and held";
    if (pipelined) std::cout << ", " << welcomes_told << " Welcomes told";
    std::cout << std::endl;
    EXPECT_GT(acknowledged_, 0u);
  }

  std::unique_ptr<Replica> agency_;
  std::vector<v1::Change> agency_changes_;
  uint64_t acknowledged_ = 0;
};

TEST_F(BoardPowerCutTest, AcknowledgedPushesSurviveEveryCut) {
  RunCycles(/*pipelined=*/false);
}

// The sync service's way: a push applied while the ones before it wait for
// their sync (docs/sync_protocol.md, "Pipelined pushes").
TEST_F(BoardPowerCutTest, PipelinedPushesSurviveEveryCut) {
  RunCycles(/*pipelined=*/true);
}

}  // namespace
}  // namespace power_cut
}  // namespace casesync
