// GoogleMock matchers for absl::Status and absl::StatusOr<T>, which Debian's
// Abseil does not ship.
//
//   EXPECT_THAT(replica->Apply(change), IsOk());
//   EXPECT_THAT(result, StatusIs(absl::StatusCode::kInvalidArgument));
//   EXPECT_THAT(replica->Frontier("police"), IsOkAndHolds(3u));
//   ASSERT_OK_AND_ASSIGN(auto view, replica->ReadRecord(key));
#ifndef CASESYNC_COMMON_TESTING_STATUS_MATCHERS_H_
#define CASESYNC_COMMON_TESTING_STATUS_MATCHERS_H_

#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace casesync::testing {

inline const absl::Status& GetStatus(const absl::Status& status) {
  return status;
}
template <typename T>
const absl::Status& GetStatus(const absl::StatusOr<T>& status_or) {
  return status_or.status();
}

MATCHER(IsOk, "is OK") {
  const absl::Status& status = GetStatus(arg);
  if (!status.ok()) *result_listener << "status is " << status;
  return status.ok();
}

MATCHER_P(StatusIs, code, "has status code " + ::testing::PrintToString(code)) {
  const absl::Status& status = GetStatus(arg);
  *result_listener << "status is " << status;
  return status.code() == code;
}

MATCHER_P2(StatusIs, code, message_substring,
           "has status code " + ::testing::PrintToString(code) +
               " and a message containing " +
               ::testing::PrintToString(message_substring)) {
  const absl::Status& status = GetStatus(arg);
  *result_listener << "status is " << status;
  return status.code() == code &&
         status.message().find(message_substring) != absl::string_view::npos;
}

// Matches an OK absl::StatusOr<T> whose value matches `inner`.
MATCHER_P(IsOkAndHolds, inner, "is OK and holds a matching value") {
  if (!arg.ok()) {
    *result_listener << "status is " << arg.status();
    return false;
  }
  return ::testing::ExplainMatchResult(inner, arg.value(), result_listener);
}

}  // namespace casesync::testing

#define CASESYNC_TESTING_CONCAT_INNER_(a, b) a##b
#define CASESYNC_TESTING_CONCAT_(a, b) CASESYNC_TESTING_CONCAT_INNER_(a, b)

// Asserts that `rexpr` (an absl::StatusOr<T>) is OK and moves its value into
// `lhs`.
#define ASSERT_OK_AND_ASSIGN(lhs, rexpr) \
  ASSERT_OK_AND_ASSIGN_IMPL_(            \
      CASESYNC_TESTING_CONCAT_(casesync_test_statusor_, __LINE__), lhs, rexpr)
#define ASSERT_OK_AND_ASSIGN_IMPL_(statusor, lhs, rexpr) \
  auto statusor = (rexpr);                               \
  ASSERT_TRUE(statusor.ok()) << statusor.status();       \
  lhs = std::move(statusor).value()

#endif  // CASESYNC_COMMON_TESTING_STATUS_MATCHERS_H_
