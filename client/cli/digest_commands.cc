#include "client/cli/digest_commands.h"

#include <memory>
#include <string>

#include "client/cli/output.h"
#include "common/program/command_line.h"

namespace casesync::cli {
namespace {

int Digest(Client& client, const CliContext& context,
           const std::string& agency) {
  v1::GetDigestRequest request;
  request.set_for_agency(agency);
  int code = kExitOk;
  v1::DigestReply reply;
  if (!client.Call(&Stub::GetDigest, request, &reply, &code, absl::Minutes(5)))
    return code;
  if (context.json) {
    *context.out << ToJson(reply) << "\n";
  } else {
    *context.out << reply.sha256() << "  " << reply.records() << " records, "
                 << reply.field_values() << " field values\n";
  }
  return kExitOk;
}

int Changes(Client& client, const CliContext& context,
            const std::string& origin) {
  v1::ListChangesRequest request;
  request.set_origin(origin);
  int code = kExitOk;
  v1::ListChangesReply reply;
  if (!client.Call(&Stub::ListChanges, request, &reply, &code,
                   absl::Minutes(5))) {
    return code;
  }
  if (context.json) {
    *context.out << ToJson(reply) << "\n";
  } else {
    *context.out << reply.dots_size() << " changes from " << origin
                 << " held; contiguous up to " << reply.frontier() << "\n";
  }
  return kExitOk;
}

}  // namespace

void AddDigestCommands(CLI::App& app, CliContext& context,
                       const CommandBinder& on) {
  auto* digest = app.add_subcommand(
      "digest", "a hash of the records held, to compare replicas");
  auto agency = std::make_shared<std::string>();
  digest->add_option("--agency", *agency,
                     "board only: what this agency may see");
  digest->footer(
      "Example:\n"
      "  casesync digest                       # on an agency\n"
      "  casesync --socket /run/casesync-board/board.sock digest --agency "
      "police   # the same hash, if in sync");
  digest->callback(on(
      [&context, agency](Client& c) { return Digest(c, context, *agency); }));

  auto* changes =
      app.add_subcommand("changes", "the changes held from one author");
  auto origin = std::make_shared<std::string>();
  changes->add_option("--origin", *origin, "the authoring replica")->required();
  changes->footer("Example:\n  casesync changes --origin police --json");
  changes->callback(on(
      [&context, origin](Client& c) { return Changes(c, context, *origin); }));
}

}  // namespace casesync::cli
