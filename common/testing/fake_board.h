// A board in the test's own process for an agency's link to sync with: the
// BoardSync service (proto/casesync/v1/sync.proto) on 127.0.0.1, on a port
// picked at run time, that answers Hello as the test scripts it, then
// acknowledges every push, answers every ping and sends the feed it was
// given; it records what the agency sent. Not a board: it judges nothing and
// keeps nothing but counts.
//
//   FakeBoard::Script script;
//   script.welcome.set_board_id("board");
//   script.end_after = FakeBoard::EndAfter::kAcknowledged;
//   script.end_at_acknowledged = 3;
//   FakeBoard board(script);   // then point the link at board.address()
//
// Thread-safety: thread-safe; gRPC calls Sync from its threads.
#ifndef CASESYNC_COMMON_TESTING_FAKE_BOARD_H_
#define CASESYNC_COMMON_TESTING_FAKE_BOARD_H_

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "casesync/v1/sync.grpc.pb.h"
#include "common/sync/frame_codec.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server.h"
#include "grpcpp/server_builder.h"
#include "gtest/gtest.h"

namespace casesync::testing {

class FakeBoard final : public v1::BoardSync::Service {
 public:
  // What ends a stream from the board's side (it returns OK): nothing (the
  // agency or the board's shutdown ends it), or having done this.
  enum class EndAfter { kNothing, kWelcome, kPong, kFeedAck, kAcknowledged };

  struct Script {
    // The answer to Hello; its acknowledged is raised to what this board has
    // acknowledged in earlier streams.
    v1::Welcome welcome;
    // False: answer Hello with a Pong instead, as no board would.
    bool answer_hello = true;
    // True: send the Welcome a second time, out of turn.
    bool welcome_twice = false;
    // Sent after the Welcome, in order.
    std::vector<v1::FeedBatch> feed;
    // Carried by every acknowledgement.
    std::vector<v1::Verdict> rejections;
    EndAfter end_after = EndAfter::kNothing;
    // For kAcknowledged: once the agency's changes up to this are.
    uint64_t end_at_acknowledged = 0;
  };

  // Serves at once; a test failure if it cannot.
  explicit FakeBoard(Script script) : script_(std::move(script)) {
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                             &port);
    builder.RegisterService(this);
    server_ = builder.BuildAndStart();
    EXPECT_NE(server_, nullptr);
    EXPECT_GT(port, 0);
    address_ = absl::StrCat("127.0.0.1:", port);
  }
  // Ends every open stream and stops serving.
  ~FakeBoard() override {
    if (server_ == nullptr) return;
    server_->Shutdown(std::chrono::system_clock::now());
    server_->Wait();
  }

  // host:port to point the agency's link at.
  const std::string& address() const { return address_; }

  // What the agency sent: the Hello of its last stream, the number of
  // changes in each push, its feed acknowledgements (cursors); and the
  // highest counter acknowledged and streams opened.
  v1::Hello hello() const {
    absl::MutexLock lock(&mu_);
    return hello_;
  }
  std::vector<int> push_sizes() const {
    absl::MutexLock lock(&mu_);
    return push_sizes_;
  }
  std::vector<uint64_t> feed_acks() const {
    absl::MutexLock lock(&mu_);
    return feed_acks_;
  }
  uint64_t acknowledged() const {
    absl::MutexLock lock(&mu_);
    return acknowledged_;
  }
  int streams() const {
    absl::MutexLock lock(&mu_);
    return streams_;
  }

  grpc::Status Sync(grpc::ServerContext* /*context*/,
                    grpc::ServerReaderWriter<v1::BoardFrame, v1::AgencyFrame>*
                        stream) override {
    v1::AgencyFrame frame;
    if (!stream->Read(&frame) || !frame.has_hello()) {
      return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "no Hello");
    }
    if (!Greet(frame.hello(), stream)) return grpc::Status::OK;
    while (stream->Read(&frame)) {
      if (Answer(frame, stream)) return grpc::Status::OK;
    }
    return grpc::Status::OK;
  }

 private:
  using Stream = grpc::ServerReaderWriter<v1::BoardFrame, v1::AgencyFrame>;

  // Answers Hello and sends the feed; false when the stream ends there.
  bool Greet(const v1::Hello& hello, Stream* stream) {
    v1::BoardFrame answer;
    {
      absl::MutexLock lock(&mu_);
      hello_ = hello;
      ++streams_;
      if (script_.answer_hello) {
        *answer.mutable_welcome() = script_.welcome;
        answer.mutable_welcome()->set_acknowledged(
            std::max(script_.welcome.acknowledged(), acknowledged_));
      } else {
        answer.mutable_pong()->set_id(1);
      }
    }
    if (!stream->Write(answer)) return false;
    if (script_.welcome_twice && !stream->Write(answer)) return false;
    if (script_.end_after == EndAfter::kWelcome) return false;
    for (const v1::FeedBatch& feed : script_.feed) {
      v1::BoardFrame out;
      *out.mutable_feed() = feed;
      if (!stream->Write(out)) return false;
    }
    return true;
  }

  // Answers one frame; true when the stream ends after it.
  bool Answer(const v1::AgencyFrame& frame, Stream* stream) {
    v1::BoardFrame out;
    EndAfter done = EndAfter::kNothing;
    if (frame.has_push()) {
      absl::StatusOr<v1::PushBatch> push = Unwrapped(frame.push());
      EXPECT_TRUE(push.ok()) << push.status();
      if (!push.ok() || push->changes_size() == 0) return true;
      absl::MutexLock lock(&mu_);
      push_sizes_.push_back(push->changes_size());
      acknowledged_ =
          std::max(acknowledged_, push->changes().rbegin()->dot().counter());
      out.mutable_push_ack()->set_acknowledged(acknowledged_);
      for (const v1::Verdict& verdict : script_.rejections) {
        *out.mutable_push_ack()->add_rejected() = verdict;
      }
      if (script_.end_after == EndAfter::kAcknowledged &&
          acknowledged_ >= script_.end_at_acknowledged) {
        done = EndAfter::kAcknowledged;
      }
    } else if (frame.has_ping()) {
      out.mutable_pong()->set_id(frame.ping().id());
      done = EndAfter::kPong;
    } else if (frame.has_feed_ack()) {
      absl::MutexLock lock(&mu_);
      feed_acks_.push_back(frame.feed_ack().cursor());
      done = EndAfter::kFeedAck;
    }
    if (out.frame_case() != v1::BoardFrame::FRAME_NOT_SET &&
        !stream->Write(out)) {
      return true;
    }
    return done != EndAfter::kNothing && done == script_.end_after;
  }

  const Script script_;
  std::unique_ptr<grpc::Server> server_;
  std::string address_;
  mutable absl::Mutex mu_;
  v1::Hello hello_ ABSL_GUARDED_BY(mu_);
  std::vector<int> push_sizes_ ABSL_GUARDED_BY(mu_);
  std::vector<uint64_t> feed_acks_ ABSL_GUARDED_BY(mu_);
  uint64_t acknowledged_ ABSL_GUARDED_BY(mu_) = 0;
  int streams_ ABSL_GUARDED_BY(mu_) = 0;
};

// host:port on 127.0.0.1 where nothing listens: a port bound and closed at
// once, for a board that cannot be reached.
inline std::string UnreachableBoardAddress() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  EXPECT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  socklen_t size = sizeof(addr);
  EXPECT_EQ(getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &size), 0);
  close(fd);
  return absl::StrCat("127.0.0.1:", ntohs(addr.sin_port));
}

}  // namespace casesync::testing

#endif  // CASESYNC_COMMON_TESTING_FAKE_BOARD_H_
