// Configuration files for the daemons: TOML (read with toml++), merged into
// the command line by CLI11 so that a flag given on the command line always
// overrides the same key in the file.
//
// A file holds the daemon's long flag names as keys, without the dashes:
//
//   data_dir = "/var/lib/casesync/board"
//   listen = "0.0.0.0:7443"
//   max_push_changes = 5000
//   insecure = false
//
// A key that names no flag, a value of the wrong kind (a table, a date) or
// a syntax error is refused with the file, line and column; nothing starts.
//
// Thread-safety: call from the main thread, before parsing.
#ifndef CASESYNC_COMMON_PROGRAM_CONFIG_FILE_H_
#define CASESYNC_COMMON_PROGRAM_CONFIG_FILE_H_

#include <istream>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"

namespace casesync {

// CLI11's configuration reader replaced by a strict TOML parser. Writing
// (for --print_config) is CLI11's own TOML writer.
class TomlConfig : public CLI::ConfigBase {
 public:
  // Throws CLI::ConfigError naming the line and column on a TOML syntax
  // error, or the key holding a value that is not a string, number, boolean
  // or array of them.
  std::vector<CLI::ConfigItem> from_config(std::istream& input) const override;
};

// Adds `--config FILE` (a TOML file as above) and `--print_config` (print the
// effective configuration, file and flags merged, as a TOML file that
// --config reads back, then exit 0) to `app`. ParseCommandLine() acts on
// --print_config.
void AddConfigFlags(CLI::App& app);

// If `app` was asked for --print_config, the effective configuration as
// TOML; empty otherwise.
std::string PrintedConfig(const CLI::App& app);

}  // namespace casesync

#endif  // CASESYNC_COMMON_PROGRAM_CONFIG_FILE_H_
