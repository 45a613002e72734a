// Matching the chronology entries of different agencies that record the same
// event (docs/joint_review.md explains the rules).
//
// Given every chronology entry of one review, MatchChronology builds the
// composite chronology (all entries in date and time order, likely
// duplicates shown once with all their sources, gaps in contact) and lists
// the discrepancies: pairs of entries from different agencies that look like
// the same event (near dates, alike wording, the same practitioner role or
// time) but disagree on a fact. Every match carries readable reasons, so a
// review team can see why two entries were put together and tune the rules.
//
// Thread-safety: pure functions.
#ifndef CASESYNC_COMMON_REVIEW_EVENT_MATCHING_H_
#define CASESYNC_COMMON_REVIEW_EVENT_MATCHING_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "casesync/v1/records.pb.h"
#include "casesync/v1/review.pb.h"

namespace casesync {

// `rules` with every zero field set to its default (review.proto gives
// them: windows 3 and 31 days, min_score 0.6, duplicate_wording 0.8,
// gap_days 28), and uncertain_date_window_days raised to date_window_days
// when it is lower. INVALID_ARGUMENT, naming the rule, for a score or
// wording threshold outside (0, 1] (NaN included), a window over 366 days
// or gap_days over 3660.
[[nodiscard]] absl::StatusOr<v1::MatchRules> EffectiveRules(
    const v1::MatchRules& rules);

struct MatchResult {
  v1::CompositeChronology chronology;
  // Sorted by the first version's date, then id.
  std::vector<v1::Discrepancy> discrepancies;
};

// `entries`: the review's chronology entries (id, owner_agency and the
// fields set; deleted ones left out). `rules` as EffectiveRules returns
// (zero fields take their defaults; rules EffectiveRules refuses are a
// caller's bug, and the defaults are used instead). Never fails.
// The result depends only on the set of entries, not their order. Entries of
// one agency are never matched with each other. An entry whose date is not a
// valid "YYYY-MM-DD" is listed (sorted by its text) but never matched and not
// counted as contact for gaps. Cost: each entry is compared only with the
// entries within the date window of it (the uncertain window for an
// uncertain date), so a review of 10,000 entries over a year or more takes
// about a tenth of a second; thousands of entries on one day would take
// seconds. The rules, signals and score: docs/joint_review.md.
MatchResult MatchChronology(absl::string_view review_id,
                            std::vector<v1::ChronologyEntry> entries,
                            const v1::MatchRules& rules);

// The stable id of the discrepancy between two entries on one field: the
// same whichever entry comes first. "d" and the first 12 hex digits of the
// SHA-256 of the two ids (sorted) and the field, NUL-separated.
std::string DiscrepancyId(absl::string_view entry_a, absl::string_view entry_b,
                          absl::string_view field);

}  // namespace casesync

#endif  // CASESYNC_COMMON_REVIEW_EVENT_MATCHING_H_
