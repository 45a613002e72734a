// Process-level test of the daemons' configuration files (issue:
// operations): TOML read with toml++, flags overriding the file,
// --print_config showing the effective settings as a file that reads back
// to the same, the examples in deploy/config valid, and a bad file refused
// with its name, line and column before anything is written.
#include <sys/stat.h>

#include <fstream>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/harness.h"

namespace casesync::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

bool Exists(const std::string& path) {
  struct stat info;
  return stat(path.c_str(), &info) == 0;
}

struct Program {
  const char* name;
  const char* binary;
  const char* example;
};

class ExampleConfigTest : public ::testing::TestWithParam<Program> {};

TEST_P(ExampleConfigTest, ReadsFlagsOverrideAndPrintedConfigReadsBack) {
  Deployment d;  // for its temporary directory
  const Program program = GetParam();
  const std::string example =
      std::string(CASESYNC_DEPLOY_DIR) + "/config/" + program.example;
  // As the systemd unit runs it: the file, and the unit's own directories.
  const std::vector<std::string> unit = {
      program.binary,     "--config",         example,
      "--data_dir",       d.dir() + "/store", "--socket",
      d.dir() + "/d.sock"};
  std::vector<std::string> print = unit;
  print.push_back("--print_config");
  CommandResult printed = testing::Run(print);
  ASSERT_EQ(printed.exit_code, 0) << printed.err;
  EXPECT_THAT(printed.out, HasSubstr("tls_ca=\"/etc/casesync/pki/ca.crt\""));
  EXPECT_THAT(printed.out, HasSubstr("data_dir=\"" + d.dir() + "/store\""));
  EXPECT_FALSE(Exists(d.dir() + "/store")) << "--print_config wrote a store";

  // A flag beats the file.
  std::vector<std::string> overridden = print;
  overridden.insert(overridden.end(), {"--log_format", "json"});
  CommandResult json = testing::Run(overridden);
  ASSERT_EQ(json.exit_code, 0) << json.err;
  EXPECT_THAT(printed.out, HasSubstr("log_format=\"text\""));
  EXPECT_THAT(json.out, HasSubstr("log_format=\"json\""));

  // What --print_config writes is a configuration file that reads back to
  // the same settings.
  const std::string copy = d.dir() + "/printed.toml";
  std::ofstream(copy) << printed.out;
  CommandResult again =
      testing::Run({program.binary, "--config", copy, "--print_config"});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(again.out, printed.out);
}

INSTANTIATE_TEST_SUITE_P(
    Daemons, ExampleConfigTest,
    ::testing::Values(Program{"Board", CASESYNC_BOARD_BIN, "board.toml"},
                      Program{"Agency", CASESYNC_AGENCY_BIN, "agency.toml"}),
    [](const ::testing::TestParamInfo<Program>& info) {
      return std::string(info.param.name);
    });

TEST(ConfigTest, ABoardRunsFromAFileAlone) {
  Deployment d;
  const std::string config = d.dir() + "/board.toml";
  std::ofstream(config) << "data_dir = \"" << d.dir() << "/from-file\"\n"
                        << "listen = \"127.0.0.1:0\"\n"
                        << "socket = \"" << d.dir() << "/file.sock\"\n"
                        << "insecure = true\n"
                        << "max_push_changes = 50\n";
  std::unique_ptr<Daemon> board =
      Daemon::Start({CASESYNC_BOARD_BIN, "--config", config},
                    d.dir() + "/file-board.log", "listening for agencies on");
  ASSERT_NE(board, nullptr);
  CommandResult status = d.Cli(d.dir() + "/file.sock", {"status"});
  EXPECT_EQ(status.exit_code, 0) << status.err;
  EXPECT_THAT(status.out, HasSubstr("board board"));
  EXPECT_TRUE(Exists(d.dir() + "/from-file"));
  EXPECT_EQ(board->Stop(), 0);
}

struct BadFile {
  const char* name;
  const char* text;
  const char* complaint;
  // CLI11 judges values itself, as if from the command line, and does not
  // say they came from the file.
  bool names_file = true;
};

class BadConfigTest : public ::testing::TestWithParam<BadFile> {};

TEST_P(BadConfigTest, IsRefusedWithWhereAndNothingWritten) {
  Deployment d;
  const std::string config = d.dir() + "/bad.toml";
  std::ofstream(config) << "listen = \"127.0.0.1:0\"\n"
                        << "insecure = true\n"
                        << GetParam().text;
  CommandResult start =
      testing::Run({CASESYNC_BOARD_BIN, "--config", config, "--data_dir",
                    d.dir() + "/store", "--socket", d.dir() + "/bad.sock"});
  EXPECT_EQ(start.exit_code, 2);
  if (GetParam().names_file) {
    EXPECT_THAT(start.err, HasSubstr("configuration file " + config));
  }
  EXPECT_THAT(start.err, HasSubstr(GetParam().complaint));
  EXPECT_THAT(start.out, Not(HasSubstr("listening")));
  EXPECT_FALSE(Exists(d.dir() + "/store"));
}

INSTANTIATE_TEST_SUITE_P(
    Files, BadConfigTest,
    ::testing::Values(
        BadFile{"UnknownKey", "max_push_change = 10\n",
                "unknown setting \"max_push_change\""},
        BadFile{"SyntaxError", "board_id = \"unterminated\n", "line 3, column"},
        BadFile{"Table", "[limits]\nmax_push_changes = 10\n",
                "limits must be a string, number, boolean or array"},
        BadFile{"ValueOutOfRange", "max_push_changes = \"many\"\n",
                "--max_push_changes: Value many not in range", false}),
    [](const ::testing::TestParamInfo<BadFile>& info) {
      return std::string(info.param.name);
    });

}  // namespace
}  // namespace casesync::testing
