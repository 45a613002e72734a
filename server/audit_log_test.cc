#include "server/audit_log.h"

#include "absl/strings/str_cat.h"
#include "common/replica/storage_keys.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/board_test_util.h"

namespace casesync::testing {
namespace {

using ::testing::HasSubstr;

class AuditLogTest : public BoardFixture {
 protected:
  // A review (the board's change), two entries pushed by the police in two
  // pushes, and their disclosure to the school: four entries.
  void SetUp() override {
    BoardFixture::SetUp();
    BoardReview("r1", {"police", "school"});
    police_ = Agency("police");
    for (const char* text : {"first", "second"}) {
      v1::PushBatch push;
      *push.add_changes() = Entry(police_, "r1", text);
      ASSERT_THAT(board_->ingest()->Push("police", push), IsOk());
    }
    auto feed = board_->feed()->Read("school", 0, 1 << 20);
    ASSERT_THAT(feed, IsOk());
    ASSERT_THAT(board_->audit()->RecordDisclosure(feed->disclosure), IsOk());
  }

  v1::VerifyAuditReply Verify() {
    auto reply = board_->audit()->Verify();
    EXPECT_THAT(reply, IsOk());
    return reply.ok() ? *reply : v1::VerifyAuditReply();
  }

  // Records a disclosure to the school of the feed range (from, to] that
  // says entries `first` to `last` were sent, then verifies the chain.
  v1::VerifyAuditReply VerifyAfterDisclosing(uint64_t from, uint64_t to,
                                             uint64_t first, uint64_t last) {
    v1::AuditDisclosure disclosure;
    disclosure.set_agency("school");
    disclosure.set_feed_from(from);
    disclosure.set_feed_to(to);
    v1::FeedRun* run = disclosure.add_sent();
    run->set_first(first);
    run->set_last(last);
    EXPECT_THAT(board_->audit()->RecordDisclosure(disclosure), IsOk());
    return Verify();
  }

  rocksdb::DB* db() { return board_->replica()->store()->db(); }
  Replica* police_ = nullptr;
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
                        keys::Seq(4), &bytes)
                  .ok());
  v1::AuditEntry disclosure;
  ASSERT_TRUE(disclosure.ParseFromString(bytes));
  ASSERT_TRUE(disclosure.has_disclosure());
  EXPECT_EQ(disclosure.disclosure().agency(), "school");
  // The review and its two entries went to the school at their own
  // numbers, 1 to 3: the school was in the review from its start, so
  // nothing was sent whole.
  EXPECT_EQ(disclosure.disclosure().records_size(), 0);
  ASSERT_EQ(disclosure.disclosure().sent_size(), 1);
  EXPECT_EQ(disclosure.disclosure().sent(0).first(), 1u);
  EXPECT_EQ(disclosure.disclosure().sent(0).last(), 3u);
}

TEST_F(AuditLogTest, ADisclosureOfChangesTheChainNeverAcceptedIsFound) {
  // Hash-linked like any other entry, but naming feed entries the chain
  // holds no accepted change for: what the school was sent cannot be
  // told from it.
  v1::VerifyAuditReply reply = VerifyAfterDisclosing(3, 9, 8, 9);
  EXPECT_FALSE(reply.intact());
  EXPECT_EQ(reply.broken_seq(), 5u);
  EXPECT_THAT(reply.problem(), HasSubstr("feed entries 8 to 9"));
}

TEST_F(AuditLogTest, ADisclosureOutsideItsOwnFeedRangeIsFound) {
  // Entry 1 was accepted, but is before the range.
  v1::VerifyAuditReply reply = VerifyAfterDisclosing(2, 3, 1, 1);
  EXPECT_FALSE(reply.intact());
  EXPECT_EQ(reply.broken_seq(), 5u);
  EXPECT_THAT(reply.problem(), HasSubstr("within its range 2..3"));
}

v1::AuditEntry ReadEntry(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* audit,
                         uint64_t seq) {
  std::string bytes;
  EXPECT_TRUE(
      db->Get(rocksdb::ReadOptions(), audit, keys::Seq(seq), &bytes).ok());
  v1::AuditEntry entry;
  EXPECT_TRUE(entry.ParseFromString(bytes));
  return entry;
}

TEST_F(AuditLogTest, OneWriteOfManyChangesIsOneEntryListingThemAll) {
  v1::PushBatch push;
  for (const char* text : {"third", "fourth", "fifth"}) {
    *push.add_changes() = Entry(police_, "r1", text);
  }
  ASSERT_THAT(board_->ingest()->Push("police", push), IsOk());
  v1::VerifyAuditReply reply = Verify();
  EXPECT_TRUE(reply.intact()) << reply.problem();
  EXPECT_EQ(reply.entries(), 5u);
  EXPECT_EQ(reply.accepted(), 6u);

  v1::AuditEntry entry = ReadEntry(db(), family(Family::kAudit), 5);
  ASSERT_EQ(entry.accepted().changes_size(), 3);
  uint64_t counter = 3;
  for (const v1::AcceptedChange& accepted : entry.accepted().changes()) {
    EXPECT_EQ(FormatDot(accepted.dot()), absl::StrCat("police:", counter++));
    EXPECT_EQ(accepted.change_sha256().size(), 32u);
  }
}

TEST_F(AuditLogTest, ABatchNeverCommittedLeavesNothingInTheNextEntry) {
  {
    // Applied on the board, then abandoned: never written.
    std::unique_ptr<Replica::Batch> abandoned = board_->replica()->NewBatch();
    ASSERT_THAT(abandoned->Apply(Entry(Agency("school"), "r1", "lost"),
                                 Arrival::kAnyOrder),
                IsOk());
  }
  v1::PushBatch push;
  *push.add_changes() = Entry(police_, "r1", "kept");
  ASSERT_THAT(board_->ingest()->Push("police", push), IsOk());
  v1::VerifyAuditReply reply = Verify();
  EXPECT_TRUE(reply.intact()) << reply.problem();
  v1::AuditEntry entry = ReadEntry(db(), family(Family::kAudit), 5);
  ASSERT_EQ(entry.accepted().changes_size(), 1);
  EXPECT_EQ(FormatDot(entry.accepted().changes(0).dot()), "police:3");
}

TEST_F(AuditLogTest, OneChangedByteInAStoredEntryIsFoundAndNamed) {
  std::string bytes;
  ASSERT_TRUE(db()->Get(rocksdb::ReadOptions(), family(Family::kAudit),
                        keys::Seq(2), &bytes)
                  .ok());
  // The last byte (of the feed number): still a readable entry.
  bytes[bytes.size() - 1] ^= 0x01;
  ASSERT_TRUE(db()->Put(rocksdb::WriteOptions(), family(Family::kAudit),
                        keys::Seq(2), bytes)
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
  ASSERT_TRUE(db()->Delete(rocksdb::WriteOptions(), family(Family::kAudit),
                           keys::Seq(2))
                  .ok());
  v1::VerifyAuditReply reply = Verify();
  EXPECT_FALSE(reply.intact());
  EXPECT_EQ(reply.broken_seq(), 2u);
  EXPECT_THAT(reply.problem(), HasSubstr("missing"));
}

TEST_F(AuditLogTest, AChangedNewestEntryIsFoundThroughTheHead) {
  std::string bytes;
  ASSERT_TRUE(db()->Get(rocksdb::ReadOptions(), family(Family::kAudit),
                        keys::Seq(4), &bytes)
                  .ok());
  v1::AuditEntry entry;
  ASSERT_TRUE(entry.ParseFromString(bytes));
  entry.mutable_disclosure()->set_agency("police");  // hide who saw what
  ASSERT_TRUE(db()->Put(rocksdb::WriteOptions(), family(Family::kAudit),
                        keys::Seq(4), entry.SerializeAsString())
                  .ok());
  v1::VerifyAuditReply reply = Verify();
  EXPECT_FALSE(reply.intact());
  EXPECT_EQ(reply.broken_seq(), 4u);
  EXPECT_EQ(reply.entries(), 3u);
}

TEST_F(AuditLogTest, TruncatingTheTailIsFoundThroughTheHead) {
  ASSERT_TRUE(db()->Delete(rocksdb::WriteOptions(), family(Family::kAudit),
                           keys::Seq(4))
                  .ok());
  v1::VerifyAuditReply reply = Verify();
  EXPECT_FALSE(reply.intact());
  EXPECT_EQ(reply.entries(), 3u);
  EXPECT_THAT(reply.problem(), HasSubstr("head says 4"));
}

}  // namespace
}  // namespace casesync::testing
