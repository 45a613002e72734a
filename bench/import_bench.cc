// Chronology import without the store (issue 21): reads FILE (.csv, .xlsx or
// .docx) into its table, maps the headings and reads every row into
// ChronologyEntry edits, as the daemon would before staging them. Prints the
// rows read and the wall time; bench/import.sh runs it and measures peak RSS.
//
//   import_bench FILE
#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

#include "absl/strings/match.h"
#include "common/import/chronology_table.h"
#include "common/import/csv_table.h"
#include "common/import/heading_map.h"
#include "common/import/office_table.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: import_bench FILE\n");
    return 2;
  }
  const std::string path = argv[1];
  const auto start = std::chrono::steady_clock::now();
  std::string bytes;
  {
    std::ifstream in(path, std::ios::binary);
    std::stringstream buffer;
    buffer << in.rdbuf();
    bytes = buffer.str();
  }
  absl::StatusOr<casesync::Table> table =
      absl::EndsWith(path, ".xlsx")
          ? casesync::ReadXlsxTable(bytes, casesync::ArchiveLimits())
      : absl::EndsWith(path, ".docx")
          ? casesync::ReadDocxTable(bytes, casesync::ArchiveLimits())
          : casesync::ReadCsvTable(bytes);
  if (!table.ok()) {
    std::fprintf(stderr, "%s\n", table.status().ToString().c_str());
    return 1;
  }
  absl::StatusOr<std::vector<casesync::ColumnMapping>> columns =
      casesync::MapHeadings(table->headings, {}, {});
  if (!columns.ok()) {
    std::fprintf(stderr, "%s\n", columns.status().ToString().c_str());
    return 1;
  }
  size_t entries = 0;
  absl::StatusOr<std::vector<casesync::TableRowError>> errors =
      casesync::ImportChronologyTable(*table, *columns, "r1",
                                      casesync::ChangeLimits(),
                                      [&](uint32_t, casesync::RecordEdit) {
                                        ++entries;
                                        return absl::OkStatus();
                                      });
  if (!errors.ok() || !errors->empty()) {
    std::fprintf(stderr, "import failed\n");
    return 1;
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  std::printf("rows=%zu seconds=%.3f rows_per_second=%.0f\n", entries, seconds,
              static_cast<double>(entries) / seconds);
  return 0;
}
