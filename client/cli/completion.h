// `casesync completion bash`: a bash completion script for the command line,
// generated from the CLI11 command tree itself, so it never falls behind the
// commands. CLI11 has no generator of its own, so this is written here.
//
//   source <(casesync completion bash)
//
// Thread-safety: BashCompletion is a pure function of the tree; the command
// is single-threaded.
#ifndef CASESYNC_CLIENT_CLI_COMPLETION_H_
#define CASESYNC_CLIENT_CLI_COMPLETION_H_

#include <functional>
#include <string>

#include "CLI/CLI.hpp"
#include "client/cli/commands.h"

namespace casesync::cli {

// The script: completes command and subcommand names, and the options of
// the command typed so far, for the program named `program`.
std::string BashCompletion(const CLI::App& app, const std::string& program);

// Adds `completion SHELL` to `app`. Once parsed, `*action` prints the script
// for every command of `app` to `context.out`.
void AddCompletionCommand(CLI::App& app, CliContext& context,
                          std::function<int()>* action);

}  // namespace casesync::cli

#endif  // CASESYNC_CLIENT_CLI_COMPLETION_H_
