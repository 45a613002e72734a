// The wall clock, behind an interface so tests can set time by hand
// (docs/architecture.md, "Conventions": seams for tests).
//
// Thread-safety: implementations must be safe to call from any thread.
#ifndef CASESYNC_COMMON_BASE_CLOCK_H_
#define CASESYNC_COMMON_BASE_CLOCK_H_

#include <atomic>
#include <cstdint>

namespace casesync {

class Clock {
 public:
  virtual ~Clock() = default;
  // Milliseconds since the Unix epoch. May step backwards (NTP, an operator);
  // callers that need monotonic order use Hlc on top of this.
  virtual uint64_t NowMillis() = 0;
};

// The system's real-time clock. Never null; lives for the whole process.
Clock* SystemClock();

// Another clock shifted by a fixed offset: what a machine whose clock is
// `offset_ms` ahead (positive) or behind (negative) would read. For tests of
// clock skew between replicas (casesyncd --clock_skew_ms); never for
// production use. Readings clamp at 1 (the epoch's first millisecond) rather
// than going negative. Thread-safe if `base` is; `base` must outlive it.
class SkewedClock : public Clock {
 public:
  SkewedClock(Clock* base, int64_t offset_ms)
      : base_(base), offset_ms_(offset_ms) {}
  uint64_t NowMillis() override;
  int64_t offset_ms() const { return offset_ms_; }

 private:
  Clock* const base_;
  const int64_t offset_ms_;
};

// A clock that reads what the test set. Thread-safe.
class FakeClock : public Clock {
 public:
  explicit FakeClock(uint64_t now_ms) : now_ms_(now_ms) {}
  uint64_t NowMillis() override { return now_ms_.load(); }
  void Set(uint64_t now_ms) { now_ms_.store(now_ms); }
  void Advance(int64_t delta_ms) { now_ms_.fetch_add(delta_ms); }

 private:
  std::atomic<uint64_t> now_ms_;
};

}  // namespace casesync

#endif  // CASESYNC_COMMON_BASE_CLOCK_H_
