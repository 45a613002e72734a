#include "common/base/hlc.h"

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"

namespace casesync {

int CompareHlc(const v1::HlcTimestamp& a, const v1::HlcTimestamp& b) {
  if (a.wall_time_ms() != b.wall_time_ms()) {
    return a.wall_time_ms() < b.wall_time_ms() ? -1 : 1;
  }
  if (a.logical() != b.logical()) return a.logical() < b.logical() ? -1 : 1;
  return 0;
}

std::string FormatHlc(const v1::HlcTimestamp& t) {
  std::string out = absl::FormatTime(
      "%Y-%m-%dT%H:%M:%E3SZ",
      absl::FromUnixMillis(static_cast<int64_t>(t.wall_time_ms())),
      absl::UTCTimeZone());
  if (t.logical() != 0) absl::StrAppend(&out, "+", t.logical());
  return out;
}

v1::HlcTimestamp Hlc::Now() {
  const uint64_t physical = clock_->NowMillis();
  absl::MutexLock lock(&mu_);
  if (physical > wall_ms_) {
    wall_ms_ = physical;
    logical_ = 0;
  } else {
    ++logical_;
  }
  v1::HlcTimestamp t;
  t.set_wall_time_ms(wall_ms_);
  t.set_logical(logical_);
  return t;
}

void Hlc::Observe(const v1::HlcTimestamp& remote) {
  absl::MutexLock lock(&mu_);
  if (remote.wall_time_ms() > wall_ms_ ||
      (remote.wall_time_ms() == wall_ms_ && remote.logical() > logical_)) {
    wall_ms_ = remote.wall_time_ms();
    logical_ = remote.logical();
  }
}

v1::HlcTimestamp Hlc::Latest() {
  absl::MutexLock lock(&mu_);
  v1::HlcTimestamp t;
  t.set_wall_time_ms(wall_ms_);
  t.set_logical(logical_);
  return t;
}

}  // namespace casesync
