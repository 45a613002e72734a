#include "server/text_merge.h"

#include <git2.h>

#include <mutex>
#include <optional>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/base/status_macros.h"
#include "common/records/change_check.h"
#include "common/records/field_merge.h"
#include "common/records/record_types.h"
#include "common/records/text_diff.h"
#include "common/replica/storage_keys.h"
#include "spdlog/spdlog.h"

namespace casesync {
namespace {

// libgit2 must be initialised once (its allocator and error state) before
// any call, git_merge_file included; it is never shut down.
void InitLibgit2() {
  static std::once_flag once;
  std::call_once(once, [] { git_libgit2_init(); });
}

// A text as lines for git: one token (SplitWords) per line, with the bytes a
// line cannot hold escaped: "\\" for a backslash, "\n" for a newline, "\r"
// for a carriage return and "\0" for a NUL (which would make git call the
// text binary).
std::string ToLines(absl::string_view text) {
  std::string lines;
  lines.reserve(text.size() + text.size() / 4 + 1);
  for (absl::string_view token : SplitWords(text)) {
    for (char c : token) {
      switch (c) {
        case '\\':
          lines.append("\\\\");
          break;
        case '\n':
          lines.append("\\n");
          break;
        case '\r':
          lines.append("\\r");
          break;
        case '\0':
          lines.append("\\0");
          break;
        default:
          lines.push_back(c);
      }
    }
    lines.push_back('\n');
  }
  return lines;
}

// The inverse of ToLines. INTERNAL for a malformed escape (git returned
// something it was not given).
[[nodiscard]] absl::StatusOr<std::string> FromLines(absl::string_view lines) {
  std::string text;
  text.reserve(lines.size());
  for (size_t i = 0; i < lines.size(); ++i) {
    const char c = lines[i];
    if (c == '\n') continue;
    if (c != '\\') {
      text.push_back(c);
      continue;
    }
    if (++i == lines.size()) break;
    switch (lines[i]) {
      case '\\':
        text.push_back('\\');
        break;
      case 'n':
        text.push_back('\n');
        break;
      case 'r':
        text.push_back('\r');
        break;
      case '0':
        text.push_back('\0');
        break;
      default:
        return absl::InternalError("text merge: malformed merged text");
    }
  }
  return text;
}

git_merge_file_input Input(const std::string& lines) {
  git_merge_file_input input;
  git_merge_file_input_init(&input, GIT_MERGE_FILE_INPUT_VERSION);
  input.ptr = lines.data();
  input.size = lines.size();
  return input;
}

const v1::FieldHeads* FindHeads(const v1::RecordState& state, uint32_t field) {
  for (const v1::FieldHeads& heads : state.fields()) {
    if (heads.field() == field) return &heads;
  }
  return nullptr;
}

}  // namespace

absl::StatusOr<TextMerge> MergeText(absl::string_view ancestor,
                                    absl::string_view ours,
                                    absl::string_view theirs) {
  TextMerge merge;
  // The trivial cases need no libgit2: one side unchanged, or both the same.
  if (ours == theirs || theirs == ancestor) {
    merge.clean = true;
    merge.text = std::string(ours);
    return merge;
  }
  if (ours == ancestor) {
    merge.clean = true;
    merge.text = std::string(theirs);
    return merge;
  }
  InitLibgit2();
  const std::string base_lines = ToLines(ancestor);
  const std::string our_lines = ToLines(ours);
  const std::string their_lines = ToLines(theirs);
  const git_merge_file_input base_input = Input(base_lines);
  const git_merge_file_input our_input = Input(our_lines);
  const git_merge_file_input their_input = Input(their_lines);
  git_merge_file_options options;
  git_merge_file_options_init(&options, GIT_MERGE_FILE_OPTIONS_VERSION);
  options.favor = GIT_MERGE_FILE_FAVOR_NORMAL;
  git_merge_file_result result = {};
  if (git_merge_file(&result, &base_input, &our_input, &their_input,
                     &options) != 0) {
    const git_error* error = git_error_last();
    return absl::InternalError(absl::StrCat(
        "text merge failed in libgit2: ",
        error != nullptr && error->message != nullptr ? error->message
                                                      : "unknown error"));
  }
  merge.clean = result.automergeable != 0;
  absl::StatusOr<std::string> text = std::string();
  if (merge.clean) text = FromLines(absl::string_view(result.ptr, result.len));
  git_merge_file_result_free(&result);
  if (!text.ok()) return text.status();
  merge.text = *std::move(text);
  return merge;
}

void TextConflictMerger::Note(const v1::Change& change) {
  const RecordTypeInfo* type = FindRecordType(change.record().type());
  if (type == nullptr) return;
  for (const v1::FieldWrite& write : change.writes()) {
    if (write.parents().empty() ||
        write.value().kind_case() != v1::FieldValue::kStringValue) {
      continue;
    }
    const google::protobuf::FieldDescriptor* field =
        type->descriptor->FindFieldByNumber(static_cast<int>(write.field()));
    if (field == nullptr || !IsFreeTextField(*field)) continue;
    noted_.emplace(change.record().review_id(), change.record().record_id(),
                   write.field(), static_cast<int>(change.record().type()));
  }
}

absl::StatusOr<std::optional<std::string>> TextConflictMerger::Merged(
    Replica::Batch* batch, const FieldKey& key, v1::RecordRef* ref) {
  const auto& [review_id, record_id, field, type] = key;
  ASSIGN_OR_RETURN(std::optional<v1::RecordState> state,
                   batch->ReadState(review_id, record_id));
  if (!state.has_value()) return std::nullopt;
  const v1::FieldHeads* heads = FindHeads(*state, field);
  if (heads == nullptr || heads->heads_size() < 2) return std::nullopt;
  *ref = state->ref();

  // Through the batch: the changes it just applied are not committed yet.
  const ChangeReader read =
      [batch](const v1::Dot& dot) -> absl::StatusOr<std::optional<v1::Change>> {
    ASSIGN_OR_RETURN(std::optional<std::string> bytes,
                     batch->Get(Family::kChanges, keys::Change(dot)));
    if (!bytes.has_value()) return std::nullopt;
    v1::Change change;
    if (!change.ParseFromString(*bytes)) {
      return absl::DataLossError(
          absl::StrCat("unreadable change ", FormatDot(dot)));
    }
    return change;
  };
  std::vector<v1::Dot> dots;
  for (const v1::HeadValue& head : heads->heads()) dots.push_back(head.dot());
  ASSIGN_OR_RETURN(std::optional<AncestorValue> ancestor,
                   FindCommonAncestor(read, field, dots));
  if (!ancestor.has_value() ||
      ancestor->value.kind_case() != v1::FieldValue::kStringValue ||
      ancestor->value.string_value().size() < kMinMergedAncestorBytes) {
    return std::nullopt;
  }
  // Each value in turn into the merge of those before it, in dot order.
  std::optional<std::string> merged;
  for (const v1::Dot& dot : dots) {
    ASSIGN_OR_RETURN(std::optional<v1::Change> change, read(dot));
    if (!change.has_value()) return std::nullopt;
    const v1::FieldWrite* write = nullptr;
    for (const v1::FieldWrite& w : change->writes()) {
      if (w.field() == field) write = &w;
    }
    if (write == nullptr ||
        write->value().kind_case() != v1::FieldValue::kStringValue) {
      return std::nullopt;  // a deletion against an edit: a person decides
    }
    if (!merged.has_value()) {
      merged = write->value().string_value();
      continue;
    }
    ASSIGN_OR_RETURN(TextMerge merge,
                     MergeText(ancestor->value.string_value(), *merged,
                               write->value().string_value()));
    if (!merge.clean) return std::nullopt;
    merged = std::move(merge.text);
  }
  return merged;
}

absl::StatusOr<bool> TextConflictMerger::MergeField(Replica::Batch* batch,
                                                    const FieldKey& key) {
  const auto& [review_id, record_id, field, type] = key;
  v1::RecordRef ref;
  ASSIGN_OR_RETURN(std::optional<std::string> merged, Merged(batch, key, &ref));
  if (!merged.has_value()) return false;
  RecordEdit edit;
  edit.record = ref;
  edit.author = std::string(kMergeAuthor);
  v1::FieldValue value;
  value.set_string_value(*std::move(merged));
  edit.fields.push_back(FieldEdit{field, std::move(value)});
  // Edit names every current value of the field as a parent, which ends
  // the conflict. On error nothing of it is staged.
  ASSIGN_OR_RETURN(v1::Change change, batch->Edit(edit));
  const RecordTypeInfo* info = FindRecordType(ref.type());
  spdlog::info(
      "merged concurrent edits of field {} of {} {} in review {} as change {}",
      info->descriptor->FindFieldByNumber(static_cast<int>(field))->name(),
      std::string(info->name), record_id, review_id, FormatDot(change.dot()));
  return true;
}

int TextConflictMerger::MergeInto(Replica::Batch* batch) {
  std::set<FieldKey> noted;
  noted.swap(noted_);
  int merged_fields = 0;
  for (const FieldKey& key : noted) {
    absl::StatusOr<bool> merged = MergeField(batch, key);
    if (merged.ok()) {
      merged_fields += *merged ? 1 : 0;
      continue;
    }
    const auto& [review_id, record_id, field, type] = key;
    const RecordTypeInfo* info =
        FindRecordType(static_cast<v1::RecordType>(type));
    // The status's code only: a message may quote a value.
    spdlog::warn(
        "could not merge concurrent edits of field {} of {} {} in review {} "
        "({}); the conflict is left to a person",
        info->descriptor->FindFieldByNumber(static_cast<int>(field))->name(),
        std::string(info->name), record_id, review_id,
        absl::StatusCodeToString(merged.status().code()));
  }
  return merged_fields;
}

}  // namespace casesync
