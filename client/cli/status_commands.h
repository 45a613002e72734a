// `casesync status` and `casesync sync` (docs/user_contract.md): whether this
// daemon is in step with the board, and a sync now. On the board, status is
// one row per agency; on an agency, one line that answers "am I synced?"
// before the counts. `sync --wait` at a terminal draws how far the push and
// then the pull have got.
//
// Thread-safety: single-threaded (sync --wait at a terminal runs the call on a
// thread of its own while the command draws the progress).
#ifndef CASESYNC_CLIENT_CLI_STATUS_COMMANDS_H_
#define CASESYNC_CLIENT_CLI_STATUS_COMMANDS_H_

#include "CLI/CLI.hpp"
#include "client/cli/commands.h"
#include "client/cli/daemon_client.h"

namespace casesync::cli {

// Adds `status` and `sync` to `app`.
void AddStatusCommands(CLI::App& app, CliContext& context,
                       const CommandBinder& on);

}  // namespace casesync::cli

#endif  // CASESYNC_CLIENT_CLI_STATUS_COMMANDS_H_
