// The registry of record types: which protobuf message each RecordType is,
// its command-line name, and who may write it.
//
// The merge engine never names a record type: it reaches fields through this
// registry and protobuf reflection. Adding a record type is a message in
// records.proto plus one row in record_types.cc.
//
// Thread-safety: everything here is immutable after static initialisation.
#ifndef CASESYNC_COMMON_RECORDS_RECORD_TYPES_H_
#define CASESYNC_COMMON_RECORDS_RECORD_TYPES_H_

#include <cstdint>
#include <memory>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "casesync/v1/records.pb.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"

namespace casesync {

// The fixed layout every record message shares (records.proto).
inline constexpr uint32_t kIdField = 1;
inline constexpr uint32_t kReviewIdField = 2;
inline constexpr uint32_t kOwnerAgencyField = 3;
inline constexpr uint32_t kVisibilityField = 4;
// Fields below this number are identity and never written by field writes.
inline constexpr uint32_t kFirstWritableField = kVisibilityField;
// Fields from this number on are the record's content; deleting a record
// writes a tombstone to each of them.
inline constexpr uint32_t kFirstContentField = 5;

struct RecordTypeInfo {
  v1::RecordType type;
  // The name on the command line and in exports: "chronology".
  absl::string_view name;
  const google::protobuf::Descriptor* descriptor;
  // Agencies may create and edit records of this type (their own). The board
  // may write every type.
  bool agency_writable;
  // Records of this type may be sent to agencies at all (the pseudonym map
  // never leaves the board).
  bool disclosable;
};

// Every registered type, in RecordType number order.
const std::vector<RecordTypeInfo>& AllRecordTypes();

// The entry for `type`, or nullptr if the type is not registered.
const RecordTypeInfo* FindRecordType(v1::RecordType type);

// The entry whose name is `name` ("chronology"), or nullptr.
const RecordTypeInfo* FindRecordTypeByName(absl::string_view name);

// "chronology", or "type 42" for an unregistered type.
std::string RecordTypeName(v1::RecordType type);

// A new, empty message of the type's class; requires a registered type.
std::unique_ptr<google::protobuf::Message> NewRecordMessage(
    const RecordTypeInfo& info);

// OK if `descriptor` follows the record layout: fields 1-3 are the string
// identity fields id, review_id, owner_agency; field 4 is the Visibility enum
// `visibility`; every other field is a singular string, bool, int32, int64 or
// enum, or a repeated string. INVALID_ARGUMENT naming the first field that
// breaks the layout otherwise.
[[nodiscard]] absl::Status CheckRecordLayout(
    const google::protobuf::Descriptor& descriptor);

}  // namespace casesync

#endif  // CASESYNC_COMMON_RECORDS_RECORD_TYPES_H_
