// `casesync completion bash`: a bash completion script for the command line,
// generated from the CLI11 command tree itself, so it never falls behind the
// commands. CLI11 has no generator of its own, so this is written here.
//
//   source <(casesync completion bash)
//
// Thread-safety: a pure function of the tree.
#ifndef CASESYNC_CLIENT_CLI_COMPLETION_H_
#define CASESYNC_CLIENT_CLI_COMPLETION_H_

#include <string>

#include "CLI/CLI.hpp"

namespace casesync::cli {

// The script: completes command and subcommand names, and the options of
// the command typed so far, for the program named `program`.
std::string BashCompletion(const CLI::App& app, const std::string& program);

}  // namespace casesync::cli

#endif  // CASESYNC_CLIENT_CLI_COMPLETION_H_
