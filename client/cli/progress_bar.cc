#include "client/cli/progress_bar.h"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace casesync::cli {
namespace {

constexpr int kBarWidth = 30;
constexpr absl::Duration kRedrawInterval = absl::Milliseconds(100);

}  // namespace

absl::Duration ProgressBar::DefaultDelay() {
  const char* text = std::getenv("CASESYNC_PROGRESS_DELAY_MS");
  int64_t ms;
  if (text != nullptr && absl::SimpleAtoi(text, &ms) && ms >= 0) {
    return absl::Milliseconds(ms);
  }
  return absl::Milliseconds(300);
}

bool ProgressBar::OnTerminal(int fd) {
  const char* term = std::getenv("TERM");
  return isatty(fd) == 1 &&
         !(term != nullptr && std::strcmp(term, "dumb") == 0);
}

std::string ProgressBar::Render(absl::string_view what, uint64_t done,
                                uint64_t total, absl::string_view unit) {
  if (total == 0) {
    return absl::StrFormat("%s  %d %s", what, done, unit);
  }
  done = std::min(done, total);
  const int filled =
      static_cast<int>(static_cast<double>(done) / total * kBarWidth);
  std::string bar(static_cast<size_t>(filled), '=');
  if (filled < kBarWidth) bar += '>';
  bar.resize(kBarWidth, ' ');
  return absl::StrFormat("%s [%s] %3d%%  %d/%d %s", what, bar,
                         static_cast<int>(done * 100 / total), done, total,
                         unit);
}

void ProgressBar::Update(absl::string_view what, uint64_t done, uint64_t total,
                         absl::string_view unit) {
  if (!enabled_) return;
  const absl::Time now = absl::Now();
  if (now < shown_after_ || now - last_drawn_ < kRedrawInterval) return;
  last_drawn_ = now;
  std::string line = Render(what, done, total, unit);
  const size_t width = line.size();
  // Spaces over whatever of a longer previous line is left.
  if (width < drawn_width_) line.append(drawn_width_ - width, ' ');
  *out_ << '\r' << line << std::flush;
  drawn_width_ = width;
}

void ProgressBar::Finish() {
  if (drawn_width_ == 0) return;
  *out_ << '\r' << std::string(drawn_width_, ' ') << '\r' << std::flush;
  drawn_width_ = 0;
}

}  // namespace casesync::cli
