// What every casesync program shares on its command line: the exit codes
// (docs/user_contract.md), parsing flags and configuration files into a CLI11
// app, and the largest gRPC message either side of the local API accepts.
//
// Thread-safety: call from the main thread.
#ifndef CASESYNC_COMMON_PROGRAM_COMMAND_LINE_H_
#define CASESYNC_COMMON_PROGRAM_COMMAND_LINE_H_

#include <optional>

#include "CLI/CLI.hpp"

namespace casesync {

// Exit codes of every casesync program.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;

// Largest gRPC message either side accepts (a chronology CSV, a feed frame
// carrying a whole review).
inline constexpr int kMaxGrpcMessageBytes = 64 << 20;

// Parses the command line into `app`. Returns nullopt to go on, or the exit
// code to leave with: 0 after --help, kExitUsage (with the reason on stderr)
// for anything CLI11 refuses (a bad configuration file among them), 0 after
// printing the configuration if --print_config was given (AddConfigFlags).
std::optional<int> ParseCommandLine(CLI::App& app, int argc, char** argv);

}  // namespace casesync

#endif  // CASESYNC_COMMON_PROGRAM_COMMAND_LINE_H_
