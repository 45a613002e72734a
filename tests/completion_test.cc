// `casesync completion bash` (issue: operations, CLI comfort): the script
// the real binary prints, sourced into a real bash, completes commands,
// subcommands and the options of the command typed so far.
#include <fstream>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/harness.h"

namespace casesync::testing {
namespace {

class CompletionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    CommandResult script =
        testing::Run({CASESYNC_CLI_BIN, "completion", "bash"});
    ASSERT_EQ(script.exit_code, 0) << script.err;
    path_ = d_.dir() + "/casesync.bash";
    std::ofstream(path_) << script.out;
  }

  // What bash offers for the words typed, the last one being completed.
  std::string Complete(const std::string& words) {
    CommandResult result = testing::Run(
        {"/bin/bash", "-c",
         absl::StrCat("source ", path_, "; COMP_WORDS=(", words,
                      "); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); ",
                      "_casesync_complete; echo \"${COMPREPLY[*]}\"")});
    EXPECT_EQ(result.exit_code, 0) << result.err;
    return std::string(absl::StripAsciiWhitespace(result.out));
  }

  Deployment d_;  // for its temporary directory
  std::string path_;
};

TEST_F(CompletionTest, CompletesCommandsSubcommandsAndOptions) {
  EXPECT_EQ(Complete("casesync bun"), "bundle");
  EXPECT_EQ(Complete("casesync bundle ''"), "export import --help");
  EXPECT_EQ(Complete("casesync --socket /tmp/x.sock record add --re"),
            "--review");
  // An option's value is not taken for a command.
  EXPECT_EQ(Complete("casesync record add --review status --ty"), "--type");
  EXPECT_EQ(Complete("casesync conflicts res"), "resolve");
  EXPECT_EQ(Complete("casesync nosuchcommand --x"), "");
}

}  // namespace
}  // namespace casesync::testing
