#include "common/program/config_file.h"

#include <memory>
#include <sstream>

#include "toml++/toml.h"

namespace casesync {
namespace {

constexpr char kPrintConfig[] = "--print_config";

// A scalar TOML value as CLI11 reads it from a command line; false if the
// node is not a scalar a flag can take.
bool ScalarInput(const toml::node& node, std::string* out) {
  if (auto s = node.as_string()) {
    *out = s->get();
  } else if (auto i = node.as_integer()) {
    *out = std::to_string(i->get());
  } else if (auto f = node.as_floating_point()) {
    std::ostringstream text;
    text.precision(17);
    text << f->get();
    *out = text.str();
  } else if (auto b = node.as_boolean()) {
    *out = b->get() ? "true" : "false";
  } else {
    return false;
  }
  return true;
}

// "line L, column C: ", where a problem is.
std::string Where(const toml::source_region& region) {
  return "line " + std::to_string(region.begin.line) + ", column " +
         std::to_string(region.begin.column) + ": ";
}

}  // namespace

std::vector<CLI::ConfigItem> TomlConfig::from_config(
    std::istream& input) const {
  toml::table table;
  try {
    table = toml::parse(input);
  } catch (const toml::parse_error& e) {
    throw CLI::ConfigError(Where(e.source()) + std::string(e.description()));
  }
  std::vector<CLI::ConfigItem> items;
  for (const auto& [key, node] : table) {
    CLI::ConfigItem item;
    item.name = std::string(key.str());
    std::string value;
    if (const toml::array* array = node.as_array()) {
      for (const toml::node& element : *array) {
        if (!ScalarInput(element, &value)) {
          throw CLI::ConfigError(Where(element.source()) + item.name +
                                 " must list strings, numbers or booleans");
        }
        item.inputs.push_back(value);
      }
    } else if (ScalarInput(node, &value)) {
      item.inputs.push_back(value);
    } else {
      throw CLI::ConfigError(
          Where(node.source()) + item.name +
          " must be a string, number, boolean or array (tables are not used)");
    }
    items.push_back(std::move(item));
  }
  return items;
}

void AddConfigFlags(CLI::App& app) {
  app.config_formatter(std::make_shared<TomlConfig>());
  app.set_config("--config", "",
                 "TOML file of settings: each key a long flag name without "
                 "the dashes (data_dir = \"/var/lib/casesync\"); a flag on "
                 "the command line overrides the file")
      ->check(CLI::ExistingFile);
  app.allow_config_extras(CLI::config_extras_mode::error);
  app.add_flag(kPrintConfig,
               "print the effective configuration (file and flags merged) as "
               "TOML that --config reads back, and exit")
      ->configurable(false);
}

std::string PrintedConfig(const CLI::App& app) {
  const CLI::Option* print = app.get_option_no_throw(kPrintConfig);
  if (print == nullptr || print->count() == 0) return "";
  return app.config_to_str(/*default_also=*/true, /*write_description=*/true);
}

}  // namespace casesync
