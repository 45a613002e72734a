// A progress bar on the terminal for work that takes more than a moment
// (bundles, large imports): drawn on one line of stderr with carriage
// returns, only when that stream is a terminal, only once the work has taken
// longer than a short delay (quick work shows nothing), redrawn at most ten
// times a second, and wiped when the work ends so that the command's own
// output follows on a clean line. No Debian package offers this for C++, so
// it is written here.
//
// Thread-safety: single-threaded.
#ifndef CASESYNC_CLIENT_CLI_PROGRESS_BAR_H_
#define CASESYNC_CLIENT_CLI_PROGRESS_BAR_H_

#include <cstdint>
#include <ostream>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace casesync::cli {

class ProgressBar {
 public:
  // Draws on `out` if `enabled` (see OnTerminal), from `delay` after now.
  ProgressBar(std::ostream* out, bool enabled,
              absl::Duration delay = DefaultDelay())
      : out_(out), enabled_(enabled), shown_after_(absl::Now() + delay) {}

  // 300 ms, or $CASESYNC_PROGRESS_DELAY_MS when set (0 draws at once: for
  // tests, and for those who like to see every bar).
  static absl::Duration DefaultDelay();
  ~ProgressBar() { Finish(); }

  // True if file descriptor `fd` is a terminal (and TERM is not "dumb").
  static bool OnTerminal(int fd);

  // `what` has got to `done` of `total` `unit`s (total 0: unknown).
  void Update(absl::string_view what, uint64_t done, uint64_t total,
              absl::string_view unit);

  // Wipes the bar, if drawn. Idempotent.
  void Finish();

  // The line Update draws, without the carriage return (for tests).
  static std::string Render(absl::string_view what, uint64_t done,
                            uint64_t total, absl::string_view unit);

 private:
  std::ostream* const out_;
  const bool enabled_;
  const absl::Time shown_after_;
  absl::Time last_drawn_ = absl::InfinitePast();
  size_t drawn_width_ = 0;
};

}  // namespace casesync::cli

#endif  // CASESYNC_CLIENT_CLI_PROGRESS_BAR_H_
