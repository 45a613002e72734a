// The casesync command line's connection to the daemon that owns the Unix
// socket named by --socket (or $CASESYNC_SOCKET): connects on first use, and
// turns a failed call into a message on stderr and exit code 1.
//
// Thread-safety: single-threaded.
#ifndef CASESYNC_CLIENT_CLI_DAEMON_CLIENT_H_
#define CASESYNC_CLIENT_CLI_DAEMON_CLIENT_H_

#include <chrono>
#include <functional>
#include <memory>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "casesync/v1/local_api.grpc.pb.h"
#include "client/cli/commands.h"
#include "common/program/grpc_status.h"

namespace casesync::cli {

using Stub = v1::LocalApi::Stub;

class Client {
 public:
  explicit Client(const CliContext& context) : context_(context) {}

  // Calls `method` with a deadline. On failure prints the error and returns
  // false; `*exit_code` is set to 1.
  template <typename Request, typename Reply>
  bool Call(grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&,
                                         Reply*),
            const Request& request, Reply* reply, int* exit_code,
            absl::Duration deadline = absl::Seconds(30)) {
    Stub* stub = Connect(exit_code);
    if (stub == nullptr) return false;
    grpc::ClientContext call;
    call.set_deadline(std::chrono::system_clock::now() +
                      absl::ToChronoMilliseconds(deadline));
    return Check(FromGrpcStatus((stub->*method)(&call, request, reply)),
                 exit_code);
  }

  // The stub, connected; null (with the reason printed and `*exit_code` set
  // to 1, or 2 when no socket was named) if the daemon cannot be reached.
  Stub* Connect(int* exit_code);

  // True if `status` is OK; otherwise prints it and sets `*exit_code` to 1.
  bool Check(const absl::Status& status, int* exit_code);

 private:
  const CliContext& context_;
  std::unique_ptr<Stub> stub_;
};

// Makes a CLI11 callback that, once the command line is parsed, sets the
// action to `run` on the shared client.
using CommandBinder =
    std::function<std::function<void()>(std::function<int(Client&)> run)>;

}  // namespace casesync::cli

#endif  // CASESYNC_CLIENT_CLI_DAEMON_CLIENT_H_
