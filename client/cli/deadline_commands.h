// The statutory clock's commands (docs/statutory_process.md):
// `casesync deadlines` lists what is due (board: every review's deadlines,
// every agency's requests, every action; agency: what is due from it), and
// `casesync request add|move` asks an agency for a contribution and moves the
// request on. The daemon counts the working days; the command line prints.
//
// Thread-safety: single-threaded.
#ifndef CASESYNC_CLIENT_CLI_DEADLINE_COMMANDS_H_
#define CASESYNC_CLIENT_CLI_DEADLINE_COMMANDS_H_

#include <string>

#include "CLI/CLI.hpp"
#include "casesync/v1/local_api.pb.h"
#include "client/cli/commands.h"
#include "client/cli/daemon_client.h"

namespace casesync::cli {

// Adds `deadlines` and `request` to `app`.
void AddDeadlineCommands(CLI::App& app, CliContext& context,
                         const CommandBinder& on);

// Prints the deadlines of `reply` as a table (nothing when there are none).
void PrintDeadlines(const v1::ListDeadlinesReply& reply,
                    const CliContext& context);

}  // namespace casesync::cli

#endif  // CASESYNC_CLIENT_CLI_DEADLINE_COMMANDS_H_
