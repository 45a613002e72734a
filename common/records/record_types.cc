#include "common/records/record_types.h"

#include "absl/strings/str_cat.h"

namespace casesync {

namespace pb = ::google::protobuf;

const std::vector<RecordTypeInfo>& AllRecordTypes() {
  static const std::vector<RecordTypeInfo>* const types =
      new std::vector<RecordTypeInfo>{
          {v1::RECORD_TYPE_REVIEW, "review", v1::Review::descriptor(),
           /*agency_writable=*/false, /*disclosable=*/true},
          {v1::RECORD_TYPE_CHRONOLOGY, "chronology",
           v1::ChronologyEntry::descriptor(), true, true},
          {v1::RECORD_TYPE_CONVERSATION, "conversation",
           v1::Conversation::descriptor(), true, true},
          {v1::RECORD_TYPE_EPISODE, "episode",
           v1::KeyPracticeEpisode::descriptor(), false, true},
          {v1::RECORD_TYPE_FACTOR, "factor",
           v1::ContributoryFactor::descriptor(), true, true},
          {v1::RECORD_TYPE_FINDING, "finding", v1::Finding::descriptor(), false,
           true},
          {v1::RECORD_TYPE_ACTION, "action", v1::ActionPlanItem::descriptor(),
           false, true},
          {v1::RECORD_TYPE_SUMMARY, "summary", v1::AgencySummary::descriptor(),
           true, true},
          {v1::RECORD_TYPE_PSEUDONYM, "pseudonym",
           v1::PseudonymEntry::descriptor(), false, /*disclosable=*/false},
          {v1::RECORD_TYPE_DECISION, "decision",
           v1::DiscrepancyDecision::descriptor(), false, true},
          // The statutory process (docs/statutory_process.md): the board's
          // requests and the agencies' own responses to them; the people a
          // review is about, whose dates of birth never leave the board.
          {v1::RECORD_TYPE_REQUEST, "request",
           v1::ContributionRequest::descriptor(), false, true},
          {v1::RECORD_TYPE_RESPONSE, "response",
           v1::ContributionResponse::descriptor(), true, true},
          {v1::RECORD_TYPE_SUBJECT, "subject", v1::ReviewSubject::descriptor(),
           false, true},
          {v1::RECORD_TYPE_BIRTH_DATE, "birth_date",
           v1::SubjectBirthDate::descriptor(), false, /*disclosable=*/false},
          {v1::RECORD_TYPE_PUBLICATION_PROFILE, "profile",
           v1::PublicationProfile::descriptor(), false, /*disclosable=*/false},
          {v1::RECORD_TYPE_LEAK_DECISION, "leak_decision",
           v1::LeakDecision::descriptor(), false, /*disclosable=*/false},
          {v1::RECORD_TYPE_SIGNOFF, "signoff",
           v1::PublicationSignoff::descriptor(), false, /*disclosable=*/false},
      };
  return *types;
}

const RecordTypeInfo* FindRecordType(v1::RecordType type) {
  for (const RecordTypeInfo& info : AllRecordTypes()) {
    if (info.type == type) return &info;
  }
  return nullptr;
}

const RecordTypeInfo* FindRecordTypeByName(absl::string_view name) {
  for (const RecordTypeInfo& info : AllRecordTypes()) {
    if (info.name == name) return &info;
  }
  return nullptr;
}

std::string RecordTypeName(v1::RecordType type) {
  const RecordTypeInfo* info = FindRecordType(type);
  if (info == nullptr) return absl::StrCat("type ", static_cast<int>(type));
  return std::string(info->name);
}

std::unique_ptr<pb::Message> NewRecordMessage(const RecordTypeInfo& info) {
  return std::unique_ptr<pb::Message>(pb::MessageFactory::generated_factory()
                                          ->GetPrototype(info.descriptor)
                                          ->New());
}

absl::Status CheckRecordLayout(const pb::Descriptor& descriptor) {
  struct Fixed {
    uint32_t number;
    const char* name;
    pb::FieldDescriptor::Type type;
  };
  const Fixed fixed[] = {
      {kIdField, "id", pb::FieldDescriptor::TYPE_STRING},
      {kReviewIdField, "review_id", pb::FieldDescriptor::TYPE_STRING},
      {kOwnerAgencyField, "owner_agency", pb::FieldDescriptor::TYPE_STRING},
      {kVisibilityField, "visibility", pb::FieldDescriptor::TYPE_ENUM},
  };
  for (const Fixed& f : fixed) {
    const pb::FieldDescriptor* field = descriptor.FindFieldByNumber(f.number);
    if (field == nullptr || field->name() != f.name ||
        field->type() != f.type || field->is_repeated()) {
      return absl::InvalidArgumentError(
          absl::StrCat(descriptor.full_name(), ": field ", f.number,
                       " must be the singular field '", f.name, "'"));
    }
  }
  if (descriptor.FindFieldByNumber(kVisibilityField)->enum_type() !=
      v1::Visibility_descriptor()) {
    return absl::InvalidArgumentError(absl::StrCat(
        descriptor.full_name(), ": field 4 must be a casesync.v1.Visibility"));
  }
  for (int i = 0; i < descriptor.field_count(); ++i) {
    const pb::FieldDescriptor* field = descriptor.field(i);
    if (field->real_containing_oneof() != nullptr) {
      return absl::InvalidArgumentError(absl::StrCat(
          field->full_name(), ": record fields may not be in a oneof"));
    }
    if (field->is_repeated()) {
      if (field->type() != pb::FieldDescriptor::TYPE_STRING) {
        return absl::InvalidArgumentError(absl::StrCat(
            field->full_name(), ": only repeated string fields are supported"));
      }
      continue;
    }
    switch (field->type()) {
      case pb::FieldDescriptor::TYPE_STRING:
      case pb::FieldDescriptor::TYPE_BOOL:
      case pb::FieldDescriptor::TYPE_INT32:
      case pb::FieldDescriptor::TYPE_INT64:
      case pb::FieldDescriptor::TYPE_ENUM:
        break;
      default:
        return absl::InvalidArgumentError(
            absl::StrCat(field->full_name(), ": type ", field->type_name(),
                         " is not supported in a record"));
    }
  }
  return absl::OkStatus();
}

}  // namespace casesync
