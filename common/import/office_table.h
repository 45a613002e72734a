// The first table of an Office file: the first worksheet of an XLSX workbook
// (as Excel and LibreOffice save it, and as agencies' systems export it), or
// the first table of a DOCX document (a partnership's Word chronology
// template). Read through libzip and libxml2 (common/import/zip_archive.h,
// common/import/xml_stream.h), never by hand.
//
// Spreadsheet cells come as the text a person sees: shared and inline
// strings as they are, numbers in their shortest form, and numbers formatted
// as dates or times as ISO dates ("2024-03-04") and "HH:MM", so the import
// reads them like typed ones (docs/joint_review.md, "Import").
//
// Thread-safety: pure functions.
#ifndef CASESYNC_COMMON_IMPORT_OFFICE_TABLE_H_
#define CASESYNC_COMMON_IMPORT_OFFICE_TABLE_H_

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/import/table.h"
#include "common/import/zip_archive.h"

namespace casesync {

// Most rows one file may hold, as for CSV.
inline constexpr size_t kMaxTableRows = 200'000;
// Most columns a row may fill. A chronology has a dozen.
inline constexpr size_t kMaxTableColumns = 256;

// The first worksheet of the XLSX file `bytes`. INVALID_ARGUMENT for a file
// that is no XLSX (not a ZIP archive, no workbook, XML not well-formed), one
// that breaks `limits` (refused before inflating), a sheet with no rows,
// more than kMaxTableRows rows, or a cell past kMaxTableColumns.
[[nodiscard]] absl::StatusOr<Table> ReadXlsxTable(absl::string_view bytes,
                                                  const ArchiveLimits& limits);

// The first table of the DOCX file `bytes`, its first row the headings.
// INVALID_ARGUMENT as for ReadXlsxTable, or "has no table" for a document
// without one.
[[nodiscard]] absl::StatusOr<Table> ReadDocxTable(absl::string_view bytes,
                                                  const ArchiveLimits& limits);

}  // namespace casesync

#endif  // CASESYNC_COMMON_IMPORT_OFFICE_TABLE_H_
