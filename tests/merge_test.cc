// Process-level tests of the board's three-way merge of long text fields
// (issue 4, docs/text_merge.md): real binaries on loopback ports picked at
// run time, driven through the real command line. An agency and the board
// edit the same long text while the agency is offline; after sync (by network
// or by bundle files), edits to different sentences are one merged text on
// both sides, written by the board, and overlapping edits are one conflict
// on both sides, listed with a readable diff and resolved as before.
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "casesync/v1/local_api.pb.h"
#include "casesync/v1/records.pb.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/harness.h"

namespace casesync::testing {
namespace {

using ::testing::HasSubstr;

constexpr char kOverview[] =
    "The practitioner described the first home visit. The family were "
    "welcoming but the flat was cold. She arranged a follow-up with the "
    "school nurse.";

class MergeTest : public ::testing::Test {
 protected:
  // A board, the police agency, and review r1 listing it, synced.
  void SetUp() override {
    ASSERT_TRUE(d_.StartBoard());
    ASSERT_TRUE(d_.StartAgency("police"));
    CommandResult created = d_.Board({"review", "create", "r1", "--title",
                                      "Child J", "--agencies", "police"});
    ASSERT_EQ(created.exit_code, 0) << created.err;
    SyncWait();
  }

  void SyncWait() {
    CommandResult sync =
        d_.Agency("police", {"sync", "--wait", "--timeout", "60"});
    ASSERT_EQ(sync.exit_code, 0) << sync.err;
  }

  // A record of `type` at the police with `field` set to `text`, synced to
  // the board; returns its id.
  std::string AddShared(const std::string& type,
                        const std::vector<std::string>& settings) {
    std::vector<std::string> args = {"record", "add",    "--review",
                                     "r1",     "--type", type};
    for (const std::string& setting : settings) {
      args.insert(args.end(), {"--set", setting});
    }
    CommandResult added = d_.Agency("police", args);
    EXPECT_EQ(added.exit_code, 0) << added.err;
    SyncWait();
    return added.out.substr(0, added.out.find('\n'));
  }

  // The police edit `field` offline while the board edits it too; then the
  // police reconnect and sync.
  void EditConcurrently(const std::string& type, const std::string& id,
                        const std::string& field, const std::string& at_police,
                        const std::string& at_board) {
    ASSERT_NO_FATAL_FAILURE(EditOffline(type, id, field, at_police, at_board));
    ASSERT_TRUE(d_.StartAgency("police"));
    SyncWait();
  }

  // The same edits, leaving the police offline.
  void EditOffline(const std::string& type, const std::string& id,
                   const std::string& field, const std::string& at_police,
                   const std::string& at_board) {
    // Disconnect the agency: point it at a port where nothing listens.
    ASSERT_TRUE(
        d_.StartAgency("police", absl::StrCat("127.0.0.1:", UnusedPort())));
    for (const auto& [socket, text, author] :
         {std::tuple(d_.AgencySocket("police"), at_police, "pc-4411"),
          std::tuple(d_.BoardSocket(), at_board, "analyst")}) {
      CommandResult edited =
          d_.Cli(socket, {"--author", author, "record", "edit", id, "--review",
                          "r1", "--type", type, "--set", field + "=" + text});
      ASSERT_EQ(edited.exit_code, 0) << edited.err;
    }
  }

  v1::ListConflictsReply Conflicts(const std::string& socket) {
    return FromJson<v1::ListConflictsReply>(
        d_.Cli(socket, {"conflicts", "list", "--review", "r1", "--json"}));
  }

  template <typename Record>
  Record Show(const std::string& socket, const std::string& id) {
    v1::RecordDetail detail = FromJson<v1::RecordDetail>(
        d_.Cli(socket, {"record", "show", id, "--review", "r1", "--json"}));
    Record record;
    EXPECT_TRUE(detail.record().UnpackTo(&record)) << socket;
    return record;
  }

  std::string Digest(const std::string& socket,
                     const std::string& for_agency = "") {
    std::vector<std::string> args = {"digest", "--json"};
    if (!for_agency.empty()) args.insert(args.end(), {"--agency", for_agency});
    return FromJson<v1::DigestReply>(d_.Cli(socket, args)).sha256();
  }

  std::set<std::string> BoardChangesAt(const std::string& socket) {
    const v1::ListChangesReply reply = FromJson<v1::ListChangesReply>(
        d_.Cli(socket, {"changes", "--origin", "board", "--json"}));
    std::set<std::string> dots;
    for (const v1::Dot& dot : reply.dots()) {
      dots.insert(absl::StrCat(dot.replica(), ":", dot.counter()));
    }
    return dots;
  }

  std::string BoardLog() const {
    std::ifstream log(d_.dir() + "/board.log");
    std::stringstream text;
    text << log.rdbuf();
    return text.str();
  }

  Deployment d_;
};

TEST_F(MergeTest, EditsToDifferentSentencesBecomeOneTextWrittenByTheBoard) {
  const std::string id =
      AddShared("conversation", {"participant_role=health visitor",
                                 std::string("overview=") + kOverview});
  EditConcurrently(
      "conversation", id, "overview",
      "The practitioner described the first home visit in March. The family "
      "were welcoming but the flat was cold. She arranged a follow-up with "
      "the school nurse.",
      "The practitioner described the first home visit. The family were "
      "welcoming but the flat was cold. She arranged a follow-up with the "
      "school nurse and the GP.");
  const std::string merged =
      "The practitioner described the first home visit in March. The family "
      "were welcoming but the flat was cold. She arranged a follow-up with "
      "the school nurse and the GP.";
  // The merge reaches the agency in the feed: wait until it has.
  ASSERT_TRUE(Deployment::WaitFor([&] {
    return Show<v1::Conversation>(d_.AgencySocket("police"), id).overview() ==
           merged;
  })) << Show<v1::Conversation>(d_.AgencySocket("police"), id).overview();
  for (const std::string& socket :
       {d_.AgencySocket("police"), d_.BoardSocket()}) {
    EXPECT_EQ(Show<v1::Conversation>(socket, id).overview(), merged) << socket;
    EXPECT_EQ(Conflicts(socket).conflicts_size(), 0) << socket;
  }
  // Written by the board, as an ordinary change the agency holds.
  const std::string log = BoardLog();
  const std::string said =
      "merged concurrent edits of field overview of "
      "conversation " +
      id + " in review r1 as change ";
  const size_t at = log.find(said);
  ASSERT_NE(at, std::string::npos) << log;
  const std::string dot =
      log.substr(at + said.size(),
                 log.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789:-",
                                       at + said.size()) -
                     (at + said.size()));
  EXPECT_TRUE(absl::StartsWith(dot, "board:")) << dot;
  EXPECT_EQ(BoardChangesAt(d_.AgencySocket("police")).count(dot), 1u) << dot;
  // And the log says what was merged, never the text.
  EXPECT_FALSE(absl::StrContains(log, "in March")) << log;
  EXPECT_EQ(Digest(d_.AgencySocket("police")),
            Digest(d_.BoardSocket(), "police"));
}

TEST_F(MergeTest, OverlappingEditsAreOneConflictListedWithADiff) {
  const std::string event =
      "Strategy meeting held at the police station. Social care and health "
      "attended; school sent apologies. Decision: section 47 enquiry.";
  const std::string id = AddShared(
      "chronology", {"date=2024-03-04", "source=PNC 17", "event=" + event});
  const std::string at_police =
      "Strategy meeting held at the police station. Social care, health and "
      "education attended. Decision: section 47 enquiry.";
  const std::string at_board =
      "Strategy meeting held at the police station. Social care and health "
      "attended; school sent a written report. Decision: section 47 "
      "enquiry.";
  EditConcurrently("chronology", id, "event", at_police, at_board);
  for (const std::string& socket :
       {d_.AgencySocket("police"), d_.BoardSocket()}) {
    v1::ListConflictsReply conflicts = Conflicts(socket);
    ASSERT_EQ(conflicts.conflicts_size(), 1) << socket;
    const v1::Conflict& conflict = conflicts.conflicts(0);
    EXPECT_EQ(conflict.field(), "event");
    ASSERT_EQ(conflict.values_size(), 2);
    std::set<std::string> values;
    std::set<std::string> agencies;
    std::set<std::string> authors;
    for (const v1::ConflictValue& value : conflict.values()) {
      values.insert(value.value());
      agencies.insert(value.dot().replica());
      authors.insert(value.author());
      EXPECT_TRUE(value.has_time());
      EXPECT_EQ(value.ancestor().replica(), "police") << socket;
      EXPECT_THAT(value.diff_from_ancestor(), HasSubstr("[-")) << socket;
    }
    EXPECT_EQ(values, (std::set<std::string>{at_police, at_board}));
    EXPECT_EQ(agencies, (std::set<std::string>{"board", "police"}));
    EXPECT_EQ(authors, (std::set<std::string>{"analyst", "pc-4411"}));
  }

  // The human listing: every value with its author, and what each changed.
  CommandResult listed = d_.Board({"conflicts", "list", "--review", "r1"});
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  EXPECT_THAT(listed.out, HasSubstr("field event:"));
  EXPECT_THAT(listed.out, HasSubstr("all edited from the value written by "
                                    "police:"));
  EXPECT_THAT(listed.out, HasSubstr("by pc-4411"));
  EXPECT_THAT(listed.out, HasSubstr("by analyst"));
  EXPECT_THAT(listed.out, HasSubstr(at_police));
  EXPECT_THAT(listed.out,
              HasSubstr("changes: … at the police station. Social [-care and "
                        "health attended; school sent apologies.-]{+care, "
                        "health and education attended.+} Decision: section "
                        "47 enquiry."));
  EXPECT_THAT(listed.out,
              HasSubstr("changes: … and health attended; school sent "
                        "[-apologies.-]{+a written report.+} Decision: "
                        "section 47 enquiry."));

  // Resolving works as before.
  const std::string resolved =
      "Strategy meeting held at the police station. Social care, health and "
      "education attended; school sent a written report. Decision: section "
      "47 enquiry.";
  CommandResult at_board_resolve =
      d_.Board({"conflicts", "resolve", "--review", "r1", id, "event",
                "--value", resolved});
  ASSERT_EQ(at_board_resolve.exit_code, 0) << at_board_resolve.err;
  ASSERT_TRUE(Deployment::WaitFor([&] {
    return Show<v1::ChronologyEntry>(d_.AgencySocket("police"), id).event() ==
           resolved;
  }));
  for (const std::string& socket :
       {d_.AgencySocket("police"), d_.BoardSocket()}) {
    EXPECT_EQ(Conflicts(socket).conflicts_size(), 0) << socket;
    EXPECT_EQ(Show<v1::ChronologyEntry>(socket, id).event(), resolved);
  }
  EXPECT_EQ(Digest(d_.AgencySocket("police")),
            Digest(d_.BoardSocket(), "police"));
}

TEST_F(MergeTest, EditsThatArriveInABundleMergeToo) {
  const std::string id =
      AddShared("conversation", {std::string("overview=") + kOverview});
  ASSERT_NO_FATAL_FAILURE(EditOffline(
      "conversation", id, "overview",
      "The practitioner described the first home visit. The family were "
      "welcoming but the flat was damp. She arranged a follow-up with the "
      "school nurse.",
      "The practitioner described the first and second home visits. The "
      "family were welcoming but the flat was cold. She arranged a "
      "follow-up with the school nurse."));
  const std::string merged =
      "The practitioner described the first and second home visits. The "
      "family were welcoming but the flat was damp. She arranged a follow-up "
      "with the school nurse.";
  // By files: the agency's changes to the board, the board's back.
  const std::string changes = d_.dir() + "/police.bundle";
  const std::string receipt = d_.dir() + "/police.receipt";
  CommandResult step =
      d_.Agency("police", {"bundle", "export", "--out", changes});
  ASSERT_EQ(step.exit_code, 0) << step.err;
  step = d_.Board({"bundle", "import", changes});
  ASSERT_EQ(step.exit_code, 0) << step.err;
  EXPECT_EQ(Show<v1::Conversation>(d_.BoardSocket(), id).overview(), merged);
  step = d_.Board({"bundle", "export", "--agency", "police", "--out", receipt});
  ASSERT_EQ(step.exit_code, 0) << step.err;
  step = d_.Agency("police", {"bundle", "import", receipt});
  ASSERT_EQ(step.exit_code, 0) << step.err;
  for (const std::string& socket :
       {d_.AgencySocket("police"), d_.BoardSocket()}) {
    EXPECT_EQ(Show<v1::Conversation>(socket, id).overview(), merged) << socket;
    EXPECT_EQ(Conflicts(socket).conflicts_size(), 0) << socket;
  }
  EXPECT_EQ(Digest(d_.AgencySocket("police")),
            Digest(d_.BoardSocket(), "police"));
}

}  // namespace
}  // namespace casesync::testing
