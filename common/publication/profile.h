// The publication profile (records.proto's PublicationProfile) applied to a
// joint review of published records: what only the working review needs is
// dropped, and dates read as the partnership asks.
//
// Dropped, whatever the profile: agencies' source references (in entries,
// their sources and anywhere else), times of day, match scores and reasons,
// likely-duplicate reasons, discrepancies, open conflicts, the contribution
// and sync status table, the matching rules, the review's phase and its
// "reopened" mark. Dates (of entries, episodes, the review's period,
// agencies' first and last contact, gaps in contact; not actions' due
// dates)
// are kept, made months ("2024-03"), or made months with the child's age as
// their label (JointReview.date_labels), as the profile says.
//
// Thread-safety: pure functions.
#ifndef CASESYNC_COMMON_PUBLICATION_PROFILE_H_
#define CASESYNC_COMMON_PUBLICATION_PROFILE_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "casesync/v1/records.pb.h"
#include "casesync/v1/review.pb.h"

namespace casesync {

// The keys of the report's sections a profile may leave out, in report order
// (docs/joint_review.md, "The report"). A section is left out by emptying
// what feeds it (the report leaves out a section with nothing in it); the
// introduction, the methodology and the glossary always appear.
inline constexpr absl::string_view kPublishedSectionKeys[] = {
    "summary",  "child",    "family",        "practitioners",
    "enquiry",  "parallel", "agencies",      "chronology",
    "episodes", "findings", "good_practice", "recommendations",
};

// OK, or INVALID_ARGUMENT naming a section key that is not one of the above
// or a birth date that is not a date.
[[nodiscard]] absl::Status CheckPublicationProfile(
    const v1::PublicationProfile& profile);

void ApplyPublicationProfile(const v1::PublicationProfile& profile,
                             v1::JointReview* review);

// The child's age on `date` ("YYYY-MM-DD" or "YYYY-MM"), born on
// `birth_date`, in words: "aged 2 years 3 months", "aged 5 months", "before
// birth". Empty if either is not a date.
std::string AgeInWords(absl::string_view birth_date, absl::string_view date);

}  // namespace casesync

#endif  // CASESYNC_COMMON_PUBLICATION_PROFILE_H_
