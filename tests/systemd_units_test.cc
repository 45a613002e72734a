// The systemd units in deploy/systemd (issue: operations): each passes
// `systemd-analyze verify` with no complaint at all (it exits 0 on an
// unknown key or a bad value, so its stderr must be empty too), with
// ExecStart pointed at the binaries just built; and each keeps the
// hardening the deployment relies on.
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/harness.h"

namespace casesync::testing {
namespace {

using ::testing::HasSubstr;

std::string Read(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

class SystemdUnitsTest : public ::testing::TestWithParam<const char*> {};

TEST_P(SystemdUnitsTest, VerifiesCleanlyAndIsHardened) {
  const std::string name = GetParam();
  const std::string unit =
      Read(std::string(CASESYNC_SYSTEMD_DIR) + "/" + name + ".service");
  ASSERT_FALSE(unit.empty()) << name;
  for (const std::string& hardening : std::vector<std::string>{
           "Type=notify", "User=casesync", "NoNewPrivileges=yes",
           "ProtectSystem=strict", "PrivateTmp=yes", "StateDirectory=casesync",
           "RuntimeDirectory=" + name, "CapabilityBoundingSet=\n",
           "SystemCallFilter=@system-service", "UMask=0077"}) {
    EXPECT_THAT(unit, HasSubstr(hardening)) << name;
  }
  Deployment d;  // for its temporary directory
  const std::string copy = d.dir() + "/" + name + ".service";
  std::ofstream(copy) << absl::StrReplaceAll(
      unit, {{"/usr/local/bin/casesync-board", CASESYNC_BOARD_BIN},
             {"/usr/local/bin/casesyncd", CASESYNC_AGENCY_BIN}});
  CommandResult verify =
      testing::Run({"/usr/bin/systemd-analyze", "verify", copy});
  EXPECT_EQ(verify.exit_code, 0) << verify.err;
  // It exits 0 on an unknown key or a bad value, and only warns; warnings
  // about this unit count (not those about the host's own units).
  for (absl::string_view line : absl::StrSplit(verify.err, '\n')) {
    EXPECT_FALSE(absl::StrContains(line, copy)) << line;
  }
}

INSTANTIATE_TEST_SUITE_P(Units, SystemdUnitsTest,
                         ::testing::Values("casesync-board", "casesyncd"));

}  // namespace
}  // namespace casesync::testing
