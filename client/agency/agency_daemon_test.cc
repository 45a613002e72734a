// casesyncd started and shut down in the test's process: its ready line,
// word for word (process tests and operators' scripts read it), and a
// transport it refuses before touching anything.
#include "client/agency/agency_daemon.h"

#include <memory>
#include <string>

#include "common/testing/fake_board.h"
#include "common/testing/status_matchers.h"
#include "common/testing/temp_dir.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace casesync {
namespace {

using testing::IsOk;
using ::testing::MatchesRegex;
using testing::StatusIs;

class AgencyDaemonTest : public ::testing::Test {
 protected:
  AgencyDaemonOptions Options() {
    AgencyDaemonOptions options;
    options.data_dir = dir_.Sub("police");
    options.agency = "police";
    options.socket = dir_.Sub("police.sock");
    options.link.board_address = testing::UnreachableBoardAddress();
    options.link.transport.insecure = true;
    options.sync = false;
    return options;
  }

  testing::TempDir dir_;
};

TEST_F(AgencyDaemonTest, TheReadyLineSaysWhereItServesAndWhomItSyncsWith) {
  const AgencyDaemonOptions options = Options();
  absl::StatusOr<std::unique_ptr<AgencyDaemon>> daemon =
      AgencyDaemon::Start(options);
  ASSERT_THAT(daemon, IsOk());
  EXPECT_EQ((*daemon)->ReadyLine(), "agency police serving on " +
                                        options.socket + "; syncing with " +
                                        options.link.board_address);
  (*daemon)->Shutdown(absl::ZeroDuration());
}

TEST_F(AgencyDaemonTest, TheReadyLineSaysWhereMetricsAreServed) {
  AgencyDaemonOptions options = Options();
  options.metrics_listen = "0";
  absl::StatusOr<std::unique_ptr<AgencyDaemon>> daemon =
      AgencyDaemon::Start(options);
  ASSERT_THAT(daemon, IsOk());
  EXPECT_THAT((*daemon)->ReadyLine(),
              MatchesRegex(".*; syncing with 127\\.0\\.0\\.1:[0-9]+; metrics "
                           "on http://127\\.0\\.0\\.1:[0-9]+/metrics"));
}

TEST_F(AgencyDaemonTest, ATransportNeitherTlsNorInsecureIsRefused) {
  AgencyDaemonOptions options = Options();
  options.link.transport.insecure = false;
  EXPECT_THAT(AgencyDaemon::Start(options),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace casesync
