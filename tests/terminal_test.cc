// Process-level test of the command line at a terminal (issue: operations):
// colour only on a terminal and never with NO_COLOR; progress bars for a
// chronology import and for a sync that pushes it, drawn on a terminal and
// never into a pipe. The terminal is a pseudo-terminal from util-linux's
// `script`.
#include <fstream>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/harness.h"

namespace casesync::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kEscape[] = "\x1b[";

// `args` of casesync against `socket`, run on a pseudo-terminal, with
// `env` (NAME=value, may be empty) added; stdout and stderr both come back
// in `out`, as the terminal showed them.
CommandResult OnTerminal(const std::string& socket, const std::string& args,
                         const std::string& env = "") {
  const std::string command =
      absl::StrCat(CASESYNC_CLI_BIN, " --socket ", socket, " ", args);
  std::vector<std::string> argv = {"/usr/bin/env"};
  if (!env.empty()) argv.push_back(env);
  argv.insert(argv.end(), {"TERM=xterm", "/usr/bin/script", "-q", "-e", "-c",
                           command, "/dev/null"});
  return testing::Run(argv, absl::Minutes(2));
}

// A board and the police, synced once, in a review of their own.
class TerminalTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(d.StartBoard());
    ASSERT_EQ(d.Board({"review", "create", "r1", "--title", "Child J",
                       "--agencies", "police"})
                  .exit_code,
              0);
    ASSERT_TRUE(d.StartAgency("police"));
    ASSERT_EQ(d.Agency("police", {"sync", "--wait"}).exit_code, 0);
  }

  Deployment d;
};

TEST_F(TerminalTest, ColourOnlyOnATerminalAndNeverWithNoColor) {
  CommandResult terminal = OnTerminal(d.AgencySocket("police"), "status");
  ASSERT_EQ(terminal.exit_code, 0) << terminal.err;
  EXPECT_THAT(terminal.out,
              HasSubstr("\x1b[32mUp to date with the board.\x1b[0m"));
  CommandResult no_color =
      OnTerminal(d.AgencySocket("police"), "status", "NO_COLOR=1");
  EXPECT_THAT(no_color.out, HasSubstr("Up to date with the board."));
  EXPECT_THAT(no_color.out, Not(HasSubstr(kEscape)));
  CommandResult piped = d.Agency("police", {"status"});
  EXPECT_THAT(piped.out, HasSubstr("Up to date with the board."));
  EXPECT_THAT(piped.out, Not(HasSubstr(kEscape)));
  // Errors are red at a terminal too.
  CommandResult error =
      OnTerminal(d.AgencySocket("police"), "record show --review r1 nosuch");
  EXPECT_THAT(error.out, HasSubstr("\x1b[31mcasesync:\x1b[0m"));
}

TEST_F(TerminalTest, ImportAndFirstSyncShowProgressOnATerminalOnly) {
  // Offline, so that the import stays pending for the sync to push.
  ASSERT_TRUE(
      d.StartAgency("police", absl::StrCat("127.0.0.1:", UnusedPort())));
  const std::string csv = d.dir() + "/chronology.csv";
  {
    std::ofstream out(csv);
    out << "date,source,event\n";
    for (int i = 0; i < 2000; ++i) {
      out << "2024-03-04,ref " << i << ",contact " << i << "\n";
    }
  }
  const std::string immediate = "CASESYNC_PROGRESS_DELAY_MS=0";
  CommandResult import =
      OnTerminal(d.AgencySocket("police"),
                 "chronology import --review r1 " + csv, immediate);
  ASSERT_EQ(import.exit_code, 0) << import.out;
  EXPECT_THAT(import.out, HasSubstr("importing ["));
  EXPECT_THAT(import.out, HasSubstr("rows"));
  EXPECT_THAT(import.out, HasSubstr("imported 2000 chronology entries"));

  ASSERT_TRUE(d.StartAgency("police"));
  CommandResult sync =
      OnTerminal(d.AgencySocket("police"), "sync --wait", immediate);
  ASSERT_EQ(sync.exit_code, 0) << sync.out;
  EXPECT_THAT(sync.out, HasSubstr("synced: 2000 accepted"));

  // Into a pipe: the result only, no bar.
  CommandResult piped =
      d.Agency("police", {"chronology", "import", "--review", "r1", csv});
  EXPECT_EQ(piped.exit_code, 0) << piped.err;
  EXPECT_THAT(piped.err, Not(HasSubstr("importing [")));
}

}  // namespace
}  // namespace casesync::testing
