#include "client/cli/commands.h"

#include <cstdlib>
#include <memory>

#include "client/cli/admin_commands.h"
#include "client/cli/audit_commands.h"
#include "client/cli/bundle_commands.h"
#include "client/cli/case_review_commands.h"
#include "client/cli/chronology_commands.h"
#include "client/cli/completion.h"
#include "client/cli/conflict_commands.h"
#include "client/cli/daemon_client.h"
#include "client/cli/deadline_commands.h"
#include "client/cli/digest_commands.h"
#include "client/cli/publication_commands.h"
#include "client/cli/record_commands.h"
#include "client/cli/review_commands.h"
#include "client/cli/status_commands.h"

namespace casesync::cli {

void AddCommands(CLI::App& app, CliContext& context,
                 std::function<int()>* action) {
  if (const char* socket = std::getenv("CASESYNC_SOCKET"))
    context.socket = socket;
  if (const char* user = std::getenv("USER")) context.author = user;
  // Global options may also follow the command: casesync status --json.
  app.fallthrough();
  app.add_option("--socket", context.socket,
                 "the daemon's Unix socket (default: $CASESYNC_SOCKET)");
  app.add_flag(
      "--json", context.json,
      "print JSON (protobuf JSON mapping, snake_case keys) for scripts");
  app.add_option("--author", context.author,
                 "who is editing, kept with each change (default: $USER)");
  app.require_subcommand(1);
  // Every command shares one client, made after the options are parsed.
  auto client = std::make_shared<Client>(context);
  const CommandBinder on = [action, client](std::function<int(Client&)> run) {
    return [action, client, run] {
      *action = [client, run] { return run(*client); };
    };
  };
  // In the order `casesync --help` lists them.
  AddStatusCommands(app, context, on);
  AddCaseReviewCommands(app, context, on);
  AddDeadlineCommands(app, context, on);
  AddRecordCommands(app, context, on);
  AddChronologyCommands(app, context, on);
  AddConflictCommands(app, context, on);
  AddDigestCommands(app, context, on);
  AddAuditCommands(app, context, on);
  AddReviewCommands(app, context, on);
  AddPublicationCommands(app, context, on);
  AddBundleCommands(app, context, on);
  AddAdminCommands(app, context, on);
  AddCompletionCommand(app, context, action);
}

}  // namespace casesync::cli
