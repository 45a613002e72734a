// Turning an agency's table (common/import/table.h), its headings mapped
// (common/import/heading_map.h), into new ChronologyEntry edits of a review,
// its values read as people write them: UK dates and times and uncertain
// dates (common/import/uk_values.h), yes/no/not applicable/not recorded and
// the rest as the schema reads typed text (common/records/field_value.h).
// An uncertain date is stored as the first day of its span with
// date_uncertain set; an answer of not applicable or not recorded leaves the
// yes/no field unset. docs/joint_review.md, "Import", has the rules.
//
// Thread-safety: pure functions (apart from what the sink does).
#ifndef CASESYNC_COMMON_IMPORT_CHRONOLOGY_TABLE_H_
#define CASESYNC_COMMON_IMPORT_CHRONOLOGY_TABLE_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/import/heading_map.h"
#include "common/import/table.h"
#include "common/records/change_check.h"
#include "common/replica/replica.h"

namespace casesync {

struct TableRowError {
  // The row as the table numbers it (TableRow::number).
  uint32_t row = 0;
  // "column 'Date of contact': '31/02/2024' is not a date ...".
  std::string message;
};

// Takes one good row's entry and the row's number; an error stops the
// import.
using TableEntrySink =
    std::function<absl::Status(uint32_t row, RecordEdit entry)>;

// Reads each row of `table` through `columns` (one per heading) into a new
// ChronologyEntry edit of review `review_id`, each value checked against the
// schema and `limits`, and hands the good ones to `sink` in order. Returns
// the bad rows. INVALID_ARGUMENT, naming the deciding rows, if the file's
// numeric dates can only be read month first (a US file: never guessed); a
// sink error, prefixed with the row.
[[nodiscard]] absl::StatusOr<std::vector<TableRowError>> ImportChronologyTable(
    const Table& table, const std::vector<ColumnMapping>& columns,
    absl::string_view review_id, const ChangeLimits& limits,
    const TableEntrySink& sink);

}  // namespace casesync

#endif  // CASESYNC_COMMON_IMPORT_CHRONOLOGY_TABLE_H_
