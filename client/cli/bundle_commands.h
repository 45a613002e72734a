// `casesync bundle export|import`: sync across an air gap with signed files
// (docs/bundle_format.md). The daemon builds and checks bundles (it holds
// the keys); the command line moves the bytes between the file and the
// daemon's socket, shows progress on a terminal, and writes the file
// atomically (a temporary file beside it, synced, then renamed), so a
// failed export leaves no half-written bundle.
//
// Thread-safety: single-threaded.
#ifndef CASESYNC_CLIENT_CLI_BUNDLE_COMMANDS_H_
#define CASESYNC_CLIENT_CLI_BUNDLE_COMMANDS_H_

#include "CLI/CLI.hpp"
#include "client/cli/commands.h"
#include "client/cli/daemon_client.h"

namespace casesync::cli {

// Adds `bundle export` and `bundle import` to `app`.
void AddBundleCommands(CLI::App& app, CliContext& context,
                       const CommandBinder& on);

}  // namespace casesync::cli

#endif  // CASESYNC_CLIENT_CLI_BUNDLE_COMMANDS_H_
