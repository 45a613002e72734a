#include "client/cli/daemon_client.h"

#include <sys/stat.h>

#include <string>

#include "client/cli/output.h"
#include "common/program/command_line.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"

namespace casesync::cli {

Stub* Client::Connect(int* exit_code) {
  if (stub_ != nullptr) return stub_.get();
  if (context_.socket.empty()) {
    *context_.err << "casesync: which daemon? pass --socket PATH or set "
                     "CASESYNC_SOCKET\n";
    *exit_code = kExitUsage;
    return nullptr;
  }
  struct stat info;
  if (stat(context_.socket.c_str(), &info) != 0 || !S_ISSOCK(info.st_mode)) {
    *context_.err << "casesync: no daemon socket at " << context_.socket
                  << " (is casesyncd or casesync-board running with --socket "
                  << context_.socket << "?)\n";
    *exit_code = kExitFailure;
    return nullptr;
  }
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(kMaxGrpcMessageBytes);
  args.SetMaxSendMessageSize(kMaxGrpcMessageBytes);
  std::shared_ptr<grpc::Channel> channel = grpc::CreateCustomChannel(
      "unix:" + context_.socket, grpc::InsecureChannelCredentials(), args);
  if (!channel->WaitForConnected(std::chrono::system_clock::now() +
                                 std::chrono::seconds(5))) {
    *context_.err << "casesync: cannot reach the daemon at " << context_.socket
                  << " (the socket exists, but nothing answers: did the "
                     "daemon die?)\n";
    *exit_code = kExitFailure;
    return nullptr;
  }
  stub_ = v1::LocalApi::NewStub(channel);
  return stub_.get();
}

bool Client::Check(const absl::Status& status, int* exit_code) {
  if (status.ok()) return true;
  *context_.err << Paint(Colour::kRed, "casesync:", context_.colour_err) << " "
                << status.message() << "\n";
  *exit_code = kExitFailure;
  return false;
}

}  // namespace casesync::cli
