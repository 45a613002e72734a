// Process-level tests of the board's limits (issue: security): each one set
// small on the real casesync-board's command line and tested at its edge,
// through the real daemons and command line, or a raw gRPC client where the
// limit is the transport's.
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "casesync/v1/local_api.pb.h"
#include "casesync/v1/sync.grpc.pb.h"
#include "common/sync/frame_codec.h"
#include "gmock/gmock.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "gtest/gtest.h"
#include "tests/harness.h"

namespace casesync::testing {
namespace {

using ::testing::HasSubstr;

class LimitsTest : public ::testing::Test {
 protected:
  // Adds a chronology entry with this event text at the police; its id.
  std::string AddEntry(const std::string& event) {
    CommandResult added =
        d_.Agency("police", {"record", "add", "--review", "r1", "--type",
                             "chronology", "--set", "date=2024-03-04", "--set",
                             "source=PC Smith", "--set", "event=" + event});
    EXPECT_EQ(added.exit_code, 0) << added.err;
    return std::string(absl::StripAsciiWhitespace(added.out));
  }

  static std::string ReadFile(const std::string& path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }

  Deployment d_;
};

TEST_F(LimitsTest, RecordsPerReviewFieldSizeAndChangesPerPushHoldAtTheirEdges) {
  d_.SetBoardFlags({"--max_push_changes", "3", "--max_records_per_review", "5",
                    "--max_field_bytes", "100"});
  ASSERT_TRUE(d_.StartBoard());
  ASSERT_EQ(d_.Board({"review", "create", "r1", "--title", "Child J",
                      "--agencies", "police"})
                .exit_code,
            0);
  ASSERT_TRUE(d_.StartAgency("police"));
  ASSERT_EQ(d_.Agency("police", {"sync", "--wait"}).exit_code, 0);
  d_.StopBoard();  // offline, so that everything goes in pushes of 3

  const std::string first = AddEntry("Home visit");
  AddEntry("Phone call");
  AddEntry(std::string(101, 'x'));  // one byte over: rejected, not created
  AddEntry(std::string(100, 'y'));  // at the limit
  AddEntry("School meeting");
  AddEntry("Strategy discussion");  // the fifth record
  AddEntry("GP appointment");       // a sixth: the review is full
  ASSERT_EQ(d_.Agency("police", {"record", "edit", "--review", "r1", first,
                                 "--set", "event=Home visit (am)"})
                .exit_code,
            0);  // an edit of a held record is no new record

  ASSERT_TRUE(d_.StartBoard());
  // Done, with rejections: exit 1 naming each.
  CommandResult sync = d_.Agency("police", {"sync", "--wait"});
  EXPECT_EQ(sync.exit_code, 1) << sync.err;
  EXPECT_THAT(sync.err, HasSubstr("field 'event' is 101 bytes"));
  EXPECT_THAT(sync.err, HasSubstr("already holds 5 records"));
  auto status =
      FromJson<v1::AgencyStatus>(d_.Agency("police", {"status", "--json"}));
  EXPECT_EQ(status.pending(), 0u);
  EXPECT_EQ(status.rejected(), 2u);
  CommandResult human = d_.Agency("police", {"status"});
  EXPECT_THAT(human.out, HasSubstr("already holds 5 records"));

  auto board = FromJson<v1::BoardStatus>(d_.Board({"status", "--json"}));
  ASSERT_EQ(board.agencies_size(), 1);
  EXPECT_EQ(board.agencies(0).accepted(), 6u);  // five records and the edit
  EXPECT_EQ(board.agencies(0).rejected(), 2u);
  auto held = FromJson<v1::ListRecordsReply>(d_.Board(
      {"record", "list", "--review", "r1", "--type", "chronology", "--json"}));
  EXPECT_EQ(held.records_size(), 5);
}

// A raw agency on the sync service: the limit on message size is gRPC's,
// set from --max_message_bytes.
class RawAgency {
 public:
  explicit RawAgency(const std::string& address)
      : stub_(v1::BoardSync::NewStub(
            grpc::CreateChannel(address, grpc::InsecureChannelCredentials()))) {
    context_.AddMetadata("casesync-agency", "police");
    stream_ = stub_->Sync(&context_);
  }

  // Sends Hello; the Welcome.
  v1::Welcome Hello() {
    v1::AgencyFrame hello;
    hello.mutable_hello()->set_protocol_version(kSyncProtocolVersion);
    EXPECT_TRUE(stream_->Write(hello));
    v1::BoardFrame welcome;
    EXPECT_TRUE(stream_->Read(&welcome));
    return welcome.welcome();
  }

  // Sends a push frame of exactly `bytes` bytes (an undecodable zstd frame)
  // and returns how the board ends the stream.
  grpc::Status PushFrameOf(size_t bytes) {
    v1::AgencyFrame frame;
    std::string* zstd = frame.mutable_push()->mutable_zstd();
    zstd->assign(bytes, 'z');
    // Trim the payload until the whole frame has the size asked for.
    while (frame.ByteSizeLong() > bytes) zstd->pop_back();
    EXPECT_EQ(frame.ByteSizeLong(), bytes);
    stream_->Write(frame);
    stream_->WritesDone();
    v1::BoardFrame ignored;
    while (stream_->Read(&ignored)) {
    }
    return stream_->Finish();
  }

 private:
  std::unique_ptr<v1::BoardSync::Stub> stub_;
  grpc::ClientContext context_;
  std::unique_ptr<grpc::ClientReaderWriter<v1::AgencyFrame, v1::BoardFrame>>
      stream_;
};

TEST_F(LimitsTest, AMessageOfTheMostBytesIsReadAndOneMoreRefused) {
  constexpr size_t kLimit = 65536;
  d_.SetBoardFlags({"--max_message_bytes", std::to_string(kLimit),
                    "--max_change_bytes", "32768"});
  ASSERT_TRUE(d_.StartBoard());
  {
    RawAgency agency(d_.BoardAddress());
    v1::Welcome welcome = agency.Hello();
    EXPECT_EQ(welcome.max_push_bytes(), kLimit / 2);
    EXPECT_EQ(welcome.max_push_changes(), 1000u);
    // Read and judged by the board: refused for what it holds, not its size.
    grpc::Status at = agency.PushFrameOf(kLimit);
    EXPECT_NE(at.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED)
        << at.error_message();
  }
  EXPECT_THAT(ReadFile(d_.dir() + "/board.log"),
              HasSubstr("stream ended: not a zstd frame"));
  {
    RawAgency agency(d_.BoardAddress());
    agency.Hello();
    grpc::Status over = agency.PushFrameOf(kLimit + 1);
    EXPECT_EQ(over.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED)
        << over.error_message();
  }
}

TEST_F(LimitsTest, ABoardRefusesLimitsThatContradictEachOther) {
  CommandResult run = testing::Run(
      {CASESYNC_BOARD_BIN, "--data_dir", d_.dir() + "/b", "--listen",
       "127.0.0.1:0", "--socket", d_.dir() + "/b.sock", "--insecure",
       "--max_message_bytes", "65536", "--max_change_bytes", "65536"});
  EXPECT_NE(run.exit_code, 0);
  EXPECT_THAT(run.err, HasSubstr("--max_change_bytes"));
  CommandResult tiny =
      testing::Run({CASESYNC_BOARD_BIN, "--data_dir", d_.dir() + "/b",
                    "--listen", "127.0.0.1:0", "--socket", d_.dir() + "/b.sock",
                    "--insecure", "--max_push_changes", "0"});
  EXPECT_EQ(tiny.exit_code, 2);
  EXPECT_THAT(tiny.err, HasSubstr("--max_push_changes"));
}

}  // namespace
}  // namespace casesync::testing
