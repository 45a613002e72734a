#include "common/logging.h"

#include "gtest/gtest.h"

namespace casesync {
namespace {

TEST(JsonEscapeTest, EscapesWhatAJsonStringCannotHoldAndKeepsTheRest) {
  EXPECT_EQ(JsonEscape("plain text"), "plain text");
  EXPECT_EQ(JsonEscape("say \"hi\" \\ there"), R"(say \"hi\" \\ there)");
  EXPECT_EQ(JsonEscape("a\nb\rc\td"), R"(a\nb\rc\td)");
  EXPECT_EQ(JsonEscape(std::string("x\x01y", 3)), R"(x\u0001y)");
  EXPECT_EQ(JsonEscape("caf\xc3\xa9"), "caf\xc3\xa9");
}

}  // namespace
}  // namespace casesync
