#include "common/api/review_service.h"

#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/base/status_macros.h"
#include "common/calendar/dates.h"
#include "common/document/office_formats.h"
#include "common/document/review_render.h"
#include "common/publication/pseudonyms.h"
#include "common/records/field_value.h"
#include "common/review/joint_review.h"

namespace casesync {
namespace {

namespace pb = ::google::protobuf;

constexpr size_t kExportChunkBytes = 1 << 20;

// The discrepancies alone need only the chronology, but they are built the
// same way as the document's so that ids and decisions always agree.
[[nodiscard]] absl::StatusOr<v1::JointReview> Discrepancies(
    const Replica& replica, absl::string_view review_id,
    const v1::MatchRules& rules) {
  JointReviewOptions options;
  options.rules = rules;
  return BuildJointReview(replica, review_id, options);
}

void Set(v1::EditRecordRequest* request, absl::string_view name,
         absl::string_view value) {
  v1::FieldSetting* setting = request->add_set();
  setting->set_name(std::string(name));
  setting->set_value(std::string(value));
}

// The discrepancy `request` decides, as `review` (built with the request's
// rules) finds it. NOT_FOUND if it finds none by that id.
[[nodiscard]] absl::StatusOr<v1::Discrepancy> FindDiscrepancy(
    const v1::JointReview& review,
    const v1::DecideDiscrepancyRequest& request) {
  const v1::Discrepancy* found = nullptr;
  for (const v1::Discrepancy& discrepancy : review.discrepancies()) {
    if (discrepancy.id() == request.discrepancy_id()) found = &discrepancy;
  }
  if (found == nullptr) {
    return absl::NotFoundError(absl::StrCat(
        "review ", request.review_id(), " has no discrepancy ",
        request.discrepancy_id(), " (casesync discrepancies list --review ",
        request.review_id(),
        " shows them; list and decide with the same matching rules)"));
  }
  return *found;
}

// What a decision records as the review's choice.
struct Choice {
  // The value the review takes, as text.
  std::string value;
  // The entry whose version it is; empty for a value given outright.
  std::string entry_id;
};

// `text`, a value given outright for the field in `discrepancy`, in its
// canonical form. INVALID_ARGUMENT if it does not parse as the field.
[[nodiscard]] absl::StatusOr<std::string> ParseChosenValue(
    const v1::Discrepancy& discrepancy, const std::string& text) {
  const pb::FieldDescriptor* field =
      v1::ChronologyEntry::descriptor()->FindFieldByName(discrepancy.field());
  if (field == nullptr) {
    return absl::InternalError(
        absl::StrCat("unknown chronology field ", discrepancy.field()));
  }
  absl::StatusOr<v1::FieldValue> parsed = ParseFieldValue(*field, text);
  absl::Status valid = parsed.status();
  // The value is text in the decision; only its form is checked here (the
  // decision's own field limits apply when it is written).
  if (valid.ok()) {
    valid = CheckFieldValue(*field, *parsed, std::numeric_limits<size_t>::max(),
                            std::numeric_limits<size_t>::max());
  }
  if (!valid.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(discrepancy.field(), ": ", valid.message()));
  }
  return FormatFieldValue(*field, *parsed);
}

// The choice `request` makes for `discrepancy`: one of its versions, or a
// value. INVALID_ARGUMENT for a version out of range, a value that does not
// parse, or neither.
[[nodiscard]] absl::StatusOr<Choice> ChoiceOf(
    const v1::Discrepancy& discrepancy,
    const v1::DecideDiscrepancyRequest& request) {
  switch (request.choice_case()) {
    case v1::DecideDiscrepancyRequest::kVersion: {
      const uint32_t version = request.version();
      if (version < 1 ||
          version > static_cast<uint32_t>(discrepancy.versions_size())) {
        return absl::InvalidArgumentError(
            absl::StrCat("--version must be 1 to ", discrepancy.versions_size(),
                         ", not ", version));
      }
      const v1::DiscrepancyVersion& chosen = discrepancy.versions(version - 1);
      return Choice{chosen.value(), chosen.entry_id()};
    }
    case v1::DecideDiscrepancyRequest::kValue: {
      ASSIGN_OR_RETURN(std::string value,
                       ParseChosenValue(discrepancy, request.value()));
      return Choice{std::move(value), ""};
    }
    default:
      return absl::InvalidArgumentError(
          "say which version the review takes (--version N) or give the "
          "value (--value TEXT)");
  }
}

// The edit that records `choice` for `discrepancy`: its decision record
// changed, or one created that names the discrepancy and its entries.
v1::EditRecordRequest DecisionEdit(const v1::DecideDiscrepancyRequest& request,
                                   const v1::Discrepancy& discrepancy,
                                   const Choice& choice) {
  v1::EditRecordRequest edit;
  edit.set_review_id(request.review_id());
  edit.set_type("decision");
  edit.set_author(request.author());
  if (discrepancy.has_decision()) {
    edit.set_record_id(discrepancy.decision().id());
  } else {
    edit.set_create(true);
    Set(&edit, "discrepancy_id", discrepancy.id());
    Set(&edit, "field", discrepancy.field());
    std::vector<std::string> entries;
    for (const v1::DiscrepancyVersion& version : discrepancy.versions()) {
      entries.push_back(version.entry_id());
    }
    Set(&edit, "entry_ids", absl::StrJoin(entries, ","));
    // The decision goes to the agencies that may see both entries it names
    // (it names them: common/records/audience.h narrows it to those).
    Set(&edit, "visibility", "review");
  }
  Set(&edit, "chosen_entry_id", choice.entry_id);
  Set(&edit, "value", choice.value);
  Set(&edit, "rationale", request.rationale());
  return edit;
}

// The published version in `state`, if it may be published: no possible
// leak undecided, and a sign-off of exactly this content.
// FAILED_PRECONDITION otherwise, listing every leak.
[[nodiscard]] absl::StatusOr<v1::JointReview> PublishableReview(
    absl::string_view review_id, PublicationState state) {
  const std::vector<v1::PublicationLeak>& leaks = state.publication.leaks;
  if (!leaks.empty()) {
    std::vector<std::string> lines;
    for (const v1::PublicationLeak& leak : leaks) {
      lines.push_back(DescribeLeak(leak));
    }
    return absl::FailedPreconditionError(absl::StrCat(
        "not fit to publish: ", leaks.size(),
        leaks.size() == 1 ? " place may still identify"
                          : " places may still identify",
        " someone (reword the record, add the full name to the pseudonym "
        "map with casesync pseudonym add, or resolve each with casesync "
        "publication redact or false-alarm):\n",
        absl::StrJoin(lines, "\n")));
  }
  if (!state.signoff_current) {
    return absl::FailedPreconditionError(absl::StrCat(
        state.signoff ? "the sign-off of review " : "review ", review_id,
        state.signoff ? " is of earlier content: the published version has "
                        "changed since; sign off again"
                      : " is not signed off for publication",
        " (casesync publication signoff --review ", review_id,
        " --note TEXT)"));
  }
  return std::move(state.publication.review);
}

}  // namespace

absl::StatusOr<v1::ListDiscrepanciesReply> ReviewService::ListDiscrepancies(
    const v1::ListDiscrepanciesRequest& request) {
  ASSIGN_OR_RETURN(v1::JointReview review,
                   Discrepancies(*records_->replica(), request.review_id(),
                                 request.rules()));
  v1::ListDiscrepanciesReply reply;
  for (v1::Discrepancy& discrepancy : *review.mutable_discrepancies()) {
    if (request.undecided_only() && discrepancy.has_decision()) continue;
    *reply.add_discrepancies() = std::move(discrepancy);
  }
  for (v1::CompositeEntry& entry :
       *review.mutable_chronology()->mutable_entries()) {
    if (entry.sources_size() > 1) *reply.add_duplicates() = std::move(entry);
  }
  return reply;
}

absl::StatusOr<v1::EditRecordReply> ReviewService::Decide(
    const v1::DecideDiscrepancyRequest& request) {
  if (records_->role() != Role::kBoard) {
    return absl::FailedPreconditionError(
        "discrepancies are decided by the review team on the board; the "
        "decision reaches this agency when it syncs");
  }
  if (request.rationale().empty()) {
    return absl::InvalidArgumentError(
        "a decision needs a rationale (--rationale TEXT): why the review "
        "takes this version");
  }
  ASSIGN_OR_RETURN(v1::JointReview review,
                   Discrepancies(*records_->replica(), request.review_id(),
                                 request.rules()));
  ASSIGN_OR_RETURN(const v1::Discrepancy discrepancy,
                   FindDiscrepancy(review, request));
  ASSIGN_OR_RETURN(const Choice choice, ChoiceOf(discrepancy, request));
  return records_->Edit(DecisionEdit(request, discrepancy, choice));
}

absl::StatusOr<v1::JointReview> ReviewService::Assemble(
    const v1::ExportReviewRequest& request) {
  if (request.published()) {
    ASSIGN_OR_RETURN(
        PublicationState state,
        publication_->Prepare(request.review_id(), request.rules()));
    return PublishableReview(request.review_id(), std::move(state));
  }
  JointReviewOptions options;
  options.rules = request.rules();
  options.published = request.published();
  options.clock = clock_;
  options.as_of = Today(*SystemClock());
  v1::BoardStatus board;
  if (records_->role() == Role::kBoard) {
    ASSIGN_OR_RETURN(v1::StatusReply status, sync_->Status());
    board = status.board();
    options.board = &board;
  }
  return BuildJointReview(*records_->replica(), request.review_id(), options);
}

absl::Status ReviewService::Export(const v1::ExportReviewRequest& request,
                                   const ExportSink& send) {
  const std::string& format = request.format();
  // What the name check reads: the document, or for Word and PDF the text
  // they are made from.
  std::string (*render)(const v1::JointReview&) = nullptr;
  if (format == "md" || format == "docx") {
    render = RenderReviewMarkdown;
  } else if (format == "html" || format == "pdf") {
    render = RenderReviewHtml;
  } else if (format == "json") {
    render = RenderReviewJson;
  } else {
    return absl::InvalidArgumentError(absl::StrCat(
        "unknown format '", format, "': md, html, json, docx or pdf"));
  }
  const bool office = format == "docx" || format == "pdf";
  if ((request.published() || office) && records_->role() != Role::kBoard) {
    return absl::FailedPreconditionError(
        request.published()
            ? "a published export is made on the board, which holds the "
              "review's pseudonym map and checks that no real name is left"
            : "Word and PDF are made on the board, which has the programs "
              "that make them (export md or html here)");
  }
  ASSIGN_OR_RETURN(v1::JointReview review, Assemble(request));
  std::string document = render(review);
  if (request.published()) {
    // What rendering added (a heading, a label) is checked too.
    ASSIGN_OR_RETURN(std::vector<v1::PseudonymEntry> map,
                     PseudonymMap(*records_->replica(), request.review_id()));
    std::vector<std::string> places = FindRealNamesInText(map, document);
    if (!places.empty()) {
      return absl::FailedPreconditionError(absl::StrCat(
          "not fit to publish: the ", format,
          " document still names someone in the review's pseudonym map:\n",
          absl::StrJoin(places, "\n")));
    }
  }
  if (format == "docx") {
    ASSIGN_OR_RETURN(document, RenderReviewDocx(review, office_formats_));
  } else if (format == "pdf") {
    ASSIGN_OR_RETURN(document, RenderReviewPdf(review, office_formats_));
  }
  for (size_t at = 0; at < document.size(); at += kExportChunkBytes) {
    if (!send(absl::string_view(document).substr(at, kExportChunkBytes))) {
      return absl::CancelledError("the caller went away");
    }
  }
  return absl::OkStatus();
}

}  // namespace casesync
