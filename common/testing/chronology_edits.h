// Local edits that make chronology entries, for tests and fuzz seeds: the
// smallest valid entry (date, source, event) visible to the whole review.
//
// Thread-safety: pure functions.
#ifndef CASESYNC_COMMON_TESTING_CHRONOLOGY_EDITS_H_
#define CASESYNC_COMMON_TESTING_CHRONOLOGY_EDITS_H_

#include <cstdint>
#include <string>

#include "casesync/v1/records.pb.h"
#include "common/replica/replica.h"

namespace casesync::testing {

// Sets field number `field` to the text `value`.
inline FieldEdit TextEdit(uint32_t field, const std::string& value) {
  FieldEdit edit;
  edit.field = field;
  edit.value.set_string_value(value);
  return edit;
}

// A new chronology entry of review `review`: dated 2024-03-04, with source
// reference `source` and event `event`, visibility `review`.
inline RecordEdit NewChronologyEdit(const std::string& review,
                                    const std::string& event,
                                    const std::string& source = "ref") {
  RecordEdit edit;
  edit.record.set_review_id(review);
  edit.record.set_type(v1::RECORD_TYPE_CHRONOLOGY);
  FieldEdit visibility;
  visibility.field = 4;  // ChronologyEntry.visibility
  visibility.value.set_enum_value(v1::VISIBILITY_REVIEW);
  // ChronologyEntry.date, .source, .event.
  edit.fields = {visibility, TextEdit(5, "2024-03-04"), TextEdit(10, source),
                 TextEdit(12, event)};
  return edit;
}

}  // namespace casesync::testing

#endif  // CASESYNC_COMMON_TESTING_CHRONOLOGY_EDITS_H_
