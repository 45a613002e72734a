// Who may write and who may see what (docs/replication.md, "Who may write";
// docs/security.md).
//
// The board applies these to every pushed change and to every feed entry it
// sends; an agency daemon applies the same write rules to its own users'
// edits, so that it refuses at once what the board would reject later.
//
// Thread-safety: pure functions.
#ifndef CASESYNC_COMMON_RECORDS_ACCESS_RULES_H_
#define CASESYNC_COMMON_RECORDS_ACCESS_RULES_H_

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "casesync/v1/records.pb.h"
#include "casesync/v1/replication.pb.h"
#include "casesync/v1/storage.pb.h"

namespace casesync {

// Why a write is refused, in the terms of a verdict.
struct Refusal {
  v1::Verdict::Reason reason = v1::Verdict::REASON_UNSPECIFIED;
  // A sentence for a person.
  std::string detail;
};

// Phases in which agencies may add and change records: up to and including
// findings. After that only the board writes, until it reopens the review
// (Review.reopened, which CheckAgencyWrite honours).
bool PhaseOpenToAgencies(v1::Review::Phase phase);

// "data_gathering".
std::string PhaseName(v1::Review::Phase phase);

// Whether `agency` may write the record `ref` (as the author of a change to
// it), given its review (`review` null if unknown). nullopt when it may.
std::optional<Refusal> CheckAgencyWrite(absl::string_view agency,
                                        const v1::RecordRef& ref,
                                        const v1::Review* review);

// Whether `agency` may see the record `ref` now: its type is disclosable,
// and it owns the record, or the review's `members` hold it and (but for the
// review record itself, which every member sees) the record's `audience`
// does (common/records/audience.h).
bool MayDisclose(absl::string_view agency, const v1::RecordRef& ref,
                 const v1::Audience& audience, const v1::Audience& members);

// The same for a record whose audience is its own `visibility`'s, in
// `review` (null if unknown: no agency may see it).
bool MayDisclose(absl::string_view agency, const v1::RecordRef& ref,
                 v1::Visibility visibility, const v1::Review* review);

// Whether `review` lists `agency`.
bool IsMember(const v1::Review& review, absl::string_view agency);

}  // namespace casesync

#endif  // CASESYNC_COMMON_RECORDS_ACCESS_RULES_H_
