#include "common/base/text.h"

#include <string>

#include "gtest/gtest.h"

namespace casesync {
namespace {

TEST(IsSpaceTest, TheSixAsciiWhiteSpaceBytes) {
  for (char c : std::string(" \t\n\v\f\r")) EXPECT_TRUE(IsSpace(c)) << int{c};
  for (char c : std::string("a0_.\x7F\x01")) EXPECT_FALSE(IsSpace(c)) << int{c};
  // No byte of a multi-byte UTF-8 character ("ë", U+00A0) is white space.
  for (char c : std::string("\xC3\xAB\xC2\xA0")) EXPECT_FALSE(IsSpace(c));
}

TEST(OneLineTest, RunsOfWhiteSpaceAndControlsBecomeOneSpace) {
  EXPECT_EQ(OneLine("Home\r\nvisit,\t\tmother  present", /*trim=*/true),
            "Home visit, mother present");
  EXPECT_EQ(OneLine("a\x1b[31mb\x7F\x01 c", /*trim=*/true), "a [31mb c");
}

TEST(OneLineTest, TrimDropsTheEndsOtherwiseEachIsOneSpace) {
  EXPECT_EQ(OneLine("\n  Child J \n", /*trim=*/true), "Child J");
  EXPECT_EQ(OneLine("\n  Child J \n", /*trim=*/false), " Child J ");
  EXPECT_EQ(OneLine(" \t\n", /*trim=*/true), "");
  EXPECT_EQ(OneLine(" \t\n", /*trim=*/false), " ");
  EXPECT_EQ(OneLine("", /*trim=*/false), "");
}

TEST(OneLineTest, KeepsUtf8AndReplacesWhatIsNot) {
  EXPECT_EQ(OneLine("Zo\xC3\xAB \xE2\x80\xA6 \xF0\x9F\x98\x80", true),
            "Zo\xC3\xAB \xE2\x80\xA6 \xF0\x9F\x98\x80");
  // A lone continuation byte, a truncated sequence, an overlong and a
  // surrogate each become U+FFFD, one per byte.
  EXPECT_EQ(OneLine("a\x80z", true), "a\xEF\xBF\xBDz");
  EXPECT_EQ(OneLine("a\xE2\x80", true), "a\xEF\xBF\xBD\xEF\xBF\xBD");
  EXPECT_EQ(OneLine("\xC0\xAF", true), "\xEF\xBF\xBD\xEF\xBF\xBD");
  EXPECT_EQ(OneLine("\xED\xA0\x80", true),
            "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
}

}  // namespace
}  // namespace casesync
