#include "client/cli/publication_commands.h"

#include <memory>
#include <string>

#include "client/cli/output.h"
#include "common/program/command_line.h"

namespace casesync::cli {
namespace {

// Building the published version of a large review takes a second or two.
constexpr absl::Duration kPublicationDeadline = absl::Minutes(2);

int Check(Client& client, const CliContext& context,
          const std::string& review) {
  v1::CheckPublicationRequest request;
  request.set_review_id(review);
  int code = kExitOk;
  v1::CheckPublicationReply reply;
  if (!client.Call(&Stub::CheckPublication, request, &reply, &code,
                   kPublicationDeadline)) {
    return code;
  }
  if (context.json) {
    *context.out << ToJson(reply) << "\n";
    return reply.leaks().empty() ? kExitOk : kExitFailure;
  }
  for (const v1::PublicationLeak& leak : reply.leaks()) {
    *context.out << leak.record_id() << "  " << leak.field() << "  \""
                 << leak.text() << "\"  (" << leak.kind() << ")\n";
  }
  *context.out << reply.leaks_size()
               << (reply.leaks_size() == 1 ? " possible leak undecided, "
                                           : " possible leaks undecided, ")
               << reply.decisions() << " decided; content "
               << reply.content_hash().substr(0, 16) << "; ";
  if (!reply.has_signoff()) {
    *context.out << "not signed off\n";
  } else {
    *context.out << "signed off by " << reply.signoff().signed_by() << " at "
                 << reply.signoff().signed_at()
                 << (reply.signoff_current() ? "" : " (of earlier content)")
                 << "\n";
  }
  return reply.leaks().empty() ? kExitOk : kExitFailure;
}

int SignOff(Client& client, const CliContext& context,
            const std::string& review, const std::string& note) {
  v1::SignOffPublicationRequest request;
  request.set_review_id(review);
  request.set_note(note);
  request.set_author(context.author);
  int code = kExitOk;
  v1::EditRecordReply reply;
  if (!client.Call(&Stub::SignOffPublication, request, &reply, &code,
                   kPublicationDeadline)) {
    return code;
  }
  if (context.json) {
    *context.out << ToJson(reply) << "\n";
  } else {
    *context.out << "signed off the published version of " << review
                 << " (sign-off " << reply.record_id() << ")\n";
  }
  return kExitOk;
}

int Decide(Client& client, const CliContext& context,
           v1::DecideLeakRequest request) {
  request.set_author(context.author);
  int code = kExitOk;
  v1::EditRecordReply reply;
  if (!client.Call(&Stub::DecideLeak, request, &reply, &code,
                   kPublicationDeadline)) {
    return code;
  }
  if (context.json) {
    *context.out << ToJson(reply) << "\n";
  } else {
    *context.out << (request.action() == v1::LeakDecision::ACTION_REDACT
                         ? "redacted"
                         : "marked a false alarm")
                 << " (decision " << reply.record_id() << ")\n";
  }
  return kExitOk;
}

int Log(Client& client, const CliContext& context, const std::string& review) {
  v1::RedactionLogRequest request;
  request.set_review_id(review);
  int code = kExitOk;
  v1::RedactionLogReply reply;
  if (!client.Call(&Stub::GetRedactionLog, request, &reply, &code,
                   kPublicationDeadline)) {
    return code;
  }
  if (context.json) {
    *context.out << ToJson(reply) << "\n";
    return kExitOk;
  }
  Table table({"RECORD", "FIELD", "REPLACED", "BY", "RULE"});
  for (const v1::RedactionLogEntry& entry : reply.entries()) {
    table.AddRow({entry.record_id(), entry.field(), entry.original(),
                  entry.replacement(), entry.rule()});
  }
  if (table.empty()) {
    *context.out << "no replacements\n";
  } else {
    table.Print(*context.out);
  }
  for (const v1::LeakDecision& decision : reply.decisions()) {
    if (decision.action() != v1::LeakDecision::ACTION_FALSE_ALARM) continue;
    *context.out << "false alarm: " << decision.record_id() << " "
                 << decision.field() << " \"" << decision.text() << "\" by "
                 << decision.decided_by() << " at " << decision.decided_at()
                 << ": " << decision.reason() << "\n";
  }
  return kExitOk;
}

// `publication redact` or `publication false-alarm`.
void AddDecisionCommand(CLI::App* publication, CliContext& context,
                        const CommandBinder& on, const char* name,
                        const char* help, v1::LeakDecision::Action action) {
  auto* command = publication->add_subcommand(name, help);
  auto request = std::make_shared<v1::DecideLeakRequest>();
  request->set_action(action);
  command->add_option("--review", *request->mutable_review_id(), "review id")
      ->required();
  command
      ->add_option("--record", *request->mutable_record_id(),
                   "the record, as the check lists it")
      ->required();
  command
      ->add_option("--field", *request->mutable_field(),
                   "the field, as the check lists it")
      ->required();
  command
      ->add_option("--text", *request->mutable_text(),
                   "the text, as the check quotes it")
      ->required();
  command
      ->add_option("--reason", *request->mutable_reason(),
                   "why (required; kept in the redaction log)")
      ->required();
  if (action == v1::LeakDecision::ACTION_REDACT) {
    command->add_option("--with", *request->mutable_replacement(),
                        "what replaces it (default \"[redacted]\")");
  }
  command->callback(on(
      [&context, request](Client& c) { return Decide(c, context, *request); }));
}

}  // namespace

void AddPublicationCommands(CLI::App& app, CliContext& context,
                            const CommandBinder& on) {
  auto* publication = app.add_subcommand(
      "publication",
      "the published version of a review (board only): what may still "
      "identify someone, redactions, false alarms, the sign-off and the "
      "redaction log");
  publication->require_subcommand(1);

  auto* check = publication->add_subcommand(
      "check",
      "list every possible leak not yet decided, and the sign-off; exit 1 "
      "while any is left");
  auto c_review = std::make_shared<std::string>();
  check->add_option("--review", *c_review, "review id")->required();
  check->callback(on([&context, c_review](Client& c) {
    return Check(c, context, *c_review);
  }));

  auto* signoff = publication->add_subcommand(
      "signoff",
      "approve the published version's current content; refused while a "
      "possible leak is undecided");
  auto s_review = std::make_shared<std::string>();
  auto note = std::make_shared<std::string>();
  signoff->add_option("--review", *s_review, "review id")->required();
  signoff
      ->add_option("--note", *note,
                   "who approves and on what authority (e.g. the "
                   "partnership meeting)")
      ->required();
  signoff->footer(
      "Example:\n"
      "  casesync publication signoff --review cspr-7 --note \"Approved by "
      "the safeguarding partners, 4 March\"");
  signoff->callback(on([&context, s_review, note](Client& c) {
    return SignOff(c, context, *s_review, *note);
  }));

  AddDecisionCommand(publication, context, on, "redact",
                     "replace one possible leak in the published version",
                     v1::LeakDecision::ACTION_REDACT);
  AddDecisionCommand(publication, context, on, "false-alarm",
                     "publish one possible leak as it is: it identifies "
                     "nobody",
                     v1::LeakDecision::ACTION_FALSE_ALARM);

  auto* log = publication->add_subcommand(
      "log",
      "the redaction log: every replacement the published version makes, "
      "where and by which rule (never published)");
  auto l_review = std::make_shared<std::string>();
  log->add_option("--review", *l_review, "review id")->required();
  log->callback(on(
      [&context, l_review](Client& c) { return Log(c, context, *l_review); }));
}

}  // namespace casesync::cli
