#include "common/records/change_check.h"

#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/base/ids.h"
#include "common/records/field_value.h"
#include "common/records/record_types.h"

namespace casesync {
namespace {

namespace pb = ::google::protobuf;

// True if the change or anything inside it carries fields unknown to this
// version of the schema. Spelled out per message type rather than walked by
// reflection: this runs for every change a replica takes in.
bool HasUnknownFields(const v1::Change& change) {
  auto unknown = [](const pb::Message& m) {
    return !m.GetReflection()->GetUnknownFields(m).empty();
  };
  if (unknown(change) || unknown(change.dot()) || unknown(change.hlc()) ||
      unknown(change.record())) {
    return true;
  }
  for (const v1::FieldWrite& write : change.writes()) {
    if (unknown(write) || unknown(write.value())) return true;
    if (write.value().has_string_list() &&
        unknown(write.value().string_list())) {
      return true;
    }
    for (const v1::Dot& parent : write.parents()) {
      if (unknown(parent)) return true;
    }
  }
  return false;
}

[[nodiscard]] absl::Status Prefixed(const v1::Change& change,
                                    const absl::Status& status) {
  return absl::Status(
      status.code(),
      absl::StrCat("change ", FormatDot(change.dot()), ": ", status.message()));
}

}  // namespace

std::string FormatDot(const v1::Dot& dot) {
  return absl::StrCat(dot.replica(), ":", dot.counter());
}

[[nodiscard]] absl::Status CheckDot(const v1::Dot& dot) {
  absl::Status status = CheckId("replica id", dot.replica());
  if (!status.ok()) return status;
  if (dot.counter() == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("dot ", FormatDot(dot), ": counters start at 1"));
  }
  return absl::OkStatus();
}

[[nodiscard]] absl::Status CheckChange(const v1::Change& change,
                                       const ChangeLimits& limits) {
  const size_t size = change.ByteSizeLong();
  if (size > limits.max_change_bytes) {
    return Prefixed(change, absl::OutOfRangeError(absl::StrCat(
                                "change is ", size, " bytes; the limit is ",
                                limits.max_change_bytes)));
  }
  if (absl::Status s = CheckDot(change.dot()); !s.ok())
    return Prefixed(change, s);
  if (change.hlc().wall_time_ms() == 0) {
    return Prefixed(change,
                    absl::InvalidArgumentError("change has no HLC time"));
  }
  if (HasUnknownFields(change)) {
    return Prefixed(change,
                    absl::InvalidArgumentError(
                        "change carries fields this version does not know"));
  }
  if (change.author().size() > limits.max_author_bytes) {
    return Prefixed(change,
                    absl::OutOfRangeError(absl::StrCat(
                        "author is ", change.author().size(),
                        " bytes; the limit is ", limits.max_author_bytes)));
  }
  const v1::RecordRef& record = change.record();
  if (absl::Status s = CheckId("review id", record.review_id()); !s.ok()) {
    return Prefixed(change, s);
  }
  if (absl::Status s = CheckId("record id", record.record_id()); !s.ok()) {
    return Prefixed(change, s);
  }
  if (absl::Status s = CheckId("owner agency", record.owner_agency());
      !s.ok()) {
    return Prefixed(change, s);
  }
  const RecordTypeInfo* type = FindRecordType(record.type());
  if (type == nullptr) {
    return Prefixed(
        change, absl::InvalidArgumentError(absl::StrCat(
                    "unknown record type ", static_cast<int>(record.type()))));
  }
  if (record.type() == v1::RECORD_TYPE_REVIEW &&
      record.record_id() != record.review_id()) {
    return Prefixed(change, absl::InvalidArgumentError(
                                "a review's record id must be its review id"));
  }
  if (change.writes().empty()) {
    return Prefixed(change,
                    absl::InvalidArgumentError("change writes no field"));
  }
  uint32_t previous_field = 0;
  for (const v1::FieldWrite& write : change.writes()) {
    if (write.field() <= previous_field) {
      return Prefixed(change,
                      absl::InvalidArgumentError(absl::StrCat(
                          "field writes must be in strictly ascending field "
                          "order; field ",
                          write.field(), " follows ", previous_field)));
    }
    previous_field = write.field();
    const pb::FieldDescriptor* field =
        type->descriptor->FindFieldByNumber(static_cast<int>(write.field()));
    if (field == nullptr) {
      return Prefixed(
          change, absl::InvalidArgumentError(absl::StrCat(
                      type->name, " has no field numbered ", write.field())));
    }
    if (write.field() < kFirstWritableField) {
      return Prefixed(
          change,
          absl::InvalidArgumentError(absl::StrCat(
              "field '", field->name(),
              "' is part of the record's identity and cannot be written")));
    }
    if (absl::Status s =
            CheckFieldValue(*field, write.value(), limits.max_field_bytes,
                            limits.max_list_entries);
        !s.ok()) {
      return Prefixed(change, s);
    }
    if (static_cast<size_t>(write.parents_size()) > limits.max_parents) {
      return Prefixed(
          change,
          absl::OutOfRangeError(absl::StrCat(
              "field '", field->name(), "' names ", write.parents_size(),
              " parents; the limit is ", limits.max_parents)));
    }
    std::set<std::pair<std::string, uint64_t>> seen;
    for (const v1::Dot& parent : write.parents()) {
      if (absl::Status s = CheckDot(parent); !s.ok())
        return Prefixed(change, s);
      if (parent.replica() == change.dot().replica() &&
          parent.counter() >= change.dot().counter()) {
        // A replica's changes are numbered in the order it makes them, so it
        // can only have seen its own earlier ones.
        return Prefixed(change, absl::InvalidArgumentError(absl::StrCat(
                                    "field '", field->name(), "' names parent ",
                                    FormatDot(parent),
                                    ", which its author had not made yet")));
      }
      if (!seen.emplace(parent.replica(), parent.counter()).second) {
        return Prefixed(change, absl::InvalidArgumentError(absl::StrCat(
                                    "field '", field->name(), "' names parent ",
                                    FormatDot(parent), " twice")));
      }
    }
  }
  return absl::OkStatus();
}

std::string CanonicalBytes(const google::protobuf::Message& message) {
  return message.SerializeAsString();
}

CheckedChange CheckAndSerialize(const v1::Change& change,
                                const ChangeLimits& limits) {
  CheckedChange checked;
  checked.check = CheckChange(change, limits);
  if (checked.check.ok()) checked.canonical = CanonicalBytes(change);
  return checked;
}

}  // namespace casesync
