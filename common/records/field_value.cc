#include "common/records/field_value.h"

#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/civil_time.h"
#include "casesync/v1/options.pb.h"
#include "common/base/ids.h"

namespace casesync {
namespace {

namespace pb = ::google::protobuf;
using FieldKind = v1::FieldValue::KindCase;

// The FieldValue kind a field of this type takes.
FieldKind KindFor(const pb::FieldDescriptor& field) {
  if (field.is_repeated()) return v1::FieldValue::kStringList;
  switch (field.cpp_type()) {
    case pb::FieldDescriptor::CPPTYPE_STRING:
      return v1::FieldValue::kStringValue;
    case pb::FieldDescriptor::CPPTYPE_BOOL:
      return v1::FieldValue::kBoolValue;
    case pb::FieldDescriptor::CPPTYPE_INT32:
    case pb::FieldDescriptor::CPPTYPE_INT64:
      return v1::FieldValue::kIntValue;
    case pb::FieldDescriptor::CPPTYPE_ENUM:
      return v1::FieldValue::kEnumValue;
    default:
      return v1::FieldValue::KIND_NOT_SET;
  }
}

const char* KindName(FieldKind kind) {
  switch (kind) {
    case v1::FieldValue::kStringValue:
      return "text";
    case v1::FieldValue::kIntValue:
      return "an integer";
    case v1::FieldValue::kBoolValue:
      return "true/false";
    case v1::FieldValue::kEnumValue:
      return "one of a fixed set of values";
    case v1::FieldValue::kStringList:
      return "a list of text";
    case v1::FieldValue::kDeleted:
      return "a deletion";
    case v1::FieldValue::KIND_NOT_SET:
      break;
  }
  return "nothing";
}

bool IsDate(absl::string_view text) {
  // Exactly YYYY-MM-DD naming a real calendar day.
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return false;
  int year, month, day;
  if (!absl::SimpleAtoi(text.substr(0, 4), &year) ||
      !absl::SimpleAtoi(text.substr(5, 2), &month) ||
      !absl::SimpleAtoi(text.substr(8, 2), &day)) {
    return false;
  }
  for (char c : text) {
    if (c != '-' && !absl::ascii_isdigit(static_cast<unsigned char>(c))) {
      return false;
    }
  }
  const absl::CivilDay civil(year, month, day);
  return civil.year() == year && civil.month() == month && civil.day() == day;
}

bool IsTime(absl::string_view text) {
  if (text.size() != 5 || text[2] != ':') return false;
  int hour, minute;
  if (!absl::ascii_isdigit(static_cast<unsigned char>(text[0])) ||
      !absl::ascii_isdigit(static_cast<unsigned char>(text[1])) ||
      !absl::ascii_isdigit(static_cast<unsigned char>(text[3])) ||
      !absl::ascii_isdigit(static_cast<unsigned char>(text[4])) ||
      !absl::SimpleAtoi(text.substr(0, 2), &hour) ||
      !absl::SimpleAtoi(text.substr(3, 2), &minute)) {
    return false;
  }
  return hour < 24 && minute < 60;
}

[[nodiscard]] absl::Status CheckText(const pb::FieldDescriptor& field,
                                     absl::string_view text,
                                     size_t max_string_bytes) {
  if (text.size() > max_string_bytes) {
    return absl::OutOfRangeError(
        absl::StrCat("field '", field.name(), "' is ", text.size(),
                     " bytes; the limit is ", max_string_bytes));
  }
  // An empty string clears a field's text; formats apply to non-empty text.
  if (text.empty()) return absl::OkStatus();
  switch (field.options().GetExtension(v1::format)) {
    case v1::FIELD_FORMAT_DATE:
      if (!IsDate(text)) {
        return absl::InvalidArgumentError(absl::StrCat(
            "field '", field.name(), "' must be a date YYYY-MM-DD, not \"",
            absl::CHexEscape(text.substr(0, 40)), "\""));
      }
      break;
    case v1::FIELD_FORMAT_TIME:
      if (!IsTime(text)) {
        return absl::InvalidArgumentError(absl::StrCat(
            "field '", field.name(), "' must be a time HH:MM, not \"",
            absl::CHexEscape(text.substr(0, 40)), "\""));
      }
      break;
    case v1::FIELD_FORMAT_ID:
    case v1::FIELD_FORMAT_RECORD_ID:
      return CheckId(absl::StrCat("field '", field.name(), "'"), text);
    case v1::FIELD_FORMAT_TEXT:
      break;
  }
  return absl::OkStatus();
}

}  // namespace

v1::FieldValue Tombstone() {
  v1::FieldValue value;
  value.set_deleted(true);
  return value;
}

[[nodiscard]] absl::Status CheckFieldValue(const pb::FieldDescriptor& field,
                                           const v1::FieldValue& value,
                                           size_t max_string_bytes,
                                           size_t max_list_entries) {
  const FieldKind kind = value.kind_case();
  if (kind == v1::FieldValue::kDeleted) {
    if (!value.deleted()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "field '", field.name(), "': a tombstone must say deleted=true"));
    }
    return absl::OkStatus();
  }
  const FieldKind expected = KindFor(field);
  if (kind != expected) {
    return absl::InvalidArgumentError(
        absl::StrCat("field '", field.name(), "' takes ", KindName(expected),
                     ", not ", KindName(kind)));
  }
  switch (kind) {
    case v1::FieldValue::kStringValue:
      return CheckText(field, value.string_value(), max_string_bytes);
    case v1::FieldValue::kIntValue:
      if (field.cpp_type() == pb::FieldDescriptor::CPPTYPE_INT32 &&
          (value.int_value() < INT32_MIN || value.int_value() > INT32_MAX)) {
        return absl::InvalidArgumentError(absl::StrCat(
            "field '", field.name(), "' is out of range: ", value.int_value()));
      }
      return absl::OkStatus();
    case v1::FieldValue::kEnumValue:
      if (field.enum_type()->FindValueByNumber(value.enum_value()) == nullptr) {
        return absl::InvalidArgumentError(
            absl::StrCat("field '", field.name(), "' has no value numbered ",
                         value.enum_value()));
      }
      return absl::OkStatus();
    case v1::FieldValue::kStringList: {
      const auto& values = value.string_list().values();
      if (static_cast<size_t>(values.size()) > max_list_entries) {
        return absl::OutOfRangeError(
            absl::StrCat("field '", field.name(), "' has ", values.size(),
                         " entries; the limit is ", max_list_entries));
      }
      for (const std::string& entry : values) {
        absl::Status status = CheckText(field, entry, max_string_bytes);
        if (!status.ok()) return status;
      }
      return absl::OkStatus();
    }
    default:
      return absl::OkStatus();
  }
}

void SetFieldValue(const pb::FieldDescriptor& field,
                   const v1::FieldValue& value, pb::Message* message) {
  const pb::Reflection* reflection = message->GetReflection();
  if (IsTombstone(value)) {
    reflection->ClearField(message, &field);
    return;
  }
  switch (value.kind_case()) {
    case v1::FieldValue::kStringValue:
      reflection->SetString(message, &field, value.string_value());
      break;
    case v1::FieldValue::kIntValue:
      if (field.cpp_type() == pb::FieldDescriptor::CPPTYPE_INT32) {
        reflection->SetInt32(message, &field,
                             static_cast<int32_t>(value.int_value()));
      } else {
        reflection->SetInt64(message, &field, value.int_value());
      }
      break;
    case v1::FieldValue::kBoolValue:
      reflection->SetBool(message, &field, value.bool_value());
      break;
    case v1::FieldValue::kEnumValue:
      reflection->SetEnumValue(message, &field, value.enum_value());
      break;
    case v1::FieldValue::kStringList:
      reflection->ClearField(message, &field);
      for (const std::string& entry : value.string_list().values()) {
        reflection->AddString(message, &field, entry);
      }
      break;
    default:
      break;
  }
}

v1::FieldValue GetFieldValue(const pb::Message& message,
                             const pb::FieldDescriptor& field) {
  const pb::Reflection* reflection = message.GetReflection();
  v1::FieldValue value;
  if (field.is_repeated()) {
    auto* list = value.mutable_string_list();
    for (int i = 0; i < reflection->FieldSize(message, &field); ++i) {
      list->add_values(reflection->GetRepeatedString(message, &field, i));
    }
    return value;
  }
  switch (field.cpp_type()) {
    case pb::FieldDescriptor::CPPTYPE_STRING:
      value.set_string_value(reflection->GetString(message, &field));
      break;
    case pb::FieldDescriptor::CPPTYPE_BOOL:
      value.set_bool_value(reflection->GetBool(message, &field));
      break;
    case pb::FieldDescriptor::CPPTYPE_INT32:
      value.set_int_value(reflection->GetInt32(message, &field));
      break;
    case pb::FieldDescriptor::CPPTYPE_INT64:
      value.set_int_value(reflection->GetInt64(message, &field));
      break;
    case pb::FieldDescriptor::CPPTYPE_ENUM:
      value.set_enum_value(reflection->GetEnumValue(message, &field));
      break;
    default:
      break;
  }
  return value;
}

std::string EnumShortName(const pb::EnumValueDescriptor& value) {
  // Strip the enum's own prefix: Appraisal -> APPRAISAL_, Level -> LEVEL_.
  std::string prefix;
  for (char c : value.type()->name()) {
    if (absl::ascii_isupper(static_cast<unsigned char>(c)) && !prefix.empty()) {
      prefix.push_back('_');
    }
    prefix.push_back(absl::ascii_toupper(static_cast<unsigned char>(c)));
  }
  prefix.push_back('_');
  absl::string_view name = value.name();
  absl::ConsumePrefix(&name, prefix);
  return absl::AsciiStrToLower(name);
}

absl::StatusOr<v1::FieldValue> ParseFieldValue(const pb::FieldDescriptor& field,
                                               absl::string_view text) {
  v1::FieldValue value;
  if (field.is_repeated()) {
    auto* list = value.mutable_string_list();
    if (absl::StripAsciiWhitespace(text).empty()) return value;
    for (absl::string_view entry : absl::StrSplit(text, ',')) {
      list->add_values(std::string(absl::StripAsciiWhitespace(entry)));
    }
    return value;
  }
  const absl::string_view trimmed = absl::StripAsciiWhitespace(text);
  switch (field.cpp_type()) {
    case pb::FieldDescriptor::CPPTYPE_STRING:
      value.set_string_value(std::string(text));
      return value;
    case pb::FieldDescriptor::CPPTYPE_BOOL: {
      const std::string lower = absl::AsciiStrToLower(trimmed);
      if (lower == "true" || lower == "yes" || lower == "y" || lower == "1") {
        value.set_bool_value(true);
      } else if (lower == "false" || lower == "no" || lower == "n" ||
                 lower == "0" || lower.empty()) {
        value.set_bool_value(false);
      } else {
        return absl::InvalidArgumentError(
            absl::StrCat("field '", field.name(),
                         "' takes yes/no (or true/false, 1/0), not \"",
                         absl::CHexEscape(trimmed.substr(0, 40)), "\""));
      }
      return value;
    }
    case pb::FieldDescriptor::CPPTYPE_INT32:
    case pb::FieldDescriptor::CPPTYPE_INT64: {
      int64_t number;
      if (!absl::SimpleAtoi(trimmed, &number)) {
        return absl::InvalidArgumentError(absl::StrCat(
            "field '", field.name(), "' takes a whole number, not \"",
            absl::CHexEscape(trimmed.substr(0, 40)), "\""));
      }
      value.set_int_value(number);
      return value;
    }
    case pb::FieldDescriptor::CPPTYPE_ENUM: {
      const pb::EnumDescriptor* type = field.enum_type();
      std::vector<std::string> choices;
      for (int i = 0; i < type->value_count(); ++i) {
        const pb::EnumValueDescriptor* candidate = type->value(i);
        const std::string short_name = EnumShortName(*candidate);
        if (absl::EqualsIgnoreCase(trimmed, short_name) ||
            absl::EqualsIgnoreCase(trimmed, candidate->name())) {
          value.set_enum_value(candidate->number());
          return value;
        }
        if (candidate->number() != 0) choices.push_back(short_name);
      }
      return absl::InvalidArgumentError(
          absl::StrCat("field '", field.name(), "' takes one of ",
                       absl::StrJoin(choices, ", "), "; not \"",
                       absl::CHexEscape(trimmed.substr(0, 40)), "\""));
    }
    default:
      return absl::InvalidArgumentError(
          absl::StrCat("field '", field.name(), "' cannot be set from text"));
  }
}

std::string FormatFieldValue(const pb::FieldDescriptor& field,
                             const v1::FieldValue& value) {
  switch (value.kind_case()) {
    case v1::FieldValue::kStringValue:
      return value.string_value();
    case v1::FieldValue::kIntValue:
      return absl::StrCat(value.int_value());
    case v1::FieldValue::kBoolValue:
      return value.bool_value() ? "yes" : "no";
    case v1::FieldValue::kEnumValue: {
      const pb::EnumDescriptor* type = field.enum_type();
      const pb::EnumValueDescriptor* enum_value =
          type == nullptr ? nullptr
                          : type->FindValueByNumber(value.enum_value());
      if (enum_value == nullptr) return absl::StrCat(value.enum_value());
      return EnumShortName(*enum_value);
    }
    case v1::FieldValue::kStringList:
      return absl::StrJoin(value.string_list().values(), ", ");
    case v1::FieldValue::kDeleted:
      return "(deleted)";
    case v1::FieldValue::KIND_NOT_SET:
      break;
  }
  return "";
}

}  // namespace casesync
