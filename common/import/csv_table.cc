#include "common/import/csv_table.h"

#include <csv.h>

#include <memory>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/import/office_table.h"

namespace casesync {
namespace {

// libcsv's parser state before any byte of a row was read.
constexpr int kRowNotBegun = 0;

struct Rows {
  std::vector<TableRow> rows;
  std::vector<std::string> cells;
  uint32_t row_start = 1;

  static void OnField(void* data, size_t size, void* self) {
    static_cast<Rows*>(self)->cells.emplace_back(static_cast<const char*>(data),
                                                 size);
  }
  static void OnRowEnd(int, void* self) {
    Rows* rows = static_cast<Rows*>(self);
    rows->rows.push_back(TableRow{rows->row_start, std::move(rows->cells)});
    rows->cells.clear();
  }
};

}  // namespace

absl::StatusOr<Table> ReadCsvTable(absl::string_view csv) {
  absl::ConsumePrefix(&csv, "\xEF\xBB\xBF");
  csv_parser parser;
  if (csv_init(&parser, CSV_STRICT | CSV_STRICT_FINI) != 0) {
    return absl::ResourceExhaustedError("cannot start the CSV parser");
  }
  std::unique_ptr<csv_parser, void (*)(csv_parser*)> cleanup(&parser, csv_free);
  Rows rows;
  // One line at a time, to know the line each row starts on (CR LF, LF or a
  // lone CR end a line, as they end a row for libcsv).
  uint32_t line = 0;
  size_t pos = 0;
  while (pos < csv.size()) {
    ++line;
    size_t end = csv.find_first_of("\r\n", pos);
    if (end == absl::string_view::npos) {
      end = csv.size();
    } else if (csv[end] == '\r' && end + 1 < csv.size() &&
               csv[end + 1] == '\n') {
      end += 2;
    } else {
      end += 1;
    }
    if (parser.pstate == kRowNotBegun) rows.row_start = line;
    const size_t length = end - pos;
    if (csv_parse(&parser, csv.data() + pos, length, Rows::OnField,
                  Rows::OnRowEnd, &rows) != length) {
      return absl::InvalidArgumentError(absl::StrCat(
          "line ", line, ": malformed CSV (", csv_strerror(csv_error(&parser)),
          "); check the quotes on this line"));
    }
    if (rows.rows.size() > kMaxTableRows + 1) {
      return absl::InvalidArgumentError(
          absl::StrCat("line ", line, ": more than ", kMaxTableRows,
                       " rows; split the file"));
    }
    pos = end;
  }
  if (csv_fini(&parser, Rows::OnField, Rows::OnRowEnd, &rows) != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("line ", rows.row_start,
                     ": malformed CSV: a quoted cell is never closed"));
  }
  Table table;
  table.row_word = "line";
  size_t i = 0;
  auto blank = [](const TableRow& row) {
    for (const std::string& cell : row.cells) {
      if (!absl::StripAsciiWhitespace(cell).empty()) return false;
    }
    return true;
  };
  while (i < rows.rows.size() && blank(rows.rows[i])) ++i;
  if (i == rows.rows.size()) {
    return absl::InvalidArgumentError(
        "line 1: the file is empty; the first row must name the columns");
  }
  for (const std::string& heading : rows.rows[i].cells) {
    table.headings.emplace_back(absl::StripAsciiWhitespace(heading));
  }
  table.heading_row = rows.rows[i].number;
  for (++i; i < rows.rows.size(); ++i) {
    if (blank(rows.rows[i])) continue;
    TableRow row = std::move(rows.rows[i]);
    if (row.cells.size() < table.headings.size()) {
      row.cells.resize(table.headings.size());
    }
    table.rows.push_back(std::move(row));
  }
  return table;
}

}  // namespace casesync
