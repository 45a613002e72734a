#include "common/import/office_table.h"

#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/strip.h"
#include "absl/time/civil_time.h"
#include "common/base/status_macros.h"
#include "common/import/xml_stream.h"

namespace casesync {
namespace {

constexpr absl::string_view kXlsx = "XLSX file";
constexpr absl::string_view kDocx = "DOCX file";

bool Blank(const std::vector<std::string>& cells) {
  for (const std::string& cell : cells) {
    if (!absl::StripAsciiWhitespace(cell).empty()) return false;
  }
  return true;
}

// The first row that is not blank becomes the headings; later blank rows
// are left out. Trailing blank headings (a sheet's formatted but empty
// columns) are dropped with their cells when those are blank too.
[[nodiscard]] absl::StatusOr<Table> Tabulate(std::vector<TableRow> raw,
                                             absl::string_view what,
                                             std::string row_word) {
  Table table;
  table.row_word = std::move(row_word);
  size_t i = 0;
  while (i < raw.size() && Blank(raw[i].cells)) ++i;
  if (i == raw.size()) {
    return absl::InvalidArgumentError(absl::StrCat(
        what, " has no rows: the first row must name the columns"));
  }
  for (const std::string& heading : raw[i].cells) {
    table.headings.emplace_back(absl::StripAsciiWhitespace(heading));
  }
  while (!table.headings.empty() && table.headings.back().empty()) {
    table.headings.pop_back();
  }
  table.heading_row = raw[i].number;
  for (++i; i < raw.size(); ++i) {
    TableRow& row = raw[i];
    if (Blank(row.cells)) continue;
    while (row.cells.size() > table.headings.size() &&
           absl::StripAsciiWhitespace(row.cells.back()).empty()) {
      row.cells.pop_back();
    }
    if (row.cells.size() < table.headings.size()) {
      row.cells.resize(table.headings.size());
    }
    table.rows.push_back(std::move(row));
    if (table.rows.size() > kMaxTableRows) {
      return absl::InvalidArgumentError(
          absl::StrCat(table.row_word, " ", table.rows.back().number,
                       ": more than ", kMaxTableRows, " rows; split the file"));
    }
  }
  return table;
}

// ---- XLSX ----

enum class NumberFormat { kNumber, kDate, kTime, kDateTime };

NumberFormat BuiltInFormat(int id) {
  if ((id >= 14 && id <= 17) || (id >= 27 && id <= 36) ||
      (id >= 50 && id <= 58)) {
    return NumberFormat::kDate;
  }
  if ((id >= 18 && id <= 21) || (id >= 45 && id <= 47)) {
    return NumberFormat::kTime;
  }
  if (id == 22) return NumberFormat::kDateTime;
  return NumberFormat::kNumber;
}

// What a custom format code shows: the letters outside quotes, brackets and
// escapes decide ("dd/mm/yyyy" a date, "hh:mm" a time).
NumberFormat CustomFormat(absl::string_view code) {
  bool date = false;
  bool time = false;
  for (size_t i = 0; i < code.size(); ++i) {
    const char c = absl::ascii_tolower(static_cast<unsigned char>(code[i]));
    if (code[i] == '"') {
      const size_t end = code.find('"', i + 1);
      if (end == absl::string_view::npos) break;
      i = end;
    } else if (code[i] == '[') {
      const size_t end = code.find(']', i + 1);
      if (end == absl::string_view::npos) break;
      i = end;
    } else if (code[i] == '\\' || code[i] == '_' || code[i] == '*') {
      ++i;
    } else if (c == 'd' || c == 'y') {
      date = true;
    } else if (c == 'h' || c == 's') {
      time = true;
    } else if (code[i] == ';') {
      break;  // the format of positive numbers decides
    }
  }
  if (date && time) return NumberFormat::kDateTime;
  if (date) return NumberFormat::kDate;
  if (time) return NumberFormat::kTime;
  return NumberFormat::kNumber;
}

struct Workbook {
  bool date1904 = false;
  std::string first_sheet;  // the part's path, "xl/worksheets/sheet1.xml"
  std::vector<std::string> strings;
  std::vector<NumberFormat> cell_formats;  // by the cell's s attribute
};

[[nodiscard]] absl::Status ReadWorkbook(const ZipArchive& zip, Workbook* out) {
  if (!zip.Has("xl/workbook.xml")) {
    return absl::InvalidArgumentError(
        "not an XLSX workbook (it holds no xl/workbook.xml); save it as "
        "\"Excel Workbook (.xlsx)\"");
  }
  ASSIGN_OR_RETURN(std::string workbook, zip.Read("xl/workbook.xml"));
  std::string sheet_id;
  {
    XmlStream xml(workbook, "the workbook of an XLSX file");
    while (xml.Next()) {
      if (!xml.IsStart()) continue;
      if (xml.Name() == "workbookPr") {
        const std::string value = xml.Attribute("date1904");
        out->date1904 = value == "1" || value == "true";
      } else if (xml.Name() == "sheet" && sheet_id.empty()) {
        sheet_id = xml.Attribute("r:id");
      }
    }
    RETURN_IF_ERROR(xml.status());
  }
  if (sheet_id.empty()) {
    return absl::InvalidArgumentError("the XLSX file has no worksheet");
  }
  ASSIGN_OR_RETURN(std::string rels, zip.Read("xl/_rels/workbook.xml.rels"));
  XmlStream xml(rels, "the workbook relations of an XLSX file");
  while (xml.Next()) {
    if (xml.IsStart() && xml.Name() == "Relationship" &&
        xml.Attribute("Id") == sheet_id) {
      const std::string target = xml.Attribute("Target");
      out->first_sheet = absl::StartsWith(target, "/")
                             ? target.substr(1)
                             : absl::StrCat("xl/", target);
      break;
    }
  }
  RETURN_IF_ERROR(xml.status());
  if (out->first_sheet.empty()) {
    return absl::InvalidArgumentError(
        "the XLSX file names a worksheet it does not hold");
  }
  if (zip.Has("xl/sharedStrings.xml")) {
    ASSIGN_OR_RETURN(std::string shared, zip.Read("xl/sharedStrings.xml"));
    XmlStream strings(shared, "the shared strings of an XLSX file");
    bool in_text = false;
    int phonetic = 0;  // inside <rPh>, a reading aid, not the text
    while (strings.Next()) {
      if (strings.IsStart()) {
        if (strings.Name() == "si") out->strings.emplace_back();
        if (strings.Name() == "rPh" && !strings.IsEmptyElement()) ++phonetic;
        if (strings.Name() == "t" && !strings.IsEmptyElement()) in_text = true;
      } else if (strings.IsEnd()) {
        if (strings.Name() == "rPh") --phonetic;
        if (strings.Name() == "t") in_text = false;
      } else if (strings.IsText() && in_text && phonetic == 0 &&
                 !out->strings.empty()) {
        absl::StrAppend(&out->strings.back(), strings.Text());
      }
    }
    RETURN_IF_ERROR(strings.status());
  }
  if (zip.Has("xl/styles.xml")) {
    ASSIGN_OR_RETURN(std::string styles, zip.Read("xl/styles.xml"));
    XmlStream xml(styles, "the styles of an XLSX file");
    std::vector<std::pair<int, NumberFormat>> custom;
    bool in_cell_xfs = false;
    std::vector<int> xf_formats;
    while (xml.Next()) {
      if (xml.IsStart()) {
        if (xml.Name() == "numFmt") {
          int id = 0;
          if (absl::SimpleAtoi(xml.Attribute("numFmtId"), &id)) {
            custom.emplace_back(id, CustomFormat(xml.Attribute("formatCode")));
          }
        } else if (xml.Name() == "cellXfs" && !xml.IsEmptyElement()) {
          in_cell_xfs = true;
        } else if (xml.Name() == "xf" && in_cell_xfs) {
          int id = 0;
          if (!absl::SimpleAtoi(xml.Attribute("numFmtId"), &id)) id = 0;
          xf_formats.push_back(id);
        }
      } else if (xml.IsEnd() && xml.Name() == "cellXfs") {
        in_cell_xfs = false;
      }
    }
    RETURN_IF_ERROR(xml.status());
    for (int id : xf_formats) {
      NumberFormat format = BuiltInFormat(id);
      for (const auto& [custom_id, custom_format] : custom) {
        if (custom_id == id) format = custom_format;
      }
      out->cell_formats.push_back(format);
    }
  }
  return absl::OkStatus();
}

// "B12" -> 1 (the column, from 0); -1 if the reference has no letters.
int ColumnOf(absl::string_view reference) {
  int column = 0;
  size_t i = 0;
  for (; i < reference.size() && absl::ascii_isalpha(reference[i]); ++i) {
    column = column * 26 + (absl::ascii_toupper(reference[i]) - 'A' + 1);
    if (column > 16384) return -1;  // past Excel's last column, XFD
  }
  return i == 0 ? -1 : column - 1;
}

std::string SerialAsText(absl::string_view text, NumberFormat format,
                         bool date1904) {
  double serial = 0;
  if (format == NumberFormat::kNumber || !absl::SimpleAtod(text, &serial) ||
      serial < 0 || serial > 2958465) {  // past 9999-12-31
    return std::string(text);
  }
  double day = std::floor(serial);
  int minutes = static_cast<int>(std::lround((serial - day) * 24 * 60));
  if (minutes == 24 * 60) {
    minutes = 0;
    day += 1;
  }
  // Day 0 of the 1900 system is 1899-12-31 and it counts a 29 February 1900
  // that never was: from day 61 on, day N is 1899-12-30 plus N.
  const absl::CivilDay base =
      date1904 ? absl::CivilDay(1904, 1, 1) : absl::CivilDay(1899, 12, 30);
  const absl::CivilDay date = base + static_cast<int64_t>(day);
  const std::string day_text =
      absl::StrFormat("%04d-%02d-%02d", date.year(), date.month(), date.day());
  const std::string time_text =
      absl::StrFormat("%02d:%02d", minutes / 60, minutes % 60);
  switch (format) {
    case NumberFormat::kDate:
      return day_text;
    case NumberFormat::kTime:
      return time_text;
    case NumberFormat::kDateTime:
      return minutes == 0 ? day_text : absl::StrCat(day_text, " ", time_text);
    case NumberFormat::kNumber:
      break;
  }
  return std::string(text);
}

}  // namespace

absl::StatusOr<Table> ReadXlsxTable(absl::string_view bytes,
                                    const ArchiveLimits& limits) {
  ASSIGN_OR_RETURN(std::unique_ptr<ZipArchive> zip,
                   ZipArchive::Open(bytes, kXlsx, limits));
  Workbook book;
  RETURN_IF_ERROR(ReadWorkbook(*zip, &book));
  ASSIGN_OR_RETURN(std::string sheet, zip->Read(book.first_sheet));
  XmlStream xml(sheet, "the worksheet of an XLSX file");
  std::vector<TableRow> rows;
  uint32_t next_row = 1;
  int column = 0;
  std::string type;
  NumberFormat format = NumberFormat::kNumber;
  std::string value;
  bool in_value = false;  // inside <v> or an inline string's <t>
  bool in_cell = false;
  bool too_wide = false;  // a cell past kMaxTableColumns holds something
  auto end_cell = [&] {
    std::string text;
    if (type == "s") {
      size_t index = 0;
      if (absl::SimpleAtoi(value, &index) && index < book.strings.size()) {
        text = book.strings[index];
      }
    } else if (type == "b") {
      text = value == "1" ? "TRUE" : "FALSE";
    } else if (type.empty() || type == "n") {
      text = SerialAsText(value, format, book.date1904);
    } else {
      text = value;  // str, inlineStr, e
    }
    TableRow& row = rows.back();
    if (static_cast<size_t>(column) >= kMaxTableColumns) {
      if (!text.empty()) too_wide = true;
      ++column;
      in_cell = false;
      return;
    }
    if (column >= static_cast<int>(row.cells.size())) {
      row.cells.resize(static_cast<size_t>(column) + 1);
    }
    row.cells[static_cast<size_t>(column)] = std::move(text);
    ++column;
    in_cell = false;
  };
  while (xml.Next()) {
    const absl::string_view name = xml.Name();
    if (xml.IsStart()) {
      if (name == "row") {
        uint32_t number = 0;
        if (!absl::SimpleAtoi(xml.Attribute("r"), &number)) number = next_row;
        next_row = number + 1;
        rows.push_back(TableRow{number, {}});
        column = 0;
        if (rows.size() > kMaxTableRows + 1) {
          return absl::InvalidArgumentError(
              absl::StrCat("row ", number, ": more than ", kMaxTableRows,
                           " rows; split the file"));
        }
      } else if (name == "c" && !rows.empty()) {
        const std::string reference = xml.Attribute("r");
        if (!reference.empty()) {
          const int at = ColumnOf(reference);
          if (at < 0) {
            return absl::InvalidArgumentError(
                absl::StrCat("row ", rows.back().number, ": a cell at '",
                             reference, "', which is no cell of a sheet"));
          }
          column = at;
        }
        type = xml.Attribute("t");
        size_t style = 0;
        format = absl::SimpleAtoi(xml.Attribute("s"), &style) &&
                         style < book.cell_formats.size()
                     ? book.cell_formats[style]
                     : NumberFormat::kNumber;
        value.clear();
        in_cell = true;
        if (xml.IsEmptyElement()) end_cell();
      } else if ((name == "v" || name == "t") && in_cell &&
                 !xml.IsEmptyElement()) {
        in_value = true;
      }
    } else if (xml.IsEnd()) {
      if (name == "v" || name == "t") {
        in_value = false;
      } else if (name == "c" && in_cell) {
        end_cell();
      }
    } else if (xml.IsText() && in_value) {
      absl::StrAppend(&value, xml.Text());
    }
    if (too_wide) {
      return absl::InvalidArgumentError(absl::StrCat(
          "row ", rows.back().number, ": a cell past column ", kMaxTableColumns,
          " holds something; a chronology has a few columns"));
    }
  }
  RETURN_IF_ERROR(xml.status());
  return Tabulate(std::move(rows), "the XLSX file's first sheet", "row");
}

absl::StatusOr<Table> ReadDocxTable(absl::string_view bytes,
                                    const ArchiveLimits& limits) {
  ASSIGN_OR_RETURN(std::unique_ptr<ZipArchive> zip,
                   ZipArchive::Open(bytes, kDocx, limits));
  if (!zip->Has("word/document.xml")) {
    return absl::InvalidArgumentError(
        "not a DOCX document (it holds no word/document.xml); save it as "
        "\"Word Document (.docx)\"");
  }
  ASSIGN_OR_RETURN(std::string document, zip->Read("word/document.xml"));
  XmlStream xml(document, "the text of a DOCX file");
  std::vector<TableRow> rows;
  int tables = 0;  // how deep in tables: text of a nested one joins its cell
  bool seen = false;
  bool in_text = false;
  bool cell_has_paragraph = false;
  size_t covered = 0;  // columns the open cell spans beyond its own
  uint32_t row_number = 0;
  while (xml.Next()) {
    const absl::string_view name = xml.Name();
    if (xml.IsStart()) {
      if (name == "tbl") {
        if (tables == 0 && seen) break;  // only the first table
        ++tables;
        seen = true;
      } else if (tables == 1 && name == "tr") {
        rows.push_back(TableRow{++row_number, {}});
      } else if (tables == 1 && name == "tc" && !rows.empty()) {
        rows.back().cells.emplace_back();
        cell_has_paragraph = false;
      } else if (tables == 1 && name == "gridSpan" && !rows.empty()) {
        // A cell spanning n columns: the n-1 it covers are empty.
        int span = 1;
        if (absl::SimpleAtoi(xml.Attribute("w:val"), &span) && span > 1 &&
            span < 64) {
          covered = static_cast<size_t>(span - 1);
        }
      } else if (tables > 0 && name == "p" && !rows.empty() &&
                 !rows.back().cells.empty()) {
        if (cell_has_paragraph) rows.back().cells.back().push_back('\n');
        cell_has_paragraph = true;
      } else if (tables > 0 && name == "t" && !xml.IsEmptyElement()) {
        in_text = true;
      } else if (tables > 0 && (name == "br" || name == "cr") &&
                 !rows.empty() && !rows.back().cells.empty()) {
        rows.back().cells.back().push_back('\n');
      } else if (tables > 0 && name == "tab" && !rows.empty() &&
                 !rows.back().cells.empty()) {
        rows.back().cells.back().push_back(' ');
      }
    } else if (xml.IsEnd()) {
      if (name == "tbl" && --tables == 0) break;
      if (name == "t") in_text = false;
      if (tables == 1 && name == "tc" && !rows.empty()) {
        rows.back().cells.resize(rows.back().cells.size() + covered);
        covered = 0;
      }
    } else if (xml.IsText() && in_text && !rows.empty() &&
               !rows.back().cells.empty()) {
      absl::StrAppend(&rows.back().cells.back(), xml.Text());
    }
    if (!rows.empty() && rows.back().cells.size() > kMaxTableColumns) {
      return absl::InvalidArgumentError(
          absl::StrCat("table row ", row_number, ": more than ",
                       kMaxTableColumns, " columns"));
    }
    if (rows.size() > kMaxTableRows + 1) {
      return absl::InvalidArgumentError(
          absl::StrCat("table row ", row_number, ": more than ", kMaxTableRows,
                       " rows; split the file"));
    }
  }
  RETURN_IF_ERROR(xml.status());
  if (!seen) {
    return absl::InvalidArgumentError(
        "the DOCX file has no table: casesync reads the chronology from the "
        "document's first table, its first row naming the columns");
  }
  return Tabulate(std::move(rows), "the DOCX file's first table", "table row");
}

}  // namespace casesync
