// The table of a CSV file as agencies' systems export it (RFC 4180, read by
// libcsv in strict mode; a UTF-8 byte order mark skipped), each row numbered
// by the line it starts on.
//
// Thread-safety: a pure function.
#ifndef CASESYNC_COMMON_IMPORT_CSV_TABLE_H_
#define CASESYNC_COMMON_IMPORT_CSV_TABLE_H_

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/import/table.h"

namespace casesync {

// The table of `csv`. INVALID_ARGUMENT, the message starting "line N:", for
// malformed CSV (a stray quote, a quoted cell never closed), a file with no
// rows, or more rows than kMaxTableRows (common/import/office_table.h).
[[nodiscard]] absl::StatusOr<Table> ReadCsvTable(absl::string_view csv);

}  // namespace casesync

#endif  // CASESYNC_COMMON_IMPORT_CSV_TABLE_H_
