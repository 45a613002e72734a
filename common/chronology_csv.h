// Reading an agency's chronology from a CSV file (DESIGN.md section 7).
//
// The first row names ChronologyEntry fields (date, source, event, ...,
// visibility); each later row is one entry, its cells in the text a person
// types (common/field_value.h). An empty cell leaves the field unset. Quoted
// cells may hold commas, quotes ("") and line breaks (RFC 4180); the parser
// is libcsv in strict mode.
//
// Problems are reported with the 1-based line of the file where they are:
// a bad header or malformed CSV makes the whole file unusable (an error
// status); a bad row is listed in `errors` and left out of `entries`.
//
// Thread-safety: a pure function.
#ifndef CASESYNC_COMMON_CHRONOLOGY_CSV_H_
#define CASESYNC_COMMON_CHRONOLOGY_CSV_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/change_check.h"
#include "common/replica.h"

namespace casesync {

struct CsvRowError {
  uint32_t line = 0;
  std::string message;
};

struct ChronologyCsv {
  // One new chronology entry per good row, for the review given.
  std::vector<RecordEdit> entries;
  // The line each entry started on, parallel to `entries`.
  std::vector<uint32_t> lines;
  // The bad rows.
  std::vector<CsvRowError> errors;
};

// Most rows one file may hold.
inline constexpr size_t kMaxCsvRows = 200'000;

// Parses `csv` into new ChronologyEntry edits of review `review_id`, each
// field checked against the schema and `limits`. INVALID_ARGUMENT, the
// message starting "line N:", for an empty file, a header with an unknown,
// repeated or read-only column, malformed CSV, or more than kMaxCsvRows rows.
absl::StatusOr<ChronologyCsv> ParseChronologyCsv(absl::string_view csv,
                                                 absl::string_view review_id,
                                                 const ChangeLimits& limits);

}  // namespace casesync

#endif  // CASESYNC_COMMON_CHRONOLOGY_CSV_H_
