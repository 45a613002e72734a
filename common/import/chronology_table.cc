#include "common/import/chronology_table.h"

#include <algorithm>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "casesync/v1/options.pb.h"
#include "casesync/v1/records.pb.h"
#include "common/base/status_macros.h"
#include "common/import/uk_values.h"
#include "common/records/field_value.h"

namespace casesync {
namespace {

namespace pb = ::google::protobuf;

const pb::FieldDescriptor* Field(absl::string_view name) {
  return v1::ChronologyEntry::descriptor()->FindFieldByName(std::string(name));
}

enum class Answer { kYes, kNo, kNotApplicable, kNotRecorded, kOther };

// An answer in its common spellings: Y/Yes/True, N/No/False, N/A, "not
// recorded", "not known".
Answer ReadAnswer(absl::string_view cell) {
  std::string word;
  for (char c : cell) {
    if (absl::ascii_isalnum(static_cast<unsigned char>(c))) {
      word.push_back(absl::ascii_tolower(static_cast<unsigned char>(c)));
    } else if (!word.empty() && word.back() != ' ') {
      word.push_back(' ');
    }
  }
  absl::StripTrailingAsciiWhitespace(&word);
  if (word == "y" || word == "yes" || word == "true" || word == "1") {
    return Answer::kYes;
  }
  if (word == "n" || word == "no" || word == "false" || word == "0") {
    return Answer::kNo;
  }
  if (word == "n a" || word == "na" || word == "not applicable") {
    return Answer::kNotApplicable;
  }
  if (word == "not recorded" || word == "not known" || word == "unknown" ||
      word == "nk" || word == "not stated") {
    return Answer::kNotRecorded;
  }
  return Answer::kOther;
}

FieldEdit Text(const pb::FieldDescriptor* field, std::string text) {
  FieldEdit edit{static_cast<uint32_t>(field->number()), {}};
  edit.value.set_string_value(std::move(text));
  return edit;
}

// The edits one cell makes of `field` go to `out` (or why it cannot); the time
// a date cell also gives goes to `implied`.
[[nodiscard]] absl::Status CellEdits(const pb::FieldDescriptor* field,
                                     absl::string_view cell,
                                     const ChangeLimits& limits,
                                     std::vector<FieldEdit>* out,
                                     std::vector<FieldEdit>* implied) {
  const std::string& name = field->name();
  if (name == "date" || name == "end_date") {
    ASSIGN_OR_RETURN(ImportedDate date, ParseUkDate(cell));
    out->push_back(Text(field, date.date));
    if (!date.time.empty()) {
      implied->push_back(
          Text(Field(name == "date" ? "time" : "end_time"), date.time));
    }
    if (name == "date" && date.uncertain) {
      FieldEdit uncertain{
          static_cast<uint32_t>(Field("date_uncertain")->number()), {}};
      uncertain.value.set_bool_value(true);
      out->push_back(std::move(uncertain));
    }
    return absl::OkStatus();
  }
  if (name == "time" || name == "end_time") {
    ASSIGN_OR_RETURN(std::string time, ParseUkTime(cell));
    out->push_back(Text(field, std::move(time)));
    return absl::OkStatus();
  }
  std::string text(cell);
  if (field->cpp_type() == pb::FieldDescriptor::CPPTYPE_BOOL) {
    const Answer answer = ReadAnswer(cell);
    if (answer == Answer::kOther) {
      return absl::InvalidArgumentError(absl::StrCat(
          "'", cell,
          "' is not an answer: write yes (Y), no (N), not applicable (N/A) "
          "or not recorded"));
    }
    // The schema's yes/no holds no third answer: left unset.
    if (answer == Answer::kNotApplicable || answer == Answer::kNotRecorded) {
      return absl::OkStatus();
    }
    text = answer == Answer::kYes ? "yes" : "no";
  }
  ASSIGN_OR_RETURN(v1::FieldValue value, ParseFieldValue(*field, text));
  RETURN_IF_ERROR(CheckFieldValue(*field, value, limits.max_field_bytes,
                                  limits.max_list_entries));
  out->push_back(
      FieldEdit{static_cast<uint32_t>(field->number()), std::move(value)});
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::vector<TableRowError>> ImportChronologyTable(
    const Table& table, const std::vector<ColumnMapping>& columns,
    absl::string_view review_id, const ChangeLimits& limits,
    const TableEntrySink& sink) {
  std::vector<const pb::FieldDescriptor*> fields;
  for (const ColumnMapping& column : columns) {
    fields.push_back(column.field == kIgnoredColumn ? nullptr
                                                    : Field(column.field));
  }
  // Dates are read day first unless some row shows the file is month first.
  DateOrder order;
  for (const TableRow& row : table.rows) {
    for (size_t c = 0; c < fields.size() && c < row.cells.size(); ++c) {
      if (fields[c] != nullptr &&
          (fields[c]->name() == "date" || fields[c]->name() == "end_date")) {
        order.Note(row.number, row.cells[c]);
      }
    }
  }
  if (order.MonthFirst()) {
    return absl::InvalidArgumentError(order.Explain(table.row_word));
  }
  std::vector<TableRowError> errors;
  for (const TableRow& row : table.rows) {
    RecordEdit edit;
    edit.record.set_review_id(std::string(review_id));
    edit.record.set_type(v1::RECORD_TYPE_CHRONOLOGY);
    absl::Status bad;
    std::vector<FieldEdit> implied;
    if (row.cells.size() > fields.size()) {
      bad = absl::InvalidArgumentError(absl::StrCat(
          "has ", row.cells.size(), " cells; the headings ", fields.size()));
    }
    for (size_t c = 0; bad.ok() && c < fields.size(); ++c) {
      if (fields[c] == nullptr) continue;
      const absl::string_view cell = absl::StripAsciiWhitespace(row.cells[c]);
      if (cell.empty()) continue;
      absl::Status status =
          CellEdits(fields[c], cell, limits, &edit.fields, &implied);
      if (!status.ok()) {
        bad = absl::Status(status.code(),
                           absl::StrCat("column '", columns[c].heading,
                                        "': ", status.message()));
      }
    }
    // A time column's value wins over the time a date cell also gave.
    for (FieldEdit& time : implied) {
      const bool given = std::any_of(
          edit.fields.begin(), edit.fields.end(),
          [&](const FieldEdit& f) { return f.field == time.field; });
      if (!given) edit.fields.push_back(std::move(time));
    }
    const pb::Descriptor* d = v1::ChronologyEntry::descriptor();
    for (int i = 0; bad.ok() && i < d->field_count(); ++i) {
      const pb::FieldDescriptor* field = d->field(i);
      if (!field->options().GetExtension(v1::required)) continue;
      bool present = false;
      for (const FieldEdit& f : edit.fields) {
        present |= f.field == static_cast<uint32_t>(field->number());
      }
      if (!present) {
        bad = absl::InvalidArgumentError(
            absl::StrCat("field '", field->name(), "' is required"));
      }
    }
    if (!bad.ok()) {
      errors.push_back({row.number, std::string(bad.message())});
      continue;
    }
    if (absl::Status status = sink(row.number, std::move(edit)); !status.ok()) {
      return absl::Status(status.code(),
                          absl::StrCat(table.row_word, " ", row.number, ": ",
                                       status.message()));
    }
  }
  return errors;
}

}  // namespace casesync
