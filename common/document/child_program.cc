#include "common/document/child_program.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

extern char** environ;

namespace casesync {
namespace {

// How often a running child is looked at.
constexpr absl::Duration kPollInterval = absl::Milliseconds(20);
constexpr size_t kLogLinesShown = 5;

// The last lines of the child's log, for an error message.
std::string LogTail(const std::string& path) {
  std::ifstream file(path);
  std::stringstream text;
  text << file.rdbuf();
  std::vector<std::string> lines =
      absl::StrSplit(text.str(), '\n', absl::SkipWhitespace());
  if (lines.size() > kLogLinesShown) {
    lines.erase(lines.begin(), lines.end() - kLogLinesShown);
  }
  return absl::StrJoin(lines, "\n");
}

}  // namespace

absl::Status RunChildProgram(const std::vector<std::string>& argv,
                             const std::string& directory,
                             absl::Duration time_limit) {
  if (argv.empty()) return absl::InvalidArgumentError("no program to run");
  const std::string log = directory + "/child.log";
  std::vector<char*> args;
  for (const std::string& arg : argv)
    args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addchdir_np(&actions, directory.c_str());
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null",
                                   O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETPGROUP);
  posix_spawnattr_setpgroup(&attributes, 0);
  pid_t pid = 0;
  const int spawned = posix_spawnp(&pid, argv[0].c_str(), &actions, &attributes,
                                   args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  if (spawned != 0) {
    return absl::UnavailableError(absl::StrCat(
        "cannot run ", argv[0], ": ", std::strerror(spawned),
        " (docs/operations.md, \"Publication tools\", says what to install)"));
  }

  const absl::Time deadline = absl::Now() + time_limit;
  int status = 0;
  bool exited = false;
  while (!exited) {
    const pid_t done = waitpid(pid, &status, WNOHANG);
    if (done == pid || (done < 0 && errno != EINTR)) {
      exited = true;
    } else if (absl::Now() >= deadline) {
      break;
    } else {
      absl::SleepFor(kPollInterval);
    }
  }
  // Whatever it started and left behind goes with it.
  kill(-pid, SIGKILL);
  if (!exited) {
    waitpid(pid, &status, 0);
    return absl::UnavailableError(
        absl::StrCat(argv[0], " ran past its time limit of ",
                     absl::FormatDuration(time_limit), " and was stopped"));
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return absl::UnavailableError(absl::StrCat(
        argv[0], " failed (",
        WIFEXITED(status) ? absl::StrCat("exit status ", WEXITSTATUS(status))
                          : absl::StrCat("signal ", WTERMSIG(status)),
        "):\n", LogTail(log)));
  }
  return absl::OkStatus();
}

}  // namespace casesync
