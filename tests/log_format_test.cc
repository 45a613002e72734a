// Process-level test of the daemons' logs (issue: operations): with
// --log_format=json every line either daemon writes on stderr is one JSON
// object with time, program, level and message, gRPC's own diagnostics (a
// refused TLS handshake) included; and no record's contents reach a log.
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "tests/harness.h"

namespace casesync::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::vector<std::string> Lines(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// Every line of `path` as JSON; a failure for each line that is not.
std::vector<google::protobuf::Struct> JsonLines(const std::string& path) {
  std::vector<google::protobuf::Struct> out;
  for (const std::string& line : Lines(path)) {
    google::protobuf::Struct object;
    EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(line, &object).ok())
        << path << ": not a JSON object: " << line;
    for (const char* key : {"time", "program", "level", "message"}) {
      EXPECT_TRUE(object.fields().contains(key)) << key << " missing: " << line;
    }
    out.push_back(std::move(object));
  }
  return out;
}

TEST(LogFormatTest, JsonLinesFromBothDaemonsAndNoRecordContents) {
  Deployment d;
  const std::string pki = d.dir() + "/pki";
  const std::string stranger = d.dir() + "/stranger";
  ASSERT_TRUE(RunCertsScript({"init", pki, "board"}));
  ASSERT_TRUE(RunCertsScript({"issue", pki, "police"}));
  ASSERT_TRUE(RunCertsScript({"init", stranger, "board"}));
  ASSERT_TRUE(RunCertsScript({"issue", stranger, "school"}));
  d.UseTls(pki);
  d.SetIdentity("school", stranger, "school");
  d.SetBoardFlags({"--log_format", "json"});
  ASSERT_TRUE(d.StartBoard());
  ASSERT_EQ(d.Board({"review", "create", "r1", "--title", "Child J",
                     "--agencies", "police,school"})
                .exit_code,
            0);
  const std::vector<std::string> json = {"--log_format", "json"};
  ASSERT_TRUE(d.StartAgency("police", "", json));
  ASSERT_EQ(d.Agency("police", {"sync", "--wait"}).exit_code, 0);
  const std::string secret = "Disclosed-to-no-log 7f3a";
  ASSERT_EQ(
      d.Agency("police", {"record", "add", "--review", "r1", "--type",
                          "chronology", "--set", "date=2024-03-04", "--set",
                          "source=PNC " + secret, "--set", "event=" + secret})
          .exit_code,
      0);
  ASSERT_EQ(d.Agency("police", {"sync", "--wait"}).exit_code, 0);
  // A certificate from another CA: the board's TLS layer refuses it, and
  // gRPC says so in its own words, which must come out as JSON too.
  ASSERT_TRUE(d.StartAgency("school", "", json));
  EXPECT_NE(d.Agency("school", {"sync", "--wait", "--timeout", "10"}).exit_code,
            0);
  d.StopAgency("police");
  d.StopAgency("school");
  d.StopBoard();

  bool saw_grpc = false;
  for (const char* name : {"board", "police", "school"}) {
    const std::string path = absl::StrCat(d.dir(), "/", name, ".log");
    const std::vector<google::protobuf::Struct> lines = JsonLines(path);
    EXPECT_GE(lines.size(), 2u) << path;
    for (const google::protobuf::Struct& line : lines) {
      auto field = line.fields().find("message");
      if (field == line.fields().end()) continue;  // reported above
      const std::string& message = field->second.string_value();
      EXPECT_THAT(message, Not(HasSubstr(secret)));
      EXPECT_THAT(message, Not(HasSubstr("PRIVATE KEY")));
      if (message.rfind("grpc: ", 0) == 0) saw_grpc = true;
    }
  }
  EXPECT_TRUE(saw_grpc) << "no gRPC diagnostics were logged";
  const std::vector<std::string> board = Lines(d.dir() + "/board.log");
  ASSERT_FALSE(board.empty());
  EXPECT_THAT(board[0], HasSubstr("casesync-board"));
}

}  // namespace
}  // namespace casesync::testing
