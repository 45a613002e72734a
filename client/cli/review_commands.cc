#include "client/cli/review_commands.h"

#include <unistd.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "client/cli/file_io.h"
#include "client/cli/output.h"
#include "client/cli/progress_bar.h"
#include "common/program/command_line.h"

namespace casesync::cli {
namespace {

// A large review takes a second or two to assemble; this only stops a wedged
// daemon from hanging the command forever.
constexpr absl::Duration kExportDeadline = absl::Minutes(10);

// The matching rules a command was given (zero: the daemon's default).
struct RulesFlags {
  uint32_t window = 0;
  uint32_t uncertain_window = 0;
  double min_score = 0;
  double duplicate_wording = 0;
  uint32_t gap_days = 0;

  v1::MatchRules ToProto() const {
    v1::MatchRules rules;
    rules.set_date_window_days(window);
    rules.set_uncertain_date_window_days(uncertain_window);
    rules.set_min_score(min_score);
    rules.set_duplicate_wording(duplicate_wording);
    rules.set_gap_days(gap_days);
    return rules;
  }
};

void AddRulesFlags(CLI::App* command,
                   const std::shared_ptr<RulesFlags>& rules) {
  command->add_option("--window", rules->window,
                      "days apart two entries may be and still match "
                      "(default 3)");
  command->add_option("--uncertain-window", rules->uncertain_window,
                      "the same when either date is uncertain (default 31)");
  command->add_option("--min-score", rules->min_score,
                      "least match score, 0 to 1 (default 0.6)");
  command->add_option("--duplicate-wording", rules->duplicate_wording,
                      "least wording likeness, 0 to 1, for agreeing entries "
                      "to be shown once as a duplicate (default 0.8)");
  command->add_option("--gap-days", rules->gap_days,
                      "shortest stretch without contact shown as a gap "
                      "(default 28)");
}

void PrintDiscrepancy(const v1::Discrepancy& discrepancy, bool colour,
                      std::ostream& out) {
  out << Paint(Colour::kYellow, discrepancy.id(), colour) << "  "
      << discrepancy.field() << " differs"
      << absl::StrFormat("  (match score %.2f)", discrepancy.score()) << "\n";
  int number = 1;
  for (const v1::DiscrepancyVersion& version : discrepancy.versions()) {
    out << "  " << number++ << "  " << version.agency() << "  "
        << discrepancy.field() << " = "
        << (version.value().empty() ? "(not set)" : version.value()) << "   ["
        << version.source() << "] " << ShortLine(version.event(), 60) << "\n";
  }
  out << "  matched: " << absl::StrJoin(discrepancy.reasons(), "; ") << "\n";
  if (discrepancy.has_decision()) {
    const v1::DiscrepancyDecision& decision = discrepancy.decision();
    out << "  " << Paint(Colour::kGreen, "decided", colour) << ": "
        << discrepancy.field() << " = " << decision.value() << " ("
        << decision.rationale() << ")\n";
  }
}

int ListDiscrepancies(Client& client, const CliContext& context,
                      const v1::ListDiscrepanciesRequest& request) {
  int code = kExitOk;
  v1::ListDiscrepanciesReply reply;
  if (!client.Call(&Stub::ListDiscrepancies, request, &reply, &code,
                   absl::Minutes(2))) {
    return code;
  }
  if (context.json) {
    *context.out << ToJson(reply) << "\n";
    return kExitOk;
  }
  int undecided = 0;
  for (const v1::Discrepancy& discrepancy : reply.discrepancies()) {
    PrintDiscrepancy(discrepancy, context.colour_out, *context.out);
    *context.out << "\n";
    if (!discrepancy.has_decision()) ++undecided;
  }
  *context.out << reply.discrepancies_size()
               << (reply.discrepancies_size() == 1 ? " discrepancy ("
                                                   : " discrepancies (")
               << undecided << " undecided), " << reply.duplicates_size()
               << (reply.duplicates_size() == 1 ? " likely duplicate"
                                                : " likely duplicates")
               << " shown once in the composite chronology\n";
  if (undecided > 0) {
    *context.out << "decide on the board: casesync discrepancies decide ID "
                    "--review "
                 << request.review_id() << " --version N --rationale \"why\"\n";
  }
  return kExitOk;
}

int Decide(Client& client, const CliContext& context,
           v1::DecideDiscrepancyRequest request) {
  request.set_author(context.author);
  int code = kExitOk;
  v1::EditRecordReply reply;
  if (!client.Call(&Stub::DecideDiscrepancy, request, &reply, &code,
                   absl::Minutes(2))) {
    return code;
  }
  if (context.json) {
    *context.out << ToJson(reply) << "\n";
  } else {
    *context.out << "decided " << request.discrepancy_id() << " (decision "
                 << reply.record_id()
                 << "); it reaches the agencies when they sync\n";
  }
  return kExitOk;
}

int Export(Client& client, const CliContext& context,
           const v1::ExportReviewRequest& request, const std::string& path) {
  int code = kExitOk;
  Stub* stub = client.Connect(&code);
  if (stub == nullptr) return code;
  PartialFile file;
  std::string error;
  if (!path.empty() && !file.Open(path, &error)) {
    *context.err << "casesync: " << error << "\n";
    return kExitFailure;
  }
  grpc::ClientContext call;
  call.set_deadline(std::chrono::system_clock::now() +
                    absl::ToChronoMilliseconds(kExportDeadline));
  auto reader = stub->ExportReview(&call, request);
  ProgressBar bar(context.err, ProgressBar::OnTerminal(STDERR_FILENO));
  // Standard output gets the document only once it is whole, as a file
  // does: a refused export prints nothing.
  std::string document;
  uint64_t received = 0;
  v1::ExportChunk chunk;
  while (reader->Read(&chunk)) {
    received += chunk.data().size();
    bar.Update("receiving", received, 0, "bytes");
    if (path.empty()) {
      document += chunk.data();
    } else if (!file.Write(chunk.data(), &error)) {
      break;
    }
  }
  bar.Finish();
  if (!error.empty()) {
    call.TryCancel();
    reader->Finish();
    *context.err << "casesync: " << error << "\n";
    return kExitFailure;
  }
  if (!client.Check(FromGrpcStatus(reader->Finish()), &code)) return code;
  if (path.empty()) {
    *context.out << document;
    return kExitOk;
  }
  if (!file.Commit(&error)) {
    *context.err << "casesync: " << error << "\n";
    return kExitFailure;
  }
  *context.err << "wrote " << path << " (" << Size(received) << ")\n";
  return kExitOk;
}

int AddPseudonym(Client& client, const CliContext& context,
                 const std::string& review, const std::string& name,
                 const std::string& pseudonym, const std::string& kind) {
  v1::EditRecordRequest request;
  request.set_review_id(review);
  request.set_type("pseudonym");
  request.set_create(true);
  request.set_author(context.author);
  for (const auto& [field, value] :
       {std::pair<const char*, const std::string&>{"real_name", name},
        {"pseudonym", pseudonym},
        {"kind", kind}}) {
    v1::FieldSetting* setting = request.add_set();
    setting->set_name(field);
    setting->set_value(value);
  }
  int code = kExitOk;
  v1::EditRecordReply reply;
  if (!client.Call(&Stub::EditRecord, request, &reply, &code)) return code;
  if (context.json) {
    *context.out << ToJson(reply) << "\n";
  } else {
    *context.out << reply.record_id() << "\n";
  }
  return kExitOk;
}

int ListPseudonyms(Client& client, const CliContext& context,
                   const std::string& review) {
  v1::ListRecordsRequest request;
  request.set_review_id(review);
  request.set_type("pseudonym");
  int code = kExitOk;
  v1::ListRecordsReply reply;
  if (!client.Call(&Stub::ListRecords, request, &reply, &code)) return code;
  if (context.json) {
    *context.out << ToJson(reply) << "\n";
    return kExitOk;
  }
  Table table({"ID", "KIND", "REAL NAME", "PSEUDONYM"});
  for (const v1::RecordDetail& record : reply.records()) {
    v1::PseudonymEntry entry;
    if (!record.record().UnpackTo(&entry)) continue;
    const std::string kind =
        entry.kind() == v1::PseudonymEntry::KIND_PLACE          ? "place"
        : entry.kind() == v1::PseudonymEntry::KIND_ORGANISATION ? "organisation"
                                                                : "person";
    table.AddRow(
        {record.record_id(), kind, entry.real_name(), entry.pseudonym()});
  }
  if (table.empty()) {
    *context.out << "no pseudonyms (add one on the board: casesync pseudonym "
                    "add --review "
                 << review << " --name \"REAL NAME\" --as PSEUDONYM)\n";
  } else {
    table.Print(*context.out);
  }
  return kExitOk;
}

// discrepancies list|decide
void AddDiscrepancyCommands(CLI::App& app, CliContext& context,
                            const CommandBinder& on) {
  auto* discrepancies = app.add_subcommand(
      "discrepancies",
      "entries of different agencies that look like the same event but "
      "disagree on a fact");
  discrepancies->require_subcommand(1);

  auto* list = discrepancies->add_subcommand(
      "list", "list them, with why each pair was matched");
  auto review = std::make_shared<std::string>();
  auto undecided = std::make_shared<bool>(false);
  auto rules = std::make_shared<RulesFlags>();
  list->add_option("--review", *review, "review id")->required();
  list->add_flag("--undecided", *undecided, "only those not decided yet");
  AddRulesFlags(list, rules);
  list->footer(
      "Example:\n"
      "  casesync discrepancies list --review cspr-7\n"
      "  casesync discrepancies list --review cspr-7 --window 7   # look "
      "further apart\n"
      "The rules are explained in docs/joint_review.md.");
  list->callback(on([&context, review, undecided, rules](Client& c) {
    v1::ListDiscrepanciesRequest request;
    request.set_review_id(*review);
    request.set_undecided_only(*undecided);
    *request.mutable_rules() = rules->ToProto();
    return ListDiscrepancies(c, context, request);
  }));

  auto* decide = discrepancies->add_subcommand(
      "decide",
      "record which version the review takes, and why (board only); the "
      "agencies' own entries are not changed");
  auto id = std::make_shared<std::string>();
  auto d_review = std::make_shared<std::string>();
  auto version = std::make_shared<uint32_t>(0);
  auto value = std::make_shared<std::string>();
  auto rationale = std::make_shared<std::string>();
  auto d_rules = std::make_shared<RulesFlags>();
  decide->add_option("ID", *id, "the discrepancy, as listed")->required();
  decide->add_option("--review", *d_review, "review id")->required();
  auto* version_option = decide->add_option(
      "--version", *version, "take version N (1 or 2, as listed)");
  auto* value_option = decide->add_option(
      "--value", *value, "take this value instead (e.g. a date)");
  version_option->excludes(value_option);
  decide->add_option("--rationale", *rationale, "why (required)")->required();
  AddRulesFlags(decide, d_rules);
  decide->footer(
      "Example:\n"
      "  casesync discrepancies decide d3f1a09c2b7e --review cspr-7 "
      "--version 1 \\\n"
      "    --rationale \"police minutes are dated; CSC note written the "
      "day after\"\n"
      "Give the same matching rules as the list the id came from.");
  decide->callback(on([&context, id, d_review, version, value, rationale,
                       d_rules, version_option, value_option](Client& c) {
    v1::DecideDiscrepancyRequest request;
    request.set_review_id(*d_review);
    request.set_discrepancy_id(*id);
    request.set_rationale(*rationale);
    *request.mutable_rules() = d_rules->ToProto();
    if (version_option->count() > 0) {
      request.set_version(*version);
    } else if (value_option->count() > 0) {
      request.set_value(*value);
    } else {
      *context.err << "casesync: say which version the review takes "
                      "(--version N) or give the value (--value TEXT)\n";
      return kExitUsage;
    }
    return Decide(c, context, request);
  }));
}

// export
void AddExportCommand(CLI::App& app, CliContext& context,
                      const CommandBinder& on) {
  auto* command = app.add_subcommand(
      "export",
      "the joint review document: Markdown, one self-contained HTML file, "
      "or JSON");
  auto review = std::make_shared<std::string>();
  auto format = std::make_shared<std::string>("md");
  auto out = std::make_shared<std::string>();
  auto published = std::make_shared<bool>(false);
  auto rules = std::make_shared<RulesFlags>();
  command->add_option("--review", *review, "review id")->required();
  command
      ->add_option("--format", *format,
                   "md, html, json, docx (Word) or pdf; docx and pdf on "
                   "the board")
      ->capture_default_str()
      ->check(CLI::IsMember({"md", "html", "json", "docx", "pdf"}));
  command->add_option("--out", *out,
                      "write to FILE (atomically) instead of stdout");
  command->add_flag("--published", *published,
                    "the public version (board only): published records "
                    "only, names replaced by pseudonyms, the publication "
                    "profile applied; refused, listing each record, field "
                    "and text, while a possible leak is undecided, and "
                    "without a sign-off of its current content");
  AddRulesFlags(command, rules);
  command->footer(
      "Example:\n"
      "  casesync export --review cspr-7 --format html --out cspr-7.html\n"
      "  casesync export --review cspr-7 --format md --published --out "
      "cspr-7-published.md");
  command->callback(
      on([&context, review, format, out, published, rules](Client& c) {
        v1::ExportReviewRequest request;
        request.set_review_id(*review);
        request.set_format(*format);
        request.set_published(*published);
        *request.mutable_rules() = rules->ToProto();
        return Export(c, context, request, *out);
      }));
}

// pseudonym add|list
void AddPseudonymCommands(CLI::App& app, CliContext& context,
                          const CommandBinder& on) {
  auto* pseudonym = app.add_subcommand(
      "pseudonym",
      "the review's pseudonym map: real names and what replaces them when "
      "published (board only; never sent to agencies or exported)");
  pseudonym->require_subcommand(1);
  auto* add = pseudonym->add_subcommand("add", "add a name to the map");
  auto review = std::make_shared<std::string>();
  auto name = std::make_shared<std::string>();
  auto as = std::make_shared<std::string>();
  auto kind = std::make_shared<std::string>("person");
  add->add_option("--review", *review, "review id")->required();
  add->add_option("--name", *name, "the real name, as records write it")
      ->required();
  add->add_option("--as", *as, "its pseudonym, e.g. \"Child J\"")->required();
  add->add_option("--kind", *kind,
                  "what it names: a person (found also by parts and "
                  "initials), a place (a street, an estate, a town) or an "
                  "organisation (a school, a GP surgery)")
      ->capture_default_str()
      ->check(CLI::IsMember({"person", "place", "organisation"}));
  add->footer(
      "Example:\n"
      "  casesync pseudonym add --review cspr-7 --name \"Jane Smith\" --as "
      "\"Mother\"\n"
      "  casesync pseudonym add --review cspr-7 --name \"Elm Park Primary "
      "School\" --as \"the primary school\" --kind organisation");
  add->callback(on([&context, review, name, as, kind](Client& c) {
    return AddPseudonym(c, context, *review, *name, *as, *kind);
  }));
  auto* list = pseudonym->add_subcommand("list", "show the map");
  auto l_review = std::make_shared<std::string>();
  list->add_option("--review", *l_review, "review id")->required();
  list->callback(on([&context, l_review](Client& c) {
    return ListPseudonyms(c, context, *l_review);
  }));
}

}  // namespace

void AddReviewCommands(CLI::App& app, CliContext& context,
                       const CommandBinder& on) {
  AddDiscrepancyCommands(app, context, on);
  AddExportCommand(app, context, on);
  AddPseudonymCommands(app, context, on);
}

}  // namespace casesync::cli
