// `casesync audit verify|receipts` (docs/user_contract.md; docs/security.md):
// the board's tamper-evident log of accepted changes and disclosures, checked
// entry by entry on the board, and the board's signed receipts an agency
// keeps, each checked by the daemon against its CA.
//
// Thread-safety: single-threaded.
#ifndef CASESYNC_CLIENT_CLI_AUDIT_COMMANDS_H_
#define CASESYNC_CLIENT_CLI_AUDIT_COMMANDS_H_

#include "CLI/CLI.hpp"
#include "client/cli/commands.h"
#include "client/cli/daemon_client.h"

namespace casesync::cli {

// Adds `audit verify` and `audit receipts` to `app`.
void AddAuditCommands(CLI::App& app, CliContext& context,
                      const CommandBinder& on);

}  // namespace casesync::cli

#endif  // CASESYNC_CLIENT_CLI_AUDIT_COMMANDS_H_
