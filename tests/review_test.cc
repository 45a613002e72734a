// The joint review through the real programs (issue 4): discrepancies found
// on the board and decided there reach the agencies without changing their
// entries; the export in each format; the published export refusing a real
// name until it is gone; phases that close a review to agencies until the
// board reopens it.
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "casesync/v1/local_api.pb.h"
#include "casesync/v1/review.pb.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/harness.h"

namespace casesync::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

class ReviewTest : public ::testing::Test {
 protected:
  // A board and the given agencies, a review r1 listing them, each synced.
  void SetUpReview(const std::vector<std::string>& agencies) {
    ASSERT_TRUE(d_.StartBoard());
    std::string list;
    for (const std::string& agency : agencies) {
      ASSERT_TRUE(d_.StartAgency(agency));
      list += (list.empty() ? "" : ",") + agency;
    }
    CommandResult created = d_.Board(
        {"review", "create", "r1", "--title", "Child J", "--agencies", list});
    ASSERT_EQ(created.exit_code, 0) << created.err;
    for (const std::string& agency : agencies) SyncWait(agency);
  }

  void SyncWait(const std::string& agency) {
    CommandResult sync =
        d_.Agency(agency, {"sync", "--wait", "--timeout", "60"});
    ASSERT_EQ(sync.exit_code, 0) << agency << ": " << sync.err;
  }

  // Adds a chronology entry at `socket`; returns its id.
  std::string AddEntry(const std::string& socket,
                       const std::vector<std::string>& sets,
                       const std::string& visibility = "review") {
    std::vector<std::string> args = {"record",       "add",     "--review",
                                     "r1",           "--type",  "chronology",
                                     "--visibility", visibility};
    for (const std::string& set : sets) {
      args.push_back("--set");
      args.push_back(set);
    }
    CommandResult added = d_.Cli(socket, args);
    EXPECT_EQ(added.exit_code, 0) << added.err;
    return added.out.substr(0, added.out.find('\n'));
  }

  v1::ListDiscrepanciesReply Discrepancies(const std::string& socket) {
    return FromJson<v1::ListDiscrepanciesReply>(
        d_.Cli(socket, {"discrepancies", "list", "--review", "r1", "--json"}));
  }

  std::string Field(const std::string& socket, const std::string& record,
                    const std::string& field) {
    CommandResult shown =
        d_.Cli(socket, {"record", "show", record, "--review", "r1", "--json"});
    EXPECT_EQ(shown.exit_code, 0) << shown.err;
    v1::RecordDetail detail = FromJson<v1::RecordDetail>(shown);
    for (const v1::FieldDetail& f : detail.fields()) {
      if (f.name() == field) return f.value();
    }
    return "";
  }

  Deployment d_;
};

TEST_F(ReviewTest, ADiscrepancyDecidedAtTheBoardReachesTheAgencies) {
  ASSERT_NO_FATAL_FAILURE(SetUpReview({"csc", "police"}));
  // Police and social care record the same strategy meeting a day apart.
  const std::string police =
      AddEntry(d_.AgencySocket("police"),
               {"date=2024-03-03", "time=10:00", "source=PNC 4471",
                "practitioner_role=detective sergeant",
                "event=Strategy meeting held; section 47 enquiry agreed"});
  const std::string csc =
      AddEntry(d_.AgencySocket("csc"),
               {"date=2024-03-04", "time=10:00", "source=CSC note 88",
                "practitioner_role=team manager",
                "event=Strategy meeting: section 47 enquiry agreed"});
  // And an unrelated contact, which matches nothing.
  AddEntry(d_.AgencySocket("csc"),
           {"date=2024-06-20", "source=CSC note 90",
            "event=Home visit, mother and child seen, house tidy"});
  SyncWait("police");
  SyncWait("csc");

  v1::ListDiscrepanciesReply listed = Discrepancies(d_.BoardSocket());
  ASSERT_EQ(listed.discrepancies_size(), 1) << listed.DebugString();
  const v1::Discrepancy& found = listed.discrepancies(0);
  EXPECT_EQ(found.field(), "date");
  ASSERT_EQ(found.versions_size(), 2);
  EXPECT_EQ(found.versions(0).agency(), "csc");
  EXPECT_EQ(found.versions(0).value(), "2024-03-04");
  EXPECT_EQ(found.versions(1).agency(), "police");
  EXPECT_EQ(found.versions(1).value(), "2024-03-03");
  EXPECT_FALSE(found.reasons().empty());
  EXPECT_FALSE(found.has_decision());

  // The human listing says why the two were matched and how to decide.
  CommandResult human = d_.Board({"discrepancies", "list", "--review", "r1"});
  ASSERT_EQ(human.exit_code, 0) << human.err;
  EXPECT_THAT(human.out, HasSubstr(found.id()));
  EXPECT_THAT(human.out, HasSubstr("matched:"));
  EXPECT_THAT(human.out, HasSubstr("discrepancies decide"));

  // Agencies do not decide; a decision needs a rationale and a real version.
  CommandResult at_agency =
      d_.Agency("police", {"discrepancies", "decide", found.id(), "--review",
                           "r1", "--version", "1", "--rationale", "x"});
  EXPECT_EQ(at_agency.exit_code, 1);
  EXPECT_THAT(at_agency.err, HasSubstr("on the board"));
  CommandResult bad_version =
      d_.Board({"discrepancies", "decide", found.id(), "--review", "r1",
                "--version", "3", "--rationale", "x"});
  EXPECT_EQ(bad_version.exit_code, 1);
  EXPECT_THAT(bad_version.err, HasSubstr("--version must be 1 to 2"));
  CommandResult unknown =
      d_.Board({"discrepancies", "decide", "d000000000000", "--review", "r1",
                "--version", "1", "--rationale", "x"});
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_THAT(unknown.err, HasSubstr("no discrepancy"));
  CommandResult bad_value =
      d_.Board({"discrepancies", "decide", found.id(), "--review", "r1",
                "--value", "3rd of March", "--rationale", "x"});
  EXPECT_EQ(bad_value.exit_code, 1);

  const std::string rationale =
      "Police minutes are dated and signed; the CSC note was written the "
      "next day";
  CommandResult decided =
      d_.Board({"discrepancies", "decide", found.id(), "--review", "r1",
                "--version", "2", "--rationale", rationale});
  ASSERT_EQ(decided.exit_code, 0) << decided.err;
  EXPECT_THAT(decided.out, HasSubstr("reaches the agencies"));

  SyncWait("police");
  SyncWait("csc");
  for (const std::string agency : {"police", "csc"}) {
    v1::ListDiscrepanciesReply there = Discrepancies(d_.AgencySocket(agency));
    ASSERT_EQ(there.discrepancies_size(), 1) << agency;
    EXPECT_EQ(there.discrepancies(0).id(), found.id()) << agency;
    ASSERT_TRUE(there.discrepancies(0).has_decision()) << agency;
    EXPECT_EQ(there.discrepancies(0).decision().value(), "2024-03-03");
    EXPECT_EQ(there.discrepancies(0).decision().chosen_entry_id(), police);
    EXPECT_EQ(there.discrepancies(0).decision().rationale(), rationale);
  }
  // Neither agency's entry changed.
  EXPECT_EQ(Field(d_.AgencySocket("csc"), csc, "date"), "2024-03-04");
  EXPECT_EQ(Field(d_.BoardSocket(), csc, "date"), "2024-03-04");
  EXPECT_EQ(Field(d_.AgencySocket("police"), police, "date"), "2024-03-03");
  // Deciding again edits the one decision; undecided ones can be listed.
  CommandResult again =
      d_.Board({"discrepancies", "decide", found.id(), "--review", "r1",
                "--value", "2024-03-05", "--rationale", "Minutes re-read"});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  CommandResult decisions = d_.Board(
      {"record", "list", "--review", "r1", "--type", "decision", "--json"});
  EXPECT_EQ(FromJson<v1::ListRecordsReply>(decisions).records_size(), 1);
  CommandResult undecided = d_.Board(
      {"discrepancies", "list", "--review", "r1", "--undecided", "--json"});
  EXPECT_EQ(
      FromJson<v1::ListDiscrepanciesReply>(undecided).discrepancies_size(), 0);
  // The rules are the user's to choose: strict enough, nothing matches.
  CommandResult strict =
      d_.Board({"discrepancies", "list", "--review", "r1", "--window", "1",
                "--min-score", "0.99", "--json"});
  ASSERT_EQ(strict.exit_code, 0) << strict.err;
  EXPECT_EQ(FromJson<v1::ListDiscrepanciesReply>(strict).discrepancies_size(),
            0);
}

TEST_F(ReviewTest, ExportsEachFormatWholeOrNotAtAll) {
  ASSERT_NO_FATAL_FAILURE(SetUpReview({"police"}));
  AddEntry(d_.AgencySocket("police"),
           {"date=2024-02-01", "source=PNC 1", "event=Domestic incident"});
  AddEntry(d_.AgencySocket("police"),
           {"date=2024-05-01", "source=PNC 2", "event=Welfare check"});
  SyncWait("police");
  CommandResult finding =
      d_.Board({"record", "add", "--review", "r1", "--type", "finding", "--set",
                "statement=Information was not shared", "--set",
                "categories=multi_agency_longer_term"});
  ASSERT_EQ(finding.exit_code, 0) << finding.err;

  const std::string json_path = d_.dir() + "/r1.json";
  CommandResult json = d_.Board(
      {"export", "--review", "r1", "--format", "json", "--out", json_path});
  ASSERT_EQ(json.exit_code, 0) << json.err;
  std::ifstream json_file(json_path);
  std::stringstream json_text;
  json_text << json_file.rdbuf();
  v1::JointReview review =
      FromJson<v1::JointReview>(CommandResult{0, json_text.str(), ""});
  EXPECT_EQ(review.review().title(), "Child J");
  EXPECT_EQ(review.chronology().entries_size(), 2);
  ASSERT_EQ(review.contributions_size(), 1);
  EXPECT_EQ(review.contributions(0).agency(), "police");
  EXPECT_EQ(review.contributions(0).records().at("chronology"), 2u);
  EXPECT_THAT(review.contributions(0).outstanding(),
              ::testing::ElementsAre("summary"));
  EXPECT_TRUE(review.contributions(0).has_last_sync());
  ASSERT_EQ(review.findings_size(), 1);
  EXPECT_EQ(review.findings(0).category(), "multi_agency_longer_term");

  CommandResult md = d_.Board({"export", "--review", "r1", "--format", "md"});
  ASSERT_EQ(md.exit_code, 0) << md.err;
  EXPECT_THAT(md.out, HasSubstr("Composite chronology"));
  EXPECT_THAT(md.out, HasSubstr("Domestic incident"));
  EXPECT_THAT(md.out, HasSubstr("Information was not shared"));

  const std::string html_path = d_.dir() + "/r1.html";
  CommandResult html = d_.Board(
      {"export", "--review", "r1", "--format", "html", "--out", html_path});
  ASSERT_EQ(html.exit_code, 0) << html.err;
  std::ifstream html_file(html_path);
  std::stringstream html_text;
  html_text << html_file.rdbuf();
  EXPECT_THAT(html_text.str(), HasSubstr("<svg"));
  EXPECT_THAT(html_text.str(), Not(HasSubstr("<script")));

  // An agency exports what it holds.
  CommandResult at_agency =
      d_.Agency("police", {"export", "--review", "r1", "--format", "md"});
  ASSERT_EQ(at_agency.exit_code, 0) << at_agency.err;
  EXPECT_THAT(at_agency.out, HasSubstr("Welfare check"));

  // Bad input: nothing written.
  const std::string none = d_.dir() + "/none.md";
  CommandResult unknown =
      d_.Board({"export", "--review", "nope", "--format", "md", "--out", none});
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_THAT(unknown.err, HasSubstr("no review nope"));
  EXPECT_FALSE(std::ifstream(none).good());
  // (docx and pdf are formats since issue 22.)
  CommandResult format =
      d_.Board({"export", "--review", "r1", "--format", "rtf"});
  EXPECT_EQ(format.exit_code, 2);
  CommandResult rules = d_.Board(
      {"export", "--review", "r1", "--format", "md", "--min-score", "2"});
  EXPECT_EQ(rules.exit_code, 1);
  EXPECT_THAT(rules.err, HasSubstr("min_score"));
}

TEST_F(ReviewTest, PublishedExportRefusesARealNameUntilItIsGone) {
  ASSERT_NO_FATAL_FAILURE(SetUpReview({"police"}));
  const std::string police = d_.AgencySocket("police");
  AddEntry(police,
           {"date=2024-02-01", "source=PNC 1",
            "event=Domestic incident; Jane Smith said she was afraid"},
           "published");
  const std::string leaky =
      AddEntry(police,
               {"date=2024-02-09", "source=PNC 2", "event=Welfare check",
                "outcome=Officer spoke to SMITH at the door"},
               "published");
  // Not published: never in the published export, names or not.
  AddEntry(police,
           {"date=2024-02-10", "source=PNC 3",
            "event=Intelligence note naming Jane Smith"},
           "review");
  SyncWait("police");

  // The map is the board's alone.
  CommandResult at_agency =
      d_.Agency("police", {"pseudonym", "add", "--review", "r1", "--name",
                           "Jane Smith", "--as", "Mother"});
  EXPECT_EQ(at_agency.exit_code, 1);
  CommandResult added = d_.Board({"pseudonym", "add", "--review", "r1",
                                  "--name", "Jane Smith", "--as", "Mother"});
  ASSERT_EQ(added.exit_code, 0) << added.err;
  CommandResult agency_published = d_.Agency(
      "police", {"export", "--review", "r1", "--format", "md", "--published"});
  EXPECT_EQ(agency_published.exit_code, 1);
  EXPECT_THAT(agency_published.err, HasSubstr("on the board"));

  const std::string out = d_.dir() + "/published.md";
  CommandResult refused = d_.Board({"export", "--review", "r1", "--format",
                                    "md", "--published", "--out", out});
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_THAT(refused.err, HasSubstr("not fit to publish"));
  EXPECT_THAT(refused.err, HasSubstr(leaky));
  EXPECT_THAT(refused.err, HasSubstr("outcome"));
  EXPECT_FALSE(std::ifstream(out).good()) << "a refused export wrote " << out;

  // The author rewords it; the export passes, names replaced.
  CommandResult fixed =
      d_.Agency("police", {"record", "edit", leaky, "--review", "r1", "--set",
                           "outcome=Officer spoke to Mother at the door"});
  ASSERT_EQ(fixed.exit_code, 0) << fixed.err;
  SyncWait("police");
  // Fit to publish, it still needs a sign-off of this content.
  CommandResult unsigned_export =
      d_.Board({"export", "--review", "r1", "--format", "md", "--published"});
  EXPECT_EQ(unsigned_export.exit_code, 1);
  EXPECT_THAT(unsigned_export.err, HasSubstr("not signed off"));
  CommandResult signed_off = d_.Board(
      {"publication", "signoff", "--review", "r1", "--note", "Approved"});
  ASSERT_EQ(signed_off.exit_code, 0) << signed_off.err;
  CommandResult passed = d_.Board({"export", "--review", "r1", "--format", "md",
                                   "--published", "--out", out});
  ASSERT_EQ(passed.exit_code, 0) << passed.err;
  std::ifstream file(out);
  std::stringstream text;
  text << file.rdbuf();
  EXPECT_THAT(text.str(), HasSubstr("Mother said she was afraid"));
  EXPECT_THAT(text.str(), Not(HasSubstr("Smith")));
  EXPECT_THAT(text.str(), Not(HasSubstr("Intelligence note")));
  // The map itself is never exported; the unpublished export keeps names.
  CommandResult internal =
      d_.Board({"export", "--review", "r1", "--format", "json"});
  ASSERT_EQ(internal.exit_code, 0) << internal.err;
  EXPECT_THAT(internal.out, HasSubstr("Jane Smith said"));
  EXPECT_THAT(internal.out, Not(HasSubstr("\"Mother\"")));
}

TEST_F(ReviewTest, TheBoardReopensAClosedPhaseToAgencies) {
  ASSERT_NO_FATAL_FAILURE(SetUpReview({"police"}));
  ASSERT_EQ(d_.Board({"review", "phase", "r1", "board_response"}).exit_code, 0);
  SyncWait("police");
  auto add = [&] {
    return d_.Agency("police",
                     {"record", "add", "--review", "r1", "--type", "chronology",
                      "--set", "date=2024-01-01", "--set", "source=late"});
  };
  CommandResult closed = add();
  EXPECT_EQ(closed.exit_code, 1);
  EXPECT_THAT(closed.err, HasSubstr("casesync review reopen"));

  CommandResult reopen = d_.Board({"review", "reopen", "r1"});
  ASSERT_EQ(reopen.exit_code, 0) << reopen.err;
  SyncWait("police");
  CommandResult open = add();
  ASSERT_EQ(open.exit_code, 0) << open.err;
  SyncWait("police");
  const std::string id = open.out.substr(0, open.out.find('\n'));
  EXPECT_EQ(d_.Board({"record", "show", id, "--review", "r1"}).exit_code, 0);

  // The next phase closes it again.
  ASSERT_EQ(d_.Board({"review", "phase", "r1", "redaction"}).exit_code, 0);
  SyncWait("police");
  CommandResult closed_again = add();
  EXPECT_EQ(closed_again.exit_code, 1);
  EXPECT_THAT(closed_again.err, HasSubstr("phase redaction"));
}

}  // namespace
}  // namespace casesync::testing
