#include "common/records/audience.h"

#include <algorithm>
#include <iterator>

#include "casesync/v1/options.pb.h"
#include "common/records/record_types.h"

namespace casesync {
namespace {

// agency < review < published: the order of restriction.
int Openness(v1::Visibility visibility) {
  switch (visibility) {
    case v1::VISIBILITY_REVIEW:
      return 1;
    case v1::VISIBILITY_PUBLISHED:
      return 2;
    default:
      return 0;
  }
}

v1::Visibility Known(const v1::FieldValue& value) {
  if (value.kind_case() != v1::FieldValue::kEnumValue) {
    return v1::VISIBILITY_AGENCY;
  }
  switch (value.enum_value()) {
    case v1::VISIBILITY_REVIEW:
    case v1::VISIBILITY_PUBLISHED:
      return static_cast<v1::Visibility>(value.enum_value());
    default:
      return v1::VISIBILITY_AGENCY;
  }
}

std::vector<std::string> Sorted(std::vector<std::string> ids) {
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  return ids;
}

}  // namespace

v1::Visibility ResolveVisibility(
    const std::vector<const v1::FieldValue*>& values) {
  if (values.empty()) return v1::VISIBILITY_AGENCY;
  v1::Visibility resolved = v1::VISIBILITY_PUBLISHED;
  for (const v1::FieldValue* value : values) {
    const v1::Visibility known = Known(*value);
    if (Openness(known) < Openness(resolved)) resolved = known;
  }
  return resolved;
}

v1::Visibility ResolveVisibility(const v1::FieldHeads* heads) {
  std::vector<const v1::FieldValue*> values;
  if (heads != nullptr) {
    for (const v1::HeadValue& head : heads->heads()) {
      values.push_back(&head.value());
    }
  }
  return ResolveVisibility(values);
}

v1::Audience OwnAudience(const v1::RecordRef& ref, v1::Visibility visibility) {
  v1::Audience audience;
  if (Openness(visibility) > 0) {
    audience.set_everyone(true);
  } else {
    audience.add_agencies(ref.owner_agency());
  }
  return audience;
}

v1::Audience Intersect(const v1::Audience& a, const v1::Audience& b) {
  if (a.everyone()) return b;
  if (b.everyone()) return a;
  v1::Audience both;
  std::set_intersection(
      a.agencies().begin(), a.agencies().end(), b.agencies().begin(),
      b.agencies().end(),
      google::protobuf::RepeatedFieldBackInserter(both.mutable_agencies()));
  return both;
}

bool Includes(const v1::Audience& audience, absl::string_view agency) {
  if (audience.everyone()) return true;
  return std::binary_search(audience.agencies().begin(),
                            audience.agencies().end(), agency);
}

bool SameAudience(const v1::Audience& a, const v1::Audience& b) {
  if (a.everyone() || b.everyone()) return a.everyone() == b.everyone();
  return std::equal(a.agencies().begin(), a.agencies().end(),
                    b.agencies().begin(), b.agencies().end());
}

v1::Audience ResolveMembers(const std::vector<const v1::FieldValue*>& values) {
  v1::Audience members;
  bool first = true;
  for (const v1::FieldValue* value : values) {
    std::vector<std::string> listed;
    if (value->kind_case() == v1::FieldValue::kStringList) {
      listed.assign(value->string_list().values().begin(),
                    value->string_list().values().end());
    }
    listed = Sorted(std::move(listed));
    if (first) {
      members.mutable_agencies()->Assign(listed.begin(), listed.end());
      first = false;
      continue;
    }
    v1::Audience next;
    next.mutable_agencies()->Assign(listed.begin(), listed.end());
    members = Intersect(members, next);
  }
  return members;
}

v1::Audience MembersOf(const v1::Review& review) {
  v1::FieldValue list;
  list.mutable_string_list()->mutable_values()->CopyFrom(review.agencies());
  return ResolveMembers({&list});
}

bool IsReferenceField(v1::RecordType type, uint32_t field) {
  const RecordTypeInfo* info = FindRecordType(type);
  if (info == nullptr) return false;
  const google::protobuf::FieldDescriptor* descriptor =
      info->descriptor->FindFieldByNumber(static_cast<int>(field));
  return descriptor != nullptr && descriptor->options().GetExtension(
                                      v1::format) == v1::FIELD_FORMAT_RECORD_ID;
}

std::vector<std::string> ReferencedIds(const v1::FieldValue& value) {
  std::vector<std::string> ids;
  if (value.kind_case() == v1::FieldValue::kStringValue) {
    if (!value.string_value().empty()) ids.push_back(value.string_value());
  } else if (value.kind_case() == v1::FieldValue::kStringList) {
    for (const std::string& id : value.string_list().values()) {
      if (!id.empty()) ids.push_back(id);
    }
  }
  return Sorted(std::move(ids));
}

}  // namespace casesync
