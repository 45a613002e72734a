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
// The same for the board: Ingest::Push acknowledgements survive every cut,
// and so do those of pushes applied while earlier ones wait for their sync
// (Ingest::Apply and Acknowledge), with what a Welcome says (DurableState)
// (BoardPowerCutTest).
//
// Seeds: one random per run, printed; rerun one with CASESYNC_SEED=<seed>.
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <deque>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "common/replica.h"
#include "common/store.h"
#include "common/testing/fault_fs.h"
#include "common/testing/random_seed.h"
#include "common/testing/status_matchers.h"
#include "common/testing/store_dump.h"
#include "common/testing/temp_dir.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "rocksdb/db.h"
#include "rocksdb/options.h"
#include "server/audit_log.h"
#include "server/feed.h"
#include "server/ingest.h"

namespace casesync {
namespace {

using ::casesync::testing::FaultFs;
using ::casesync::testing::IsOk;
using ::casesync::testing::IsOkAndHolds;
using ::casesync::testing::SeedFromEnvOrRandom;
using ::casesync::testing::TempDir;

constexpr char kSelf[] = "police";
constexpr uint32_t kDate = 5;      // ChronologyEntry.date
constexpr uint32_t kSource = 10;   // ChronologyEntry.source
constexpr uint32_t kEvent = 12;    // ChronologyEntry.event
constexpr uint32_t kOutcome = 15;  // ChronologyEntry.outcome

FieldEdit Text(uint32_t field, const std::string& text) {
  FieldEdit edit;
  edit.field = field;
  edit.value.set_string_value(text);
  return edit;
}

class PowerCutTest : public ::testing::Test {
 protected:
  std::unique_ptr<Replica> OpenReplica() {
    ReplicaOptions options;
    options.path = dir_.Sub("replica");
    options.replica_id = kSelf;
    options.env = env_.get();
    auto replica = Replica::Open(options);
    EXPECT_THAT(replica, IsOk()) << "seed " << seed_;
    return replica.ok() ? *std::move(replica) : nullptr;
  }

  // Kills the process holding `replica` with the power already cut.
  void DieAndRestart(std::unique_ptr<Replica>* replica) {
    ASSERT_FALSE(fs_->powered());
    replica->reset();
    fs_->Restart();
  }

  TempDir dir_;
  std::shared_ptr<FaultFs> fs_ = std::make_shared<FaultFs>();
  std::unique_ptr<rocksdb::Env> env_ = FaultFs::NewEnv(fs_);
  uint64_t seed_ = 0;
};

RecordEdit NewEntry(const std::string& event) {
  RecordEdit edit;
  edit.record.set_review_id("r1");
  edit.record.set_type(v1::RECORD_TYPE_CHRONOLOGY);
  edit.fields = {Text(kDate, "2024-03-04"), Text(kSource, "case note 17"),
                 Text(kEvent, event)};
  edit.author = "duty sw";
  return edit;
}

// The property the whole file rests on: the fault FS really loses what was
// not synced. If it did not, the tests below could not tell a replica that
// syncs from one that does not.
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

struct Written {
  std::string bytes;  // the change, serialized
  int group = 0;      // the commit it was in
};

class RandomPowerCutTest : public PowerCutTest {
 protected:
  void SetUp() override {
    seed_ = SeedFromEnvOrRandom();
    std::cout << "[ power_cut ] seed " << seed_
              << " (rerun with CASESYNC_SEED=" << seed_ << ")" << std::endl;
    RecordProperty("seed", std::to_string(seed_));
    rng_.seed(seed_);
  }

  uint64_t Uniform(uint64_t lo, uint64_t hi) {
    return std::uniform_int_distribution<uint64_t>(lo, hi)(rng_);
  }
  bool Chance(double p) { return std::bernoulli_distribution(p)(rng_); }

  std::string RandomText() {
    // Short values sit in RecordState, long ones (> 64 bytes) are read from
    // the change that wrote them: both paths.
    const size_t n = Chance(0.3) ? Uniform(65, 400) : Uniform(1, 40);
    std::string text;
    for (size_t i = 0; i < n; ++i) {
      text.push_back(static_cast<char>('a' + Uniform(0, 25)));
    }
    return text;
  }

  RecordEdit RandomEdit() {
    if (records_.empty() || Chance(0.4)) return NewEntry(RandomText());
    RecordEdit edit;
    auto it = records_.begin();
    std::advance(it, Uniform(0, records_.size() - 1));
    edit.record.set_review_id("r1");
    edit.record.set_type(v1::RECORD_TYPE_CHRONOLOGY);
    edit.record.set_record_id(it->first);
    const uint32_t fields[] = {kEvent, kOutcome, kSource};
    edit.fields = {Text(fields[Uniform(0, 2)], RandomText())};
    edit.author = "duty sw";
    return edit;
  }

  // Checks the reopened replica against what was written, and folds the
  // pending changes it holds into the durable ones.
  void Verify(Replica* replica, int cycle) {
    SCOPED_TRACE(absl::StrCat("cycle ", cycle, " seed ", seed_));
    auto held_or = replica->HeldDots(kSelf);
    ASSERT_THAT(held_or, IsOk());
    const std::vector<v1::Dot>& held = *held_or;
    // A prefix, no gap: counters 1..n.
    for (size_t i = 0; i < held.size(); ++i) {
      ASSERT_EQ(held[i].counter(), i + 1) << "a gap in the changes held";
    }
    const uint64_t n = held.size();
    EXPECT_THAT(replica->Frontier(kSelf), IsOkAndHolds(n));

    // Every acknowledged change is there, byte for byte.
    for (const auto& [counter, bytes] : durable_) {
      ASSERT_LE(counter, n) << "acknowledged change " << counter
                            << " was lost by the power cut (" << n << " held)";
      v1::Dot dot;
      dot.set_replica(kSelf);
      dot.set_counter(counter);
      auto change = replica->ReadChange(dot);
      ASSERT_THAT(change, IsOk());
      ASSERT_TRUE(change->has_value());
      EXPECT_EQ((*change)->SerializeAsString(), bytes)
          << "acknowledged change " << counter << " came back different";
    }
    // Unacknowledged ones: whole batches or nothing, and their own bytes.
    std::map<int, std::pair<int, int>> groups;  // group -> (held, total)
    for (const auto& [counter, written] : pending_) {
      auto& [in, total] = groups[written.group];
      ++total;
      if (counter > n) continue;
      ++in;
      v1::Dot dot;
      dot.set_replica(kSelf);
      dot.set_counter(counter);
      auto change = replica->ReadChange(dot);
      ASSERT_THAT(change, IsOk());
      ASSERT_TRUE(change->has_value());
      EXPECT_EQ((*change)->SerializeAsString(), written.bytes)
          << "unacknowledged change " << counter << " came back different";
    }
    for (const auto& [group, count] : groups) {
      EXPECT_TRUE(count.first == 0 || count.first == count.second)
          << "commit " << group << " is torn: " << count.first << " of "
          << count.second << " changes survived";
    }
    // Nothing held that was never written.
    const uint64_t written =
        std::max(durable_.empty() ? 0 : durable_.rbegin()->first,
                 pending_.empty() ? 0 : pending_.rbegin()->first);
    ASSERT_LE(n, written) << "the replica holds changes never written";

    for (const auto& [counter, w] : pending_) {
      if (counter <= n) {
        durable_[counter] = w.bytes;
        ++pending_survived_;
      } else {
        ++pending_lost_;
      }
    }
    pending_.clear();
    // Forget records whose creating change was lost.
    for (auto it = records_.begin(); it != records_.end();) {
      it = it->second > n ? records_.erase(it) : std::next(it);
    }

    CheckNotTorn(replica, cycle);
  }

  // Every record materializes, and the derived families equal a rebuild from
  // the changes held.
  void CheckNotTorn(Replica* replica, int cycle) {
    auto records = replica->ListRecords("", std::nullopt, true);
    ASSERT_THAT(records, IsOk());
    EXPECT_EQ(records->size(), records_.size());
    auto digest = replica->Digest();
    ASSERT_THAT(digest, IsOk());

    ReplicaOptions options;
    options.path = dir_.Sub(absl::StrCat("rebuild", cycle));
    options.replica_id = "board";
    options.sync = false;
    options.env = rebuild_env_.get();  // no real fsyncs: fast
    auto rebuilt = Replica::Open(options);
    ASSERT_THAT(rebuilt, IsOk());
    {
      auto batch = (*rebuilt)->NewBatch();
      auto it = replica->store()->NewPrefixIterator(Family::kChanges, "");
      for (; it->Valid(); it->Next()) {
        v1::Change change;
        ASSERT_TRUE(change.ParseFromArray(it->value().data(),
                                          static_cast<int>(it->value().size())))
            << "a change does not parse";
        ASSERT_THAT(batch->Apply(change, Arrival::kAnyOrder), IsOk());
      }
      ASSERT_THAT(it->status().ok(), ::testing::IsTrue());
      ASSERT_THAT(batch->Commit(), IsOk());
    }
    EXPECT_EQ(
        testing::DumpFamilies(*replica->store(), testing::kReplicatedFamilies),
        testing::DumpFamilies(*(*rebuilt)->store(),
                              testing::kReplicatedFamilies))
        << "the derived state does not match the changes held";
    auto rebuilt_digest = (*rebuilt)->Digest();
    ASSERT_THAT(rebuilt_digest, IsOk());
    EXPECT_EQ(digest->sha256, rebuilt_digest->sha256);
    rebuilt->reset();
    std::error_code ignored;
    std::filesystem::remove_all(options.path, ignored);
  }

  // One commit of `edits` random edits, buffered or synced. Returns false
  // once a commit fails (the power went during it).
  bool Commit(Replica* replica, int edits, bool synced) {
    const int group = ++groups_;
    auto batch = replica->NewBatch();
    std::vector<std::pair<uint64_t, Written>> staged;
    std::vector<std::pair<std::string, uint64_t>> created;
    for (int i = 0; i < edits; ++i) {
      auto change = batch->Edit(RandomEdit());
      if (!change.ok()) {
        // Reads go to the store: with the power out they may fail too.
        EXPECT_FALSE(fs_->powered()) << change.status() << " seed " << seed_;
        return false;
      }
      staged.push_back({change->dot().counter(),
                        Written{change->SerializeAsString(), group}});
      if (records_.count(change->record().record_id()) == 0) {
        created.push_back(
            {change->record().record_id(), change->dot().counter()});
      }
    }
    const absl::Status status = batch->Commit(
        synced ? Store::Durability::kSynced : Store::Durability::kBuffered);
    // Whatever the outcome, the changes may be on disk now.
    for (auto& [counter, written] : staged) pending_[counter] = written;
    for (auto& [id, counter] : created) records_.emplace(id, counter);
    if (!status.ok()) {
      EXPECT_FALSE(fs_->powered())
          << "commit failed with the power on: " << status << " seed " << seed_;
      return false;
    }
    // The power went during the commit: the process died before it could
    // acknowledge anything.
    if (!fs_->powered()) return false;
    if (synced) {
      ++acknowledged_;
      for (auto& [counter, written] : pending_) {
        durable_[counter] = written.bytes;
      }
      pending_.clear();
    }
    return true;
  }

  std::mt19937_64 rng_;
  std::unique_ptr<rocksdb::Env> rebuild_env_ =
      FaultFs::NewEnv(std::make_shared<FaultFs>());
  // Changes that must survive, by counter: serialized bytes.
  std::map<uint64_t, std::string> durable_;
  // Changes written but not acknowledged by a synced commit.
  std::map<uint64_t, Written> pending_;
  // Records written, with the counter of the change that created them.
  std::map<std::string, uint64_t> records_;
  int groups_ = 0;
  int acknowledged_ = 0;
  int pending_survived_ = 0;
  int pending_lost_ = 0;
};

// Group commit (Store::WriteForSync, SyncUpTo): writers on several threads
// write under the replica's lock and sync after releasing it, sharing
// syncs. Whatever the interleaving, a commit that returned OK with the power
// still on is durable, and what is held is a prefix of what was written.
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
// one batch (DESIGN.md section 5). After every cut the board's acknowledged
// frontier is at least the highest it ever sent, every acknowledged change
// is held byte for byte, the feed numbers each held change once, the audit
// chain is intact, and the agency resumes from the frontier the board reports.
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
}  // namespace casesync
