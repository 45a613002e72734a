// A table read from an agency's file, before its headings are mapped: the
// common shape the CSV, XLSX and DOCX readers hand to the chronology import
// (docs/joint_review.md, "Import").
//
// Thread-safety: plain values.
#ifndef CASESYNC_COMMON_IMPORT_TABLE_H_
#define CASESYNC_COMMON_IMPORT_TABLE_H_

#include <cstdint>
#include <string>
#include <vector>

namespace casesync {

struct TableRow {
  // Where the row is in the file, as its user would find it: the line of a
  // CSV file, the row number of a spreadsheet, the row of a Word table.
  uint32_t number = 0;
  // The cells' text, as many as the table has headings (missing cells are
  // empty).
  std::vector<std::string> cells;
};

struct Table {
  // The first row that is not empty, trimmed.
  std::vector<std::string> headings;
  uint32_t heading_row = 0;
  // The rows after the headings, blank rows left out.
  std::vector<TableRow> rows;
  // What the rows are called in messages: "line", "row" or "table row".
  std::string row_word = "row";
};

}  // namespace casesync

#endif  // CASESYNC_COMMON_IMPORT_TABLE_H_
