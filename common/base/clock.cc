#include "common/base/clock.h"

#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace casesync {
namespace {

class RealClock : public Clock {
 public:
  uint64_t NowMillis() override {
    return static_cast<uint64_t>(absl::ToUnixMillis(absl::Now()));
  }
};

}  // namespace

Clock* SystemClock() {
  static RealClock* const clock = new RealClock();
  return clock;
}

uint64_t SkewedClock::NowMillis() {
  const int64_t skewed = static_cast<int64_t>(base_->NowMillis()) + offset_ms_;
  return skewed > 0 ? static_cast<uint64_t>(skewed) : 1;
}

}  // namespace casesync
