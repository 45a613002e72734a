// Fuzz target: a chronology CSV file as an agency imports it
// (casesync chronology import): any bytes, parsed, every good row a checked
// edit, no crash, and rows handed over in increasing line order.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "common/review/chronology_csv.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  uint32_t last_line = 0;
  auto sink = [&](uint32_t line, casesync::RecordEdit entry) {
    if (line <= last_line || entry.record.review_id() != "r1") std::abort();
    last_line = line;
    return absl::OkStatus();
  };
  auto result = casesync::ParseChronologyCsv(
      absl::string_view(reinterpret_cast<const char*>(data), size), "r1",
      casesync::ChangeLimits(), sink);
  (void)result;
  return 0;
}
