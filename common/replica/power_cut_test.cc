// Power-cut tests in the style of leveldb's db/fault_injection_test.cc: a
// replica writes on a FileSystem that can lose power (common/testing/
// fault_fs.h); after each cut it is reopened on what the disk kept, and
//  - every change whose synced commit returned OK is there, byte for byte;
//  - a change whose commit was not acknowledged (buffered, or cut in the
//    middle) is there whole with its batch, or absent with its batch, and
//    what is held is a prefix of what was written (no counter gap);
//  - nothing is torn: the replica opens, every record materializes, and the
//    derived families equal those of a replica rebuilt from the changes held
//    (the state is a function of the changes held, docs/storage.md).
//
// How the process dies: FaultFs::PowerCut() freezes the disk (every later
// write, sync, rename or delete fails) and drops what was not synced; then
// the Replica is destroyed. Its RocksDB shutdown flushes no memtable (the
// WAL is on: RocksDB flushes at close only with the WAL off) and, since the
// disk is frozen, could not write anything anyway; FaultFs::Restart() then
// re-applies the cut (closing a preallocated file resizes it) and powers the
// disk on. So the reopen sees exactly what a machine that lost power at the
// cut would have on disk. CutPowerAfter(n) cuts in the middle of the n-th
// later append or sync, often inside a commit or a background flush.
//
// The board's own (its pushes' acknowledgements) are in
// server/board_power_cut_test.cc.
//
// Seeds: one random per run, printed; rerun one with CASESYNC_SEED=<seed>.
#include <set>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "common/testing/power_cut_fixture.h"
#include "gtest/gtest.h"

namespace casesync {
namespace power_cut {
namespace {

TEST_F(PowerCutTest, UnsyncedCommitIsLostAndSyncedOneKept) {
  std::unique_ptr<Replica> replica = OpenReplica();
  ASSERT_NE(replica, nullptr);
  ASSERT_THAT(replica->Edit(NewEntry("synced")), IsOk());
  {
    auto batch = replica->NewBatch();
    ASSERT_THAT(batch->Edit(NewEntry("buffered")), IsOk());
    ASSERT_THAT(batch->Commit(Store::Durability::kBuffered), IsOk());
  }
  fs_->PowerCut();
  DieAndRestart(&replica);
  replica = OpenReplica();
  ASSERT_NE(replica, nullptr);
  v1::Dot first, second;
  first.set_replica(kSelf);
  first.set_counter(1);
  second.set_replica(kSelf);
  second.set_counter(2);
  auto kept = replica->ReadChange(first);
  ASSERT_THAT(kept, IsOk());
  EXPECT_TRUE(kept->has_value()) << "a synced commit was lost";
  auto lost = replica->ReadChange(second);
  ASSERT_THAT(lost, IsOk());
  EXPECT_FALSE(lost->has_value())
      << "an unsynced commit survived the power cut: the fault FS does not "
         "drop unsynced data";
}

// A buffered commit followed by a synced one is durable (the WAL is synced
// up to the later write: Store::Durability::kBuffered's promise).
TEST_F(PowerCutTest, LaterSyncedCommitMakesEarlierBufferedOneDurable) {
  std::unique_ptr<Replica> replica = OpenReplica();
  ASSERT_NE(replica, nullptr);
  {
    auto batch = replica->NewBatch();
    ASSERT_THAT(batch->Edit(NewEntry("buffered")), IsOk());
    ASSERT_THAT(batch->Commit(Store::Durability::kBuffered), IsOk());
  }
  ASSERT_THAT(replica->Edit(NewEntry("synced")), IsOk());
  fs_->PowerCut();
  DieAndRestart(&replica);
  replica = OpenReplica();
  ASSERT_NE(replica, nullptr);
  EXPECT_THAT(replica->Frontier(kSelf), IsOkAndHolds(2u));
}

TEST_F(RandomPowerCutTest, ConcurrentWritersKeepEveryAcknowledgement) {
  constexpr int kCycles = 10;
  constexpr int kThreads = 4;
  std::set<uint64_t> acknowledged;
  for (int cycle = 0; cycle < kCycles; ++cycle) {
    SCOPED_TRACE(absl::StrCat("cycle ", cycle, " seed ", seed_));
    std::unique_ptr<Replica> replica = OpenReplica();
    ASSERT_NE(replica, nullptr);
    fs_->CutPowerAfter(Uniform(5, 150), FaultFs::Unsynced::kDrop, rng_());
    absl::Mutex mu;
    std::vector<std::thread> writers;
    for (int t = 0; t < kThreads; ++t) {
      writers.emplace_back([&, t] {
        // Bounded: the cut comes within 150 appends and syncs.
        for (int i = 0; i < 1000 && fs_->powered(); ++i) {
          absl::StatusOr<v1::Change> change =
              replica->Edit(NewEntry(absl::StrCat("thread ", t, " entry ", i)));
          if (!change.ok() || !fs_->powered()) return;
          absl::MutexLock lock(&mu);
          acknowledged.insert(change->dot().counter());
        }
      });
    }
    for (std::thread& writer : writers) writer.join();
    ASSERT_FALSE(fs_->powered()) << "the power was never cut";
    DieAndRestart(&replica);
    replica = OpenReplica();
    ASSERT_NE(replica, nullptr);
    auto held = replica->HeldDots(kSelf);
    ASSERT_THAT(held, IsOk());
    for (size_t i = 0; i < held->size(); ++i) {
      ASSERT_EQ((*held)[i].counter(), i + 1) << "a gap in the changes held";
    }
    for (uint64_t counter : acknowledged) {
      ASSERT_LE(counter, held->size())
          << "acknowledged change " << counter << " was lost by the power cut ("
          << held->size() << " held)";
    }
    replica.reset();
  }
  EXPECT_GT(acknowledged.size(), 0u);
}

TEST_F(RandomPowerCutTest, AcknowledgedChangesSurviveEveryCut) {
  constexpr int kCycles = 50;
  int cut_inside = 0;
  for (int cycle = 0; cycle < kCycles; ++cycle) {
    std::unique_ptr<Replica> replica = OpenReplica();
    ASSERT_NE(replica, nullptr) << "cycle " << cycle << " seed " << seed_;
    Verify(replica.get(), cycle);
    if (HasFatalFailure()) return;

    const auto unsynced = Chance(0.5) ? FaultFs::Unsynced::kDrop
                                      : FaultFs::Unsynced::kKeepRandomPrefix;
    // Half the cycles cut by themselves in the middle of some append or
    // sync (of a commit, or of a background flush); the others after the
    // last operation.
    if (Chance(0.5)) fs_->CutPowerAfter(Uniform(1, 60), unsynced, rng_());
    const int operations = static_cast<int>(Uniform(1, 30));
    for (int op = 0; op < operations && fs_->powered(); ++op) {
      const uint64_t pick = Uniform(0, 99);
      if (pick < 60) {
        if (!Commit(replica.get(), 1, /*synced=*/true)) break;
      } else if (pick < 75) {
        if (!Commit(replica.get(), Uniform(2, 4), /*synced=*/true)) break;
      } else if (pick < 90) {
        if (!Commit(replica.get(), Uniform(1, 3), /*synced=*/false)) break;
      } else {
        // Memtables to table files (so new files, MANIFEST writes and
        // directory fsyncs), waited for or left running into the cut.
        rocksdb::FlushOptions flush;
        flush.wait = pick < 95;
        const rocksdb::Status flushed = replica->store()->db()->Flush(flush);
        if (!flushed.ok()) {
          EXPECT_FALSE(fs_->powered()) << flushed.ToString();
          break;
        }
      }
      if (HasFailure()) return;
    }
    if (fs_->powered()) {
      fs_->PowerCut(unsynced, rng_());
    } else {
      ++cut_inside;
    }
    DieAndRestart(&replica);
  }
  std::unique_ptr<Replica> replica = OpenReplica();
  ASSERT_NE(replica, nullptr);
  Verify(replica.get(), kCycles);
  std::cout << "[ power_cut ] " << kCycles << " cuts (" << cut_inside
            << " inside an operation), " << acknowledged_ << " synced commits, "
            << durable_.size()
            << " changes held; unacknowledged changes: " << pending_survived_
            << " survived, " << pending_lost_ << " lost" << std::endl;
  EXPECT_GT(durable_.size(), 0u);
}

// The board side: Ingest::Push acknowledges a push only once the changes,
// their feed numbers, audit entries and the agency's frontier are synced in
// one batch (docs/sync_protocol.md). After every cut the board's acknowledged
// frontier is at least the highest it ever sent, every acknowledged change
// is held byte for byte, the feed numbers each held change once, the audit
// chain is intact, and the agency resumes from the frontier the board reports.
}  // namespace
}  // namespace power_cut
}  // namespace casesync
