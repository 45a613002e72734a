// When an agency may see a record, over the board's feed
// (docs/sync_protocol.md, "Who sees what"): from the review's members and
// the record's audience as they were at each feed number.
//
// Thread-safety: pure functions over the histories given.
#ifndef CASESYNC_SERVER_DISCLOSURE_H_
#define CASESYNC_SERVER_DISCLOSURE_H_

#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"
#include "casesync/v1/storage.pb.h"

namespace casesync {

// Whom something has been meant for over the feed: a record's audience, or
// a review's members.
struct AudienceHistory {
  // The timeline the board keeps; null if it keeps none, and then the
  // audience has been `constant` all along.
  const v1::AudienceTimeline* timeline = nullptr;
  v1::Audience constant;
};

// What one agency may see of one record over the feed.
class Disclosure {
 public:
  // `members`: the record's review's members; `audience`: the record's.
  // Both must outlive this. An agency always sees the records it owns.
  Disclosure(absl::string_view agency, bool owns,
             const AudienceHistory* members, const AudienceHistory* audience)
      : agency_(agency), owns_(owns), members_(members), audience_(audience) {}

  // Whether the agency may see the record at feed number `t` (after the
  // change numbered `t`); never before the first entry of a timeline (the
  // record, or the review, did not exist yet).
  bool VisibleAt(uint64_t t) const;

  // The latest feed number up to `now` at which the record became visible
  // to the agency (not visible just before it, visible at it); 0 if it has
  // been visible all along (its own, or both histories constant).
  uint64_t LastGain(uint64_t now) const;

 private:
  const std::string agency_;
  const bool owns_;
  const AudienceHistory* const members_;
  const AudienceHistory* const audience_;
};

}  // namespace casesync

#endif  // CASESYNC_SERVER_DISCLOSURE_H_
