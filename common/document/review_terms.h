// The words the joint review document (and anything else shown to people)
// uses for the values of the review's enums and for the typology categories
// of findings: "data gathering", "problematic", "inter-agency team",
// "Multi-agency working in longer-term work".
//
// Thread-safety: pure functions.
#ifndef CASESYNC_COMMON_DOCUMENT_REVIEW_TERMS_H_
#define CASESYNC_COMMON_DOCUMENT_REVIEW_TERMS_H_

#include <string>

#include "absl/strings/string_view.h"
#include "casesync/v1/records.pb.h"

namespace casesync {

// Lower case. An unspecified phase reads as scoping, as it is treated.
std::string PhaseInWords(v1::Review::Phase phase);
// "good", "problematic", "mixed", or "not yet appraised".
std::string AppraisalInWords(v1::KeyPracticeEpisode::Appraisal appraisal);
// "family", ..., "organisational culture and management", or "level not
// given".
std::string FactorLevelInWords(v1::ContributoryFactor::Level level);
// "proposed", ..., "in progress", or "not set".
std::string ActionStatusInWords(v1::ActionPlanItem::Status status);
// "rapid review", "local child safeguarding practice review (LCSPR)",
// "serious case review", "learning review"; "" when not set.
std::string ReviewKindInWords(v1::Review::Kind kind);
// "Learning Together (SCIE)", "another systems method", "another method";
// "" when not set.
std::string MethodologyInWords(v1::Review::Methodology methodology);
// "visit", "phone", "meeting", "letter", "electronic"; "" when not set.
std::string ContactTypeInWords(v1::ChronologyEntry::ContactType type);
// A finding category as a heading: the SCIE typology by its name
// ("human_reasoning" -> "Human reasoning"), any other with its underscores
// as spaces and a capital, "" as "Uncategorised".
std::string CategoryHeading(absl::string_view category);

}  // namespace casesync

#endif  // CASESYNC_COMMON_DOCUMENT_REVIEW_TERMS_H_
