#include "common/daemon/logging.h"

#include "gtest/gtest.h"

namespace casesync {
namespace {

TEST(JsonEscapeTest, EscapesWhatAJsonStringCannotHoldAndKeepsTheRest) {
  EXPECT_EQ(JsonEscape("plain text"), "plain text");
  EXPECT_EQ(JsonEscape("say \"hi\" \\ there"), R"(say \"hi\" \\ there)");
  EXPECT_EQ(JsonEscape("a\nb\rc\td"), R"(a\nb\rc\td)");
  EXPECT_EQ(JsonEscape(std::string("x\x01y", 3)), R"(x\u0001y)");
  EXPECT_EQ(JsonEscape("caf\xc3\xa9"), "caf\xc3\xa9");
  EXPECT_EQ(JsonEscape("\xf0\x9f\x98\x80"), "\xf0\x9f\x98\x80");
}

TEST(JsonEscapeTest, BytesThatAreNotUtf8BecomeReplacementCharacters) {
  EXPECT_EQ(JsonEscape("a\xff"
                       "b"),
            R"(a\ufffdb)");
  EXPECT_EQ(JsonEscape("trunc\xc3"), R"(trunc\ufffd)");
  EXPECT_EQ(JsonEscape("\xc0\xaf"), R"(\ufffd\ufffd)");            // overlong
  EXPECT_EQ(JsonEscape("\xed\xa0\x80"), R"(\ufffd\ufffd\ufffd)");  // surrogate
  EXPECT_EQ(JsonEscape("\x7f"), R"(\u007f)");
}

}  // namespace
}  // namespace casesync
