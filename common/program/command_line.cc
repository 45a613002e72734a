#include "common/program/command_line.h"

#include <iostream>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/program/config_file.h"

namespace casesync {

std::optional<int> ParseCommandLine(CLI::App& app, int argc, char** argv) {
  try {
    app.parse(argc, argv);
  } catch (const CLI::ConfigError& e) {
    // CLI11's own words name INI files and miss the file's name.
    std::string message = e.what();
    constexpr absl::string_view kExtra = "INI was not able to parse ";
    if (absl::StartsWith(message, kExtra)) {
      message = absl::StrCat(
          "unknown setting \"", message.substr(kExtra.size()),
          "\" (settings are the long flag names without the dashes: --help "
          "lists them)");
    }
    const CLI::Option* config = app.get_config_ptr();
    std::string program = app.get_name();
    program = program.substr(program.rfind('/') + 1);
    std::cerr << program << ": configuration file "
              << (config != nullptr && config->count() > 0
                      ? config->as<std::string>() + ", "
                      : "")
              << message << "\n";
    return kExitUsage;
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);  // prints help, or the error and a hint
    return code == 0 ? kExitOk : kExitUsage;
  }
  if (std::string config = PrintedConfig(app); !config.empty()) {
    std::cout << config;
    return kExitOk;
  }
  return std::nullopt;
}

}  // namespace casesync
