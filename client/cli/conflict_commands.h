// `casesync conflicts list|resolve` (docs/user_contract.md;
// docs/replication.md): fields edited concurrently on different replicas.
// The list shows every value with its author and, where they share one, what
// each changed from the value they were edited from; resolving keeps one
// value (by its dot) or writes a new one.
//
// Thread-safety: single-threaded.
#ifndef CASESYNC_CLIENT_CLI_CONFLICT_COMMANDS_H_
#define CASESYNC_CLIENT_CLI_CONFLICT_COMMANDS_H_

#include "CLI/CLI.hpp"
#include "client/cli/commands.h"
#include "client/cli/daemon_client.h"

namespace casesync::cli {

// Adds `conflicts list` and `conflicts resolve` to `app`.
void AddConflictCommands(CLI::App& app, CliContext& context,
                         const CommandBinder& on);

}  // namespace casesync::cli

#endif  // CASESYNC_CLIENT_CLI_CONFLICT_COMMANDS_H_
