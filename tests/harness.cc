#include "tests/harness.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>
#include <tuple>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "casesync/v1/local_api.pb.h"
#include "casesync/v1/records.pb.h"
#include "gtest/gtest.h"

extern char** environ;

namespace casesync::testing {
namespace {

std::vector<char*> Argv(const std::vector<std::string>& args) {
  std::vector<char*> argv;
  for (const std::string& arg : args)
    argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);
  return argv;
}

int ExitCode(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

// Reads what is available on `fd` into `out`; false at end of file.
bool Drain(int fd, std::string* out) {
  char buffer[65536];
  const ssize_t n = read(fd, buffer, sizeof(buffer));
  if (n <= 0) return false;
  out->append(buffer, static_cast<size_t>(n));
  return true;
}

}  // namespace

CommandResult Run(const std::vector<std::string>& args,
                  absl::Duration timeout) {
  CommandResult result;
  int out_pipe[2], err_pipe[2];
  if (pipe2(out_pipe, O_CLOEXEC) != 0 || pipe2(err_pipe, O_CLOEXEC) != 0) {
    ADD_FAILURE() << "pipe: " << std::strerror(errno);
    return result;
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out_pipe[1], 1);
  posix_spawn_file_actions_adddup2(&actions, err_pipe[1], 2);
  pid_t pid;
  std::vector<char*> argv = Argv(args);
  const int spawned =
      posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(out_pipe[1]);
  close(err_pipe[1]);
  if (spawned != 0) {
    ADD_FAILURE() << "cannot start " << args[0] << ": "
                  << std::strerror(spawned);
    close(out_pipe[0]);
    close(err_pipe[0]);
    return result;
  }
  const absl::Time deadline = absl::Now() + timeout;
  bool out_open = true, err_open = true;
  while (out_open || err_open) {
    pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
    const int wait_ms = static_cast<int>(std::max<int64_t>(
        0, absl::ToInt64Milliseconds(deadline - absl::Now())));
    if (poll(fds, 2, wait_ms) <= 0) {
      ADD_FAILURE() << args[0] << " " << (args.size() > 3 ? args[3] : "")
                    << " did not finish within " << timeout << "; killed";
      kill(pid, SIGKILL);
      break;
    }
    if (out_open && (fds[0].revents & (POLLIN | POLLHUP))) {
      out_open = Drain(out_pipe[0], &result.out);
    }
    if (err_open && (fds[1].revents & (POLLIN | POLLHUP))) {
      err_open = Drain(err_pipe[0], &result.err);
    }
  }
  close(out_pipe[0]);
  close(err_pipe[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  result.exit_code = ExitCode(status);
  return result;
}

std::unique_ptr<Daemon> Daemon::Start(const std::vector<std::string>& args,
                                      const std::string& log_path,
                                      const std::string& ready_marker,
                                      absl::Duration timeout) {
  int out_pipe[2];
  if (pipe2(out_pipe, O_CLOEXEC) != 0) {
    ADD_FAILURE() << "pipe: " << std::strerror(errno);
    return nullptr;
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out_pipe[1], 1);
  posix_spawn_file_actions_addopen(&actions, 2, log_path.c_str(),
                                   O_WRONLY | O_CREAT | O_APPEND, 0644);
  auto daemon = std::unique_ptr<Daemon>(new Daemon());
  std::vector<char*> argv = Argv(args);
  const int spawned = posix_spawn(&daemon->pid_, argv[0], &actions, nullptr,
                                  argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(out_pipe[1]);
  if (spawned != 0) {
    ADD_FAILURE() << "cannot start " << args[0] << ": "
                  << std::strerror(spawned);
    close(out_pipe[0]);
    return nullptr;
  }
  daemon->stdout_fd_ = out_pipe[0];
  const absl::Time deadline = absl::Now() + timeout;
  std::string out;
  while (true) {
    const size_t newline = out.find('\n');
    if (newline != std::string::npos) {
      const std::string line = out.substr(0, newline);
      out.erase(0, newline + 1);
      if (absl::StrContains(line, ready_marker)) {
        daemon->ready_line_ = line;
        return daemon;
      }
      continue;
    }
    pollfd fd = {daemon->stdout_fd_, POLLIN, 0};
    const int wait_ms = static_cast<int>(std::max<int64_t>(
        0, absl::ToInt64Milliseconds(deadline - absl::Now())));
    if (poll(&fd, 1, wait_ms) <= 0 || !Drain(daemon->stdout_fd_, &out)) {
      std::ifstream log(log_path);
      std::stringstream text;
      text << log.rdbuf();
      ADD_FAILURE() << args[0] << " did not become ready; its log:\n"
                    << text.str();
      return nullptr;  // the destructor kills it
    }
  }
}

Daemon::~Daemon() {
  Kill();
  if (stdout_fd_ >= 0) close(stdout_fd_);
}

int Daemon::Reap(absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (true) {
    int status = 0;
    const pid_t done = waitpid(pid_, &status, WNOHANG);
    if (done == pid_) {
      pid_ = -1;
      return ExitCode(status);
    }
    if (done < 0 || absl::Now() > deadline) return -1;
    absl::SleepFor(absl::Milliseconds(10));  // polling for exit, bounded
  }
}

void Daemon::Kill() {
  if (pid_ <= 0) return;
  kill(pid_, SIGKILL);
  int status;
  waitpid(pid_, &status, 0);
  pid_ = -1;
}

int Daemon::Stop(absl::Duration timeout) {
  if (pid_ <= 0) return -1;
  kill(pid_, SIGCONT);
  kill(pid_, SIGTERM);
  const int code = Reap(timeout);
  if (pid_ > 0) {
    ADD_FAILURE() << "daemon " << pid_ << " did not stop within " << timeout;
    Kill();
  }
  return code;
}

void Daemon::Pause() {
  if (pid_ > 0) kill(pid_, SIGSTOP);
}

void Daemon::Resume() {
  if (pid_ > 0) kill(pid_, SIGCONT);
}

Deployment::Deployment() = default;

Deployment::~Deployment() {
  if (::testing::Test::HasFailure()) DumpLogs();
  for (auto& [name, daemon] : agencies_) daemon.reset();
  board_.reset();
}

bool RunCertsScript(const std::vector<std::string>& args,
                    const std::vector<std::string>& env) {
  std::vector<std::string> argv = {"/usr/bin/env"};
  argv.insert(argv.end(), env.begin(), env.end());
  argv.push_back(CASESYNC_CERTS_SCRIPT);
  argv.insert(argv.end(), args.begin(), args.end());
  CommandResult result = Run(argv);
  EXPECT_EQ(result.exit_code, 0) << result.err;
  return result.exit_code == 0;
}

std::vector<std::string> Deployment::TransportFlags(const std::string& id,
                                                    bool board) const {
  if (pki_.empty()) return {"--insecure"};
  std::string pki = pki_, cert_id = id;
  if (auto it = identities_.find(id); it != identities_.end()) {
    std::tie(pki, cert_id) = it->second;
  }
  std::vector<std::string> flags = {
      "--tls_cert", absl::StrCat(pki, "/", cert_id, ".crt"),
      "--tls_key",  absl::StrCat(pki, "/", cert_id, ".key"),
      "--tls_ca",   absl::StrCat(pki, "/ca.crt")};
  if (board) {
    flags.push_back("--tls_crl_dir");
    flags.push_back(absl::StrCat(pki, "/crl"));
  }
  return flags;
}

std::string Deployment::BoardAddress() const {
  return absl::StrCat("127.0.0.1:", board_port_);
}

bool Deployment::StartBoard() {
  board_.reset();
  // A board started with another replica's certificate is that replica (a
  // board's certificate names it), with a store of its own.
  auto identity = identities_.find("board");
  const std::string board_id =
      identity == identities_.end() ? "board" : identity->second.second;
  std::vector<std::string> argv = {
      CASESYNC_BOARD_BIN,
      "--data_dir",
      dir_.Sub(board_id == "board" ? "board" : "board-as-" + board_id),
      "--board_id",
      board_id,
      "--listen",
      absl::StrCat("127.0.0.1:", board_port_),
      "--socket",
      BoardSocket()};
  for (std::string& flag : TransportFlags("board", /*board=*/true)) {
    argv.push_back(std::move(flag));
  }
  argv.insert(argv.end(), board_flags_.begin(), board_flags_.end());
  board_ =
      Daemon::Start(argv, dir_.Sub("board.log"), "listening for agencies on");
  if (board_ == nullptr) return false;
  // "casesync-board: listening for agencies on 127.0.0.1:PORT; local API ..."
  const std::string& line = board_->ready_line();
  const size_t colon = line.find("127.0.0.1:");
  board_port_ = std::atoi(line.c_str() + colon + std::strlen("127.0.0.1:"));
  return board_port_ > 0;
}

void Deployment::StopBoard() {
  if (board_ != nullptr) {
    // A clean exit: a crash on the way out (a sanitizer's report, say) is a
    // defect even when everything before it worked.
    EXPECT_EQ(board_->Stop(), 0) << "the board did not exit cleanly on SIGTERM";
  }
  board_.reset();
}

void Deployment::KillBoard() { board_.reset(); }

bool Deployment::StartAgency(const std::string& agency,
                             const std::string& board_address,
                             const std::vector<std::string>& extra_flags) {
  StopAgency(agency);
  const auto binary = agency_binaries_.find(agency);
  std::vector<std::string> argv = {
      binary != agency_binaries_.end() ? binary->second : CASESYNC_AGENCY_BIN,
      "--data_dir",
      dir_.Sub(agency),
      "--agency",
      agency,
      "--board",
      board_address.empty() ? BoardAddress() : board_address,
      "--socket",
      AgencySocket(agency),
      "--max_backoff",
      "1"};
  for (std::string& flag : TransportFlags(agency, /*board=*/false)) {
    argv.push_back(std::move(flag));
  }
  argv.insert(argv.end(), extra_flags.begin(), extra_flags.end());
  auto daemon = Daemon::Start(argv, dir_.Sub(agency + ".log"), "serving on");
  if (daemon == nullptr) return false;
  agencies_.emplace_back(agency, std::move(daemon));
  return true;
}

Daemon* Deployment::agency(const std::string& agency) {
  for (auto& [name, daemon] : agencies_) {
    if (name == agency) return daemon.get();
  }
  return nullptr;
}

void Deployment::StopAgency(const std::string& agency) {
  for (auto it = agencies_.begin(); it != agencies_.end(); ++it) {
    if (it->first == agency) {
      EXPECT_EQ(it->second->Stop(), 0)
          << "agency " << agency << " did not exit cleanly on SIGTERM";
      agencies_.erase(it);
      return;
    }
  }
}

void Deployment::KillAgency(const std::string& agency) {
  for (auto it = agencies_.begin(); it != agencies_.end(); ++it) {
    if (it->first == agency) {
      agencies_.erase(it);  // the destructor sends SIGKILL
      return;
    }
  }
}

CommandResult Deployment::Cli(const std::string& socket,
                              const std::vector<std::string>& args,
                              absl::Duration timeout) {
  std::vector<std::string> argv = {CASESYNC_CLI_BIN, "--socket", socket};
  argv.insert(argv.end(), args.begin(), args.end());
  return Run(argv, timeout);
}

bool Deployment::WaitFor(const std::function<bool()>& condition,
                         absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    if (condition()) return true;
    absl::SleepFor(absl::Milliseconds(50));  // between polls, bounded
  }
  return condition();
}

void Deployment::DumpLogs() const {
  for (const char* name : {"board", "police", "school", "health", "csc"}) {
    std::ifstream log(dir_.Sub(std::string(name) + ".log"));
    if (!log) continue;
    std::stringstream text;
    text << log.rdbuf();
    std::cerr << "----- " << name << ".log -----\n" << text.str();
  }
}

int UnusedPort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  socklen_t size = sizeof(addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &size);
  close(fd);
  return ntohs(addr.sin_port);
}

std::set<std::string> ChronologyEvents(Deployment& d, const std::string& socket,
                                       const std::string& review) {
  std::set<std::string> events;
  const v1::ListRecordsReply reply = FromJson<v1::ListRecordsReply>(
      d.Cli(socket, {"record", "list", "--review", review, "--type",
                     "chronology", "--json"}));
  for (const v1::RecordDetail& record : reply.records()) {
    v1::ChronologyEntry entry;
    record.record().UnpackTo(&entry);
    events.insert(entry.event());
  }
  return events;
}

}  // namespace casesync::testing
