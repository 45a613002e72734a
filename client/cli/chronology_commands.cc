#include "client/cli/chronology_commands.h"

#include <unistd.h>

#include <chrono>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include "client/cli/output.h"
#include "client/cli/progress_bar.h"
#include "common/program/command_line.h"
#include "common/program/grpc_status.h"

namespace casesync::cli {
namespace {

constexpr size_t kMaxCsvBytes = 32 << 20;

int Import(Client& client, const CliContext& context, const std::string& review,
           const std::string& file, bool skip_bad) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    *context.err << "casesync: cannot read " << file << "\n";
    return kExitFailure;
  }
  std::ostringstream bytes;
  bytes << in.rdbuf();
  if (bytes.str().size() > kMaxCsvBytes) {
    *context.err << "casesync: " << file << " is larger than "
                 << (kMaxCsvBytes >> 20) << " MiB; split it\n";
    return kExitFailure;
  }
  v1::ImportChronologyRequest request;
  request.set_review_id(review);
  request.set_csv(bytes.str());
  request.set_skip_bad(skip_bad);
  request.set_author(context.author);
  int code = kExitOk;
  Stub* stub = client.Connect(&code);
  if (stub == nullptr) return code;
  grpc::ClientContext call;
  call.set_deadline(std::chrono::system_clock::now() +
                    absl::ToChronoMilliseconds(absl::Minutes(5)));
  auto stream = stub->ImportChronologyWithProgress(&call, request);
  ProgressBar bar(context.err,
                  !context.json && ProgressBar::OnTerminal(STDERR_FILENO));
  v1::ImportChronologyReply reply;
  v1::ImportChronologyStreamReply message;
  while (stream->Read(&message)) {
    if (message.has_progress()) {
      const v1::BundleProgress& progress = message.progress();
      bar.Update(progress.unit() == "rows" ? "importing" : "saving",
                 progress.done(), progress.total(), progress.unit());
    } else if (message.has_result()) {
      reply = message.result();
    }
  }
  bar.Finish();
  if (!client.Check(FromGrpcStatus(stream->Finish()), &code)) return code;
  for (const v1::ImportError& error : reply.errors()) {
    *context.err << file << ":" << error.line() << ": " << error.message()
                 << "\n";
  }
  if (context.json) *context.out << ToJson(reply) << "\n";
  if (!reply.errors().empty() && !skip_bad) {
    *context.err << "casesync: nothing imported: " << reply.errors_size()
                 << " bad row" << (reply.errors_size() == 1 ? "" : "s")
                 << " (fix them, or pass --skip-bad to import the rest)\n";
    return kExitFailure;
  }
  if (!context.json) {
    *context.out << "imported " << reply.imported()
                 << " chronology entries into review " << review;
    if (!reply.errors().empty())
      *context.out << "; skipped " << reply.errors_size();
    *context.out << "\n";
  }
  return kExitOk;
}

}  // namespace

void AddChronologyCommands(CLI::App& app, CliContext& context,
                           const CommandBinder& on) {
  auto* chronology = app.add_subcommand("chronology", "an agency's chronology");
  chronology->require_subcommand(1);
  auto* import_csv = chronology->add_subcommand(
      "import",
      "import chronology entries from CSV: all rows, or none if any is bad");
  auto review = std::make_shared<std::string>();
  auto file = std::make_shared<std::string>();
  auto skip_bad = std::make_shared<bool>(false);
  import_csv->add_option("--review", *review, "review id")->required();
  import_csv
      ->add_option("FILE", *file,
                   "CSV file; its header row names chronology fields")
      ->required();
  import_csv->add_flag("--skip-bad", *skip_bad,
                       "import the good rows, report the bad ones");
  import_csv->footer(
      "The header names ChronologyEntry fields, e.g.:\n"
      "  date,time,source,practitioner_role,event,action,child_seen\n"
      "  2024-03-04,10:30,CSC note 17,duty social worker,Home "
      "visit,Referral,yes\n"
      "Example:\n"
      "  casesync chronology import --review cspr-7 csc-chronology.csv\n"
      "All rows go in one write, or none if any is bad (each bad row is "
      "named with its line).");
  import_csv->callback(on([&context, review, file, skip_bad](Client& c) {
    return Import(c, context, *review, *file, *skip_bad);
  }));
}

}  // namespace casesync::cli
