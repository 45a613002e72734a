// What crosses the wire to an agency (issue: security): a raw agency client
// on the board's real sync service reads every feed frame the board sends
// it, and the test checks the frames themselves, not what a daemon or the
// command line later shows, for another agency's `agency`-visibility
// records.
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "casesync/v1/sync.grpc.pb.h"
#include "common/sync/frame_codec.h"
#include "gmock/gmock.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "gtest/gtest.h"
#include "tests/harness.h"

namespace casesync::testing {
namespace {

// Everything the board sends agency `agency` on a fresh stream, up to the
// feed head it announced: each frame as serialized on the wire, and the
// feed entries (decompressed where the frame was).
struct Received {
  std::vector<std::string> wire_bytes;
  std::vector<v1::FeedEntry> entries;
};

// Reads the whole feed as `agency`, saying in its Hello that it holds its
// own changes up to `own_changes` (a real agency holds them all; one
// restored from an old backup holds fewer).
Received ReadFeedAs(const std::string& board_address, const std::string& agency,
                    uint64_t own_changes = UINT64_MAX) {
  Received received;
  auto stub = v1::BoardSync::NewStub(
      grpc::CreateChannel(board_address, grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  context.AddMetadata("casesync-agency", agency);
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(30));
  auto stream = stub->Sync(&context);
  v1::AgencyFrame hello;
  hello.mutable_hello()->set_protocol_version(kSyncProtocolVersion);
  hello.mutable_hello()->set_local_changes(own_changes);
  EXPECT_TRUE(stream->Write(hello));
  v1::BoardFrame frame;
  EXPECT_TRUE(stream->Read(&frame));
  EXPECT_TRUE(frame.has_welcome());
  const uint64_t head = frame.welcome().feed_head();
  uint64_t cursor = 0;
  // Bounded: the board sends at least one frame per read until caught up.
  for (int frames = 0; cursor < head && frames < 1000; ++frames) {
    if (!stream->Read(&frame)) break;
    received.wire_bytes.push_back(frame.SerializeAsString());
    if (!frame.has_feed()) continue;
    v1::FeedBatch feed = frame.feed();
    if (!feed.zstd().empty()) {
      v1::FeedBatch plain;
      EXPECT_TRUE(DecompressMessage(feed.zstd(), &plain).ok());
      received.wire_bytes.push_back(plain.SerializeAsString());
      feed.mutable_entries()->Swap(plain.mutable_entries());
    }
    for (const v1::FeedEntry& entry : feed.entries()) {
      received.entries.push_back(entry);
    }
    cursor = feed.cursor();
  }
  EXPECT_EQ(cursor, head) << "the feed never caught up";
  context.TryCancel();
  return received;
}

TEST(DisclosureTest, AnotherAgencysPrivateRecordsNeverCrossTheWire) {
  Deployment d;
  ASSERT_TRUE(d.StartBoard());
  ASSERT_EQ(d.Board({"review", "create", "r1", "--title", "Child J",
                     "--agencies", "police,school"})
                .exit_code,
            0);
  ASSERT_TRUE(d.StartAgency("police"));
  ASSERT_EQ(d.Agency("police", {"sync", "--wait"}).exit_code, 0);
  auto add = [&d](const std::string& event, const std::string& visibility) {
    CommandResult added = d.Agency(
        "police", {"record", "add", "--review", "r1", "--type", "chronology",
                   "--set", "date=2024-03-04", "--set", "source=PNC 1", "--set",
                   "event=" + event, "--visibility", visibility});
    EXPECT_EQ(added.exit_code, 0) << added.err;
    return std::string(absl::StripAsciiWhitespace(added.out));
  };
  const std::string shared = add("SHARED-MARKER home visit", "review");
  const std::string secret = add("SECRET-MARKER informant details", "agency");
  // Shared first, then made private: the school must never receive its
  // later (private) edits.
  const std::string withdrawn = add("WITHDRAWN-MARKER first account", "review");
  ASSERT_EQ(d.Agency("police", {"sync", "--wait"}).exit_code, 0);
  Received before = ReadFeedAs(d.BoardAddress(), "school");
  ASSERT_EQ(d.Agency("police", {"record", "edit", "--review", "r1", withdrawn,
                                "--visibility", "agency"})
                .exit_code,
            0);
  ASSERT_EQ(d.Agency("police", {"record", "edit", "--review", "r1", withdrawn,
                                "--set", "event=LATER-MARKER revised account"})
                .exit_code,
            0);
  ASSERT_EQ(d.Agency("police", {"sync", "--wait"}).exit_code, 0);
  Received after = ReadFeedAs(d.BoardAddress(), "school");

  for (const Received* received : {&before, &after}) {
    ASSERT_FALSE(received->entries.empty());
    std::set<std::string> records;
    bool purged_withdrawn = false;
    for (const v1::FeedEntry& entry : received->entries) {
      if (entry.has_change()) {
        records.insert(entry.change().record().record_id());
      } else if (entry.purge().record_id() == withdrawn) {
        purged_withdrawn = true;
      }
    }
    EXPECT_TRUE(records.count(shared));
    EXPECT_FALSE(records.count(secret));
    for (const std::string& bytes : received->wire_bytes) {
      EXPECT_FALSE(absl::StrContains(bytes, "SECRET-MARKER"));
      EXPECT_FALSE(absl::StrContains(bytes, "LATER-MARKER"));
    }
    if (received == &after) {
      // Read from the start after it went private: none of its changes are
      // sent, and no purge either (this reader never held it).
      EXPECT_FALSE(purged_withdrawn);
      EXPECT_FALSE(records.count(withdrawn));
    } else {
      EXPECT_TRUE(records.count(withdrawn));
    }
  }
  // The police, the owner, are sent nothing of their own back...
  Received own = ReadFeedAs(d.BoardAddress(), "police");
  for (const v1::FeedEntry& entry : own.entries) {
    if (entry.has_change()) {
      EXPECT_NE(entry.change().dot().replica(), "police");
    }
  }
  // ...unless they say they lost them (a store restored from a backup that
  // holds its changes up to 1 only): then those after 1 come back, and still
  // nothing of another agency's private records.
  Received lost = ReadFeedAs(d.BoardAddress(), "police", 1);
  std::set<uint64_t> returned;
  for (const v1::FeedEntry& entry : lost.entries) {
    if (entry.has_change() && entry.change().dot().replica() == "police") {
      returned.insert(entry.change().dot().counter());
    }
  }
  EXPECT_FALSE(returned.empty());
  EXPECT_EQ(returned.count(1), 0u);
}

}  // namespace
}  // namespace casesync::testing
