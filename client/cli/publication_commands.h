// The publication commands: `publication check|signoff|redact|false-alarm|
// log` (docs/user_contract.md; docs/joint_review.md, "The published
// version"). The board checks what the published version would hold and
// records the review team's decisions; these print what it says.
//
// Thread-safety: single-threaded.
#ifndef CASESYNC_CLIENT_CLI_PUBLICATION_COMMANDS_H_
#define CASESYNC_CLIENT_CLI_PUBLICATION_COMMANDS_H_

#include "CLI/CLI.hpp"
#include "client/cli/commands.h"
#include "client/cli/daemon_client.h"

namespace casesync::cli {

// Adds `publication` and its subcommands to `app`.
void AddPublicationCommands(CLI::App& app, CliContext& context,
                            const CommandBinder& on);

}  // namespace casesync::cli

#endif  // CASESYNC_CLIENT_CLI_PUBLICATION_COMMANDS_H_
