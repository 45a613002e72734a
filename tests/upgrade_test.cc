// Upgrading from the release before audiences (docs/operations.md,
// "Upgrade"; docs/sync_protocol.md, "Who sees what"), on the stores that
// release made (tests/data/upgrade/make_stores.sh: review r1 of police and
// csc; police entries SHARED-OLD with visibility review, PRIVATE-OLD with
// visibility agency, UNSET-OLD with none, synced to csc). The board and both
// agencies open those stores and serve; the board lists all three entries;
// after syncing, the police keep all three and csc keeps what was shared
// with it. UNSET-OLD now counts as the police's own: it stops reaching csc,
// and csc's copy stays until its visibility is written (until then csc holds
// one record more than the board's view for it); written as review, csc
// holds the board's copy, written as agency, csc's copy is withdrawn;
// either way the digests agree again. A new record without a visibility
// stays with the police, one widened to the review reaches csc.
#include <cstdlib>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "casesync/v1/local_api.pb.h"
#include "casesync/v1/records.pb.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/harness.h"

namespace casesync::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::IsSupersetOf;
using ::testing::Not;
using ::testing::UnorderedElementsAre;

class UpgradeTest : public ::testing::Test {
 protected:
  // The previous release's board, police and csc stores, unpacked where
  // the deployment keeps its replicas' stores (board/, police/, csc/).
  void SetUp() override {
    CommandResult unpacked =
        testing::Run({"/usr/bin/env", "tar", "-xzf", CASESYNC_UPGRADE_STORES,
                      "-C", d_.dir()});
    ASSERT_EQ(unpacked.exit_code, 0) << unpacked.err;
  }

  void SyncWait(const std::string& agency) {
    CommandResult sync =
        d_.Agency(agency, {"sync", "--wait", "--timeout", "60"});
    ASSERT_EQ(sync.exit_code, 0) << agency << ": " << sync.err;
  }

  // The marker (first word: SHARED-OLD, ...) of every chronology entry of
  // r1 the replica at `socket` holds.
  std::set<std::string> Markers(const std::string& socket) {
    std::set<std::string> markers;
    for (const std::string& event : ChronologyEvents(d_, socket)) {
      markers.insert(event.substr(0, event.find(' ')));
    }
    return markers;
  }

  // The id of the entry of r1 held at `socket` whose event starts with
  // `marker` (empty, with a test failure, if none).
  std::string IdOf(const std::string& socket, const std::string& marker) {
    const v1::ListRecordsReply reply = FromJson<v1::ListRecordsReply>(
        d_.Cli(socket, {"record", "list", "--review", "r1", "--type",
                        "chronology", "--json"}));
    for (const v1::RecordDetail& record : reply.records()) {
      v1::ChronologyEntry entry;
      record.record().UnpackTo(&entry);
      if (absl::StartsWith(entry.event(), marker + " ")) {
        return record.record_id();
      }
    }
    ADD_FAILURE() << "no entry " << marker << " at " << socket;
    return "";
  }

  // Adds a chronology entry at the police (no visibility unless given);
  // returns its id.
  std::string AddAtPolice(const std::string& event,
                          const std::string& visibility = "") {
    std::vector<std::string> args = {"record", "add",    "--review",
                                     "r1",     "--type", "chronology"};
    if (!visibility.empty()) {
      args.push_back("--visibility");
      args.push_back(visibility);
    }
    for (const std::string& set :
         {std::string("date=2024-06-01"), std::string("source=PNC 200"),
          "event=" + event}) {
      args.push_back("--set");
      args.push_back(set);
    }
    CommandResult added = d_.Agency("police", args);
    EXPECT_EQ(added.exit_code, 0) << added.err;
    return added.out.substr(0, added.out.find('\n'));
  }

  v1::DigestReply AgencyDigest(const std::string& agency) {
    return FromJson<v1::DigestReply>(d_.Agency(agency, {"--json", "digest"}));
  }
  v1::DigestReply BoardDigestFor(const std::string& agency) {
    return FromJson<v1::DigestReply>(
        d_.Board({"--json", "digest", "--agency", agency}));
  }

  // Board, police and csc on the previous release's stores, synced (police,
  // csc, police).
  void StartAllAndSync() {
    ASSERT_TRUE(d_.StartBoard());
    ASSERT_TRUE(d_.StartAgency("police"));
    ASSERT_TRUE(d_.StartAgency("csc"));
    ASSERT_NO_FATAL_FAILURE(SyncWait("police"));
    ASSERT_NO_FATAL_FAILURE(SyncWait("csc"));
    ASSERT_NO_FATAL_FAILURE(SyncWait("police"));
  }

  Deployment d_;
};

TEST_F(UpgradeTest, TheBoardOpensThePreviousReleasesStoreAndListsEveryEntry) {
  ASSERT_TRUE(d_.StartBoard());
  EXPECT_THAT(Markers(d_.BoardSocket()),
              UnorderedElementsAre("SHARED-OLD", "PRIVATE-OLD", "UNSET-OLD"));
  CommandResult review = d_.Board({"review", "show", "r1"});
  EXPECT_EQ(review.exit_code, 0) << review.err;
  EXPECT_THAT(review.out, HasSubstr("Child U"));
  // It still serves after a restart on the store it has now written.
  d_.StopBoard();
  ASSERT_TRUE(d_.StartBoard());
  EXPECT_THAT(Markers(d_.BoardSocket()),
              UnorderedElementsAre("SHARED-OLD", "PRIVATE-OLD", "UNSET-OLD"));
}

TEST_F(UpgradeTest, AgenciesKeepWhatWasSharedAndNewRecordsFollowTheNewRules) {
  ASSERT_NO_FATAL_FAILURE(StartAllAndSync());
  EXPECT_THAT(Markers(d_.AgencySocket("police")),
              UnorderedElementsAre("SHARED-OLD", "PRIVATE-OLD", "UNSET-OLD"));
  // csc keeps the shared entry, never had the private one, and keeps its
  // copy of the entry without a visibility (docs/operations.md: "their
  // copies stay until the record's visibility is written"), which the
  // board no longer counts as csc's: one record more than its view.
  EXPECT_THAT(Markers(d_.AgencySocket("csc")),
              UnorderedElementsAre("SHARED-OLD", "UNSET-OLD"));
  EXPECT_EQ(AgencyDigest("csc").records(), BoardDigestFor("csc").records() + 1);
  EXPECT_EQ(AgencyDigest("police").sha256(), BoardDigestFor("police").sha256());

  // New records: without a visibility the police's own; widened, the
  // review's.
  AddAtPolice("NEW-UNSET a note for the police only");
  const std::string widened = AddAtPolice("NEW-WIDENED a visit by the PCSO");
  CommandResult shared = d_.Agency(
      "police",
      {"record", "edit", "--review", "r1", widened, "--visibility", "review"});
  ASSERT_EQ(shared.exit_code, 0) << shared.err;
  EXPECT_THAT(shared.err, HasSubstr("shared with csc"));
  ASSERT_NO_FATAL_FAILURE(SyncWait("police"));
  ASSERT_NO_FATAL_FAILURE(SyncWait("csc"));
  EXPECT_THAT(Markers(d_.AgencySocket("csc")),
              UnorderedElementsAre("SHARED-OLD", "UNSET-OLD", "NEW-WIDENED"));
  EXPECT_THAT(Markers(d_.BoardSocket()),
              IsSupersetOf({"NEW-UNSET", "NEW-WIDENED"}));

  // Sharing the old entry, as the upgrade notes advise where sharing was
  // meant: csc's copy is the board's again, and the digests agree.
  const std::string unset = IdOf(d_.AgencySocket("police"), "UNSET-OLD");
  CommandResult widen = d_.Agency("police", {"record", "edit", "--review", "r1",
                                             unset, "--visibility", "review"});
  ASSERT_EQ(widen.exit_code, 0) << widen.err;
  ASSERT_NO_FATAL_FAILURE(SyncWait("police"));
  ASSERT_NO_FATAL_FAILURE(SyncWait("csc"));
  EXPECT_THAT(Markers(d_.AgencySocket("csc")),
              UnorderedElementsAre("SHARED-OLD", "UNSET-OLD", "NEW-WIDENED"));
  EXPECT_EQ(AgencyDigest("csc").sha256(), BoardDigestFor("csc").sha256());
  EXPECT_EQ(AgencyDigest("police").sha256(), BoardDigestFor("police").sha256());
}

TEST_F(UpgradeTest, WritingAgencyVisibilityWithdrawsTheOldCopy) {
  ASSERT_NO_FATAL_FAILURE(StartAllAndSync());
  ASSERT_THAT(Markers(d_.AgencySocket("csc")), IsSupersetOf({"UNSET-OLD"}));
  // Where the police meant the entry for themselves: writing its visibility
  // ends csc's copy (docs/operations.md: "their copies stay until the
  // record's visibility is written").
  const std::string unset = IdOf(d_.AgencySocket("police"), "UNSET-OLD");
  CommandResult narrowed = d_.Agency(
      "police",
      {"record", "edit", "--review", "r1", unset, "--visibility", "agency"});
  ASSERT_EQ(narrowed.exit_code, 0) << narrowed.err;
  ASSERT_NO_FATAL_FAILURE(SyncWait("police"));
  ASSERT_NO_FATAL_FAILURE(SyncWait("csc"));
  EXPECT_THAT(Markers(d_.AgencySocket("csc")),
              UnorderedElementsAre("SHARED-OLD"))
      << "narrowing an entry the previous release shared, from no visibility "
         "to agency, left csc's copy in place";
  EXPECT_EQ(AgencyDigest("csc").sha256(), BoardDigestFor("csc").sha256());
}

}  // namespace
}  // namespace casesync::testing
