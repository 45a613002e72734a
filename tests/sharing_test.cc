// Sharing between agencies through the real programs
// (docs/sync_protocol.md, "Who sees what"): a record an agency shares, or a
// review it joins, reaches the others as it is now, never with its earlier
// wording; a decision on an agency's private entry stays with that agency;
// a new record is its owner's until widened, and widening says with whom.
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/strip.h"
#include "casesync/v1/local_api.pb.h"
#include "casesync/v1/review.pb.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/harness.h"

namespace casesync::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// The files under `dir` (recursively) whose bytes contain `needle`.
std::vector<std::string> FilesContaining(const std::string& dir,
                                         const std::string& needle) {
  std::vector<std::string> found;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
    if (!entry.is_regular_file()) continue;
    std::ifstream in(entry.path(), std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)),
                            std::istreambuf_iterator<char>());
    if (absl::StrContains(bytes, needle)) found.push_back(entry.path());
  }
  return found;
}

class SharingTest : public ::testing::Test {
 protected:
  void CreateReview(const std::string& agencies) {
    CommandResult created = d_.Board({"review", "create", "r1", "--title",
                                      "Child J", "--agencies", agencies});
    ASSERT_EQ(created.exit_code, 0) << created.err;
  }

  void SyncWait(const std::string& agency) {
    CommandResult sync =
        d_.Agency(agency, {"sync", "--wait", "--timeout", "60"});
    ASSERT_EQ(sync.exit_code, 0) << agency << ": " << sync.err;
  }

  // Adds a chronology entry at `agency` (no --visibility unless given);
  // returns its id.
  std::string AddEntry(const std::string& agency,
                       const std::vector<std::string>& sets,
                       const std::string& visibility = "") {
    std::vector<std::string> args = {"record", "add",    "--review",
                                     "r1",     "--type", "chronology"};
    if (!visibility.empty()) {
      args.push_back("--visibility");
      args.push_back(visibility);
    }
    for (const std::string& set : sets) {
      args.push_back("--set");
      args.push_back(set);
    }
    CommandResult added = d_.Agency(agency, args);
    EXPECT_EQ(added.exit_code, 0) << added.err;
    return added.out.substr(0, added.out.find('\n'));
  }

  CommandResult Edit(const std::string& agency, const std::string& record,
                     const std::vector<std::string>& extra) {
    std::vector<std::string> args = {"record", "edit", "--review", "r1",
                                     record};
    args.insert(args.end(), extra.begin(), extra.end());
    return d_.Agency(agency, args);
  }

  // Whether CSC holds record `id` of r1 once the police and CSC synced.
  bool CscHoldsAfterSync(const std::string& id) {
    SyncWait("police");
    SyncWait("csc");
    return d_.Agency("csc", {"record", "show", id, "--review", "r1"})
               .exit_code == 0;
  }

  // Everything the agency's CLI shows of the review: records, their
  // discrepancies and the joint review document.
  std::string ViewOfReview(const std::string& agency) {
    std::string view;
    for (const std::vector<std::string>& args :
         std::vector<std::vector<std::string>>{
             {"record", "list", "--review", "r1", "--json"},
             {"discrepancies", "list", "--review", "r1", "--json"},
             {"export", "--review", "r1", "--format", "json"},
             {"export", "--review", "r1", "--format", "md"}}) {
      CommandResult shown = d_.Agency(agency, args);
      view += shown.out + shown.err;
    }
    return view;
  }

  Deployment d_;
};

TEST_F(SharingTest, ASharedRecordArrivesAsItIsNowWithoutItsEarlierWording) {
  ASSERT_TRUE(d_.StartBoard());
  ASSERT_TRUE(d_.StartAgency("police"));
  ASSERT_TRUE(d_.StartAgency("csc"));
  ASSERT_NO_FATAL_FAILURE(CreateReview("police,csc"));
  SyncWait("police");
  SyncWait("csc");
  // Police write an entry for themselves naming an informant, reword it,
  // then share it.
  const std::string entry = AddEntry(
      "police", {"date=2024-03-04", "source=PNC 77",
                 "event=Informant Mrs Quennell at number 12 said the child "
                 "was left alone"});
  ASSERT_EQ(
      Edit("police", entry,
           {"--set", "event=A neighbour reported the child was left alone"})
          .exit_code,
      0);
  SyncWait("police");
  SyncWait("csc");
  CommandResult shared = Edit("police", entry, {"--visibility", "review"});
  ASSERT_EQ(shared.exit_code, 0) << shared.err;
  EXPECT_THAT(shared.err, HasSubstr("shared with csc"));
  SyncWait("police");
  SyncWait("csc");

  // A second review the police fill alone, which CSC joins later.
  CommandResult second = d_.Board(
      {"review", "create", "r2", "--title", "Child K", "--agencies", "police"});
  ASSERT_EQ(second.exit_code, 0) << second.err;
  SyncWait("police");
  CommandResult added =
      d_.Agency("police", {"record", "add", "--review", "r2", "--type",
                           "chronology", "--visibility", "review", "--set",
                           "date=2024-05-01", "--set", "source=PNC 78", "--set",
                           "event=Caller Mr Ashworth-Pyle reported shouting"});
  ASSERT_EQ(added.exit_code, 0) << added.err;
  const std::string other = added.out.substr(0, added.out.find('\n'));
  ASSERT_EQ(d_.Agency("police", {"record", "edit", "--review", "r2", other,
                                 "--set", "event=A caller reported shouting"})
                .exit_code,
            0);
  SyncWait("police");
  CommandResult joined = d_.Board({"review", "agencies", "r2", "police,csc"});
  ASSERT_EQ(joined.exit_code, 0) << joined.err;
  SyncWait("csc");

  // CSC holds the entries as they are now...
  CommandResult shown =
      d_.Agency("csc", {"record", "show", entry, "--review", "r1"});
  ASSERT_EQ(shown.exit_code, 0) << shown.err;
  EXPECT_THAT(shown.out, HasSubstr("A neighbour reported"));
  CommandResult shown_other =
      d_.Agency("csc", {"record", "show", other, "--review", "r2"});
  ASSERT_EQ(shown_other.exit_code, 0) << shown_other.err;
  EXPECT_THAT(shown_other.out, HasSubstr("A caller reported shouting"));
  // ... and its copies agree with the board's.
  EXPECT_EQ(FromJson<v1::DigestReply>(d_.Agency("csc", {"--json", "digest"}))
                .sha256(),
            FromJson<v1::DigestReply>(
                d_.Board({"--json", "digest", "--agency", "csc"}))
                .sha256());

  // Nothing of the earlier wording anywhere in CSC's data directory or in a
  // backup of it; the current wording is there (the search can see it).
  const std::string backup = d_.dir() + "/csc-backup";
  CommandResult backed = d_.Agency("csc", {"admin", "backup", "--out", backup});
  ASSERT_EQ(backed.exit_code, 0) << backed.err;
  for (const std::string& dir : {d_.dir() + "/csc", backup}) {
    EXPECT_THAT(FilesContaining(dir, "Quennell"), ::testing::IsEmpty()) << dir;
    EXPECT_THAT(FilesContaining(dir, "Ashworth-Pyle"), ::testing::IsEmpty())
        << dir;
  }
  EXPECT_THAT(FilesContaining(d_.dir() + "/csc", "A neighbour reported"),
              Not(::testing::IsEmpty()));

  // Edits after the sharing reach CSC as changes, and merge.
  ASSERT_EQ(Edit("police", entry,
                 {"--set", "event=A neighbour reported the child alone twice"})
                .exit_code,
            0);
  SyncWait("police");
  SyncWait("csc");
  CommandResult later =
      d_.Agency("csc", {"record", "show", entry, "--review", "r1"});
  EXPECT_THAT(later.out, HasSubstr("alone twice"));
}

TEST_F(SharingTest, ADecisionOnAPrivateEntryStaysWithItsOwner) {
  ASSERT_TRUE(d_.StartBoard());
  ASSERT_TRUE(d_.StartAgency("police"));
  ASSERT_TRUE(d_.StartAgency("csc"));
  ASSERT_NO_FATAL_FAILURE(CreateReview("police,csc"));
  SyncWait("police");
  SyncWait("csc");
  const std::string police =
      AddEntry("police",
               {"date=2024-03-03", "time=10:00", "source=PNC 4471",
                "practitioner_role=detective sergeant",
                "event=Strategy meeting held; section 47 enquiry agreed"},
               "agency");
  const std::string csc =
      AddEntry("csc",
               {"date=2024-03-04", "time=10:00", "source=CSC note 88",
                "practitioner_role=team manager",
                "event=Strategy meeting: section 47 enquiry agreed"},
               "review");
  SyncWait("police");
  SyncWait("csc");
  v1::ListDiscrepanciesReply listed = FromJson<v1::ListDiscrepanciesReply>(
      d_.Board({"discrepancies", "list", "--review", "r1", "--json"}));
  ASSERT_EQ(listed.discrepancies_size(), 1) << listed.DebugString();
  CommandResult decided = d_.Board(
      {"discrepancies", "decide", listed.discrepancies(0).id(), "--review",
       "r1", "--value", "2024-03-03", "--rationale", "Police minutes"});
  ASSERT_EQ(decided.exit_code, 0) << decided.err;
  SyncWait("police");
  SyncWait("csc");

  // The police see the decision; CSC's view holds neither the police
  // entry's id nor its date.
  v1::ListDiscrepanciesReply at_police =
      FromJson<v1::ListDiscrepanciesReply>(d_.Agency(
          "police", {"discrepancies", "list", "--review", "r1", "--json"}));
  ASSERT_EQ(at_police.discrepancies_size(), 1) << at_police.DebugString();
  EXPECT_TRUE(at_police.discrepancies(0).has_decision());
  const std::string view = ViewOfReview("csc");
  EXPECT_THAT(view, HasSubstr(csc));  // the view is not empty
  EXPECT_THAT(view, Not(HasSubstr(police)));
  EXPECT_THAT(view, Not(HasSubstr("2024-03-03")));
  EXPECT_THAT(FilesContaining(d_.dir() + "/csc", police), ::testing::IsEmpty());

  // Shared later, the entry and the decision reach CSC.
  ASSERT_EQ(Edit("police", police, {"--visibility", "review"}).exit_code, 0);
  SyncWait("police");
  SyncWait("csc");
  v1::ListDiscrepanciesReply at_csc = FromJson<v1::ListDiscrepanciesReply>(
      d_.Agency("csc", {"discrepancies", "list", "--review", "r1", "--json"}));
  ASSERT_EQ(at_csc.discrepancies_size(), 1) << at_csc.DebugString();
  EXPECT_TRUE(at_csc.discrepancies(0).has_decision());
}

TEST_F(SharingTest, ANewRecordIsItsOwnersUntilWidened) {
  ASSERT_TRUE(d_.StartBoard());
  ASSERT_TRUE(d_.StartAgency("police"));
  ASSERT_TRUE(d_.StartAgency("csc"));
  ASSERT_NO_FATAL_FAILURE(CreateReview("police,csc"));
  SyncWait("police");
  // Added without --visibility: the author is told it is theirs alone, and
  // how to share it.
  CommandResult added =
      d_.Agency("police", {"record", "add", "--review", "r1", "--type",
                           "chronology", "--set", "date=2024-03-04", "--set",
                           "source=PNC 9", "--set", "event=Welfare check"});
  ASSERT_EQ(added.exit_code, 0) << added.err;
  const std::string entry = added.out.substr(0, added.out.find('\n'));
  EXPECT_THAT(added.err, HasSubstr("your agency and the board's"));
  EXPECT_THAT(added.err, HasSubstr("--visibility review"));
  EXPECT_FALSE(CscHoldsAfterSync(entry));
  CommandResult widened = Edit("police", entry, {"--visibility", "review"});
  ASSERT_EQ(widened.exit_code, 0) << widened.err;
  EXPECT_THAT(widened.err, HasSubstr("shared with csc"));
  EXPECT_THAT(widened.err, HasSubstr("current values"));
  EXPECT_TRUE(CscHoldsAfterSync(entry));
  CommandResult narrowed = Edit("police", entry, {"--visibility", "agency"});
  ASSERT_EQ(narrowed.exit_code, 0) << narrowed.err;
  EXPECT_THAT(narrowed.err, HasSubstr("your agency and the board's"));
  EXPECT_THAT(narrowed.err, HasSubstr("told to remove it"));
  EXPECT_FALSE(CscHoldsAfterSync(entry));
}

}  // namespace
}  // namespace casesync::testing
