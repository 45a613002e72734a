#include "common/base/ids.h"

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace casesync {
namespace {

constexpr char kCrockford[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

}  // namespace

bool IsValidId(absl::string_view id) {
  if (id.empty() || id.size() > kMaxIdLength) return false;
  if (id.front() == '.' || id.front() == '-') return false;
  for (char c : id) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '.' &&
        c != '_' && c != '-') {
      return false;
    }
  }
  return true;
}

absl::Status CheckId(absl::string_view what, absl::string_view id) {
  if (IsValidId(id)) return absl::OkStatus();
  if (id.empty())
    return absl::InvalidArgumentError(absl::StrCat(what, " is missing"));
  return absl::InvalidArgumentError(absl::StrCat(
      what, " \"", absl::CHexEscape(id.substr(0, kMaxIdLength)),
      "\" is not a valid id: use 1 to ", kMaxIdLength,
      " letters, digits, '.', '_' or '-', not starting with '.' or '-'"));
}

std::string RecordIdMinter::Mint() {
  const uint64_t now_ms = clock_->NowMillis() & ((uint64_t{1} << 48) - 1);
  absl::MutexLock lock(&mu_);
  if (now_ms > last_ms_) {
    last_ms_ = now_ms;
    random_high_ = absl::Uniform<uint16_t>(bitgen_);
    random_low_ =
        absl::Uniform<uint64_t>(absl::IntervalClosed, bitgen_, 0, UINT64_MAX);
  } else {
    // Same millisecond, or the wall clock stepped back: keep last_ms_ and
    // count up so that ids stay increasing.
    if (++random_low_ == 0) ++random_high_;
  }
  // 48 time bits + 80 random bits = 128 bits = 26 base32 digits (the first
  // digit carries only 3 bits).
  char out[26];
  // Time: 10 digits, 50 bits of which the top 2 are zero.
  uint64_t t = last_ms_;
  for (int i = 9; i >= 0; --i) {
    out[i] = kCrockford[t & 31];
    t >>= 5;
  }
  // Random: 16 digits = 80 bits.
  unsigned __int128 r =
      (static_cast<unsigned __int128>(random_high_) << 64) | random_low_;
  for (int i = 25; i >= 10; --i) {
    out[i] = kCrockford[static_cast<int>(r & 31)];
    r >>= 5;
  }
  return std::string(out, sizeof(out));
}

}  // namespace casesync
