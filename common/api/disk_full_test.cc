// Disk-full tests: a replica (and the agency write path, RecordService) on a
// FileSystem with a space budget (common/testing/fault_fs.h). When the disk
// fills up:
//  - the write that does not fit fails with RESOURCE_EXHAUSTED and a message
//    that says the disk is full, never a vague INTERNAL;
//  - nothing is half-written: the failed change is absent, earlier ones are
//    intact, the digest is what it was before the failed write;
//  - once space returns, writes succeed again without a restart, and the
//    store reopens with everything acknowledged and nothing else.
//
// Seeds: one random per run, printed; rerun one with CASESYNC_SEED=<seed>.
#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "casesync/v1/local_api.pb.h"
#include "common/api/record_service.h"
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
namespace {

using ::casesync::testing::FaultFs;
using ::casesync::testing::IsOk;
using ::casesync::testing::IsOkAndHolds;
using ::casesync::testing::SeedFromEnvOrRandom;
using ::casesync::testing::StatusIs;
using ::casesync::testing::TempDir;
using ::testing::HasSubstr;

constexpr char kSelf[] = "police";
constexpr uint32_t kDate = 5;     // ChronologyEntry.date
constexpr uint32_t kSource = 10;  // ChronologyEntry.source
constexpr uint32_t kEvent = 12;   // ChronologyEntry.event

FieldEdit Text(uint32_t field, const std::string& text) {
  FieldEdit edit;
  edit.field = field;
  edit.value.set_string_value(text);
  return edit;
}

RecordEdit NewEntry(const std::string& event) {
  RecordEdit edit;
  edit.record.set_review_id("r1");
  edit.record.set_type(v1::RECORD_TYPE_CHRONOLOGY);
  edit.fields = {Text(kDate, "2024-03-04"), Text(kSource, "case note 17"),
                 Text(kEvent, event)};
  edit.author = "duty sw";
  return edit;
}

v1::Dot Dot(uint64_t counter) {
  v1::Dot dot;
  dot.set_replica(kSelf);
  dot.set_counter(counter);
  return dot;
}

class DiskFullTest : public ::testing::Test {
 protected:
  void SetUp() override {
    seed_ = SeedFromEnvOrRandom();
    std::cout << "[ disk_full ] seed " << seed_
              << " (rerun with CASESYNC_SEED=" << seed_ << ")" << std::endl;
    RecordProperty("seed", std::to_string(seed_));
    rng_.seed(seed_);
  }

  std::unique_ptr<Replica> OpenReplica() {
    ReplicaOptions options;
    options.path = dir_.Sub("replica");
    options.replica_id = kSelf;
    options.env = env_.get();
    auto replica = Replica::Open(options);
    EXPECT_THAT(replica, IsOk());
    return replica.ok() ? *std::move(replica) : nullptr;
  }

  std::string RandomEvent() {
    const size_t n = std::uniform_int_distribution<size_t>(10, 600)(rng_);
    std::string text;
    for (size_t i = 0; i < n; ++i) {
      text.push_back(static_cast<char>(
          'a' + std::uniform_int_distribution<>(0, 25)(rng_)));
    }
    return text;
  }

  TempDir dir_;
  std::shared_ptr<FaultFs> fs_ = std::make_shared<FaultFs>();
  std::unique_ptr<rocksdb::Env> env_ = FaultFs::NewEnv(fs_);
  uint64_t seed_ = 0;
  std::mt19937_64 rng_;
};

// Everything the replica holds of its own changes: counter -> bytes.
std::map<uint64_t, std::string> Held(const Replica& replica) {
  std::map<uint64_t, std::string> held;
  auto it = replica.store()->NewPrefixIterator(Family::kChanges, "");
  for (; it->Valid(); it->Next()) {
    v1::Change change;
    EXPECT_TRUE(change.ParseFromArray(it->value().data(),
                                      static_cast<int>(it->value().size())));
    held[change.dot().counter()] = change.SerializeAsString();
  }
  EXPECT_TRUE(it->status().ok()) << it->status().ToString();
  return held;
}

TEST_F(DiskFullTest, ReplicaRefusesCleanlyAndWritesAgainOnceSpaceReturns) {
  std::unique_ptr<Replica> replica = OpenReplica();
  ASSERT_NE(replica, nullptr);
  // Acknowledged changes: counter -> bytes.
  std::map<uint64_t, std::string> acknowledged;
  auto edit = [&]() -> absl::Status {
    auto change = replica->Edit(NewEntry(RandomEvent()));
    if (change.ok()) {
      acknowledged[change->dot().counter()] = change->SerializeAsString();
    }
    return change.status();
  };
  const int before = std::uniform_int_distribution<>(1, 10)(rng_);
  for (int i = 0; i < before; ++i) ASSERT_THAT(edit(), IsOk());

  // Up to a few kB more, then the disk is full.
  const uint64_t budget =
      std::uniform_int_distribution<uint64_t>(0, 6000)(rng_);
  SCOPED_TRACE(absl::StrCat("seed ", seed_, " budget ", budget));
  fs_->SetSpaceLimit(budget);
  absl::Status failed;
  std::string digest_before;
  for (int i = 0; i < 1000 && failed.ok(); ++i) {
    auto digest = replica->Digest();
    ASSERT_THAT(digest, IsOk());
    digest_before = digest->sha256;
    failed = edit();
  }
  ASSERT_TRUE(fs_->disk_full()) << "the budget never ran out";
  EXPECT_THAT(failed,
              StatusIs(absl::StatusCode::kResourceExhausted, "is full"));
  EXPECT_THAT(std::string(failed.message()), HasSubstr(dir_.Sub("replica")));

  // Nothing half-written: the failed change is absent, the earlier ones are
  // intact, the state is what it was before the failed edit.
  const uint64_t last = acknowledged.rbegin()->first;
  EXPECT_THAT(replica->Frontier(kSelf), IsOkAndHolds(last));
  EXPECT_THAT(replica->ReadChange(Dot(last + 1)),
              IsOkAndHolds(::testing::Eq(std::nullopt)));
  EXPECT_EQ(Held(*replica), acknowledged);
  auto digest = replica->Digest();
  ASSERT_THAT(digest, IsOk());
  EXPECT_EQ(digest->sha256, digest_before);

  // Still full: still refused, still clearly, still nothing written.
  EXPECT_THAT(edit(), StatusIs(absl::StatusCode::kResourceExhausted));
  EXPECT_EQ(Held(*replica), acknowledged);

  // Space returns: the very next write succeeds, no restart needed.
  fs_->ClearSpaceLimit();
  for (int i = 0; i < 3; ++i) ASSERT_THAT(edit(), IsOk());
  EXPECT_EQ(Held(*replica), acknowledged);
  EXPECT_THAT(replica->Frontier(kSelf),
              IsOkAndHolds(acknowledged.rbegin()->first));
  auto records = replica->ListRecords("r1", std::nullopt, true);
  ASSERT_THAT(records, IsOk());
  EXPECT_EQ(records->size(), acknowledged.size());
  digest = replica->Digest();
  ASSERT_THAT(digest, IsOk());

  // And it all is on disk: a restart finds the same, and nothing else.
  replica.reset();
  replica = OpenReplica();
  ASSERT_NE(replica, nullptr);
  EXPECT_EQ(Held(*replica), acknowledged);
  auto reopened = replica->Digest();
  ASSERT_THAT(reopened, IsOk());
  EXPECT_EQ(reopened->sha256, digest->sha256);
  ASSERT_THAT(edit(), IsOk());
}

// The disk fills up during a memtable flush rather than a commit: RocksDB
// stops writes then too, and the first write after space returns resumes.
TEST_F(DiskFullTest, FullDiskDuringAFlushAlsoRecovers) {
  std::unique_ptr<Replica> replica = OpenReplica();
  ASSERT_NE(replica, nullptr);
  for (int i = 0; i < 5; ++i) {
    ASSERT_THAT(replica->Edit(NewEntry(RandomEvent())), IsOk());
  }
  fs_->SetSpaceLimit(std::uniform_int_distribution<uint64_t>(0, 500)(rng_));
  const rocksdb::Status flushed =
      replica->store()->db()->Flush(rocksdb::FlushOptions());
  EXPECT_TRUE(flushed.IsNoSpace()) << flushed.ToString();
  EXPECT_THAT(replica->Edit(NewEntry(RandomEvent())),
              StatusIs(absl::StatusCode::kResourceExhausted, "is full"));
  fs_->ClearSpaceLimit();
  ASSERT_THAT(replica->Edit(NewEntry(RandomEvent())), IsOk());
  EXPECT_THAT(replica->Frontier(kSelf), IsOkAndHolds(6u));
  replica.reset();
  replica = OpenReplica();
  ASSERT_NE(replica, nullptr);
  EXPECT_THAT(replica->Frontier(kSelf), IsOkAndHolds(6u));
}

// The agency write path: RecordService reports the full disk as
// RESOURCE_EXHAUSTED, writes nothing, and works again once space returns.
TEST_F(DiskFullTest, RecordServiceSaysTheDiskIsFullAndRecovers) {
  std::unique_ptr<Replica> replica = OpenReplica();
  ASSERT_NE(replica, nullptr);
  RecordServiceOptions options;
  options.replica = replica.get();
  options.role = Role::kBoard;  // may write any record
  RecordService service(options);

  v1::EditRecordRequest review;
  review.set_review_id("r1");
  review.set_type("review");
  review.set_create(true);
  v1::FieldSetting* title = review.add_set();
  title->set_name("title");
  title->set_value("Child J rapid review");
  ASSERT_THAT(service.Edit(review), IsOk());

  auto entry = [&](const std::string& event) {
    v1::EditRecordRequest request;
    request.set_review_id("r1");
    request.set_type("chronology");
    request.set_create(true);
    for (const auto& [name, value] :
         std::vector<std::pair<std::string, std::string>>{
             {"date", "2024-03-04"},
             {"source", "case note"},
             {"event", event}}) {
      v1::FieldSetting* setting = request.add_set();
      setting->set_name(name);
      setting->set_value(value);
    }
    return service.Edit(request);
  };
  auto count = [&]() -> size_t {
    v1::ListRecordsRequest request;
    request.set_review_id("r1");
    auto listed = service.List(request);
    EXPECT_THAT(listed, IsOk());
    return listed.ok() ? listed->records_size() : 0;
  };
  ASSERT_THAT(entry(RandomEvent()), IsOk());
  const size_t before = count();
  auto digest = replica->Digest();
  ASSERT_THAT(digest, IsOk());

  fs_->SetSpaceLimit(0);
  EXPECT_THAT(entry(RandomEvent()),
              StatusIs(absl::StatusCode::kResourceExhausted, "is full"));
  EXPECT_EQ(count(), before);
  auto unchanged = replica->Digest();
  ASSERT_THAT(unchanged, IsOk());
  EXPECT_EQ(unchanged->sha256, digest->sha256);

  fs_->ClearSpaceLimit();
  ASSERT_THAT(entry(RandomEvent()), IsOk());
  EXPECT_EQ(count(), before + 1);
}

}  // namespace
}  // namespace casesync
