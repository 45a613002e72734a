// `casesync digest` and `casesync changes` (docs/user_contract.md): what a
// replica holds, to compare replicas. The digest is a hash of the records
// held (on the board, of what one agency may see), so two replicas in sync
// print the same one; changes counts what is held from one author.
//
// Thread-safety: single-threaded.
#ifndef CASESYNC_CLIENT_CLI_DIGEST_COMMANDS_H_
#define CASESYNC_CLIENT_CLI_DIGEST_COMMANDS_H_

#include "CLI/CLI.hpp"
#include "client/cli/commands.h"
#include "client/cli/daemon_client.h"

namespace casesync::cli {

// Adds `digest` and `changes` to `app`.
void AddDigestCommands(CLI::App& app, CliContext& context,
                       const CommandBinder& on);

}  // namespace casesync::cli

#endif  // CASESYNC_CLIENT_CLI_DIGEST_COMMANDS_H_
