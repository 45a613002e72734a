// Three-way merge of long text fields on the board (docs/text_merge.md).
//
// When an agency's push leaves a free-text field of a record with several
// current values (a conflict) that were all edited from one earlier value,
// the board merges them word by word against that value. Where the edits
// touch different words (different sentences of a paragraph, say), the board
// writes the merged text itself: an ordinary change authored by the board
// that names every current value as a parent, so it ends the conflict on
// every replica and travels to the agencies in the feed like any board
// change. Where they overlap, nothing is written and the conflict goes to a
// person (`casesync conflicts list`).
//
// MergeText is the merge itself: libgit2's git_merge_file (which needs no
// repository) over the texts' words, one word per line. TextConflictMerger is
// the board's use of it inside an ingest batch.
//
// Thread-safety: MergeText is safe from any thread. A TextConflictMerger
// belongs to one thread (the one holding the batch).
#ifndef CASESYNC_SERVER_TEXT_MERGE_H_
#define CASESYNC_SERVER_TEXT_MERGE_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <tuple>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "casesync/v1/replication.pb.h"
#include "common/replica/replica.h"

namespace casesync {

// The result of merging two edits of one text.
struct TextMerge {
  // True if the edits touch different words: `text` holds both. False if
  // they overlap (the same words changed, or text added at the same place
  // differently): `text` is empty, and a person has to decide.
  bool clean = false;
  std::string text;
};

// Merges `ours` and `theirs`, each edited from `ancestor`, word by word: a
// word (a run of non-space) and the whitespace between words are the units,
// so edits separated by at least one unchanged word or space merge, and the
// same edit made on both sides merges into one. Any bytes round-trip,
// newlines included. INTERNAL if libgit2 fails (out of memory).
[[nodiscard]] absl::StatusOr<TextMerge> MergeText(absl::string_view ancestor,
                                                  absl::string_view ours,
                                                  absl::string_view theirs);

// The author text of the changes the board writes when it merges.
inline constexpr absl::string_view kMergeAuthor =
    "casesync-board (automatic merge)";

// A field whose common ancestor value is shorter than this is left to a
// person: in a short text (a role, a reference) two edits are seldom
// independent, and a person compares two short values at a glance. The
// same bound as "long" values in docs/storage.md.
inline constexpr size_t kMinMergedAncestorBytes = 64;

// Collects the fields an ingest batch writes that a merge may concern, and
// merges those left in conflict, in the same batch.
//
// Which fields: free text (IsFreeTextField in common/records/text_diff.h)
// written with parents (a write without parents starts a field's history, so it
// has no common ancestor with anything). Which conflicts: every current value
// is text, they have one common ancestor (FindCommonAncestor), which is text of
// at least kMinMergedAncestorBytes, and merging them one after another (in
// dot order) against it is clean.
class TextConflictMerger {
 public:
  // Notes the fields of `change`, just applied to the batch, worth checking.
  void Note(const v1::Change& change);

  // Merges each noted field that is in conflict as `batch` stands, staging
  // one board change (author kMergeAuthor) per merged field; forgets the
  // noted fields. Returns how many were merged. Never fails: a field that
  // cannot be read or merged keeps its conflict, with a warning logged that
  // names the record and field but never their contents.
  int MergeInto(Replica::Batch* batch);

 private:
  // (review id, record id, field number, record type)
  using FieldKey = std::tuple<std::string, std::string, uint32_t, int>;
  // Merges one noted field if it is in conflict and the merge is clean:
  // true if it staged a change.
  [[nodiscard]] absl::StatusOr<bool> MergeField(Replica::Batch* batch,
                                                const FieldKey& key);
  // The merged value of one field, nullopt to leave it to a person; `ref`
  // set to the record's address.
  [[nodiscard]] absl::StatusOr<std::optional<std::string>> Merged(
      Replica::Batch* batch, const FieldKey& key, v1::RecordRef* ref);
  std::set<FieldKey> noted_;
};

}  // namespace casesync

#endif  // CASESYNC_SERVER_TEXT_MERGE_H_
