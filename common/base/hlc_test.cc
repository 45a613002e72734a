#include "common/base/hlc.h"

#include "gtest/gtest.h"

namespace casesync {
namespace {

v1::HlcTimestamp Stamp(uint64_t wall, uint32_t logical) {
  v1::HlcTimestamp t;
  t.set_wall_time_ms(wall);
  t.set_logical(logical);
  return t;
}

TEST(HlcTest, FollowsWallClockWhenItMovesForward) {
  FakeClock clock(1000);
  Hlc hlc(&clock);
  EXPECT_EQ(CompareHlc(hlc.Now(), Stamp(1000, 0)), 0);
  clock.Set(1005);
  EXPECT_EQ(CompareHlc(hlc.Now(), Stamp(1005, 0)), 0);
}

TEST(HlcTest, MonotonicWhenWallClockStandsStillOrStepsBack) {
  FakeClock clock(100'000'000);
  Hlc hlc(&clock);
  v1::HlcTimestamp previous = hlc.Now();
  for (int step = 0; step < 100; ++step) {
    // Alternate standing still and stepping back by up to a minute.
    if (step % 3 == 0) clock.Advance(-60'000);
    v1::HlcTimestamp next = hlc.Now();
    ASSERT_LT(CompareHlc(previous, next), 0) << "step " << step;
    previous = next;
  }
  // The physical part never went back below the first reading.
  EXPECT_EQ(previous.wall_time_ms(), 100'000'000u);
}

TEST(HlcTest, ReadingAfterObservingRemoteIsGreater) {
  FakeClock clock(1000);
  Hlc hlc(&clock);
  // A remote replica whose clock runs a day ahead.
  const v1::HlcTimestamp remote = Stamp(1000 + 86'400'000, 7);
  hlc.Observe(remote);
  v1::HlcTimestamp next = hlc.Now();
  EXPECT_GT(CompareHlc(next, remote), 0);
  EXPECT_EQ(next.wall_time_ms(), remote.wall_time_ms());
  EXPECT_EQ(next.logical(), 8u);
}

TEST(HlcTest, ObservingOlderReadingChangesNothing) {
  FakeClock clock(1000);
  Hlc hlc(&clock);
  v1::HlcTimestamp first = hlc.Now();
  hlc.Observe(Stamp(10, 3));
  EXPECT_EQ(CompareHlc(hlc.Latest(), first), 0);
}

TEST(HlcTest, CompareOrdersByWallThenLogical) {
  EXPECT_LT(CompareHlc(Stamp(1, 9), Stamp(2, 0)), 0);
  EXPECT_LT(CompareHlc(Stamp(2, 0), Stamp(2, 1)), 0);
  EXPECT_EQ(CompareHlc(Stamp(2, 1), Stamp(2, 1)), 0);
  EXPECT_GT(CompareHlc(Stamp(3, 0), Stamp(2, 5)), 0);
}

TEST(HlcTest, FormatsAsUtc) {
  EXPECT_EQ(FormatHlc(Stamp(0, 0)), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(FormatHlc(Stamp(1500, 2)), "1970-01-01T00:00:01.500Z+2");
}

}  // namespace
}  // namespace casesync
