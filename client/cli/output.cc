#include "client/cli/output.h"

#include <algorithm>
#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "client/cli/progress_bar.h"
#include "common/base/text.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/time_util.h"

namespace casesync::cli {

void Table::Print(std::ostream& out) const {
  std::vector<size_t> widths(header_.size(), 0);
  auto measure = [&](const std::vector<std::string>& row) {
    for (size_t i = 0; i < row.size() && i < widths.size(); ++i) {
      widths[i] = std::max(widths[i], row[i].size());
    }
  };
  measure(header_);
  for (const auto& row : rows_) measure(row);
  auto print = [&](const std::vector<std::string>& row) {
    std::string line;
    for (size_t i = 0; i < row.size() && i < widths.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size())
        line += std::string(widths[i] - row[i].size() + 2, ' ');
    }
    out << line << "\n";
  };
  print(header_);
  for (const auto& row : rows_) print(row);
}

std::string ToJson(const google::protobuf::Message& message,
                   const std::vector<std::string>& always) {
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  options.always_print_primitive_fields = true;
  options.always_print_enums_as_ints = false;
  std::string json;
  if (!google::protobuf::util::MessageToJsonString(message, &json, options)
           .ok()) {
    return "{}";
  }
  // Unset message fields are left out by the JSON mapping; add them as null.
  for (const std::string& key : always) {
    const std::string quoted = absl::StrCat("\"", key, "\":");
    if (json.find(quoted) != std::string::npos || json.size() < 2) continue;
    json.insert(json.size() - 1,
                absl::StrCat(json.size() > 2 ? "," : "", quoted, "null"));
  }
  return json;
}

std::string Ago(absl::Duration elapsed) {
  if (elapsed < absl::ZeroDuration()) elapsed = absl::ZeroDuration();
  if (elapsed < absl::Minutes(2)) {
    return absl::StrCat(absl::ToInt64Seconds(elapsed), "s");
  }
  if (elapsed < absl::Hours(2))
    return absl::StrCat(absl::ToInt64Minutes(elapsed), "m");
  if (elapsed < absl::Hours(48))
    return absl::StrCat(absl::ToInt64Hours(elapsed), "h");
  return absl::StrCat(absl::ToInt64Hours(elapsed) / 24, "d");
}

std::string DescribeTime(const google::protobuf::Timestamp& time, bool set,
                         absl::Time now) {
  if (!set) return "never";
  const absl::Time t = absl::FromUnixMillis(
      google::protobuf::util::TimeUtil::TimestampToMilliseconds(time));
  return absl::StrCat(
      absl::FormatTime("%Y-%m-%d %H:%M:%SZ", t, absl::UTCTimeZone()), " (",
      Ago(now - t), " ago)");
}

std::string Clip(absl::string_view line, size_t width) {
  if (line.size() <= width) return std::string(line);
  return absl::StrCat(line.substr(0, width > 3 ? width - 3 : 0), "...");
}

std::string ShortLine(absl::string_view text, size_t width) {
  return Clip(OneLine(text, /*trim=*/false), width);
}

std::string Size(uint64_t bytes) {
  if (bytes >= 1'000'000) return absl::StrFormat("%.1f MB", bytes / 1e6);
  if (bytes >= 1'000) return absl::StrFormat("%.1f kB", bytes / 1e3);
  return absl::StrCat(bytes, " B");
}

bool ColourWanted(int fd) {
  const char* no_colour = std::getenv("NO_COLOR");
  return ProgressBar::OnTerminal(fd) &&
         (no_colour == nullptr || *no_colour == '\0');
}

std::string Paint(Colour colour, const std::string& text, bool enabled) {
  if (!enabled) return text;
  const char* code = colour == Colour::kGreen    ? "32"
                     : colour == Colour::kYellow ? "33"
                                                 : "31";
  return absl::StrCat("\x1b[", code, "m", text, "\x1b[0m");
}

}  // namespace casesync::cli
