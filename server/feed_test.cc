#include "server/feed.h"

#include <set>
#include <utility>
#include <vector>

#include "common/records/field_merge.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/board_test_util.h"

namespace casesync::testing {
namespace {

class FeedTest : public BoardFixture {
 protected:
  // Everything `agency` would receive from the start of the feed.
  v1::FeedBatch ReadAll(const std::string& agency, uint64_t after = 0) {
    auto batch = board_->feed()->ReadFor(agency, after, 1 << 30);
    EXPECT_THAT(batch, IsOk());
    return batch.ok() ? *batch : v1::FeedBatch();
  }
  void Push(const std::string& agency, const std::vector<v1::Change>& changes) {
    v1::PushBatch batch;
    for (const v1::Change& change : changes) *batch.add_changes() = change;
    auto ack = board_->ingest()->Push(agency, batch);
    ASSERT_THAT(ack, IsOk());
    ASSERT_EQ(ack->rejected_size(), 0);
  }
  static std::set<std::string> Records(const v1::FeedBatch& batch) {
    std::set<std::string> ids;
    for (const v1::FeedEntry& entry : batch.entries()) {
      if (entry.has_change()) ids.insert(entry.change().record().record_id());
      if (entry.has_snapshot()) {
        ids.insert(entry.snapshot().record().record_id());
      }
    }
    return ids;
  }
  v1::Change SetVisibility(const v1::RecordRef& ref,
                           v1::Visibility visibility) {
    RecordEdit edit;
    edit.record = ref;
    FieldEdit vis;
    vis.field = 4;
    vis.value.set_enum_value(visibility);
    edit.fields = {vis};
    auto change = board_->replica()->Edit(edit);
    EXPECT_THAT(change, IsOk());
    return *change;
  }
};

TEST_F(FeedTest, AgenciesSeeSharedRecordsButNotOthersPrivateOnes) {
  BoardReview("r1", {"police", "school"});
  Replica* police = Agency("police");
  v1::Change shared = Entry(police, "r1", "shared");
  v1::Change secret = Entry(police, "r1", "secret", v1::VISIBILITY_AGENCY);
  Push("police", {shared, secret});

  v1::FeedBatch school = ReadAll("school");
  EXPECT_EQ(school.cursor(), 3u);
  EXPECT_EQ(school.feed_head(), 3u);
  EXPECT_EQ(Records(school),
            (std::set<std::string>{"r1", shared.record().record_id()}));
  // Its own changes do not go back to the police.
  EXPECT_EQ(Records(ReadAll("police")), (std::set<std::string>{"r1"}));
  // An agency outside the review sees nothing, but its cursor moves on.
  v1::FeedBatch health = ReadAll("health");
  EXPECT_TRUE(health.entries().empty());
  EXPECT_EQ(health.cursor(), 3u);
}

TEST_F(FeedTest, BoardEditsOfAnAgencysOwnRecordGoBackToIt) {
  BoardReview("r1", {"police"});
  Replica* police = Agency("police");
  v1::Change secret = Entry(police, "r1", "secret", v1::VISIBILITY_AGENCY);
  Push("police", {secret});
  RecordEdit edit;
  edit.record = secret.record();
  edit.fields = {Text(15, "board's outcome")};
  ASSERT_THAT(board_->replica()->Edit(edit), IsOk());
  v1::FeedBatch batch = ReadAll("police", 2);
  ASSERT_EQ(batch.entries_size(), 1);
  EXPECT_EQ(batch.entries(0).change().dot().replica(), "board");
}

TEST_F(FeedTest, ARecordThatBecomesVisibleIsSentWholeAndOneThatStopsIsPurged) {
  BoardReview("r1", {"police", "school"});
  Replica* police = Agency("police");
  v1::Change secret = Entry(police, "r1", "secret", v1::VISIBILITY_AGENCY);
  Push("police", {secret});
  // The school reads past the private record.
  v1::FeedBatch before = ReadAll("school");
  EXPECT_FALSE(Records(before).count(secret.record().record_id()));

  // The review team makes it visible to the review: the school gets the
  // record as it is now, the police's values with their dots, and none of
  // the changes before.
  SetVisibility(secret.record(), v1::VISIBILITY_REVIEW);
  v1::FeedBatch after = ReadAll("school", before.cursor());
  ASSERT_EQ(after.entries_size(), 1);
  ASSERT_TRUE(after.entries(0).has_snapshot());
  const v1::RecordSnapshot& snapshot = after.entries(0).snapshot();
  EXPECT_EQ(snapshot.covers_to(), after.feed_head());
  std::set<std::string> authors;
  for (const v1::SnapshotField& field : snapshot.fields()) {
    for (const v1::SnapshotValue& value : field.values()) {
      authors.insert(value.dot().replica());
    }
  }
  EXPECT_EQ(authors, (std::set<std::string>{"police", "board"}));

  // And back to private: the school is told to purge it.
  const uint64_t cursor = after.cursor();
  SetVisibility(secret.record(), v1::VISIBILITY_AGENCY);
  v1::FeedBatch purge = ReadAll("school", cursor);
  ASSERT_EQ(purge.entries_size(), 1);
  EXPECT_TRUE(purge.entries(0).has_purge());
  EXPECT_EQ(purge.entries(0).purge().record_id(), secret.record().record_id());
}

TEST_F(FeedTest, AnAgencyJoiningAReviewReceivesItWhole) {
  BoardReview("r1", {"police"});
  Replica* police = Agency("police");
  v1::Change shared = Entry(police, "r1", "shared");
  v1::Change secret = Entry(police, "r1", "secret", v1::VISIBILITY_AGENCY);
  Push("police", {shared, secret});
  v1::FeedBatch outside = ReadAll("school");
  EXPECT_TRUE(outside.entries().empty());

  BoardReview("r1", {"police", "school"});
  v1::FeedBatch joined = ReadAll("school", outside.cursor());
  EXPECT_EQ(Records(joined),
            (std::set<std::string>{"r1", shared.record().record_id()}));

  BoardReview("r1", {"police"});
  v1::FeedBatch left = ReadAll("school", joined.cursor());
  ASSERT_EQ(left.entries_size(), 1);
  EXPECT_TRUE(left.entries(0).has_purge());
  EXPECT_TRUE(left.entries(0).purge().record_id().empty());
}

TEST_F(FeedTest, AnEntryReadForOneAgencyIsFilteredAfreshForTheNext) {
  // The school's read fills the shared cache with the record's outline
  // (visible to the review); the record then becomes private, and the
  // health agency, reading the same entry later, must not receive it.
  BoardReview("r1", {"police", "school", "health"});
  Replica* police = Agency("police");
  v1::Change entry = Entry(police, "r1", "soon private");
  Push("police", {entry});
  EXPECT_TRUE(Records(ReadAll("school")).count(entry.record().record_id()));

  SetVisibility(entry.record(), v1::VISIBILITY_AGENCY);
  v1::FeedBatch health = ReadAll("health");
  EXPECT_FALSE(Records(health).count(entry.record().record_id()));
  // And the other way: private when first read, visible when read again.
  v1::Change later = Entry(police, "r1", "soon shared", v1::VISIBILITY_AGENCY);
  Push("police", {later});
  const uint64_t cursor = health.cursor();
  EXPECT_FALSE(
      Records(ReadAll("health", cursor)).count(later.record().record_id()));
  SetVisibility(later.record(), v1::VISIBILITY_REVIEW);
  v1::FeedBatch school = ReadAll("school", cursor);
  int changes = 0, snapshots = 0;
  for (const v1::FeedEntry& sent_entry : school.entries()) {
    if (sent_entry.has_change() &&
        SameDot(sent_entry.change().dot(), later.dot())) {
      ++changes;
    }
    if (sent_entry.has_snapshot() &&
        sent_entry.snapshot().record().record_id() ==
            later.record().record_id()) {
      ++snapshots;
    }
  }
  // Not the change made while it was private, even though the record is
  // visible now: once, as it is now, at the change that made it visible.
  EXPECT_EQ(changes, 0);
  EXPECT_EQ(snapshots, 1);
}

TEST_F(FeedTest, AReadSaysWhatItDisclosesForTheAuditLog) {
  BoardReview("r1", {"police", "school"});
  Replica* police = Agency("police");
  Replica* school = Agency("school");
  // Feed numbers 2 and 3 (police), 4 (the school's own), 5 (police), 6 (a
  // police record private to the police).
  Push("police", {Entry(police, "r1", "first"), Entry(police, "r1", "second")});
  Push("school", {Entry(school, "r1", "ours")});
  v1::Change third = Entry(police, "r1", "third");
  v1::Change secret = Entry(police, "r1", "secret", v1::VISIBILITY_AGENCY);
  Push("police", {third, secret});
  auto read = board_->feed()->Read("school", 1, 1 << 30);
  ASSERT_THAT(read, IsOk());
  EXPECT_EQ(read->entries, 3u);
  EXPECT_EQ(read->disclosure.agency(), "school");
  EXPECT_EQ(read->disclosure.feed_from(), 1u);
  EXPECT_EQ(read->disclosure.feed_to(), 6u);
  // Each change sent at its own number, as runs of numbers: not the
  // school's own (4), not the private one (6).
  std::vector<std::pair<uint64_t, uint64_t>> runs;
  for (const v1::FeedRun& run : read->disclosure.sent()) {
    runs.emplace_back(run.first(), run.last());
  }
  EXPECT_EQ(runs, (std::vector<std::pair<uint64_t, uint64_t>>{{2, 3}, {5, 5}}));
  EXPECT_TRUE(read->disclosure.records().empty());

  // A record sent whole (made visible) is named as a record.
  SetVisibility(secret.record(), v1::VISIBILITY_REVIEW);
  auto whole = board_->feed()->Read("school", read->cursor, 1 << 30);
  ASSERT_THAT(whole, IsOk());
  EXPECT_EQ(whole->entries, 1u);  // a snapshot, no change
  ASSERT_EQ(whole->disclosure.records_size(), 1);
  EXPECT_EQ(whole->disclosure.records(0).record_id(),
            secret.record().record_id());
  EXPECT_TRUE(whole->disclosure.sent().empty());

  auto back = board_->feed()->Read("police", 1, 1 << 30);
  ASSERT_THAT(back, IsOk());
  EXPECT_EQ(back->cursor, 7u);
  // The school's entry, and the board's edit of the police's record.
  EXPECT_EQ(back->entries, 2u);
  // Nothing to send, nothing to disclose.
  auto nothing = board_->feed()->Read("police", 7, 1 << 30);
  ASSERT_THAT(nothing, IsOk());
  EXPECT_EQ(nothing->entries, 0u);
  EXPECT_TRUE(nothing->disclosure.sent().empty());
  EXPECT_TRUE(nothing->disclosure.records().empty());
}

TEST_F(FeedTest, PseudonymsNeverLeaveTheBoard) {
  BoardReview("r1", {"police"});
  RecordEdit pseudonym;
  pseudonym.record.set_review_id("r1");
  pseudonym.record.set_type(v1::RECORD_TYPE_PSEUDONYM);
  pseudonym.fields = {Text(5, "Jane Doe"), Text(6, "Child J")};
  ASSERT_THAT(board_->replica()->Edit(pseudonym), IsOk());
  EXPECT_EQ(Records(ReadAll("police")), (std::set<std::string>{"r1"}));
}

TEST_F(FeedTest, ReadsStopNearTheByteLimitAndResumeFromTheCursor) {
  BoardReview("r1", {"police", "school"});
  Replica* police = Agency("police");
  std::vector<v1::Change> changes;
  for (int i = 0; i < 20; ++i)
    changes.push_back(Entry(police, "r1", std::string(1000, 'a' + i)));
  Push("police", changes);
  std::set<std::string> seen;
  uint64_t cursor = 0;
  int reads = 0;
  while (cursor < board_->feed()->head() && reads < 100) {
    auto batch = board_->feed()->ReadFor("school", cursor, 3000);
    ASSERT_THAT(batch, IsOk());
    ASSERT_GT(batch->cursor(), cursor);
    for (const auto& id : Records(*batch)) seen.insert(id);
    cursor = batch->cursor();
    ++reads;
  }
  EXPECT_GT(reads, 3);
  EXPECT_EQ(seen.size(), 21u);
}

}  // namespace
}  // namespace casesync::testing
