// How the conflicting values of a free-text field differ from the value they
// were both edited from (docs/text_merge.md).
//
// Three pieces, used by `conflicts list` on every replica and by the board's
// automatic merge (server/text_merge.h):
//  - which fields hold free text (IsFreeTextField);
//  - the common ancestor of a field's current values: the one earlier value
//    of the field that every current value was edited from, found by
//    following the parents the field's writes name (FindCommonAncestor);
//  - the words of a text (SplitWords) and a compact word diff of a value
//    against that ancestor (WordDiff): "... was seen by the [-nurse-]{+health
//    visitor+} on ...".
//
// Thread-safety: pure functions (FindCommonAncestor calls only the reader it
// is given).
#ifndef CASESYNC_COMMON_RECORDS_TEXT_DIFF_H_
#define CASESYNC_COMMON_RECORDS_TEXT_DIFF_H_

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "casesync/v1/replication.pb.h"
#include "google/protobuf/descriptor.h"

namespace casesync {

// True for a field that holds free text: a singular string content field
// with no (format) option (records.proto), such as a chronology entry's
// `event` or a conversation's `overview`. Not dates, times, ids, lists, or
// the identity fields.
bool IsFreeTextField(const google::protobuf::FieldDescriptor& field);

// The text split into tokens: runs of whitespace and runs of anything else,
// alternating, in order. Concatenated they give back `text` exactly (any
// bytes, newlines included). Views into `text`.
std::vector<absl::string_view> SplitWords(absl::string_view text);

// A word diff of `after` against `before`, for a person: unchanged text as
// is, but for at most `context` words either side of each change, the rest
// elided as "…"; removed text in "[-...-]", added text in "{+...+}"; a line
// break inside a change is shown as "⏎". Words are compared whole, with the
// whitespace after them; an unchanged stretch between two changes that is
// no longer than either is shown as part of one change. "(unchanged)" if
// the texts are equal. Large rewrites (over 500 words changed) come out as
// one removal and one addition of the text between the first and last
// change.
std::string WordDiff(absl::string_view before, absl::string_view after,
                     size_t context = 5);

// Reads the change with a dot; nullopt if the replica does not hold it.
using ChangeReader = std::function<absl::StatusOr<std::optional<v1::Change>>(
    const v1::Dot& dot)>;

// A value a field held, and the change that wrote it.
struct AncestorValue {
  v1::Dot dot;
  v1::FieldValue value;
};

// The common ancestor of `heads`, the dots of the current values of field
// number `field` of one record: the write of that field that every head was
// edited from (following the parents each write names), and the latest such
// (no other common ancestor was edited from it). Reads at most
// `max_changes` changes through `read`.
//
// nullopt, meaning "no known ancestor: leave it to a person", when: there is
// none (values written independently, as in two creations of the field);
// there are several latest ones (criss-cross histories); a change on the
// way is not held, does not write the field, or is stamped no later than a
// value edited from it; the search needs more than `max_changes` changes; or
// there are fewer than 2 or more than 32 heads. Errors: only `read`'s.
[[nodiscard]] absl::StatusOr<std::optional<AncestorValue>> FindCommonAncestor(
    const ChangeReader& read, uint32_t field, const std::vector<v1::Dot>& heads,
    size_t max_changes = 256);

}  // namespace casesync

#endif  // CASESYNC_COMMON_RECORDS_TEXT_DIFF_H_
