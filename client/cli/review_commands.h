// The joint review commands: `discrepancies list|decide`, `export` and
// `pseudonym add|list` (docs/user_contract.md; docs/joint_review.md). The
// daemon finds discrepancies and builds the document; the command line shows
// them, and writes an exported document atomically (a temporary file beside
// it, synced, then renamed), so a refused or failed export leaves nothing
// half-written.
//
// Thread-safety: single-threaded.
#ifndef CASESYNC_CLIENT_CLI_REVIEW_COMMANDS_H_
#define CASESYNC_CLIENT_CLI_REVIEW_COMMANDS_H_

#include "CLI/CLI.hpp"
#include "client/cli/commands.h"
#include "client/cli/daemon_client.h"

namespace casesync::cli {

// Adds `discrepancies`, `export` and `pseudonym` to `app`.
void AddReviewCommands(CLI::App& app, CliContext& context,
                       const CommandBinder& on);

}  // namespace casesync::cli

#endif  // CASESYNC_CLIENT_CLI_REVIEW_COMMANDS_H_
