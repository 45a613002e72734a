#include "common/review/joint_review.h"

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/api/record_service.h"
#include "common/publication/pseudonyms.h"
#include "common/testing/status_matchers.h"
#include "common/testing/temp_dir.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace casesync {
namespace {

using ::casesync::testing::IsOk;
using ::casesync::testing::StatusIs;
using ::casesync::testing::TempDir;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;
using ::testing::UnorderedElementsAre;

// A board and two agencies (police, csc), each a replica with its record
// service; agencies' changes are carried to the board by hand.
class JointReviewTest : public ::testing::Test {
 protected:
  void SetUp() override {
    board_ = Open("board");
    board_records_ = Service(board_.get(), "");
    for (const char* agency : {"police", "csc"}) {
      agencies_[agency] = Open(agency);
      agency_records_[agency] = Service(agencies_[agency].get(), agency);
    }
    Write(*board_records_, "review", "r1", true,
          {{"title", "Child J"},
           {"agencies", "police,csc"},
           {"terms_of_reference", "How agencies worked together"}});
    CarryBoardToAgencies();
  }

  std::unique_ptr<Replica> Open(const std::string& id) {
    ReplicaOptions options;
    options.path = dir_.Sub(id);
    options.replica_id = id;
    options.sync = false;
    auto replica = Replica::Open(options);
    EXPECT_THAT(replica, IsOk());
    return replica.ok() ? *std::move(replica) : nullptr;
  }

  static std::unique_ptr<RecordService> Service(Replica* replica,
                                                const std::string& agency) {
    RecordServiceOptions options;
    options.replica = replica;
    options.role = agency.empty() ? Role::kBoard : Role::kAgency;
    options.agency = agency;
    return std::make_unique<RecordService>(std::move(options));
  }

  // Creates (review: or edits) a record; returns its id.
  std::string Write(
      RecordService& service, const std::string& type, const std::string& id,
      bool create,
      const std::vector<std::pair<std::string, std::string>>& fields,
      const std::string& visibility = "") {
    v1::EditRecordRequest request;
    request.set_review_id("r1");
    request.set_type(type);
    if (type == "review") {
      request.set_review_id(id);
    } else if (!id.empty()) {
      request.set_record_id(id);
    }
    request.set_create(create);
    for (const auto& [name, value] : fields) {
      v1::FieldSetting* setting = request.add_set();
      setting->set_name(name);
      setting->set_value(value);
    }
    if (!visibility.empty()) {
      v1::FieldSetting* setting = request.add_set();
      setting->set_name("visibility");
      setting->set_value(visibility);
    }
    auto reply = service.Edit(request);
    EXPECT_THAT(reply, IsOk());
    return reply.ok() ? reply->record_id() : "";
  }

  std::string Entry(const std::string& agency, const std::string& date,
                    const std::string& event,
                    const std::string& visibility = "review") {
    std::string id = Write(*agency_records_[agency], "chronology", "", true,
                           {{"date", date},
                            {"time", "10:00"},
                            {"source", agency + " note " + date},
                            {"event", event}},
                           visibility);
    CarryToBoard(agency);
    return id;
  }

  void CarryToBoard(const std::string& agency) {
    auto changes = agencies_[agency]->ChangesAfter(agency, carried_[agency],
                                                   1000, 1 << 30);
    ASSERT_THAT(changes, IsOk());
    for (const auto& encoded : *changes) {
      v1::Change change;
      ASSERT_TRUE(change.ParseFromString(encoded.bytes));
      ASSERT_THAT(board_->Apply(change, Arrival::kInOrder), IsOk());
      carried_[agency] = encoded.counter;
    }
  }

  void CarryBoardToAgencies() {
    auto changes = board_->ChangesAfter("board", 0, 1000, 1 << 30);
    ASSERT_THAT(changes, IsOk());
    for (auto& [agency, replica] : agencies_) {
      for (const auto& encoded : *changes) {
        v1::Change change;
        ASSERT_TRUE(change.ParseFromString(encoded.bytes));
        ASSERT_THAT(replica->Apply(change, Arrival::kAnyOrder), IsOk());
      }
    }
  }

  v1::JointReview Build(JointReviewOptions options = {}) {
    auto review = BuildJointReview(*board_, "r1", options);
    EXPECT_THAT(review, IsOk());
    return review.ok() ? *review : v1::JointReview();
  }

  TempDir dir_;
  std::unique_ptr<Replica> board_;
  std::unique_ptr<RecordService> board_records_;
  std::map<std::string, std::unique_ptr<Replica>> agencies_;
  std::map<std::string, std::unique_ptr<RecordService>> agency_records_;
  std::map<std::string, uint64_t> carried_;
};

TEST_F(JointReviewTest, AssemblesEverySectionFromTheRecordsHeld) {
  Entry("police", "2024-03-03", "Strategy meeting held; section 47 agreed");
  Entry("csc", "2024-03-04", "Strategy meeting held: section 47 agreed");
  Entry("csc", "2024-06-01", "Home visit, house cold, child seen");
  Write(*agency_records_["csc"], "summary", "", true,
        {{"involvement", "Allocated social worker from March"}});
  CarryToBoard("csc");
  const std::string episode = Write(*board_records_, "episode", "", true,
                                    {{"title", "The strategy meeting"},
                                     {"period_start", "2024-03-01"},
                                     {"period_end", "2024-03-10"}});
  Write(*board_records_, "factor", "", true,
        {{"text", "No shared record system"}, {"episode_id", episode}});
  Write(*board_records_, "finding", "", true,
        {{"statement", "Agencies did not share"},
         {"categories", "multi_agency_longer_term,human_reasoning"}});
  Write(*board_records_, "finding", "", true, {{"statement", "Loose end"}});
  Write(*board_records_, "action", "", true,
        {{"action", "Later"}, {"due_date", "2025-01-01"}});
  Write(*board_records_, "action", "", true,
        {{"action", "Sooner"}, {"due_date", "2024-12-01"}});

  v1::BoardStatus board;
  v1::BoardAgencyRow* row = board.add_agencies();
  row->set_agency("police");
  row->set_accepted(7);
  row->mutable_last_contact()->set_seconds(1700000000);
  JointReviewOptions options;
  options.board = &board;
  v1::JointReview review = Build(options);

  EXPECT_EQ(review.review().title(), "Child J");
  EXPECT_EQ(review.rules().min_score(), 0.6) << "defaults filled in";
  ASSERT_EQ(review.contributions_size(), 2);
  EXPECT_EQ(review.contributions(0).agency(), "police");
  EXPECT_THAT(review.contributions(0).records(),
              UnorderedElementsAre(Pair("chronology", 1)));
  EXPECT_THAT(review.contributions(0).outstanding(), ElementsAre("summary"));
  EXPECT_EQ(review.contributions(0).accepted(), 7u);
  EXPECT_EQ(review.contributions(0).last_sync().seconds(), 1700000000);
  EXPECT_TRUE(review.contributions(1).outstanding().empty());
  EXPECT_FALSE(review.contributions(1).has_last_sync());
  ASSERT_EQ(review.summaries_size(), 1);

  EXPECT_EQ(review.chronology().entries_size(), 3);
  ASSERT_EQ(review.discrepancies_size(), 1);
  EXPECT_EQ(review.discrepancies(0).field(), "date");
  ASSERT_EQ(review.episodes_size(), 1);
  ASSERT_EQ(review.episodes(0).factors_size(), 1);
  EXPECT_EQ(review.episodes(0).factors(0).text(), "No shared record system");
  ASSERT_EQ(review.findings_size(), 3);
  EXPECT_EQ(review.findings(0).category(), "human_reasoning");
  EXPECT_EQ(review.findings(1).category(), "multi_agency_longer_term");
  EXPECT_EQ(review.findings(2).category(), "uncategorised");
  ASSERT_EQ(review.actions_size(), 2);
  EXPECT_EQ(review.actions(0).action(), "Sooner");
  EXPECT_TRUE(review.conflicts().empty());
}

TEST_F(JointReviewTest, ADecisionIsShownWithItsDiscrepancy) {
  Entry("police", "2024-03-03", "Strategy meeting held; section 47 agreed");
  Entry("csc", "2024-03-04", "Strategy meeting held: section 47 agreed");
  v1::JointReview before = Build();
  ASSERT_EQ(before.discrepancies_size(), 1);
  EXPECT_FALSE(before.discrepancies(0).has_decision());
  Write(*board_records_, "decision", "", true,
        {{"discrepancy_id", before.discrepancies(0).id()},
         {"value", "2024-03-03"},
         {"rationale", "Minutes are dated"}});
  v1::JointReview after = Build();
  ASSERT_EQ(after.discrepancies_size(), 1);
  EXPECT_EQ(after.discrepancies(0).decision().rationale(), "Minutes are dated");
}

TEST_F(JointReviewTest, PublishedKeepsPublishedRecordsAndReplacesNames) {
  Entry("police", "2024-03-03", "Jane Smith called the police", "published");
  Entry("police", "2024-04-03", "Intelligence about Jane Smith", "review");
  Write(*board_records_, "pseudonym", "", true,
        {{"real_name", "Jane Smith"}, {"pseudonym", "Mother"}});
  // An edit conflict is working material, never published.
  JointReviewOptions options;
  options.published = true;
  v1::JointReview review = Build(options);
  // Names are replaced as the published version is made
  // (common/publication/publication.h).
  auto board_map = PseudonymMap(*board_, "r1");
  ASSERT_THAT(board_map, IsOk());
  ApplyPseudonyms(*board_map, &review);
  EXPECT_TRUE(review.published());
  ASSERT_EQ(review.chronology().entries_size(), 1);
  EXPECT_EQ(review.chronology().entries(0).entry().event(),
            "Mother called the police");
  EXPECT_THAT(review.contributions(0).records(),
              UnorderedElementsAre(Pair("chronology", 1)));
  auto map = PseudonymMap(*board_, "r1");
  ASSERT_THAT(map, IsOk());
  ASSERT_EQ(map->size(), 1u);
  EXPECT_EQ((*map)[0].real_name(), "Jane Smith");
  // Agencies never hold the map.
  auto none = PseudonymMap(*agencies_["police"], "r1");
  ASSERT_THAT(none, IsOk());
  EXPECT_TRUE(none->empty());
}

TEST_F(JointReviewTest, OpenConflictsAreListedWithEveryValue) {
  const std::string id = Entry("police", "2024-03-03", "Strategy meeting held");
  // The board and the agency edit the outcome concurrently.
  Write(*board_records_, "chronology", id, false, {{"outcome", "Plan made"}});
  Write(*agency_records_["police"], "chronology", id, false,
        {{"outcome", "No plan"}});
  CarryToBoard("police");
  v1::JointReview review = Build();
  ASSERT_EQ(review.conflicts_size(), 1);
  EXPECT_EQ(review.conflicts(0).field(), "outcome");
  EXPECT_THAT(review.conflicts(0).values(),
              UnorderedElementsAre("Plan made", "No plan"));
  ASSERT_EQ(review.conflicts(0).authors_size(), 2);
  EXPECT_THAT(review.conflicts(0).authors(0), HasSubstr("("));
}

TEST_F(JointReviewTest, UnknownReviewAndBadRulesAreRefused) {
  EXPECT_THAT(BuildJointReview(*board_, "nope", {}),
              StatusIs(absl::StatusCode::kNotFound));
  JointReviewOptions options;
  options.rules.set_min_score(2);
  EXPECT_THAT(BuildJointReview(*board_, "r1", options),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace casesync
