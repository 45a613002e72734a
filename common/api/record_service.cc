#include "common/api/record_service.h"

#include <malloc.h>

#include <algorithm>
#include <map>
#include <utility>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/base/status_macros.h"
#include "common/records/access_rules.h"
#include "common/records/change_check.h"
#include "common/records/field_merge.h"
#include "common/records/field_value.h"
#include "common/records/record_types.h"
#include "common/records/text_diff.h"
#include "common/replica/audience_store.h"
#include "common/replica/review_lookup.h"
#include "common/review/chronology_csv.h"
#include "google/protobuf/util/time_util.h"

namespace casesync {
namespace {

namespace pb = ::google::protobuf;

google::protobuf::Timestamp ToTimestamp(const v1::HlcTimestamp& hlc) {
  return pb::util::TimeUtil::MillisecondsToTimestamp(
      static_cast<int64_t>(hlc.wall_time_ms()));
}

std::string TypeNames() {
  std::vector<std::string> names;
  for (const RecordTypeInfo& info : AllRecordTypes()) {
    names.emplace_back(info.name);
  }
  return absl::StrJoin(names, ", ");
}

[[nodiscard]] absl::StatusOr<const RecordTypeInfo*> TypeByName(
    absl::string_view name) {
  const RecordTypeInfo* info = FindRecordTypeByName(name);
  if (info == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat(
        "unknown record type '", name, "'; the types are: ", TypeNames()));
  }
  return info;
}

std::string WritableFieldNames(const pb::Descriptor& descriptor) {
  std::vector<std::string> names;
  for (int i = 0; i < descriptor.field_count(); ++i) {
    if (static_cast<uint32_t>(descriptor.field(i)->number()) >=
        kFirstWritableField) {
      names.push_back(descriptor.field(i)->name());
    }
  }
  return absl::StrJoin(names, ", ");
}

[[nodiscard]] absl::StatusOr<const pb::FieldDescriptor*> FieldByName(
    const RecordTypeInfo& type, absl::string_view name) {
  const pb::FieldDescriptor* field =
      type.descriptor->FindFieldByName(std::string(name));
  if (field == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat(
        type.name, " has no field '", name,
        "'; its fields are: ", WritableFieldNames(*type.descriptor)));
  }
  if (static_cast<uint32_t>(field->number()) < kFirstWritableField) {
    return absl::InvalidArgumentError(absl::StrCat(
        "field '", name, "' is set by casesync and cannot be written"));
  }
  return field;
}

v1::ConflictValue DescribeValue(const pb::FieldDescriptor& field,
                                const v1::HeadValue& head, bool shown) {
  v1::ConflictValue value;
  value.set_value(FormatFieldValue(field, head.value()));
  value.set_author(head.author());
  *value.mutable_dot() = head.dot();
  *value.mutable_time() = ToTimestamp(head.hlc());
  value.set_shown(shown);
  return value;
}

}  // namespace

v1::RecordDetail DescribeRecord(const RecordView& view, bool with_fields) {
  v1::RecordDetail detail;
  detail.set_review_id(view.ref.review_id());
  detail.set_record_id(view.ref.record_id());
  detail.set_type(RecordTypeName(view.ref.type()));
  detail.set_owner_agency(view.ref.owner_agency());
  detail.set_visibility(EnumShortName(
      *v1::Visibility_descriptor()->FindValueByNumber(view.visibility)));
  detail.set_deleted(view.deleted);
  *detail.mutable_created() = ToTimestamp(view.created);
  detail.mutable_record()->PackFrom(*view.message);
  for (const FieldState& state : view.fields) {
    if (state.in_conflict()) detail.set_conflicts(detail.conflicts() + 1);
    if (!with_fields) continue;
    v1::FieldDetail* field = detail.add_fields();
    field->set_name(state.field->name());
    field->set_value(
        FormatFieldValue(*state.field, Winner(state.heads).value()));
    if (state.in_conflict()) {
      bool first = true;
      for (const v1::HeadValue* head : InShownOrder(state.heads)) {
        *field->add_conflict() = DescribeValue(*state.field, *head, first);
        first = false;
      }
    }
  }
  return detail;
}

RecordService::RecordService(RecordServiceOptions options)
    : options_(std::move(options)) {}

absl::Status RecordService::CheckWrite(const v1::RecordRef& ref) {
  if (options_.may_write) RETURN_IF_ERROR(options_.may_write());
  const bool is_review = ref.type() == v1::RECORD_TYPE_REVIEW;
  ASSIGN_OR_RETURN(std::optional<v1::Review> review,
                   ReadReview(*options_.replica, ref.review_id()));
  if (options_.role == Role::kBoard) {
    // The board's review team writes any record of a review it holds.
    if (!is_review && !review.has_value()) {
      return absl::NotFoundError(
          absl::StrCat("there is no review ", ref.review_id(),
                       " (create it first: casesync review create ",
                       ref.review_id(), " ...)"));
    }
    return absl::OkStatus();
  }
  std::optional<Refusal> refusal = CheckAgencyWrite(
      options_.agency, ref, review.has_value() ? &*review : nullptr);
  if (!refusal.has_value()) return absl::OkStatus();
  if (refusal->reason == v1::Verdict::REASON_UNKNOWN_REVIEW) {
    return absl::NotFoundError(absl::StrCat(
        "review ", ref.review_id(),
        " is not known here: the board creates reviews, and this daemon "
        "receives them when it syncs (casesync sync --wait)"));
  }
  return absl::FailedPreconditionError(refusal->detail);
}

absl::StatusOr<v1::EditRecordReply> RecordService::Commit(RecordEdit edit,
                                                          bool create) {
  std::unique_ptr<Replica::Batch> batch = options_.replica->NewBatch();
  std::optional<v1::RecordState> existing;
  if (!edit.record.record_id().empty()) {
    ASSIGN_OR_RETURN(existing, batch->ReadState(edit.record.review_id(),
                                                edit.record.record_id()));
    if (create && existing.has_value()) {
      return absl::AlreadyExistsError(
          absl::StrCat(RecordTypeName(edit.record.type()), " ",
                       edit.record.record_id(), " already exists"));
    }
    if (!create && !existing.has_value()) {
      return absl::NotFoundError(
          absl::StrCat("no record ", edit.record.record_id(), " in review ",
                       edit.record.review_id()));
    }
  }
  const bool writes_visibility = std::any_of(
      edit.fields.begin(), edit.fields.end(),
      [](const FieldEdit& f) { return f.field == kVisibilityField; });
  // A new record is its owner's only until someone shares it (a review is
  // seen by the agencies it lists): the default is written, so that what a
  // record is shared with is always explicit.
  if (!existing.has_value() && !writes_visibility) {
    FieldEdit visibility{kVisibilityField, {}};
    visibility.value.set_enum_value(edit.record.type() == v1::RECORD_TYPE_REVIEW
                                        ? v1::VISIBILITY_REVIEW
                                        : v1::VISIBILITY_AGENCY);
    edit.fields.push_back(std::move(visibility));
  }
  const v1::Visibility before =
      existing.has_value() ? VisibilityOf(*existing) : v1::VISIBILITY_AGENCY;
  ASSIGN_OR_RETURN(v1::Change change, batch->Edit(edit));
  RETURN_IF_ERROR(batch->Commit());
  if (options_.on_write) options_.on_write();
  v1::EditRecordReply reply;
  reply.set_record_id(change.record().record_id());
  *reply.mutable_dot() = change.dot();
  // Say whom the record is shared with when the write set its visibility,
  // or created it with the default (its owner's only): an author who did
  // not think about sharing learns where the entry stands.
  if ((writes_visibility || !existing.has_value()) &&
      edit.record.type() != v1::RECORD_TYPE_REVIEW &&
      FindRecordType(edit.record.type())->disclosable) {
    RETURN_IF_ERROR(DescribeSharing(change.record(), before, &reply));
  }
  return reply;
}

absl::Status RecordService::DescribeSharing(const v1::RecordRef& ref,
                                            v1::Visibility before,
                                            v1::EditRecordReply* reply) const {
  ASSIGN_OR_RETURN(RecordView view, options_.replica->ReadRecord(
                                        ref.review_id(), ref.record_id()));
  ASSIGN_OR_RETURN(std::optional<v1::Review> review,
                   ReadReview(*options_.replica, ref.review_id()));
  reply->set_visibility(EnumShortName(
      *v1::Visibility_descriptor()->FindValueByNumber(view.visibility)));
  auto open = [](v1::Visibility v) { return v != v1::VISIBILITY_AGENCY; };
  reply->set_widened(open(view.visibility) && !open(before));
  reply->set_narrowed(!open(view.visibility) && open(before));
  if (open(view.visibility) && review.has_value()) {
    for (const std::string& agency : review->agencies()) {
      if (agency != view.ref.owner_agency()) reply->add_shared_with(agency);
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<v1::EditRecordReply> RecordService::Edit(
    const v1::EditRecordRequest& request) {
  ASSIGN_OR_RETURN(const RecordTypeInfo* type, TypeByName(request.type()));
  RETURN_IF_ERROR(CheckId("review id", request.review_id()));
  RecordEdit edit;
  edit.author = request.author();
  edit.record.set_review_id(request.review_id());
  edit.record.set_type(type->type);
  std::string record_id = request.record_id();
  if (type->type == v1::RECORD_TYPE_REVIEW) {
    if (!record_id.empty() && record_id != request.review_id()) {
      return absl::InvalidArgumentError(
          "a review's record id is its review id");
    }
    record_id = request.review_id();
  }
  if (!record_id.empty()) {
    RETURN_IF_ERROR(CheckId("record id", record_id));
    edit.record.set_record_id(record_id);
  } else if (!request.create()) {
    return absl::InvalidArgumentError("which record? a record id is needed");
  }
  if (request.set().empty()) {
    return absl::InvalidArgumentError(
        "nothing to write: set at least one field");
  }
  for (const v1::FieldSetting& setting : request.set()) {
    ASSIGN_OR_RETURN(const pb::FieldDescriptor* field,
                     FieldByName(*type, setting.name()));
    ASSIGN_OR_RETURN(v1::FieldValue value,
                     ParseFieldValue(*field, setting.value()));
    edit.fields.push_back(
        FieldEdit{static_cast<uint32_t>(field->number()), value});
  }
  // The owner: the writer for a new record, the stored one otherwise.
  v1::RecordRef ref = edit.record;
  if (!record_id.empty()) {
    absl::StatusOr<RecordView> view =
        options_.replica->ReadRecord(request.review_id(), record_id);
    if (view.ok()) {
      if (view->ref.type() != type->type) {
        return absl::InvalidArgumentError(absl::StrCat(
            "record ", record_id, " is a ", RecordTypeName(view->ref.type()),
            ", not a ", type->name));
      }
      ref.set_owner_agency(view->ref.owner_agency());
    } else if (!absl::IsNotFound(view.status())) {
      return view.status();
    }
  }
  if (ref.owner_agency().empty()) ref.set_owner_agency(options_.replica->id());
  edit.record.set_owner_agency(ref.owner_agency());
  RETURN_IF_ERROR(CheckWrite(ref));
  return Commit(edit, request.create());
}

absl::StatusOr<v1::EditRecordReply> RecordService::Delete(
    const v1::DeleteRecordRequest& request) {
  ASSIGN_OR_RETURN(
      RecordView view,
      options_.replica->ReadRecord(request.review_id(), request.record_id()));
  RETURN_IF_ERROR(CheckWrite(view.ref));
  std::unique_ptr<Replica::Batch> batch = options_.replica->NewBatch();
  ASSIGN_OR_RETURN(v1::Change change,
                   batch->Delete(request.review_id(), request.record_id(),
                                 request.author()));
  RETURN_IF_ERROR(batch->Commit());
  if (options_.on_write) options_.on_write();
  v1::EditRecordReply reply;
  reply.set_record_id(request.record_id());
  *reply.mutable_dot() = change.dot();
  return reply;
}

absl::StatusOr<v1::RecordDetail> RecordService::Get(
    const v1::GetRecordRequest& request) {
  ASSIGN_OR_RETURN(
      RecordView view,
      options_.replica->ReadRecord(request.review_id(), request.record_id()));
  return DescribeRecord(view, /*with_fields=*/true);
}

absl::StatusOr<v1::ListRecordsReply> RecordService::List(
    const v1::ListRecordsRequest& request) {
  std::optional<v1::RecordType> type;
  if (!request.type().empty()) {
    ASSIGN_OR_RETURN(const RecordTypeInfo* info, TypeByName(request.type()));
    type = info->type;
  }
  std::string after;
  if (!request.page_token().empty() &&
      !absl::WebSafeBase64Unescape(request.page_token(), &after)) {
    return absl::InvalidArgumentError("page_token is not one this daemon gave");
  }
  const size_t page_size =
      request.page_size() == 0 ? 1000 : request.page_size();
  ASSIGN_OR_RETURN(Replica::RecordPage page,
                   options_.replica->ListRecordsPage(request.review_id(), type,
                                                     request.include_deleted(),
                                                     after, page_size));
  v1::ListRecordsReply reply;
  for (const RecordView& view : page.records) {
    *reply.add_records() = DescribeRecord(view, /*with_fields=*/false);
  }
  if (!page.next.empty()) {
    reply.set_next_page_token(absl::WebSafeBase64Escape(page.next));
  }
  return reply;
}

absl::StatusOr<v1::ListConflictsReply> RecordService::ListConflicts(
    const v1::ListConflictsRequest& request) {
  ASSIGN_OR_RETURN(std::vector<FieldConflict> conflicts,
                   options_.replica->ListConflicts(request.review_id()));
  v1::ListConflictsReply reply;
  for (const FieldConflict& conflict : conflicts) {
    v1::Conflict* out = reply.add_conflicts();
    out->set_review_id(conflict.record.review_id());
    out->set_record_id(conflict.record.record_id());
    out->set_type(RecordTypeName(conflict.record.type()));
    out->set_field(conflict.field->name());
    // Free text: each value as a word diff against the value they were all
    // edited from, where that is known.
    std::optional<AncestorValue> ancestor;
    if (IsFreeTextField(*conflict.field)) {
      std::vector<v1::Dot> heads;
      for (const v1::HeadValue& value : conflict.values) {
        heads.push_back(value.dot());
      }
      ASSIGN_OR_RETURN(
          ancestor,
          FindCommonAncestor(
              [this](const v1::Dot& dot) {
                return options_.replica->ReadChange(dot);
              },
              static_cast<uint32_t>(conflict.field->number()), heads));
    }
    bool first = true;
    for (const v1::HeadValue& value : conflict.values) {
      v1::ConflictValue* described = out->add_values();
      *described = DescribeValue(*conflict.field, value, first);
      first = false;
      if (ancestor.has_value() &&
          ancestor->value.kind_case() == v1::FieldValue::kStringValue &&
          value.value().kind_case() == v1::FieldValue::kStringValue) {
        described->set_diff_from_ancestor(WordDiff(
            ancestor->value.string_value(), value.value().string_value()));
        *described->mutable_ancestor() = ancestor->dot;
      }
    }
  }
  return reply;
}

absl::StatusOr<v1::EditRecordReply> RecordService::Resolve(
    const v1::ResolveConflictRequest& request) {
  ASSIGN_OR_RETURN(
      RecordView view,
      options_.replica->ReadRecord(request.review_id(), request.record_id()));
  const RecordTypeInfo* type = FindRecordType(view.ref.type());
  ASSIGN_OR_RETURN(const pb::FieldDescriptor* field,
                   FieldByName(*type, request.field()));
  const FieldState* state = nullptr;
  for (const FieldState& candidate : view.fields) {
    if (candidate.field == field) state = &candidate;
  }
  if (state == nullptr || !state->in_conflict()) {
    return absl::FailedPreconditionError(
        absl::StrCat("field '", request.field(), "' of record ",
                     request.record_id(), " is not in conflict"));
  }
  FieldEdit write;
  write.field = static_cast<uint32_t>(field->number());
  switch (request.choice_case()) {
    case v1::ResolveConflictRequest::kValue: {
      ASSIGN_OR_RETURN(write.value, ParseFieldValue(*field, request.value()));
      break;
    }
    case v1::ResolveConflictRequest::kKeep: {
      const v1::HeadValue* kept = nullptr;
      for (const v1::HeadValue& head : state->heads.heads()) {
        if (SameDot(head.dot(), request.keep())) kept = &head;
      }
      if (kept == nullptr) {
        return absl::InvalidArgumentError(
            absl::StrCat(FormatDot(request.keep()),
                         " did not write any of the conflicting values"));
      }
      write.value = kept->value();
      break;
    }
    case v1::ResolveConflictRequest::CHOICE_NOT_SET:
      return absl::InvalidArgumentError(
          "say which value to keep, or give a new value");
  }
  RETURN_IF_ERROR(CheckWrite(view.ref));
  RecordEdit edit;
  edit.record = view.ref;
  edit.author = request.author();
  edit.fields.push_back(std::move(write));
  // Batch::Edit names every current value of the field as a parent, which is
  // what ends the conflict.
  return Commit(edit, /*create=*/false);
}

absl::StatusOr<v1::ImportChronologyReply> RecordService::ImportChronology(
    const v1::ImportChronologyRequest& request,
    const BundleProgressFn& progress) {
  RETURN_IF_ERROR(CheckId("review id", request.review_id()));
  v1::RecordRef ref;
  ref.set_review_id(request.review_id());
  ref.set_type(v1::RECORD_TYPE_CHRONOLOGY);
  ref.set_owner_agency(options_.replica->id());
  RETURN_IF_ERROR(CheckWrite(ref));
  // Every good row is staged as it is read; the batch is committed only if
  // the file is good (or bad rows are to be skipped), so a refused file
  // leaves nothing behind.
  std::unique_ptr<Replica::Batch> batch = options_.replica->NewBatch();
  uint32_t staged = 0;
  // Lines after the header: the rows, but for quoted line breaks.
  const uint64_t lines = static_cast<uint64_t>(
      std::count(request.csv().begin(), request.csv().end(), '\n'));
  const uint64_t rows = lines > 0 ? lines - 1 : 0;
  ASSIGN_OR_RETURN(
      std::vector<CsvRowError> errors,
      ParseChronologyCsv(request.csv(), request.review_id(),
                         options_.replica->options().limits,
                         [&](uint32_t, RecordEdit entry) -> absl::Status {
                           entry.author = request.author();
                           RETURN_IF_ERROR(batch->Edit(entry).status());
                           ++staged;
                           ReportProgress(progress, "rows", staged,
                                          std::max<uint64_t>(rows, staged));
                           return absl::OkStatus();
                         }));
  v1::ImportChronologyReply reply;
  for (const CsvRowError& error : errors) {
    v1::ImportError* out = reply.add_errors();
    out->set_line(error.line);
    out->set_message(error.message);
  }
  if ((!errors.empty() && !request.skip_bad()) || staged == 0) return reply;
  ReportProgress(progress, "entries saved", 0, staged);
  RETURN_IF_ERROR(batch->Commit());
  batch.reset();
  // A large import leaves tens of megabytes freed but held by the allocator;
  // give them back rather than keep them for the daemon's lifetime.
  malloc_trim(0);
  if (options_.on_write) options_.on_write();
  reply.set_imported(staged);
  return reply;
}

absl::StatusOr<v1::DigestReply> RecordService::Digest(
    const v1::GetDigestRequest& request) {
  RecordFilter filter;
  absl::Status read_error;
  if (!request.for_agency().empty()) {
    RETURN_IF_ERROR(CheckId("agency id", request.for_agency()));
    filter = [&](const v1::RecordRef& ref, v1::Visibility visibility) {
      absl::StatusOr<bool> may =
          MaySeeNow(*options_.replica, request.for_agency(), ref, visibility);
      if (!may.ok()) read_error = may.status();
      return may.ok() && *may;
    };
  }
  ASSIGN_OR_RETURN(StateDigest digest, options_.replica->Digest(filter));
  RETURN_IF_ERROR(read_error);
  v1::DigestReply reply;
  reply.set_sha256(digest.sha256);
  reply.set_records(digest.records);
  reply.set_field_values(digest.field_values);
  return reply;
}

absl::StatusOr<v1::ListChangesReply> RecordService::ListChanges(
    const v1::ListChangesRequest& request) {
  RETURN_IF_ERROR(CheckId("origin", request.origin()));
  v1::ListChangesReply reply;
  ASSIGN_OR_RETURN(uint64_t frontier,
                   options_.replica->Frontier(request.origin()));
  reply.set_frontier(frontier);
  ASSIGN_OR_RETURN(std::vector<v1::Dot> dots,
                   options_.replica->HeldDots(request.origin()));
  for (v1::Dot& dot : dots) *reply.add_dots() = std::move(dot);
  return reply;
}

}  // namespace casesync
