// A fresh directory for one test, removed with everything in it when the
// object goes out of scope.
#ifndef CASESYNC_COMMON_TESTING_TEMP_DIR_H_
#define CASESYNC_COMMON_TESTING_TEMP_DIR_H_

#include <stdlib.h>

#include <filesystem>
#include <string>
#include <system_error>

#include "gtest/gtest.h"

namespace casesync::testing {

class TempDir {
 public:
  TempDir() {
    std::string pattern = ::testing::TempDir() + "casesync_test_XXXXXX";
    char* made = mkdtemp(pattern.data());
    EXPECT_NE(made, nullptr) << "mkdtemp failed for " << pattern;
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  // A path inside the directory.
  std::string Sub(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

}  // namespace casesync::testing

#endif  // CASESYNC_COMMON_TESTING_TEMP_DIR_H_
