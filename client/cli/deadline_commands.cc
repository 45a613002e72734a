#include "client/cli/deadline_commands.h"

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "client/cli/output.h"
#include "client/cli/record_commands.h"
#include "common/program/command_line.h"

namespace casesync::cli {
namespace {

// "3", "-2 (overdue)", "done", "done, 2 late", "?" for what cannot be
// counted.
std::string DaysLeft(bool done, bool overdue, bool late, int days_left,
                     const std::string& due) {
  if (done) {
    return late ? absl::StrCat("done, ", -days_left, " late") : "done";
  }
  if (due.empty()) return "?";
  if (overdue) return absl::StrCat(days_left, " (overdue)");
  return absl::StrCat(days_left);
}

std::string OrDash(const std::string& text) {
  return text.empty() ? "-" : text;
}

void PrintRequests(const v1::ListDeadlinesReply& reply, std::ostream& out) {
  Table table({"REVIEW", "REQUEST", "AGENCY", "KIND", "DUE", "DAYS LEFT",
               "STATE", "SUBMITTED"});
  for (const v1::ContributionStatus& r : reply.requests()) {
    table.AddRow(
        {r.review_id(), r.request_id(), r.agency(), r.kind(), OrDash(r.due()),
         DaysLeft(r.done(), r.overdue(), r.late(), r.days_left(), r.due()),
         r.state(), OrDash(r.submitted_date())});
  }
  out << "\nContribution requests\n";
  if (table.empty()) {
    out << "  none\n";
  } else {
    table.Print(out);
  }
}

void PrintActions(const v1::ListDeadlinesReply& reply, std::ostream& out) {
  if (reply.actions().empty()) return;
  Table table(
      {"REVIEW", "ACTION", "OWNER", "DUE", "DAYS LEFT", "STATUS", "WHAT"});
  for (const v1::ActionStatus& a : reply.actions()) {
    table.AddRow(
        {a.review_id(), a.action_id(), a.action_owner(), OrDash(a.due()),
         DaysLeft(a.done(), a.overdue(), false, a.days_left(), a.due()),
         a.status(), ShortLine(a.action(), 40)});
  }
  out << "\nActions\n";
  table.Print(out);
}

int ListDeadlines(Client& client, const CliContext& context,
                  const v1::ListDeadlinesRequest& request) {
  int code = kExitOk;
  v1::ListDeadlinesReply reply;
  if (!client.Call(&Stub::ListDeadlines, request, &reply, &code,
                   absl::Minutes(2))) {
    return code;
  }
  if (context.json) {
    *context.out << ToJson(reply) << "\n";
    return kExitOk;
  }
  *context.out << "as of " << reply.as_of()
               << "; working days: " << reply.calendar() << "\n";
  if (!reply.reviews().empty()) {
    *context.out << "\nStatutory deadlines\n";
    if (reply.deadlines().empty()) {
      *context.out << "  none: record key dates with casesync record edit "
                      "REVIEW --review REVIEW --type review --set "
                      "aware_date=YYYY-MM-DD\n";
    } else {
      PrintDeadlines(reply, context);
    }
  }
  PrintRequests(reply, *context.out);
  PrintActions(reply, *context.out);
  return kExitOk;
}

void AddDeadlinesCommand(CLI::App& app, CliContext& context,
                         const CommandBinder& on) {
  auto* deadlines = app.add_subcommand(
      "deadlines",
      "what is due, most urgent first: on the board every review's statutory "
      "deadlines, every agency's contribution requests and every action; on "
      "an agency what is due from it");
  auto request = std::make_shared<v1::ListDeadlinesRequest>();
  deadlines->add_option("--review", *request->mutable_review_id(),
                        "one review only");
  deadlines->add_option("--as-of", *request->mutable_as_of(),
                        "count working days left as of this day, YYYY-MM-DD "
                        "(default: today)");
  deadlines->footer(
      "Days left are working days (weekends, England and Wales bank holidays "
      "and the partnership's closure days excluded), negative when overdue; "
      "docs/statutory_process.md says how each deadline is counted.\n"
      "Examples:\n"
      "  casesync deadlines\n"
      "  casesync deadlines --review cspr-7 --json");
  deadlines->callback(on([&context, request](Client& c) {
    return ListDeadlines(c, context, *request);
  }));
}

void AddRequestAdd(CLI::App* parent, CliContext& context,
                   const CommandBinder& on) {
  auto* add = parent->add_subcommand(
      "add", "ask an agency for a contribution, with a due date (board only)");
  auto review = std::make_shared<std::string>();
  auto agency = std::make_shared<std::string>();
  auto kind = std::make_shared<std::string>();
  auto due = std::make_shared<std::string>();
  auto note = std::make_shared<std::string>();
  add->add_option("--review", *review, "review id")->required();
  add->add_option("--agency", *agency, "the agency asked")->required();
  add->add_option("--kind", *kind,
                  "chronology, summary, report or practitioner_availability")
      ->required();
  add->add_option("--due", *due, "due date, YYYY-MM-DD")->required();
  add->add_option("--note", *note, "what is asked, in words");
  add->footer(
      "The request reaches the agency when it syncs (or by bundle); the "
      "agency moves it with `casesync request move`. Prints the request's "
      "id.\n"
      "Example:\n"
      "  casesync request add --review cspr-7 --agency police --kind "
      "chronology --due 2024-03-15");
  add->callback(on([&context, review, agency, kind, due, note](Client& c) {
    v1::EditRecordRequest request;
    request.set_review_id(*review);
    request.set_type("request");
    request.set_create(true);
    std::vector<std::string> sets = {"agency=" + *agency, "kind=" + *kind,
                                     "due_date=" + *due};
    if (!note->empty()) sets.push_back("note=" + *note);
    // The agency asked must receive it.
    return EditRecord(c, context, request, sets, "review", /*print_id=*/true);
  }));
}

void AddRequestMove(CLI::App* parent, CliContext& context,
                    const CommandBinder& on) {
  auto* move = parent->add_subcommand(
      "move",
      "move a contribution request on: an agency to in_progress, submitted "
      "or signed_off; the board to queried, accepted or withdrawn");
  auto request = std::make_shared<v1::MoveRequestRequest>();
  move->add_option("ID", *request->mutable_request_id(), "the request's id")
      ->required();
  move->add_option("--review", *request->mutable_review_id(), "review id")
      ->required();
  move->add_option("--to", *request->mutable_to(),
                   "in_progress, submitted, signed_off (agency); queried, "
                   "accepted, withdrawn (board)")
      ->required();
  move->add_option("--on", *request->mutable_date(),
                   "the day of the move, YYYY-MM-DD (default: today)");
  move->add_option("--by", *request->mutable_signed_off_by(),
                   "for signed_off: the agency's senior manager who signs it "
                   "off, \"NAME, ROLE\"");
  move->add_option("--note", *request->mutable_note(),
                   "a note kept with the move (the board's: what it queries)");
  move->footer(
      "Each move is one change with its author (--author, default $USER).\n"
      "Examples:\n"
      "  casesync request move REQ --review cspr-7 --to submitted   # agency\n"
      "  casesync request move REQ --review cspr-7 --to signed_off --by "
      "\"A. Patel, Head of Safeguarding\"\n"
      "  casesync request move REQ --review cspr-7 --to queried --note "
      "\"dates for 2023 missing\"   # board");
  move->callback(on([&context, request](Client& c) {
    v1::MoveRequestRequest call = *request;
    call.set_author(context.author);
    int code = kExitOk;
    v1::EditRecordReply reply;
    if (!c.Call(&Stub::MoveRequest, call, &reply, &code)) return code;
    if (context.json) {
      *context.out << ToJson(reply) << "\n";
    } else {
      *context.out << call.request_id() << " " << call.to()
                   << "; the board sees it when this daemon syncs\n";
    }
    return kExitOk;
  }));
}

}  // namespace

void PrintDeadlines(const v1::ListDeadlinesReply& reply,
                    const CliContext& context) {
  Table table({"REVIEW", "DEADLINE", "DUE", "DAYS LEFT", "RULE"});
  for (const v1::Deadline& d : reply.deadlines()) {
    std::string rule = d.rule();
    if (!d.note().empty())
      rule = absl::StrCat(rule, rule.empty() ? "" : "; ", d.note());
    table.AddRow(
        {d.review_id(), d.name(), d.due().empty() ? "?" : d.due(),
         DaysLeft(d.done(), d.overdue(), d.late(), d.days_left(), d.due()),
         rule});
  }
  if (!table.empty()) table.Print(*context.out);
}

void AddDeadlineCommands(CLI::App& app, CliContext& context,
                         const CommandBinder& on) {
  AddDeadlinesCommand(app, context, on);
  auto* request = app.add_subcommand(
      "request",
      "contribution requests: the board asks an agency for a chronology, a "
      "summary, a report or practitioners' availability");
  request->require_subcommand(1);
  AddRequestAdd(request, context, on);
  AddRequestMove(request, context, on);
}

}  // namespace casesync::cli
