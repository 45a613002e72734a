// Early-return helpers for absl::Status and absl::StatusOr<T>.
//
// Debian's Abseil (20220623) ships no status macros, so casesync keeps these
// two. They expand to plain statements; no thread-safety concerns.
//
//   RETURN_IF_ERROR(store->Write(batch));
//   ASSIGN_OR_RETURN(auto record, replica->ReadRecord(key));
#ifndef CASESYNC_COMMON_BASE_STATUS_MACROS_H_
#define CASESYNC_COMMON_BASE_STATUS_MACROS_H_

#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define CASESYNC_STATUS_CONCAT_INNER_(a, b) a##b
#define CASESYNC_STATUS_CONCAT_(a, b) CASESYNC_STATUS_CONCAT_INNER_(a, b)

// Evaluates `expr` (an absl::Status) and returns it from the enclosing
// function if it is not OK.
#define RETURN_IF_ERROR(expr)                              \
  do {                                                     \
    ::absl::Status casesync_status_macro_status_ = (expr); \
    if (!casesync_status_macro_status_.ok()) {             \
      return casesync_status_macro_status_;                \
    }                                                      \
  } while (false)

// Evaluates `rexpr` (an absl::StatusOr<T>); on error returns its status from
// the enclosing function, otherwise moves the value into `lhs`, which may be a
// declaration (`auto x`) or an existing variable.
#define ASSIGN_OR_RETURN(lhs, rexpr) \
  CASESYNC_ASSIGN_OR_RETURN_IMPL_(   \
      CASESYNC_STATUS_CONCAT_(casesync_statusor_, __LINE__), lhs, rexpr)

#define CASESYNC_ASSIGN_OR_RETURN_IMPL_(statusor, lhs, rexpr) \
  auto statusor = (rexpr);                                    \
  if (!statusor.ok()) {                                       \
    return std::move(statusor).status();                      \
  }                                                           \
  lhs = std::move(statusor).value()

#endif  // CASESYNC_COMMON_BASE_STATUS_MACROS_H_
