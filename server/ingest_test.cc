#include "server/ingest.h"

#include "common/testing/store_dump.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/board_test_util.h"

namespace casesync::testing {
namespace {

using ::testing::HasSubstr;

class IngestTest : public BoardFixture {
 protected:
  absl::StatusOr<v1::PushAck> Push(const std::string& agency,
                                   const std::vector<v1::Change>& changes) {
    v1::PushBatch batch;
    for (const v1::Change& change : changes) *batch.add_changes() = change;
    return board_->ingest()->Push(agency, batch);
  }
};

TEST_F(IngestTest, AcceptedChangesAreAppliedNumberedAndAcknowledged) {
  BoardReview("r1", {"police"});
  Replica* police = Agency("police");
  v1::Change a = Entry(police, "r1", "first");
  v1::Change b = Entry(police, "r1", "second");
  auto ack = Push("police", {a, b});
  ASSERT_THAT(ack, IsOk());
  EXPECT_EQ(ack->acknowledged(), 2u);
  EXPECT_EQ(ack->accepted(), 2u);
  EXPECT_TRUE(ack->rejected().empty());
  EXPECT_THAT(board_->replica()->ReadRecord("r1", a.record().record_id()),
              IsOk());
  EXPECT_EQ(board_->feed()->head(), 3u);  // the review, then the two entries
  auto verdict = board_->ingest()->VerdictOf("police", a.dot());
  ASSERT_THAT(verdict, IsOk());
  ASSERT_TRUE(verdict->has_value());
  EXPECT_EQ((*verdict)->outcome(), v1::Verdict::OUTCOME_ACCEPTED);
  auto state = board_->ingest()->State("police");
  ASSERT_THAT(state, IsOk());
  EXPECT_EQ(state->accepted(), 2u);
}

// Apply writes; only Acknowledge, after the sync, lets the changes into the
// feed and hands out the acknowledgement (the sync service applies the next
// push in between).
TEST_F(IngestTest, AnAppliedPushReachesTheFeedOnlyWhenAcknowledged) {
  BoardReview("r1", {"police"});
  Replica* police = Agency("police");
  const uint64_t head = board_->feed()->head();
  v1::PushBatch first, second;
  *first.add_changes() = Entry(police, "r1", "first");
  *second.add_changes() = Entry(police, "r1", "second");
  auto applied_first = board_->ingest()->Apply("police", first, {});
  ASSERT_THAT(applied_first, IsOk());
  auto applied_second = board_->ingest()->Apply("police", second, {});
  ASSERT_THAT(applied_second, IsOk());
  EXPECT_EQ(applied_second->ack.acknowledged(), 2u);
  EXPECT_EQ(board_->feed()->head(), head) << "numbered before its sync";
  auto ack = board_->ingest()->Acknowledge(*std::move(applied_first));
  ASSERT_THAT(ack, IsOk());
  EXPECT_EQ(ack->acknowledged(), 1u);
  EXPECT_EQ(board_->feed()->head(), head + 1);
  ack = board_->ingest()->Acknowledge(*std::move(applied_second));
  ASSERT_THAT(ack, IsOk());
  EXPECT_EQ(ack->acknowledged(), 2u);
  EXPECT_EQ(board_->feed()->head(), head + 2);
  auto told = board_->ingest()->DurableState("police");
  ASSERT_THAT(told, IsOk());
  EXPECT_EQ(told->acknowledged(), 2u);
}

TEST_F(IngestTest, PendingPerAgencyIsWhatItReportedLessWhatWasJudged) {
  BoardReview("r1", {"police"});
  Replica* police = Agency("police");
  std::vector<v1::Change> changes;
  for (int i = 0; i < 5; ++i) changes.push_back(Entry(police, "r1", "entry"));
  // It says it has made 5 (its Hello), and 2 of them arrive.
  Ingest::AgencyReport report;
  report.acknowledged = 0;
  report.changes = 5;
  ASSERT_THAT(board_->ingest()->Touch("police", report), IsOk());
  ASSERT_THAT(Push("police", {changes[0], changes[1]}), IsOk());
  auto status = board_->Status();
  ASSERT_THAT(status, IsOk());
  ASSERT_EQ(status->board().agencies_size(), 1);
  EXPECT_EQ(status->board().agencies(0).pending(), 3u);
  EXPECT_EQ(status->board().agencies(0).acknowledged(), 2u);
  // A stale report (an old bundle imported late) does not undo it.
  report.changes = 1;
  report.at_ms = 1;
  ASSERT_THAT(board_->ingest()->Touch("police", report), IsOk());
  status = board_->Status();
  ASSERT_THAT(status, IsOk());
  EXPECT_EQ(status->board().agencies(0).pending(), 3u);
}

TEST_F(IngestTest, RepeatedPushIsAcknowledgedAgainWithoutChange) {
  BoardReview("r1", {"police"});
  Replica* police = Agency("police");
  v1::Change a = Entry(police, "r1", "first");
  ASSERT_THAT(Push("police", {a}), IsOk());
  const std::string before = DumpAll(*board_->replica()->store());
  auto again = Push("police", {a});
  ASSERT_THAT(again, IsOk());
  EXPECT_EQ(again->acknowledged(), 1u);
  EXPECT_EQ(again->accepted(), 0u);
  EXPECT_EQ(board_->feed()->head(), 2u);
  // Only the last-contact time moved.
  auto state = board_->ingest()->State("police");
  EXPECT_EQ(state->accepted(), 1u);
}

TEST_F(IngestTest, ACounterGapRefusesThePushWithNothingWritten) {
  BoardReview("r1", {"police"});
  Replica* police = Agency("police");
  Entry(police, "r1", "first");
  v1::Change second = Entry(police, "r1", "second");
  const std::string before =
      DumpFamilies(*board_->replica()->store(), kReplicatedFamilies);
  EXPECT_THAT(Push("police", {second}),
              StatusIs(absl::StatusCode::kFailedPrecondition, "resend from 1"));
  EXPECT_EQ(DumpFamilies(*board_->replica()->store(), kReplicatedFamilies),
            before);
}

TEST_F(IngestTest, ChangeClaimingAnotherAuthorIsRejectedAndMovesNoFrontier) {
  BoardReview("r1", {"police", "school"});
  Replica* school = Agency("school");
  v1::Change forged = Entry(school, "r1", "not mine");
  auto ack = Push("police", {forged});
  ASSERT_THAT(ack, IsOk());
  EXPECT_EQ(ack->acknowledged(), 0u);
  ASSERT_EQ(ack->rejected_size(), 1);
  EXPECT_EQ(ack->rejected(0).reason(), v1::Verdict::REASON_NOT_AUTHORISED);
  EXPECT_THAT(ack->rejected(0).detail(), HasSubstr("pushed by police"));
  EXPECT_THAT(board_->replica()->ReadRecord("r1", forged.record().record_id()),
              StatusIs(absl::StatusCode::kNotFound));
  // The real author's own push is unaffected.
  auto real = Push("school", {forged});
  ASSERT_THAT(real, IsOk());
  EXPECT_EQ(real->accepted(), 1u);
}

TEST_F(IngestTest, RefusalsGetDurableVerdictsAndTheFrontierMovesOn) {
  BoardReview("r1", {"police"});
  BoardReview("r2", {"school"});
  BoardReview("r3", {"police"}, v1::Review::PHASE_PUBLISHED);
  Replica* police = Agency("police");
  v1::Change unknown = Entry(police, "nope", "no such review");
  v1::Change not_member = Entry(police, "r2", "not a member");
  v1::Change closed = Entry(police, "r3", "phase closed");
  RecordEdit finding;
  finding.record.set_review_id("r1");
  finding.record.set_type(v1::RECORD_TYPE_FINDING);
  finding.fields = {Text(5, "a finding")};
  v1::Change board_only = *police->Edit(finding);
  v1::Change fine = Entry(police, "r1", "fine");
  auto ack = Push("police", {unknown, not_member, closed, board_only, fine});
  ASSERT_THAT(ack, IsOk());
  EXPECT_EQ(ack->acknowledged(), 5u);
  EXPECT_EQ(ack->accepted(), 1u);
  ASSERT_EQ(ack->rejected_size(), 4);
  EXPECT_EQ(ack->rejected(0).reason(), v1::Verdict::REASON_UNKNOWN_REVIEW);
  EXPECT_EQ(ack->rejected(1).reason(), v1::Verdict::REASON_NOT_A_MEMBER);
  EXPECT_EQ(ack->rejected(2).reason(), v1::Verdict::REASON_PHASE_CLOSED);
  EXPECT_EQ(ack->rejected(3).reason(), v1::Verdict::REASON_NOT_AUTHORISED);
  // Rejections are stored nowhere but in their verdicts.
  EXPECT_THAT(
      board_->replica()->ReadRecord("r2", not_member.record().record_id()),
      StatusIs(absl::StatusCode::kNotFound));
  auto verdict = board_->ingest()->VerdictOf("police", closed.dot());
  ASSERT_THAT(verdict, IsOk());
  EXPECT_EQ((*verdict)->reason(), v1::Verdict::REASON_PHASE_CLOSED);
  auto rejections = board_->ingest()->RejectionsAfter("police", 2);
  ASSERT_THAT(rejections, IsOk());
  EXPECT_EQ(rejections->size(), 2u);  // counters 3 and 4
}

TEST_F(IngestTest, OversizedChangeIsRejectedAsTooLarge) {
  BoardReview("r1", {"police"});
  Replica* police = Agency("police");
  v1::Change change = Entry(police, "r1", "x");
  change.mutable_writes(3)->mutable_value()->set_string_value(
      std::string(70000, 'x'));
  auto ack = Push("police", {change});
  ASSERT_THAT(ack, IsOk());
  ASSERT_EQ(ack->rejected_size(), 1);
  EXPECT_EQ(ack->rejected(0).reason(), v1::Verdict::REASON_TOO_LARGE);
}

// A board with small limits, to test each at its edge.
class LimitedIngestTest : public IngestTest {
 protected:
  void Configure(BoardOptions* options) override {
    options->ingest_limits.max_push_changes = 3;
    options->ingest_limits.max_records_per_review = 2;
    options->limits.max_field_bytes = 100;
  }
};

TEST_F(LimitedIngestTest,
       APushOfTheMostChangesIsTakenAndOneMoreIsRefusedWhole) {
  BoardReview("r1", {"police"});
  Replica* police = Agency("police");
  std::vector<v1::Change> changes;
  for (int i = 0; i < 4; ++i) changes.push_back(Entry(police, "r1", "e"));
  auto over = Push("police", changes);
  EXPECT_EQ(over.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(over.status().message(), HasSubstr("at most 3 per push"));
  auto state = board_->ingest()->State("police");
  ASSERT_THAT(state, IsOk());
  EXPECT_EQ(state->acknowledged(), 0u);  // nothing of it was written
  changes.pop_back();
  auto at = Push("police", changes);
  ASSERT_THAT(at, IsOk());
  EXPECT_EQ(at->acknowledged(), 3u);
}

TEST_F(LimitedIngestTest, AFullReviewTakesNoNewRecordButEditsToHeldOnes) {
  BoardReview("r1", {"police"});
  Replica* police = Agency("police");
  v1::Change first = Entry(police, "r1", "first");
  v1::Change second = Entry(police, "r1", "second");
  v1::Change third = Entry(police, "r1", "third");
  auto ack = Push("police", {first, second, third});
  ASSERT_THAT(ack, IsOk());
  EXPECT_EQ(ack->accepted(), 2u);
  ASSERT_EQ(ack->rejected_size(), 1);
  EXPECT_EQ(FormatDot(ack->rejected(0).dot()), FormatDot(third.dot()));
  EXPECT_EQ(ack->rejected(0).reason(), v1::Verdict::REASON_TOO_LARGE);
  EXPECT_THAT(ack->rejected(0).detail(), HasSubstr("already holds 2 records"));
  // An edit of a record the review holds is not a new record.
  RecordEdit edit;
  *edit.record.mutable_review_id() = "r1";
  *edit.record.mutable_record_id() = first.record().record_id();
  edit.record.set_type(v1::RECORD_TYPE_CHRONOLOGY);
  edit.fields = {Text(12, "first, corrected")};
  auto edited = police->Edit(edit);
  ASSERT_THAT(edited, IsOk());
  auto again = Push("police", {*edited});
  ASSERT_THAT(again, IsOk());
  EXPECT_EQ(again->accepted(), 1u);
  EXPECT_TRUE(again->rejected().empty());
}

TEST_F(LimitedIngestTest, AFieldOfTheMostBytesIsAcceptedAndOneMoreRejected) {
  BoardReview("r1", {"police"});
  Replica* police = Agency("police");
  auto at = Push("police", {Entry(police, "r1", std::string(100, 'x'))});
  ASSERT_THAT(at, IsOk());
  EXPECT_EQ(at->accepted(), 1u);
  auto over = Push("police", {Entry(police, "r1", std::string(101, 'x'))});
  ASSERT_THAT(over, IsOk());
  ASSERT_EQ(over->rejected_size(), 1);
  EXPECT_EQ(over->rejected(0).reason(), v1::Verdict::REASON_TOO_LARGE);
}

}  // namespace
}  // namespace casesync::testing
