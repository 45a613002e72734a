// casesync: the command line for authors and administrators.
#include <unistd.h>

#include "client/cli/commands.h"
#include "client/cli/output.h"
#include "common/program/command_line.h"

int main(int argc, char** argv) {
  CLI::App app{
      "casesync: work with a case review through the daemon that owns a socket "
      "(an agency's casesyncd, or the board's casesync-board)."};
  app.footer(
      "Examples:\n"
      "  export CASESYNC_SOCKET=/run/casesyncd/agency.sock\n"
      "  casesync status\n"
      "  casesync record add --review cspr-7 --type chronology \\\n"
      "      --set date=2024-03-04 --set source=\"PNC 1234\" --set "
      "event=\"Visit\"\n"
      "  casesync sync --wait\n"
      "Exit codes: 0 success, 1 the operation failed, 2 usage error.");
  casesync::cli::CliContext context;
  context.colour_out = casesync::cli::ColourWanted(STDOUT_FILENO);
  context.colour_err = casesync::cli::ColourWanted(STDERR_FILENO);
  std::function<int()> action;
  casesync::cli::AddCommands(app, context, &action);
  if (auto exit = casesync::ParseCommandLine(app, argc, argv)) return *exit;
  return action ? action() : casesync::kExitUsage;
}
