#include "common/base/ids.h"

#include <set>
#include <string>
#include <thread>
#include <vector>

#include "common/testing/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace casesync {
namespace {

using ::casesync::testing::IsOk;
using ::casesync::testing::StatusIs;

TEST(IdsTest, ValidIds) {
  EXPECT_TRUE(IsValidId("police"));
  EXPECT_TRUE(IsValidId("nhs-trust_2.east"));
  EXPECT_TRUE(IsValidId(std::string(kMaxIdLength, 'a')));
}

TEST(IdsTest, InvalidIds) {
  EXPECT_FALSE(IsValidId(""));
  EXPECT_FALSE(IsValidId(std::string(kMaxIdLength + 1, 'a')));
  EXPECT_FALSE(IsValidId("a b"));
  EXPECT_FALSE(IsValidId("a/b"));
  EXPECT_FALSE(IsValidId(std::string("a\0b", 3)));
  EXPECT_FALSE(IsValidId("-rf"));
  EXPECT_FALSE(IsValidId(".."));
}

TEST(IdsTest, CheckIdNamesWhatIsWrong) {
  EXPECT_THAT(CheckId("review id", "r1"), IsOk());
  EXPECT_THAT(
      CheckId("review id", ""),
      StatusIs(absl::StatusCode::kInvalidArgument, "review id is missing"));
  EXPECT_THAT(CheckId("agency id", "a b"),
              StatusIs(absl::StatusCode::kInvalidArgument, "not a valid id"));
}

TEST(RecordIdMinterTest, IdsAreValidAndSortByCreationTime) {
  FakeClock clock(1'700'000'000'000);
  RecordIdMinter minter(&clock);
  std::vector<std::string> ids;
  for (int i = 0; i < 1000; ++i) {
    if (i % 10 == 0) clock.Advance(1);
    ids.push_back(minter.Mint());
  }
  for (size_t i = 0; i < ids.size(); ++i) {
    ASSERT_EQ(ids[i].size(), 26u);
    ASSERT_TRUE(IsValidId(ids[i])) << ids[i];
    if (i > 0) {
      ASSERT_LT(ids[i - 1], ids[i]) << "at " << i;
    }
  }
}

TEST(RecordIdMinterTest, StaysIncreasingWhenClockStepsBack) {
  FakeClock clock(1'700'000'000'000);
  RecordIdMinter minter(&clock);
  std::string first = minter.Mint();
  clock.Advance(-10'000);
  EXPECT_LT(first, minter.Mint());
}

TEST(RecordIdMinterTest, TwoMintersAtTheSameInstantDoNotCollide) {
  FakeClock clock(1'700'000'000'000);
  RecordIdMinter a(&clock);
  RecordIdMinter b(&clock);
  std::set<std::string> ids;
  for (int i = 0; i < 10000; ++i) {
    ids.insert(a.Mint());
    ids.insert(b.Mint());
  }
  EXPECT_EQ(ids.size(), 20000u);
}

TEST(RecordIdMinterTest, ConcurrentMintingGivesDistinctIds) {
  RecordIdMinter minter(SystemClock());
  std::vector<std::vector<std::string>> per_thread(4);
  std::vector<std::thread> threads;
  for (auto& out : per_thread) {
    threads.emplace_back([&minter, &out] {
      for (int i = 0; i < 2000; ++i) out.push_back(minter.Mint());
    });
  }
  for (auto& t : threads) t.join();
  std::set<std::string> all;
  for (const auto& out : per_thread) all.insert(out.begin(), out.end());
  EXPECT_EQ(all.size(), 8000u);
}

}  // namespace
}  // namespace casesync
