// Reading an agency's chronology from a CSV file (docs/user_contract.md).
//
// The first row names ChronologyEntry fields (date, source, event, ...,
// visibility); each later row is one entry, its cells in the text a person
// types (common/records/field_value.h). An empty cell leaves the field unset.
// Quoted cells may hold commas, quotes ("") and line breaks (RFC 4180); the
// parser is libcsv in strict mode.
//
// Rows are handed over one at a time as they are read, so a large file is
// never held twice in memory. Problems are reported with the 1-based line of
// the file where they are: a bad header or malformed CSV makes the whole file
// unusable (an error status); a bad row is listed and not handed over.
//
// Thread-safety: a pure function (apart from what `sink` does).
#ifndef CASESYNC_COMMON_REVIEW_CHRONOLOGY_CSV_H_
#define CASESYNC_COMMON_REVIEW_CHRONOLOGY_CSV_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/records/change_check.h"
#include "common/replica/replica.h"

namespace casesync {

struct CsvRowError {
  uint32_t line = 0;
  std::string message;
};

// Takes one good row: a new ChronologyEntry edit of the review, and the line
// the row started on. An error stops the parse.
using ChronologyRowSink =
    std::function<absl::Status(uint32_t line, RecordEdit entry)>;

// Most rows one file may hold.
inline constexpr size_t kMaxCsvRows = 200'000;

// Parses `csv` into new ChronologyEntry edits of review `review_id`, each
// field checked against the schema and `limits`, handing each good row to
// `sink` in file order. Returns the bad rows. INVALID_ARGUMENT, the message
// starting "line N:", for an empty file, a header with an unknown, repeated
// or read-only column, malformed CSV, or more than kMaxCsvRows rows; a sink
// error, prefixed with the row's line.
[[nodiscard]] absl::StatusOr<std::vector<CsvRowError>> ParseChronologyCsv(
    absl::string_view csv, absl::string_view review_id,
    const ChangeLimits& limits, const ChronologyRowSink& sink);

}  // namespace casesync

#endif  // CASESYNC_COMMON_REVIEW_CHRONOLOGY_CSV_H_
