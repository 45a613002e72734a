// A certificate authority for unit tests, made with deploy/certs.sh as an
// operator makes one: the CA, the board's certificate and each agency's, in
// `dir` (ca.crt, ID.crt, ID.key). The test's target defines
// CASESYNC_CERTS_SCRIPT, the script's path.
//
// Thread-safety: call from the test's thread.
#ifndef CASESYNC_COMMON_TESTING_TEST_PKI_H_
#define CASESYNC_COMMON_TESTING_TEST_PKI_H_

#include <cstdlib>
#include <string>
#include <vector>

#include "gtest/gtest.h"

#ifndef CASESYNC_CERTS_SCRIPT
#error "the test's target must define CASESYNC_CERTS_SCRIPT"
#endif

namespace casesync::testing {

// Runs certs.sh with `args` (quoted for the shell); a test failure unless
// it succeeds.
inline bool RunCertsScript(const std::vector<std::string>& args) {
  std::string command = CASESYNC_CERTS_SCRIPT;
  for (const std::string& arg : args) command += " '" + arg + "'";
  command += " 2>/dev/null";
  const int status = std::system(command.c_str());
  EXPECT_EQ(status, 0) << command;
  return status == 0;
}

// The CA and certificates for `board` and `agencies` in `dir` (which must
// not hold a CA yet).
inline bool MakeTestPki(const std::string& dir, const std::string& board,
                        const std::vector<std::string>& agencies) {
  if (!RunCertsScript({"init", dir, board})) return false;
  for (const std::string& agency : agencies) {
    if (!RunCertsScript({"issue", dir, agency})) return false;
  }
  return true;
}

}  // namespace casesync::testing

#endif  // CASESYNC_COMMON_TESTING_TEST_PKI_H_
