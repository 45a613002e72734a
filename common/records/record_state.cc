#include "common/records/record_state.h"

namespace casesync {

v1::RecordState CompactState(const v1::Change& change) {
  v1::RecordState state;
  *state.mutable_ref() = change.record();
  *state.mutable_created() = change.hlc();
  *state.mutable_sole_change() = change.dot();
  return state;
}

void Expand(const v1::Change& change, v1::RecordState* state) {
  state->clear_sole_change();
  state->clear_fields();
  state->clear_changes();
  *state->add_changes() = change.dot();
  // CheckChange keeps writes in ascending field order, as fields must be.
  for (const v1::FieldWrite& write : change.writes()) {
    v1::FieldHeads* heads = state->add_fields();
    heads->set_field(write.field());
    v1::HeadValue* head = heads->add_heads();
    *head->mutable_dot() = change.dot();
    *head->mutable_hlc() = change.hlc();
    if (write.value().ByteSizeLong() <= kInlineValueBytes) {
      *head->mutable_value() = write.value();
    }
  }
}

}  // namespace casesync
