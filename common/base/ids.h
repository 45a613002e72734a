// Identifiers: what a valid replica, agency, review or record id looks like,
// and minting record ids that are unique without coordination.
//
// Record ids are ULIDs (github.com/ulid/spec): 26 Crockford base32 characters,
// the first 10 the creation time in milliseconds, the last 16 random. They sort
// by creation time as plain strings, and two replicas minting at the same
// millisecond collide with probability about 2^-80.
//
// Thread-safety: IsValidId is a pure function; RecordIdMinter is thread-safe.
#ifndef CASESYNC_COMMON_BASE_IDS_H_
#define CASESYNC_COMMON_BASE_IDS_H_

#include <cstdint>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/random/random.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "common/base/clock.h"

namespace casesync {

// Longest id accepted anywhere.
inline constexpr size_t kMaxIdLength = 64;

// True if `id` is 1..kMaxIdLength characters of [A-Za-z0-9._-], not starting
// with '.' or '-'. Ids are embedded in storage keys and file names, so nothing
// else is allowed.
bool IsValidId(absl::string_view id);

// OK, or INVALID_ARGUMENT naming `what` ("review id") and the rule broken.
[[nodiscard]] absl::Status CheckId(absl::string_view what,
                                   absl::string_view id);

class RecordIdMinter {
 public:
  // `clock` must outlive the minter.
  explicit RecordIdMinter(Clock* clock) : clock_(clock) {}

  // A new ULID, greater than every id this minter returned before (within a
  // millisecond the random part is incremented, as the ULID spec's monotonic
  // mode does).
  std::string Mint();

 private:
  Clock* const clock_;
  absl::Mutex mu_;
  absl::BitGen bitgen_ ABSL_GUARDED_BY(mu_);
  uint64_t last_ms_ ABSL_GUARDED_BY(mu_) = 0;
  // The 80 random bits: high 16 and low 64.
  uint16_t random_high_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t random_low_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace casesync

#endif  // CASESYNC_COMMON_BASE_IDS_H_
