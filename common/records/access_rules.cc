#include "common/records/access_rules.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "common/records/audience.h"
#include "common/records/field_value.h"
#include "common/records/record_types.h"

namespace casesync {

bool PhaseOpenToAgencies(v1::Review::Phase phase) {
  return phase <= v1::Review::PHASE_FINDINGS;
}

std::string PhaseName(v1::Review::Phase phase) {
  const auto* value = v1::Review::Phase_descriptor()->FindValueByNumber(phase);
  if (value == nullptr || phase == v1::Review::PHASE_UNSPECIFIED) {
    return "scoping";
  }
  return EnumShortName(*value);
}

bool IsMember(const v1::Review& review, absl::string_view agency) {
  return std::find(review.agencies().begin(), review.agencies().end(),
                   agency) != review.agencies().end();
}

std::optional<Refusal> CheckAgencyWrite(absl::string_view agency,
                                        const v1::RecordRef& ref,
                                        const v1::Review* review) {
  const RecordTypeInfo* type = FindRecordType(ref.type());
  if (type == nullptr) {
    return Refusal{
        v1::Verdict::REASON_INVALID,
        absl::StrCat("unknown record type ", static_cast<int>(ref.type()))};
  }
  if (!type->agency_writable) {
    return Refusal{v1::Verdict::REASON_NOT_AUTHORISED,
                   absl::StrCat("agencies cannot write ", type->name,
                                " records; the board's review team does")};
  }
  if (ref.owner_agency() != agency) {
    return Refusal{v1::Verdict::REASON_NOT_AUTHORISED,
                   absl::StrCat("record ", ref.record_id(), " belongs to ",
                                ref.owner_agency(), ", not to ", agency)};
  }
  if (review == nullptr) {
    return Refusal{v1::Verdict::REASON_UNKNOWN_REVIEW,
                   absl::StrCat("there is no review ", ref.review_id())};
  }
  if (!IsMember(*review, agency)) {
    return Refusal{v1::Verdict::REASON_NOT_A_MEMBER,
                   absl::StrCat("review ", ref.review_id(), " does not list ",
                                agency, " as a participating agency")};
  }
  if (!PhaseOpenToAgencies(review->phase()) && !review->reopened()) {
    return Refusal{
        v1::Verdict::REASON_PHASE_CLOSED,
        absl::StrCat("review ", ref.review_id(), " is in phase ",
                     PhaseName(review->phase()),
                     "; agencies can add or change records until the "
                     "findings phase, unless the board reopens it "
                     "(casesync review reopen)")};
  }
  return std::nullopt;
}

bool MayDisclose(absl::string_view agency, const v1::RecordRef& ref,
                 const v1::Audience& audience, const v1::Audience& members) {
  const RecordTypeInfo* type = FindRecordType(ref.type());
  if (type == nullptr || !type->disclosable) return false;
  if (ref.owner_agency() == agency) return true;
  if (!Includes(members, agency)) return false;
  return ref.type() == v1::RECORD_TYPE_REVIEW || Includes(audience, agency);
}

bool MayDisclose(absl::string_view agency, const v1::RecordRef& ref,
                 v1::Visibility visibility, const v1::Review* review) {
  if (review == nullptr) return false;
  return MayDisclose(agency, ref, OwnAudience(ref, visibility),
                     MembersOf(*review));
}

}  // namespace casesync
