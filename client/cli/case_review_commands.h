// `casesync review create|list|show|phase|reopen` (docs/user_contract.md;
// docs/domain.md, "A review"): the case reviews themselves. A review is a
// record of type `review`; the board creates it, moves it through its phases
// and may reopen it to agencies' edits.
//
// Thread-safety: single-threaded.
#ifndef CASESYNC_CLIENT_CLI_CASE_REVIEW_COMMANDS_H_
#define CASESYNC_CLIENT_CLI_CASE_REVIEW_COMMANDS_H_

#include "CLI/CLI.hpp"
#include "client/cli/commands.h"
#include "client/cli/daemon_client.h"

namespace casesync::cli {

// Adds `review` and its subcommands to `app`.
void AddCaseReviewCommands(CLI::App& app, CliContext& context,
                           const CommandBinder& on);

}  // namespace casesync::cli

#endif  // CASESYNC_CLIENT_CLI_CASE_REVIEW_COMMANDS_H_
