#include "common/document/review_terms.h"

#include <map>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_replace.h"

namespace casesync {
namespace {

// "PHASE_DATA_GATHERING" -> "data gathering".
std::string EnumWords(absl::string_view name, absl::string_view prefix) {
  if (absl::StartsWith(name, prefix)) name.remove_prefix(prefix.size());
  return absl::StrReplaceAll(absl::AsciiStrToLower(name), {{"_", " "}});
}

}  // namespace

std::string PhaseInWords(v1::Review::Phase phase) {
  if (phase == v1::Review::PHASE_UNSPECIFIED) phase = v1::Review::PHASE_SCOPING;
  return EnumWords(v1::Review::Phase_Name(phase), "PHASE_");
}

std::string AppraisalInWords(v1::KeyPracticeEpisode::Appraisal appraisal) {
  if (appraisal == v1::KeyPracticeEpisode::APPRAISAL_UNSPECIFIED) {
    return "not yet appraised";
  }
  return EnumWords(v1::KeyPracticeEpisode::Appraisal_Name(appraisal),
                   "APPRAISAL_");
}

std::string FactorLevelInWords(v1::ContributoryFactor::Level level) {
  switch (level) {
    case v1::ContributoryFactor::LEVEL_ORGANISATIONAL_CULTURE:
      return "organisational culture and management";
    case v1::ContributoryFactor::LEVEL_INTER_AGENCY_TEAM:
      return "inter-agency team";
    case v1::ContributoryFactor::LEVEL_UNSPECIFIED:
      return "level not given";
    default:
      return EnumWords(v1::ContributoryFactor::Level_Name(level), "LEVEL_");
  }
}

std::string ActionStatusInWords(v1::ActionPlanItem::Status status) {
  if (status == v1::ActionPlanItem::STATUS_UNSPECIFIED) return "not set";
  return EnumWords(v1::ActionPlanItem::Status_Name(status), "STATUS_");
}

std::string ReviewKindInWords(v1::Review::Kind kind) {
  switch (kind) {
    case v1::Review::KIND_RAPID_REVIEW:
      return "rapid review";
    case v1::Review::KIND_LCSPR:
      return "local child safeguarding practice review (LCSPR)";
    case v1::Review::KIND_SCR:
      return "serious case review";
    case v1::Review::KIND_LEARNING_REVIEW:
      return "learning review";
    default:
      return "";
  }
}

std::string MethodologyInWords(v1::Review::Methodology methodology) {
  switch (methodology) {
    case v1::Review::METHODOLOGY_LEARNING_TOGETHER:
      return "Learning Together (SCIE's systems method)";
    case v1::Review::METHODOLOGY_OTHER_SYSTEMS:
      return "another systems method";
    case v1::Review::METHODOLOGY_OTHER:
      return "another method";
    default:
      return "";
  }
}

std::string ContactTypeInWords(v1::ChronologyEntry::ContactType type) {
  if (type == v1::ChronologyEntry::CONTACT_TYPE_UNSPECIFIED) return "";
  return EnumWords(v1::ChronologyEntry::ContactType_Name(type),
                   "CONTACT_TYPE_");
}

std::string CategoryHeading(absl::string_view category) {
  static const auto* const kNames = new std::map<std::string, std::string>{
      {"human_tool_operation", "Human\u2013tool operation"},
      {"human_management_system_operation",
       "Human\u2013management system operation"},
      {"multi_agency_incidents",
       "Multi-agency working in incidents and crises"},
      {"multi_agency_longer_term", "Multi-agency working in longer-term work"},
      {"family_professional_interaction",
       "Family\u2013professional interaction"},
      {"human_reasoning", "Human reasoning"},
  };
  auto known = kNames->find(std::string(category));
  if (known != kNames->end()) return known->second;
  std::string name = absl::StrReplaceAll(category, {{"_", " "}});
  if (!name.empty()) name[0] = absl::ascii_toupper(name[0]);
  return name.empty() ? "Uncategorised" : name;
}

}  // namespace casesync
