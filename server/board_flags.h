// The command line of casesync-board: its description, its flags (each
// filling a field of BoardServerOptions, server/board_server.h, or the log
// format) and the check of the transport they describe. Each flag may come
// from a configuration file too (docs/operations.md, "Configuration files").
//
// Thread-safety: call from main(), before any thread starts.
#ifndef CASESYNC_SERVER_BOARD_FLAGS_H_
#define CASESYNC_SERVER_BOARD_FLAGS_H_

#include <optional>

#include "CLI/CLI.hpp"
#include "common/daemon/logging.h"
#include "server/board_server.h"

namespace casesync {

// Gives `app` casesync-board's description, example and flags; parsing the
// command line then fills `options` and `log_format` (neither owned; both
// must outlive `app`'s parsing).
void AddBoardFlags(CLI::App& app, BoardServerOptions* options,
                   LogFormat* log_format);

// Parses casesync-board's command line into `options` and `log_format`.
// Returns nullopt to go on, or the exit code to leave with: as
// ParseCommandLine (common/program/command_line.h), and kExitUsage, with the
// reason on stderr, for TLS flags CheckTransport refuses.
std::optional<int> ParseBoardCommandLine(int argc, char** argv,
                                         BoardServerOptions* options,
                                         LogFormat* log_format);

}  // namespace casesync

#endif  // CASESYNC_SERVER_BOARD_FLAGS_H_
