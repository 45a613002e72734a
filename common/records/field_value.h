// Field values of records: checking a FieldValue against the field it is
// written to, setting it into a record message, and converting to and from
// the text a person types (`--set date=2024-03-04`, a CSV cell).
//
// Everything works through protobuf reflection, so it serves every record
// type. Thread-safety: pure functions.
#ifndef CASESYNC_COMMON_RECORDS_FIELD_VALUE_H_
#define CASESYNC_COMMON_RECORDS_FIELD_VALUE_H_

#include <cstddef>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "casesync/v1/replication.pb.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"

namespace casesync {

// True if `value` is a tombstone (a deleted field).
inline bool IsTombstone(const v1::FieldValue& value) {
  return value.kind_case() == v1::FieldValue::kDeleted;
}

// The tombstone value.
v1::FieldValue Tombstone();

// OK if `value` may be written to `field`: its kind matches the field's type
// (string, bool, integer, enum, repeated string, or a tombstone for any),
// an enum number is one the enum declares, text obeys the field's format
// option (date, time, id), no string is longer than `max_string_bytes` and a
// list has at most `max_list_entries` entries. OUT_OF_RANGE for a size limit,
// INVALID_ARGUMENT for any other broken rule, with a message saying which.
[[nodiscard]] absl::Status CheckFieldValue(
    const google::protobuf::FieldDescriptor& field, const v1::FieldValue& value,
    size_t max_string_bytes, size_t max_list_entries);

// Sets `field` of `message` to `value`, or clears it for a tombstone.
// Requires CheckFieldValue(field, value) to have passed and `field` to belong
// to `message`'s type.
void SetFieldValue(const google::protobuf::FieldDescriptor& field,
                   const v1::FieldValue& value,
                   google::protobuf::Message* message);

// The value `field` holds in `message`, in FieldValue form.
v1::FieldValue GetFieldValue(const google::protobuf::Message& message,
                             const google::protobuf::FieldDescriptor& field);

// Parses what a person typed for `field`: text as is; bools as
// true/false/yes/no/1/0; integers in decimal; enum values by their short name
// in any case ("problematic" for APPRAISAL_PROBLEMATIC) or full name; lists as
// comma-separated entries (blanks around entries trimmed, empty text is an
// empty list). The result still needs CheckFieldValue. INVALID_ARGUMENT with
// the accepted forms on a parse failure.
[[nodiscard]] absl::StatusOr<v1::FieldValue> ParseFieldValue(
    const google::protobuf::FieldDescriptor& field, absl::string_view text);

// The inverse of ParseFieldValue, for display: enum short names in lower case,
// lists joined with ", ", "(deleted)" for a tombstone.
std::string FormatFieldValue(const google::protobuf::FieldDescriptor& field,
                             const v1::FieldValue& value);

// The short, lower-case name of an enum value: "problematic" for
// APPRAISAL_PROBLEMATIC in enum Appraisal.
std::string EnumShortName(const google::protobuf::EnumValueDescriptor& value);

}  // namespace casesync

#endif  // CASESYNC_COMMON_RECORDS_FIELD_VALUE_H_
