#include "server/disclosure.h"

#include <algorithm>
#include <vector>

#include "common/records/audience.h"

namespace casesync {
namespace {

// The audience at `t`, or null before the first entry.
const v1::Audience* AudienceAt(const AudienceHistory& history, uint64_t t) {
  if (history.timeline == nullptr) return &history.constant;
  const v1::Audience* at = nullptr;
  for (const v1::AudienceTimeline::At& entry : history.timeline->entries()) {
    if (entry.seq() > t) break;
    at = &entry.audience();
  }
  return at;
}

void AddPoints(const AudienceHistory& history, uint64_t now,
               std::vector<uint64_t>* points) {
  if (history.timeline == nullptr) return;
  for (const v1::AudienceTimeline::At& entry : history.timeline->entries()) {
    if (entry.seq() <= now) points->push_back(entry.seq());
  }
}

}  // namespace

bool Disclosure::VisibleAt(uint64_t t) const {
  if (owns_) return true;
  const v1::Audience* members = AudienceAt(*members_, t);
  const v1::Audience* audience = AudienceAt(*audience_, t);
  return members != nullptr && audience != nullptr &&
         Includes(*members, agency_) && Includes(*audience, agency_);
}

uint64_t Disclosure::LastGain(uint64_t now) const {
  if (owns_) return 0;
  std::vector<uint64_t> points;
  AddPoints(*members_, now, &points);
  AddPoints(*audience_, now, &points);
  std::sort(points.begin(), points.end());
  points.erase(std::unique(points.begin(), points.end()), points.end());
  // Before the first point: visible only if both histories are constant.
  bool visible = members_->timeline == nullptr &&
                 audience_->timeline == nullptr && VisibleAt(0);
  uint64_t gain = 0;
  for (uint64_t point : points) {
    const bool now_visible = VisibleAt(point);
    if (now_visible && !visible) gain = point;
    visible = now_visible;
  }
  return gain;
}

}  // namespace casesync
