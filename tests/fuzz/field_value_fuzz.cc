// Fuzz target: what a person types after `--set field=` (and what a CSV cell
// holds), parsed for any field of any record type, checked, and formatted
// back. Input: one byte choosing the record type, one choosing the field,
// then the text.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "common/records/change_check.h"
#include "common/records/field_value.h"
#include "common/records/record_types.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const auto& types = casesync::AllRecordTypes();
  const casesync::RecordTypeInfo& type = types[data[0] % types.size()];
  const google::protobuf::Descriptor& descriptor = *type.descriptor;
  const google::protobuf::FieldDescriptor& field =
      *descriptor.field(data[1] % descriptor.field_count());
  const std::string text(reinterpret_cast<const char*>(data + 2), size - 2);
  auto value = casesync::ParseFieldValue(field, text);
  if (!value.ok()) return 0;
  const casesync::ChangeLimits limits;
  if (!casesync::CheckFieldValue(field, *value, limits.max_field_bytes,
                                 limits.max_list_entries)
           .ok()) {
    return 0;
  }
  // A single value shown to a person reads back as the same value (lists
  // do not: an entry may itself contain the comma that separates them).
  const std::string shown = casesync::FormatFieldValue(field, *value);
  if (!field.is_repeated()) {
    auto reparsed = casesync::ParseFieldValue(field, shown);
    if (!reparsed.ok() ||
        reparsed->SerializeAsString() != value->SerializeAsString()) {
      std::abort();
    }
  }
  return 0;
}
