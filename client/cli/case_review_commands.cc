#include "client/cli/case_review_commands.h"

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_join.h"
#include "casesync/v1/records.pb.h"
#include "client/cli/deadline_commands.h"
#include "client/cli/output.h"
#include "client/cli/record_commands.h"
#include "common/program/command_line.h"
#include "common/records/field_value.h"

namespace casesync::cli {
namespace {

int ListReviews(Client& client, const CliContext& context) {
  v1::ListRecordsRequest request;
  request.set_type("review");
  int code = kExitOk;
  v1::ListRecordsReply reply;
  if (!ListAllRecords(client, request, &reply, &code)) return code;
  if (context.json) {
    *context.out << ToJson(reply) << "\n";
    return kExitOk;
  }
  Table table({"REVIEW", "PHASE", "AGENCIES", "TITLE"});
  for (const v1::RecordDetail& record : reply.records()) {
    v1::Review review;
    record.record().UnpackTo(&review);
    const auto* phase = v1::Review::Phase_descriptor()->FindValueByNumber(
        review.phase() == v1::Review::PHASE_UNSPECIFIED
            ? v1::Review::PHASE_SCOPING
            : review.phase());
    table.AddRow({review.id(), EnumShortName(*phase),
                  absl::StrJoin(review.agencies(), ","),
                  ShortLine(review.title(), 50)});
  }
  if (table.empty()) {
    *context.out << "no reviews\n";
  } else {
    table.Print(*context.out);
  }
  return kExitOk;
}

// The review's statutory deadlines, on the board (an agency lists only what
// is due from it: `casesync deadlines`).
int ShowClock(Client& client, const CliContext& context,
              const std::string& review, const std::string& as_of) {
  v1::ListDeadlinesRequest request;
  request.set_review_id(review);
  request.set_as_of(as_of);
  int code = kExitOk;
  v1::ListDeadlinesReply reply;
  if (!client.Call(&Stub::ListDeadlines, request, &reply, &code)) return code;
  if (reply.reviews().empty()) return kExitOk;
  *context.out << "\nStatutory clock as of " << reply.as_of() << ":";
  if (reply.deadlines().empty()) {
    *context.out << " no deadline yet (set the review's kind and key dates)\n";
    return kExitOk;
  }
  *context.out << "\n";
  PrintDeadlines(reply, context);
  return kExitOk;
}

void AddCreate(CLI::App* review, CliContext& context, const CommandBinder& on) {
  auto* create =
      review->add_subcommand("create", "create a review (board only)");
  auto id = std::make_shared<std::string>();
  auto title = std::make_shared<std::string>();
  auto agencies = std::make_shared<std::string>();
  auto kind = std::make_shared<std::string>();
  auto methodology = std::make_shared<std::string>();
  auto aware = std::make_shared<std::string>();
  auto sets = std::make_shared<std::vector<std::string>>();
  create->add_option("ID", *id, "the review's id, e.g. cspr-2024-07")
      ->required();
  create->add_option("--title", *title, "title")->required();
  create
      ->add_option("--agencies", *agencies,
                   "participating agencies, comma-separated: csc,health,police")
      ->required();
  create->add_option("--kind", *kind,
                     "rapid_review, lcspr, scr (a legacy serious case "
                     "review) or learning_review: which statutory clock "
                     "runs (docs/statutory_process.md)");
  create->add_option("--methodology", *methodology,
                     "learning_together, other_systems or other");
  create->add_option("--aware", *aware,
                     "the day the local authority learnt of the serious "
                     "incident, YYYY-MM-DD: day 0 of the Panel "
                     "notification's 5 working days");
  create->add_option("--set", *sets, "another field: FIELD=VALUE (repeatable)");
  create->footer(
      "Other key dates (incident_date, panel_notified_date, "
      "rapid_review_sent_date, decision_date, ...) are fields of the review, "
      "set with `casesync record edit ID --review ID --type review --set "
      "FIELD=YYYY-MM-DD`; `casesync deadlines` counts from them.\n"
      "Example:\n  casesync review create cspr-7 --title \"Child J\" "
      "--agencies csc,police,health,school --kind rapid_review --aware "
      "2024-03-04");
  create->callback(on([&context, id, title, agencies, kind, methodology, aware,
                       sets](Client& c) {
    v1::EditRecordRequest request;
    request.set_type("review");
    request.set_review_id(*id);
    request.set_create(true);
    std::vector<std::string> all = *sets;
    all.push_back("title=" + *title);
    all.push_back("agencies=" + *agencies);
    if (!kind->empty()) all.push_back("kind=" + *kind);
    if (!methodology->empty()) all.push_back("methodology=" + *methodology);
    if (!aware->empty()) all.push_back("aware_date=" + *aware);
    return EditRecord(c, context, request, all, "", /*print_id=*/true);
  }));
}

void AddListAndShow(CLI::App* review, CliContext& context,
                    const CommandBinder& on) {
  review->add_subcommand("list", "list reviews")
      ->footer(
          "Example:\n"
          "  casesync --socket /run/casesync-board/board.sock review list")
      ->callback(on([&context](Client& c) { return ListReviews(c, context); }));

  auto* show = review->add_subcommand("show", "show one review");
  auto id = std::make_shared<std::string>();
  auto as_of = std::make_shared<std::string>();
  show->add_option("ID", *id, "review id")->required();
  show->add_option("--as-of", *as_of,
                   "count the clock's working days left as of this day, "
                   "YYYY-MM-DD (default: today)");
  show->footer(
      "On the board, the review's statutory clock follows its fields: each "
      "deadline, its due date and the working days left "
      "(docs/statutory_process.md).\n"
      "Example:\n  casesync review show cspr-7");
  show->callback(on([&context, id, as_of](Client& c) {
    const int code = ShowRecord(c, context, *id, *id);
    if (code != kExitOk || context.json) return code;
    return ShowClock(c, context, *id, *as_of);
  }));
}

void AddPhaseAndReopen(CLI::App* review, CliContext& context,
                       const CommandBinder& on) {
  auto* phase = review->add_subcommand(
      "phase", "move a review to another phase (board only)");
  auto phase_id = std::make_shared<std::string>();
  auto phase_name = std::make_shared<std::string>();
  phase->add_option("ID", *phase_id, "review id")->required();
  phase
      ->add_option("PHASE", *phase_name,
                   "scoping, data_gathering, analysis, findings, "
                   "board_response, redaction, published, closed")
      ->required();
  phase->footer(
      "Example:\n  casesync review phase cspr-7 analysis   # on the board");
  phase->callback(on([&context, phase_id, phase_name](Client& c) {
    v1::EditRecordRequest request;
    request.set_type("review");
    request.set_review_id(*phase_id);
    // A new phase ends any reopening of the old one.
    return EditRecord(c, context, request,
                      {"phase=" + *phase_name, "reopened=no"}, "", false);
  }));

  auto* reopen = review->add_subcommand(
      "reopen",
      "let agencies add and change records again past the findings phase "
      "(board only; the next phase change closes it again)");
  auto reopen_id = std::make_shared<std::string>();
  reopen->add_option("ID", *reopen_id, "review id")->required();
  reopen->footer("Example:\n  casesync review reopen cspr-7");
  reopen->callback(on([&context, reopen_id](Client& c) {
    v1::EditRecordRequest request;
    request.set_type("review");
    request.set_review_id(*reopen_id);
    return EditRecord(c, context, request, {"reopened=yes"}, "", false);
  }));
}

void AddAgencies(CLI::App* review, CliContext& context,
                 const CommandBinder& on) {
  auto* agencies = review->add_subcommand(
      "agencies",
      "set the agencies taking part in a review (board only): one that joins "
      "receives the records shared with it as they are now, never their "
      "earlier versions; one that leaves removes its copies of the others' "
      "records");
  auto id = std::make_shared<std::string>();
  auto list = std::make_shared<std::string>();
  agencies->add_option("ID", *id, "review id")->required();
  agencies
      ->add_option("AGENCIES", *list,
                   "every participating agency, comma-separated")
      ->required();
  agencies->footer(
      "Example:\n  casesync review agencies cspr-7 csc,police,health,school");
  agencies->callback(on([&context, id, list](Client& c) {
    v1::EditRecordRequest request;
    request.set_type("review");
    request.set_review_id(*id);
    const int code =
        EditRecord(c, context, request, {"agencies=" + *list}, "", false);
    if (code == 0) {
      *context.err << "agencies of " << *id << ": " << *list
                   << "; each receives what is shared with it when it syncs\n";
    }
    return code;
  }));
}

}  // namespace

void AddCaseReviewCommands(CLI::App& app, CliContext& context,
                           const CommandBinder& on) {
  auto* review =
      app.add_subcommand("review", "case reviews (created by the board)");
  review->require_subcommand(1);
  AddCreate(review, context, on);
  AddListAndShow(review, context, on);
  AddPhaseAndReopen(review, context, on);
  AddAgencies(review, context, on);
}

}  // namespace casesync::cli
