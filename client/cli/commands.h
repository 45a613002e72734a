// The commands of the casesync command line (docs/user_contract.md), each a
// call or two to the local API of the daemon that owns the socket.
//
// Exit codes: 0 success; 1 the operation failed (the daemon's message on
// stderr); 2 a usage error (CLI11 refuses the command line, or a value the
// command line itself can check).
//
// Thread-safety: single-threaded.
#ifndef CASESYNC_CLIENT_CLI_COMMANDS_H_
#define CASESYNC_CLIENT_CLI_COMMANDS_H_

#include <functional>
#include <iostream>
#include <string>

#include "CLI/CLI.hpp"

namespace casesync::cli {

// What every command needs, filled in by the global options.
struct CliContext {
  // The daemon's Unix socket (--socket, default $CASESYNC_SOCKET).
  std::string socket;
  // Print JSON instead of tables.
  bool json = false;
  // Who is editing, recorded with each change (--author, default $USER).
  std::string author;
  std::ostream* out = &std::cout;
  std::ostream* err = &std::cerr;
  // Colour in what goes to `out` and to `err` (ColourWanted).
  bool colour_out = false;
  bool colour_err = false;
};

// Adds the global options and every command to `app`. After a successful
// parse, `*action` holds the chosen command; run it for the exit code.
void AddCommands(CLI::App& app, CliContext& context,
                 std::function<int()>* action);

}  // namespace casesync::cli

#endif  // CASESYNC_CLIENT_CLI_COMMANDS_H_
