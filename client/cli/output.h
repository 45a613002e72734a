// How the casesync command line prints: aligned text tables for people,
// protobuf's JSON mapping (snake_case keys) for scripts, and times as UTC
// with how long ago.
//
// Thread-safety: pure functions, except that Table accumulates.
#ifndef CASESYNC_CLIENT_CLI_OUTPUT_H_
#define CASESYNC_CLIENT_CLI_OUTPUT_H_

#include <ostream>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "google/protobuf/message.h"
#include "google/protobuf/timestamp.pb.h"

namespace casesync::cli {

// Columns padded to their widest cell; a header row, then the rows.
class Table {
 public:
  explicit Table(std::vector<std::string> header)
      : header_(std::move(header)) {}
  void AddRow(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
  bool empty() const { return rows_.empty(); }
  void Print(std::ostream& out) const;

 private:
  std::vector<std::string> header_;
  std::vector<std::vector<std::string>> rows_;
};

// `message` as one JSON object on a line, proto field names as keys, zero
// values included. Fields named in `always` that are unset messages are
// printed as null so that scripts can rely on the key.
std::string ToJson(const google::protobuf::Message& message,
                   const std::vector<std::string>& always = {});

// "2026-11-26 17:40:12Z (3s ago)", or "never" for an unset time.
std::string DescribeTime(const google::protobuf::Timestamp& time, bool set,
                         absl::Time now);

// "3s", "4m", "2h", "5d".
std::string Ago(absl::Duration elapsed);

// Colour for people at a terminal: wanted when `fd` is a terminal, TERM is
// not "dumb" and NO_COLOR is unset or empty (https://no-color.org).
bool ColourWanted(int fd);

enum class Colour { kGreen, kYellow, kRed };

// `text` in `colour` (ANSI escapes) if `enabled`, as it is otherwise.
std::string Paint(Colour colour, const std::string& text, bool enabled);

// "2.4 MB", "812.0 kB", "96 B" (decimal units).
std::string Size(uint64_t bytes);

// `line` cut to `width` bytes, the last three of them "...", when longer.
std::string Clip(absl::string_view line, size_t width);

// `text` as one line (OneLine in common/base/text.h, the ends kept as a
// space), clipped to `width`.
std::string ShortLine(absl::string_view text, size_t width);

}  // namespace casesync::cli

#endif  // CASESYNC_CLIENT_CLI_OUTPUT_H_
