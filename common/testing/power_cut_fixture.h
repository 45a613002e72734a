// Fixtures of the power-cut tests (common/replica/power_cut_test.cc, and the
// board's in server/board_power_cut_test.cc): a replica on a FileSystem that
// can lose power (common/testing/fault_fs.h), random edits committed on it,
// and the checks that what was acknowledged survived and nothing is torn.
//
// Thread-safety: a fixture belongs to its test.
#ifndef CASESYNC_COMMON_TESTING_POWER_CUT_FIXTURE_H_
#define CASESYNC_COMMON_TESTING_POWER_CUT_FIXTURE_H_

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
#include "common/replica/replica.h"
#include "common/replica/store.h"
#include "common/testing/fault_fs.h"
#include "common/testing/random_seed.h"
#include "common/testing/status_matchers.h"
#include "common/testing/store_dump.h"
#include "common/testing/temp_dir.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "rocksdb/db.h"
#include "rocksdb/options.h"

namespace casesync {
namespace power_cut {

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

inline FieldEdit Text(uint32_t field, const std::string& text) {
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

inline RecordEdit NewEntry(const std::string& event) {
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

}  // namespace power_cut
}  // namespace casesync

#endif  // CASESYNC_COMMON_TESTING_POWER_CUT_FIXTURE_H_
