#include "client/cli/completion.h"

#include <memory>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/program/command_line.h"

namespace casesync::cli {
namespace {

// Every command path below `app` ("", " review", " review create", ...)
// with the words that may follow it.
void Collect(const CLI::App& app, const std::string& path,
             std::vector<std::pair<std::string, std::string>>* out) {
  std::vector<std::string> words;
  std::vector<const CLI::App*> subcommands =
      app.get_subcommands([](const CLI::App*) { return true; });
  for (const CLI::App* sub : subcommands) words.push_back(sub->get_name());
  for (const CLI::Option* option :
       app.get_options([](const CLI::Option*) { return true; })) {
    for (const std::string& name : option->get_lnames()) {
      words.push_back("--" + name);
    }
  }
  out->emplace_back(path, absl::StrJoin(words, " "));
  for (const CLI::App* sub : subcommands) {
    Collect(*sub, absl::StrCat(path, " ", sub->get_name()), out);
  }
}

}  // namespace

std::string BashCompletion(const CLI::App& app, const std::string& program) {
  std::vector<std::pair<std::string, std::string>> paths;
  Collect(app, "", &paths);
  std::string known, words;
  for (const auto& [path, following] : paths) {
    if (!path.empty()) absl::StrAppend(&known, "      \"", path, "\") ;;\n");
    absl::StrAppend(&words, "    \"", path, "\") words=\"", following,
                    "\" ;;\n");
  }
  const std::string function = absl::StrCat("_", program, "_complete");
  return absl::StrCat(
      "# bash completion for ", program, ": source <(", program,
      " completion bash)\n", function, "() {\n",
      "  local cur=\"${COMP_WORDS[COMP_CWORD]}\" path=\"\" word words i\n",
      "  for ((i = 1; i < COMP_CWORD; i++)); do\n",
      "    word=\"${COMP_WORDS[i]}\"\n",
      "    # Only a known command extends the path (not an option's value).\n",
      "    case \"$path $word\" in\n", known, "      *) continue ;;\n",
      "    esac\n", "    path=\"$path $word\"\n", "  done\n",
      "  case \"$path\" in\n", words, "    *) words=\"\" ;;\n", "  esac\n",
      "  COMPREPLY=($(compgen -W \"$words\" -- \"$cur\"))\n", "}\n",
      "complete -F ", function, " ", program, "\n");
}

void AddCompletionCommand(CLI::App& app, CliContext& context,
                          std::function<int()>* action) {
  auto* completion = app.add_subcommand(
      "completion",
      "print a shell completion script; for bash: source <(casesync "
      "completion bash), or save it under "
      "/etc/bash_completion.d/casesync");
  auto shell = std::make_shared<std::string>();
  completion->add_option("SHELL", *shell, "the shell (bash)")
      ->required()
      ->check(CLI::IsMember({"bash"}));
  // `shell` is captured to keep it alive for CLI11 to write into.
  completion->callback([action, &app, &context, shell] {
    *action = [&app, &context] {
      *context.out << BashCompletion(app, "casesync");
      return kExitOk;
    };
  });
}

}  // namespace casesync::cli
