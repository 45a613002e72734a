// Process-level test harness: starts the real casesync-board and casesyncd
// binaries on loopback ports picked at run time, in a fresh directory, and
// drives them through the real casesync command line.
//
// No sleeps as synchronisation: a daemon is ready when it prints its ready
// line on stdout (read through a pipe, with a deadline); waiting for a state
// is polling a CLI command until it holds or a deadline passes.
#ifndef CASESYNC_TESTS_HARNESS_H_
#define CASESYNC_TESTS_HARNESS_H_

#include <sys/types.h>

#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "common/testing/temp_dir.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"

namespace casesync::testing {

struct CommandResult {
  int exit_code = -1;  // 128 + signal when killed
  std::string out;
  std::string err;
};

// Runs a program to completion (killed after `timeout`), capturing output.
CommandResult Run(const std::vector<std::string>& argv,
                  absl::Duration timeout = absl::Seconds(60));

// A running daemon. Destroying it kills it (SIGKILL) if still running.
class Daemon {
 public:
  // Starts `argv` with stdout on a pipe and stderr appended to `log_path`,
  // and waits up to `timeout` for a stdout line containing `ready_marker`.
  // Returns null (with a gtest failure) if it exits or times out first.
  static std::unique_ptr<Daemon> Start(
      const std::vector<std::string>& argv, const std::string& log_path,
      const std::string& ready_marker,
      absl::Duration timeout = absl::Seconds(30));
  ~Daemon();

  pid_t pid() const { return pid_; }
  // The ready line.
  const std::string& ready_line() const { return ready_line_; }

  // SIGKILL, then reap.
  void Kill();
  // SIGTERM, then wait up to `timeout` for a clean exit; returns its exit
  // code (or -1 if it had to be killed).
  int Stop(absl::Duration timeout = absl::Seconds(20));
  // SIGSTOP / SIGCONT.
  void Pause();
  void Resume();

 private:
  Daemon() = default;
  int Reap(absl::Duration timeout);

  pid_t pid_ = -1;
  int stdout_fd_ = -1;
  std::string ready_line_;
};

// The --json output of a successful command, parsed as `Message` (a gtest
// failure if the command failed or printed something else).
template <typename Message>
Message FromJson(const CommandResult& result) {
  Message message;
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = true;
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_TRUE(
      google::protobuf::util::JsonStringToMessage(result.out, &message, options)
          .ok())
      << result.out;
  return message;
}

// Runs deploy/certs.sh with `args` (e.g. {"init", dir, "board"}), with
// `env` (NAME=value) added to its environment; true if it succeeded.
bool RunCertsScript(const std::vector<std::string>& args,
                    const std::vector<std::string>& env = {});

// A board and agency daemons in one temporary directory.
class Deployment {
 public:
  Deployment();
  ~Deployment();

  const std::string& dir() const { return dir_.path(); }
  std::string BoardSocket() const { return dir_.Sub("board.sock"); }
  std::string AgencySocket(const std::string& agency) const {
    return dir_.Sub(agency + ".sock");
  }
  // host:port of the board (valid once started).
  std::string BoardAddress() const;

  // From now on daemons start with mutual TLS, with the certificates in
  // `pki` (deploy/certs.sh's layout: ca.crt, crl/, ID.crt and ID.key), and
  // the board checks the revocation lists in pki/crl. Without this call they
  // start with --insecure.
  void UseTls(const std::string& pki) { pki_ = pki; }
  // Starts replica `id` (an agency, or "board") with the certificate and
  // key of `cert_id` from `pki`, and pki/ca.crt as its CA, instead of its
  // own (a stranger's, a revoked or an expired certificate). TLS only. A
  // board given another replica's certificate runs as that replica (its
  // --board_id), on a store of its own.
  void SetIdentity(const std::string& id, const std::string& pki,
                   const std::string& cert_id) {
    identities_[id] = {pki, cert_id};
  }

  // Flags added to the board's command line from its next start (limits).
  void SetBoardFlags(std::vector<std::string> flags) {
    board_flags_ = std::move(flags);
  }
  // Starts (or restarts on the same port) the board.
  bool StartBoard();
  // Stops the board cleanly (a test failure unless it exits 0), or kills
  // it.
  void StopBoard();
  void KillBoard();
  Daemon* board() { return board_.get(); }

  // From its next start, agency `agency` runs `binary` (a test build of
  // casesyncd that takes the same flags and more) instead of casesyncd.
  void SetAgencyBinary(const std::string& agency, const std::string& binary) {
    agency_binaries_[agency] = binary;
  }
  // Starts (or restarts) an agency daemon syncing with `board_address`
  // (default: the board), with `extra_flags` added to its command line.
  bool StartAgency(const std::string& agency,
                   const std::string& board_address = "",
                   const std::vector<std::string>& extra_flags = {});
  void StopAgency(const std::string& agency);
  void KillAgency(const std::string& agency);
  Daemon* agency(const std::string& agency);

  // casesync --socket <socket> args...
  CommandResult Cli(const std::string& socket,
                    const std::vector<std::string>& args,
                    absl::Duration timeout = absl::Seconds(60));
  CommandResult Board(const std::vector<std::string>& args) {
    return Cli(BoardSocket(), args);
  }
  CommandResult Agency(const std::string& agency,
                       const std::vector<std::string>& args) {
    return Cli(AgencySocket(agency), args);
  }

  // Polls `condition` until it is true or `timeout` passes.
  static bool WaitFor(const std::function<bool()>& condition,
                      absl::Duration timeout = absl::Seconds(30));

  // Prints the daemons' logs (for a failing test).
  void DumpLogs() const;

 private:
  // --insecure, or the TLS flags for replica `id`.
  std::vector<std::string> TransportFlags(const std::string& id,
                                          bool board) const;

  TempDir dir_;
  std::string pki_;
  std::map<std::string, std::pair<std::string, std::string>> identities_;
  std::map<std::string, std::string> agency_binaries_;
  std::vector<std::string> board_flags_;
  int board_port_ = 0;
  std::unique_ptr<Daemon> board_;
  std::vector<std::pair<std::string, std::unique_ptr<Daemon>>> agencies_;
};

// A port on 127.0.0.1 where nothing listens (bound and closed at once).
int UnusedPort();

// The `event` of every chronology entry of review `review` held by the
// daemon at `socket` (through `casesync record list`).
std::set<std::string> ChronologyEvents(Deployment& d, const std::string& socket,
                                       const std::string& review = "r1");

}  // namespace casesync::testing

#endif  // CASESYNC_TESTS_HARNESS_H_
