// Whom a record is meant for (docs/sync_protocol.md, "Who sees what").
//
// A record's **audience** is the set of agencies of its review that may see
// it: everyone, or a list. It is the intersection of
//  - its own visibility: `review` and `published` reach everyone; `agency`
//    reaches its owner alone (for a record the board owns: no agency). When
//    the visibility field holds several values at once (a conflict) the most
//    restrictive counts; no value, a deletion or a value this build does not
//    know reads as `agency`;
//  - the own visibility of every record it names in a reference field
//    (FIELD_FORMAT_RECORD_ID in records.proto): a record that names another
//    is never meant for an agency that may not see what it names. A name of
//    a record the board does not hold counts as a record no agency sees.
// An agency sees a record when its review lists the agency and the audience
// holds it, and always sees the records it owns.
//
// A review's members are what its `agencies` field lists; concurrent lists
// count as the agencies every one of them names.
//
// Thread-safety: pure functions.
#ifndef CASESYNC_COMMON_RECORDS_AUDIENCE_H_
#define CASESYNC_COMMON_RECORDS_AUDIENCE_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "casesync/v1/records.pb.h"
#include "casesync/v1/replication.pb.h"
#include "casesync/v1/storage.pb.h"

namespace casesync {

// The visibility the current values of a record's visibility field give it:
// the most restrictive of `values`; none, a deletion, an unset or unknown
// value reads as VISIBILITY_AGENCY.
v1::Visibility ResolveVisibility(
    const std::vector<const v1::FieldValue*>& values);

// The same for the current values in `heads` (null: never written).
v1::Visibility ResolveVisibility(const v1::FieldHeads* heads);

// Whom a record of `ref` is meant for by its own `visibility`.
v1::Audience OwnAudience(const v1::RecordRef& ref, v1::Visibility visibility);

// The agencies both `a` and `b` hold.
v1::Audience Intersect(const v1::Audience& a, const v1::Audience& b);

// Whether `audience` holds `agency`.
bool Includes(const v1::Audience& audience, absl::string_view agency);

bool SameAudience(const v1::Audience& a, const v1::Audience& b);

// The members of a review from the current values of its `agencies` field:
// the agencies every value lists (a deletion lists none).
v1::Audience ResolveMembers(const std::vector<const v1::FieldValue*>& values);

// The members the review record `review` lists (its shown value).
v1::Audience MembersOf(const v1::Review& review);

// Whether field `field` of records of `type` names other records.
bool IsReferenceField(v1::RecordType type, uint32_t field);

// The record ids `value` (a value of a reference field) names; none for a
// deletion.
std::vector<std::string> ReferencedIds(const v1::FieldValue& value);

}  // namespace casesync

#endif  // CASESYNC_COMMON_RECORDS_AUDIENCE_H_
