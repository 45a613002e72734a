// The published version of a joint review, made from the review of
// published records (common/review/joint_review.h, `published`), the
// review's pseudonym map, the review team's leak decisions and the
// publication profile, in this order:
//   1. every full name, place and organisation of the map is replaced by its
//      pseudonym (common/publication/name_matcher.h);
//   2. every redaction is applied: its text, in its record's field, is
//      replaced by its replacement ("[redacted]" when none);
//   3. the profile drops what only the working review needs and coarsens
//      dates (common/publication/profile.h);
//   4. every string left is checked for possible leaks: parts of names,
//      initials, places (the map) and identifiers
//      (common/publication/identifiers.h, which also learns the shapes of
//      the review's own source references before step 3 removes them);
//      a leak with a false-alarm or redaction decision for that record,
//      field and text is not listed. Ids, agency ids, categories and
//      visibility are not checked for identifiers (they are ours).
// Every replacement of steps 1 and 2 goes into the redaction log, with where
// and by which rule. The content hash is the SHA-256 of the published
// JointReview (deterministic serialisation): what a sign-off approves.
//
// Thread-safety: pure function.
#ifndef CASESYNC_COMMON_PUBLICATION_PUBLICATION_H_
#define CASESYNC_COMMON_PUBLICATION_PUBLICATION_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "casesync/v1/local_api.pb.h"
#include "casesync/v1/records.pb.h"
#include "casesync/v1/review.pb.h"

namespace casesync {

struct PublicationInputs {
  std::vector<v1::PseudonymEntry> map;
  // Every decision of the review, in any order.
  std::vector<v1::LeakDecision> decisions;
  v1::PublicationProfile profile;
};

struct Publication {
  // What would be published.
  v1::JointReview review;
  // Possible leaks no decision covers, in the review's order.
  std::vector<v1::PublicationLeak> leaks;
  // Every replacement made.
  std::vector<v1::RedactionLogEntry> log;
  // SHA-256 (hex) of `review`.
  std::string content_hash;
};

// `review` must be built of published records only.
Publication PreparePublication(v1::JointReview review,
                               const PublicationInputs& inputs);

// One line for a leak: "chronology entry 01J...: event: \"07700 900123\"
// (phone number)".
std::string DescribeLeak(const v1::PublicationLeak& leak);

// `text` with white space runs as one space, trimmed: how leak texts and
// decisions are compared.
std::string CollapseSpaces(absl::string_view text);

}  // namespace casesync

#endif  // CASESYNC_COMMON_PUBLICATION_PUBLICATION_H_
