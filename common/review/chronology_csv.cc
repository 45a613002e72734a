#include "common/review/chronology_csv.h"

#include <csv.h>

#include <algorithm>
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
#include "common/records/field_value.h"
#include "common/records/record_types.h"

namespace casesync {
namespace {

namespace pb = ::google::protobuf;

// libcsv's parser state before any byte of a row was read.
constexpr int kRowNotBegun = 0;

[[nodiscard]] absl::Status LineError(uint32_t line, absl::string_view message) {
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

// Turns rows into entries as libcsv completes them.
class RowReader {
 public:
  RowReader(absl::string_view review_id, const ChangeLimits& limits,
            const ChronologyRowSink& sink)
      : review_id_(review_id), limits_(limits), sink_(sink) {}

  static void OnField(void* data, size_t size, void* self) {
    static_cast<RowReader*>(self)->cells_.emplace_back(
        static_cast<const char*>(data), size);
  }
  static void OnRowEnd(int, void* self) {
    static_cast<RowReader*>(self)->EndRow();
  }

  void set_row_start(uint32_t line) { row_start_ = line; }
  uint32_t row_start() const { return row_start_; }
  // The first fatal problem, if any: parsing stops.
  const absl::Status& fatal() const { return fatal_; }
  bool saw_header() const { return !columns_.empty(); }
  std::vector<CsvRowError> TakeErrors() { return std::move(errors_); }

 private:
  void EndRow() {
    std::vector<std::string> cells = std::move(cells_);
    cells_.clear();
    if (!fatal_.ok()) return;
    if (columns_.empty()) {
      fatal_ = Header(cells);
      return;
    }
    // A line with nothing on it is not a row.
    if (cells.size() == 1 && absl::StripAsciiWhitespace(cells[0]).empty())
      return;
    if (++rows_ > kMaxCsvRows) {
      fatal_ = LineError(row_start_, absl::StrCat("more than ", kMaxCsvRows,
                                                  " rows; split the file"));
      return;
    }
    absl::StatusOr<RecordEdit> entry = Entry(cells);
    if (!entry.ok()) {
      errors_.push_back({row_start_, std::string(entry.status().message())});
      return;
    }
    if (absl::Status status = sink_(row_start_, *std::move(entry));
        !status.ok()) {
      fatal_ = absl::Status(
          status.code(),
          absl::StrCat("line ", row_start_, ": ", status.message()));
    }
  }

  [[nodiscard]] absl::Status Header(const std::vector<std::string>& cells) {
    const pb::Descriptor* descriptor = v1::ChronologyEntry::descriptor();
    std::set<std::string> seen;
    for (const std::string& raw : cells) {
      const std::string name =
          absl::AsciiStrToLower(absl::StripAsciiWhitespace(raw));
      const pb::FieldDescriptor* field = descriptor->FindFieldByName(name);
      if (field == nullptr) {
        return LineError(
            row_start_,
            absl::StrCat("unknown column '", absl::CHexEscape(raw),
                         "'; chronology columns are: ", WritableFieldNames()));
      }
      if (static_cast<uint32_t>(field->number()) < kFirstWritableField) {
        return LineError(row_start_,
                         absl::StrCat("column '", name,
                                      "' is set by casesync, not by the file"));
      }
      if (!seen.insert(name).second) {
        return LineError(row_start_,
                         absl::StrCat("column '", name, "' appears twice"));
      }
      columns_.push_back(field);
    }
    return absl::OkStatus();
  }

  [[nodiscard]] absl::StatusOr<RecordEdit> Entry(
      const std::vector<std::string>& cells) const {
    if (cells.size() != columns_.size()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "has ", cells.size(), " cells; the header has ", columns_.size()));
    }
    RecordEdit edit;
    edit.record.set_review_id(std::string(review_id_));
    edit.record.set_type(v1::RECORD_TYPE_CHRONOLOGY);
    for (size_t c = 0; c < columns_.size(); ++c) {
      if (absl::StripAsciiWhitespace(cells[c]).empty()) continue;
      absl::StatusOr<v1::FieldValue> value =
          ParseFieldValue(*columns_[c], cells[c]);
      if (!value.ok()) return value.status();
      absl::Status check =
          CheckFieldValue(*columns_[c], *value, limits_.max_field_bytes,
                          limits_.max_list_entries);
      if (!check.ok()) return check;
      edit.fields.push_back(FieldEdit{
          static_cast<uint32_t>(columns_[c]->number()), *std::move(value)});
    }
    const pb::Descriptor* descriptor = v1::ChronologyEntry::descriptor();
    for (int i = 0; i < descriptor->field_count(); ++i) {
      const pb::FieldDescriptor* field = descriptor->field(i);
      if (!field->options().GetExtension(v1::required)) continue;
      const bool present = std::any_of(
          edit.fields.begin(), edit.fields.end(), [&](const FieldEdit& f) {
            return f.field == static_cast<uint32_t>(field->number());
          });
      if (!present) {
        return absl::InvalidArgumentError(
            absl::StrCat("field '", field->name(), "' is required"));
      }
    }
    return edit;
  }

  const absl::string_view review_id_;
  const ChangeLimits& limits_;
  const ChronologyRowSink& sink_;
  std::vector<const pb::FieldDescriptor*> columns_;
  std::vector<std::string> cells_;
  std::vector<CsvRowError> errors_;
  absl::Status fatal_;
  uint32_t row_start_ = 1;
  size_t rows_ = 0;
};

}  // namespace

absl::StatusOr<std::vector<CsvRowError>> ParseChronologyCsv(
    absl::string_view csv, absl::string_view review_id,
    const ChangeLimits& limits, const ChronologyRowSink& sink) {
  absl::ConsumePrefix(&csv, "\xEF\xBB\xBF");  // a UTF-8 byte order mark
  csv_parser parser;
  if (csv_init(&parser, CSV_STRICT | CSV_STRICT_FINI) != 0) {
    return absl::ResourceExhaustedError("cannot start the CSV parser");
  }
  std::unique_ptr<csv_parser, void (*)(csv_parser*)> cleanup(&parser, csv_free);
  RowReader reader(review_id, limits, sink);
  // Feed one line at a time, to know the line each row starts on. A line
  // ends as libcsv ends a row: at CR LF, LF, or a CR on its own (old Mac
  // files), so that each row gets a line number of its own.
  uint32_t line = 0;
  size_t pos = 0;
  while (pos < csv.size() && reader.fatal().ok()) {
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
    if (parser.pstate == kRowNotBegun) reader.set_row_start(line);
    const size_t length = end - pos;
    if (csv_parse(&parser, csv.data() + pos, length, RowReader::OnField,
                  RowReader::OnRowEnd, &reader) != length) {
      return LineError(line, absl::StrCat("malformed CSV (",
                                          csv_strerror(csv_error(&parser)),
                                          "); check the quotes on this line"));
    }
    pos = end;
  }
  if (!reader.fatal().ok()) return reader.fatal();
  if (csv_fini(&parser, RowReader::OnField, RowReader::OnRowEnd, &reader) !=
      0) {
    return LineError(reader.row_start(),
                     "malformed CSV: a quoted cell is never closed");
  }
  if (!reader.fatal().ok()) return reader.fatal();
  if (!reader.saw_header()) {
    return LineError(1,
                     absl::StrCat("the file is empty; the first row must name "
                                  "chronology fields: ",
                                  WritableFieldNames()));
  }
  return reader.TakeErrors();
}

}  // namespace casesync
