// casesyncd's command line: flags into the daemon's options, the backoff in
// seconds, and a transport that must be one or the other.
#include "client/agency/agency_flags.h"

#include <algorithm>
#include <string>
#include <vector>

#include "common/testing/status_matchers.h"
#include "gtest/gtest.h"

namespace casesync {
namespace {

using testing::IsOk;
using testing::StatusIs;

// `args` parsed as casesyncd's command line (a test failure if CLI11
// refuses them).
AgencyFlags Parse(std::vector<std::string> args) {
  AgencyFlags flags;
  CLI::App app;
  AddAgencyFlags(app, &flags);
  std::reverse(args.begin(), args.end());  // CLI11 takes them last first
  try {
    app.parse(args);
  } catch (const CLI::ParseError& error) {
    ADD_FAILURE() << error.what();
  }
  return flags;
}

const std::vector<std::string> kRequired = {
    "--data_dir", "/var/lib/casesync/agency", "--agency", "police",
    "--board",    "board.example:7443",       "--socket", "/run/agency.sock"};

TEST(AgencyFlagsTest, FlagsFillTheDaemonsOptions) {
  std::vector<std::string> args = kRequired;
  args.insert(args.end(), {"--insecure", "--max_backoff", "2.5", "--board_id",
                           "board", "--log_format", "json"});
  const AgencyFlags flags = Parse(args);
  EXPECT_EQ(flags.log_format, LogFormat::kJson);
  absl::StatusOr<AgencyDaemonOptions> options = AgencyOptionsFrom(flags);
  ASSERT_THAT(options, IsOk());
  EXPECT_EQ(options->data_dir, "/var/lib/casesync/agency");
  EXPECT_EQ(options->agency, "police");
  EXPECT_EQ(options->socket, "/run/agency.sock");
  EXPECT_EQ(options->link.board_address, "board.example:7443");
  EXPECT_EQ(options->link.board_id, "board");
  EXPECT_TRUE(options->link.transport.insecure);
  EXPECT_EQ(options->link.max_backoff, absl::Milliseconds(2500));
}

TEST(AgencyFlagsTest, TheBackoffDefaultsToThirtySeconds) {
  std::vector<std::string> args = kRequired;
  args.push_back("--insecure");
  absl::StatusOr<AgencyDaemonOptions> options = AgencyOptionsFrom(Parse(args));
  ASSERT_THAT(options, IsOk());
  EXPECT_EQ(options->link.max_backoff, absl::Seconds(30));
}

TEST(AgencyFlagsTest, ATransportIsRequired) {
  EXPECT_THAT(AgencyOptionsFrom(Parse(kRequired)),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace casesync
