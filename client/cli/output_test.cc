#include "client/cli/output.h"

#include "gtest/gtest.h"

namespace casesync::cli {
namespace {

TEST(ClipTest, CutsALongLineToTheWidthEndingInDots) {
  EXPECT_EQ(Clip("Home visit", 10), "Home visit");
  EXPECT_EQ(Clip("Home visit, mother present", 10), "Home vi...");
  EXPECT_EQ(Clip("Home visit", 2), "...");
}

TEST(ShortLineTest, OneLineWithItsEndsKeptThenClipped) {
  EXPECT_EQ(ShortLine("Home\r\nvisit\n", 60), "Home visit ");
  EXPECT_EQ(ShortLine("\tStrategy   meeting held", 12), " Strategy...");
}

}  // namespace
}  // namespace casesync::cli
