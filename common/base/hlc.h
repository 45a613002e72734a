// Hybrid logical clock (Kulkarni et al., "Logical Physical Clocks", 2014).
//
// Readings track the wall clock closely but never go backwards, even when the
// wall clock steps back, and a reading taken after observing a remote one is
// always greater than it. casesync stamps every change with one; the highest
// stamp picks which of several conflicting values is shown.
//
// Thread-safety: all methods are safe to call concurrently.
#ifndef CASESYNC_COMMON_BASE_HLC_H_
#define CASESYNC_COMMON_BASE_HLC_H_

#include <cstdint>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "casesync/v1/replication.pb.h"
#include "common/base/clock.h"

namespace casesync {

// Total order on readings: by wall time, then logical counter.
int CompareHlc(const v1::HlcTimestamp& a, const v1::HlcTimestamp& b);

// "2024-03-04T10:00:00.123Z+2" (the logical part only when non-zero).
std::string FormatHlc(const v1::HlcTimestamp& t);

class Hlc {
 public:
  // `clock` must outlive the Hlc.
  explicit Hlc(Clock* clock) : clock_(clock) {}

  // A reading greater than every reading returned or observed before.
  v1::HlcTimestamp Now();

  // Takes a remote reading into account: every later Now() is greater.
  void Observe(const v1::HlcTimestamp& remote);

  // The greatest reading returned or observed so far (zero before any).
  v1::HlcTimestamp Latest();

 private:
  Clock* const clock_;
  absl::Mutex mu_;
  uint64_t wall_ms_ ABSL_GUARDED_BY(mu_) = 0;
  uint32_t logical_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace casesync

#endif  // CASESYNC_COMMON_BASE_HLC_H_
