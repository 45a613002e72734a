#include "common/chronology_csv.h"

#include <csv.h>

#include <memory>
#include <set>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "casesync/v1/options.pb.h"
#include "casesync/v1/records.pb.h"
#include "common/field_value.h"
#include "common/record_types.h"

namespace casesync {
namespace {

namespace pb = ::google::protobuf;

// libcsv's parser state before any byte of a row was read.
constexpr int kRowNotBegun = 0;

struct CsvRow {
  uint32_t line = 0;
  std::vector<std::string> cells;
};

// Collects rows from libcsv's callbacks.
struct Collector {
  std::vector<CsvRow> rows;
  CsvRow current;
  uint32_t row_start_line = 1;
  bool too_many = false;

  static void OnField(void* data, size_t size, void* self) {
    auto* collector = static_cast<Collector*>(self);
    collector->current.cells.emplace_back(static_cast<const char*>(data), size);
  }
  static void OnRowEnd(int, void* self) {
    auto* collector = static_cast<Collector*>(self);
    collector->current.line = collector->row_start_line;
    if (collector->rows.size() > kMaxCsvRows) {
      collector->too_many = true;
    } else {
      collector->rows.push_back(std::move(collector->current));
    }
    collector->current = CsvRow();
  }
};

absl::Status LineError(uint32_t line, absl::string_view message) {
  return absl::InvalidArgumentError(absl::StrCat("line ", line, ": ", message));
}

std::string WritableFieldNames() {
  std::vector<std::string> names;
  const pb::Descriptor* d = v1::ChronologyEntry::descriptor();
  for (int i = 0; i < d->field_count(); ++i) {
    if (static_cast<uint32_t>(d->field(i)->number()) >= kFirstWritableField) {
      names.push_back(d->field(i)->name());
    }
  }
  return absl::StrJoin(names, ", ");
}

}  // namespace

absl::StatusOr<ChronologyCsv> ParseChronologyCsv(absl::string_view csv,
                                                 absl::string_view review_id,
                                                 const ChangeLimits& limits) {
  absl::ConsumePrefix(&csv, "\xEF\xBB\xBF");  // a UTF-8 byte order mark
  csv_parser parser;
  if (csv_init(&parser, CSV_STRICT | CSV_STRICT_FINI) != 0) {
    return absl::ResourceExhaustedError("cannot start the CSV parser");
  }
  std::unique_ptr<csv_parser, void (*)(csv_parser*)> cleanup(&parser, csv_free);
  Collector collector;
  // Feed one line at a time, to know the line each row starts on.
  uint32_t line = 0;
  size_t pos = 0;
  while (pos < csv.size()) {
    ++line;
    size_t end = csv.find('\n', pos);
    end = end == absl::string_view::npos ? csv.size() : end + 1;
    if (parser.pstate == kRowNotBegun) collector.row_start_line = line;
    const size_t length = end - pos;
    if (csv_parse(&parser, csv.data() + pos, length, Collector::OnField,
                  Collector::OnRowEnd, &collector) != length) {
      return LineError(line, absl::StrCat("malformed CSV (",
                                          csv_strerror(csv_error(&parser)),
                                          "); check the quotes on this line"));
    }
    if (collector.too_many) {
      return LineError(line, absl::StrCat("more than ", kMaxCsvRows,
                                          " rows; split the file"));
    }
    pos = end;
  }
  if (csv_fini(&parser, Collector::OnField, Collector::OnRowEnd, &collector) !=
      0) {
    return LineError(collector.row_start_line,
                     "malformed CSV: a quoted cell is never closed");
  }
  if (collector.rows.empty()) {
    return LineError(1,
                     absl::StrCat("the file is empty; the first row must name "
                                  "chronology fields: ",
                                  WritableFieldNames()));
  }

  // The header: one writable ChronologyEntry field per column.
  const pb::Descriptor* descriptor = v1::ChronologyEntry::descriptor();
  const CsvRow& header = collector.rows.front();
  std::vector<const pb::FieldDescriptor*> columns;
  std::set<std::string> seen;
  for (const std::string& raw : header.cells) {
    const std::string name =
        absl::AsciiStrToLower(absl::StripAsciiWhitespace(raw));
    const pb::FieldDescriptor* field = descriptor->FindFieldByName(name);
    if (field == nullptr) {
      return LineError(
          header.line,
          absl::StrCat("unknown column '", absl::CHexEscape(raw),
                       "'; chronology columns are: ", WritableFieldNames()));
    }
    if (static_cast<uint32_t>(field->number()) < kFirstWritableField) {
      return LineError(header.line,
                       absl::StrCat("column '", name,
                                    "' is set by casesync, not by the file"));
    }
    if (!seen.insert(name).second) {
      return LineError(header.line,
                       absl::StrCat("column '", name, "' appears twice"));
    }
    columns.push_back(field);
  }

  ChronologyCsv result;
  for (size_t r = 1; r < collector.rows.size(); ++r) {
    const CsvRow& row = collector.rows[r];
    // A line with nothing on it is not a row.
    if (row.cells.size() == 1 &&
        absl::StripAsciiWhitespace(row.cells[0]).empty()) {
      continue;
    }
    if (row.cells.size() != columns.size()) {
      result.errors.push_back(
          {row.line, absl::StrCat("has ", row.cells.size(),
                                  " cells; the header has ", columns.size())});
      continue;
    }
    RecordEdit edit;
    edit.record.set_review_id(std::string(review_id));
    edit.record.set_type(v1::RECORD_TYPE_CHRONOLOGY);
    absl::Status row_status;
    for (size_t c = 0; c < columns.size() && row_status.ok(); ++c) {
      const std::string& cell = row.cells[c];
      if (absl::StripAsciiWhitespace(cell).empty()) continue;
      absl::StatusOr<v1::FieldValue> value = ParseFieldValue(*columns[c], cell);
      if (!value.ok()) {
        row_status = value.status();
        break;
      }
      row_status = CheckFieldValue(*columns[c], *value, limits.max_field_bytes,
                                   limits.max_list_entries);
      edit.fields.push_back(FieldEdit{
          static_cast<uint32_t>(columns[c]->number()), *std::move(value)});
    }
    if (row_status.ok()) {
      for (int i = 0; i < descriptor->field_count(); ++i) {
        const pb::FieldDescriptor* field = descriptor->field(i);
        if (!field->options().GetExtension(v1::required)) continue;
        const bool present = std::any_of(
            edit.fields.begin(), edit.fields.end(), [&](const FieldEdit& f) {
              return f.field == static_cast<uint32_t>(field->number());
            });
        if (!present) {
          row_status = absl::InvalidArgumentError(
              absl::StrCat("field '", field->name(), "' is required"));
          break;
        }
      }
    }
    if (!row_status.ok()) {
      result.errors.push_back({row.line, std::string(row_status.message())});
      continue;
    }
    result.entries.push_back(std::move(edit));
    result.lines.push_back(row.line);
  }
  return result;
}

}  // namespace casesync
