// `casesync admin backup`: a consistent backup of the daemon's store while
// it runs (docs/operations.md, "Backup and restore"). The daemon takes a
// RocksDB checkpoint and streams its files; the command line writes them
// into a new directory beside --out, synced, with the manifest
// (casesync-backup.json), and renames it to --out only when complete, so a
// failed backup leaves nothing that looks like one.
//
// Thread-safety: single-threaded.
#ifndef CASESYNC_CLIENT_CLI_ADMIN_COMMANDS_H_
#define CASESYNC_CLIENT_CLI_ADMIN_COMMANDS_H_

#include "CLI/CLI.hpp"
#include "client/cli/commands.h"
#include "client/cli/daemon_client.h"

namespace casesync::cli {

// Adds `admin backup` to `app`.
void AddAdminCommands(CLI::App& app, CliContext& context,
                      const CommandBinder& on);

}  // namespace casesync::cli

#endif  // CASESYNC_CLIENT_CLI_ADMIN_COMMANDS_H_
