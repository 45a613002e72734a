#include "server/audit_log.h"

#include "common/storage_keys.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/board_test_util.h"

namespace casesync::testing {
namespace {

using ::testing::HasSubstr;

std::string SeqKey(uint64_t seq) {
  std::string key;
  keys::AppendU64(seq, &key);
  return key;
}

class AuditLogTest : public BoardFixture {
 protected:
  // A review (the board's change), two entries pushed by the police, and
  // their disclosure to the school: four entries.
  void SetUp() override {
    BoardFixture::SetUp();
    BoardReview("r1", {"police", "school"});
    Replica* police = Agency("police");
    v1::PushBatch push;
    *push.add_changes() = Entry(police, "r1", "first");
    *push.add_changes() = Entry(police, "r1", "second");
    ASSERT_THAT(board_->ingest()->Push("police", push), IsOk());
    auto feed = board_->feed()->ReadFor("school", 0, 1 << 20);
    ASSERT_THAT(feed, IsOk());
    ASSERT_THAT(board_->audit()->RecordDisclosure("school", *feed), IsOk());
  }

  v1::VerifyAuditReply Verify() {
    auto reply = board_->audit()->Verify();
    EXPECT_THAT(reply, IsOk());
    return reply.ok() ? *reply : v1::VerifyAuditReply();
  }

  rocksdb::DB* db() { return board_->replica()->store()->db(); }
  rocksdb::ColumnFamilyHandle* family(Family f) {
    return board_->replica()->store()->handle(f);
  }
};

TEST_F(AuditLogTest, RecordsEveryAcceptedChangeAndDisclosureInOneChain) {
  v1::VerifyAuditReply reply = Verify();
  EXPECT_TRUE(reply.intact()) << reply.problem();
  EXPECT_EQ(reply.entries(), 4u);
  EXPECT_EQ(reply.accepted(), 3u);
  EXPECT_EQ(reply.disclosures(), 1u);

  std::string bytes;
  ASSERT_TRUE(db()->Get(rocksdb::ReadOptions(), family(Family::kAudit),
                        SeqKey(4), &bytes)
                  .ok());
  v1::AuditEntry disclosure;
  ASSERT_TRUE(disclosure.ParseFromString(bytes));
  ASSERT_TRUE(disclosure.has_disclosure());
  EXPECT_EQ(disclosure.disclosure().agency(), "school");
  // The review and the two entries went to the school.
  EXPECT_EQ(disclosure.disclosure().records_size(), 3);
}

TEST_F(AuditLogTest, OneChangedByteInAStoredEntryIsFoundAndNamed) {
  std::string bytes;
  ASSERT_TRUE(db()->Get(rocksdb::ReadOptions(), family(Family::kAudit),
                        SeqKey(2), &bytes)
                  .ok());
  // The last byte (of the feed number): still a readable entry.
  bytes[bytes.size() - 1] ^= 0x01;
  ASSERT_TRUE(db()->Put(rocksdb::WriteOptions(), family(Family::kAudit),
                        SeqKey(2), bytes)
                  .ok());
  v1::VerifyAuditReply reply = Verify();
  EXPECT_FALSE(reply.intact());
  EXPECT_EQ(reply.broken_seq(), 2u);
  EXPECT_EQ(reply.entries(), 1u);
  EXPECT_THAT(reply.problem(), HasSubstr("entry 3 recorded"));
}

TEST_F(AuditLogTest, AChangedAuditedChangeIsFound) {
  v1::Dot dot;
  dot.set_replica("police");
  dot.set_counter(1);
  std::string bytes;
  ASSERT_TRUE(db()->Get(rocksdb::ReadOptions(), family(Family::kChanges),
                        keys::Change(dot), &bytes)
                  .ok());
  bytes[bytes.size() / 2] ^= 0x20;
  ASSERT_TRUE(db()->Put(rocksdb::WriteOptions(), family(Family::kChanges),
                        keys::Change(dot), bytes)
                  .ok());
  v1::VerifyAuditReply reply = Verify();
  EXPECT_FALSE(reply.intact());
  EXPECT_EQ(reply.broken_seq(), 2u);
  EXPECT_THAT(reply.problem(), HasSubstr("police:1"));
}

TEST_F(AuditLogTest, RemovedEntriesAreFound) {
  ASSERT_TRUE(
      db()->Delete(rocksdb::WriteOptions(), family(Family::kAudit), SeqKey(2))
          .ok());
  v1::VerifyAuditReply reply = Verify();
  EXPECT_FALSE(reply.intact());
  EXPECT_EQ(reply.broken_seq(), 2u);
  EXPECT_THAT(reply.problem(), HasSubstr("missing"));
}

TEST_F(AuditLogTest, AChangedNewestEntryIsFoundThroughTheHead) {
  std::string bytes;
  ASSERT_TRUE(db()->Get(rocksdb::ReadOptions(), family(Family::kAudit),
                        SeqKey(4), &bytes)
                  .ok());
  v1::AuditEntry entry;
  ASSERT_TRUE(entry.ParseFromString(bytes));
  entry.mutable_disclosure()->set_agency("police");  // hide who saw what
  ASSERT_TRUE(db()->Put(rocksdb::WriteOptions(), family(Family::kAudit),
                        SeqKey(4), entry.SerializeAsString())
                  .ok());
  v1::VerifyAuditReply reply = Verify();
  EXPECT_FALSE(reply.intact());
  EXPECT_EQ(reply.broken_seq(), 4u);
  EXPECT_EQ(reply.entries(), 3u);
}

TEST_F(AuditLogTest, TruncatingTheTailIsFoundThroughTheHead) {
  ASSERT_TRUE(
      db()->Delete(rocksdb::WriteOptions(), family(Family::kAudit), SeqKey(4))
          .ok());
  v1::VerifyAuditReply reply = Verify();
  EXPECT_FALSE(reply.intact());
  EXPECT_EQ(reply.entries(), 3u);
  EXPECT_THAT(reply.problem(), HasSubstr("head says 4"));
}

}  // namespace
}  // namespace casesync::testing
