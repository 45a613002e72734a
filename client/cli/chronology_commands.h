// `casesync chronology import` (docs/user_contract.md): an agency's
// chronology from a CSV file whose header row names ChronologyEntry fields.
// The daemon parses and checks every row and writes them all in one batch,
// or none if any is bad (unless --skip-bad); a terminal shows its progress.
//
// Thread-safety: single-threaded.
#ifndef CASESYNC_CLIENT_CLI_CHRONOLOGY_COMMANDS_H_
#define CASESYNC_CLIENT_CLI_CHRONOLOGY_COMMANDS_H_

#include "CLI/CLI.hpp"
#include "client/cli/commands.h"
#include "client/cli/daemon_client.h"

namespace casesync::cli {

// Adds `chronology import` to `app`.
void AddChronologyCommands(CLI::App& app, CliContext& context,
                           const CommandBinder& on);

}  // namespace casesync::cli

#endif  // CASESYNC_CLIENT_CLI_CHRONOLOGY_COMMANDS_H_
