// Process-level tests of offline-first sync (issue: casesyncd, casesync-board
// and the casesync CLI): real binaries on loopback ports picked at run time,
// driven through the real command line.
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "casesync/v1/local_api.pb.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "tests/harness.h"

namespace casesync::testing {
namespace {

using ::testing::HasSubstr;

// A chronology CSV of `rows` entries whose sources are "<prefix> <i>".
std::string WriteCsv(const std::string& path, int rows,
                     const std::string& prefix) {
  std::ofstream out(path);
  out << "date,time,source,practitioner_role,event,child_seen,visibility\n";
  for (int i = 0; i < rows; ++i) {
    out << "2024-0" << 1 + i % 9 << "-1" << i % 10 << ",10:30," << prefix << " "
        << i << ",duty officer,\"Visit " << i
        << ", notes, \"\"quoted\"\"\",yes,review\n";
  }
  return path;
}

class SyncTest : public ::testing::Test {
 protected:
  // A board and the given agencies, a review r1 listing them, each agency
  // synced so that it has the review.
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
    EXPECT_EQ(created.out, "r1\n");
    for (const std::string& agency : agencies) SyncWait(agency);
  }

  void SyncWait(const std::string& agency, int timeout_s = 60) {
    CommandResult sync =
        d_.Cli(d_.AgencySocket(agency),
               {"sync", "--wait", "--timeout", absl::StrCat(timeout_s)},
               absl::Seconds(timeout_s + 30));
    ASSERT_EQ(sync.exit_code, 0) << agency << ": " << sync.err;
  }

  std::string Add(const std::string& socket, const std::string& event,
                  const std::string& visibility = "review") {
    CommandResult added = d_.Cli(
        socket, {"record", "add", "--review", "r1", "--type", "chronology",
                 "--set", "date=2024-03-04", "--set", "source=ref " + event,
                 "--set", "event=" + event, "--visibility", visibility});
    EXPECT_EQ(added.exit_code, 0) << added.err;
    return added.out.substr(0, added.out.find('\n'));
  }

  v1::ListRecordsReply Chronology(const std::string& socket) {
    return FromJson<v1::ListRecordsReply>(
        d_.Cli(socket, {"record", "list", "--review", "r1", "--type",
                        "chronology", "--json"}));
  }

  std::set<std::string> Events(const std::string& socket) {
    return ChronologyEvents(d_, socket);
  }

  v1::AgencyStatus Status(const std::string& agency) {
    return FromJson<v1::AgencyStatus>(d_.Agency(agency, {"status", "--json"}));
  }

  std::string Digest(const std::string& socket,
                     const std::string& for_agency = "") {
    std::vector<std::string> args = {"digest", "--json"};
    if (!for_agency.empty()) args.insert(args.end(), {"--agency", for_agency});
    return FromJson<v1::DigestReply>(d_.Cli(socket, args)).sha256();
  }

  Deployment d_;
};

TEST_F(SyncTest, OfflineThenOnlineEverythingArrivesOnceAndOnlyWhereVisible) {
  ASSERT_NO_FATAL_FAILURE(SetUpReview({"police", "school"}));
  for (const std::string agency : {"police", "school"}) {
    v1::ListRecordsReply reviews = FromJson<v1::ListRecordsReply>(
        d_.Agency(agency, {"record", "list", "--type", "review", "--json"}));
    ASSERT_EQ(reviews.records_size(), 1) << agency;
    EXPECT_EQ(reviews.records(0).record_id(), "r1");
  }

  d_.StopBoard();
  // Both agencies work offline.
  const std::string csv = WriteCsv(d_.dir() + "/police.csv", 500, "PNC");
  CommandResult imported =
      d_.Agency("police", {"chronology", "import", "--review", "r1", csv});
  ASSERT_EQ(imported.exit_code, 0) << imported.err;
  EXPECT_THAT(imported.out, HasSubstr("imported 500"));
  Add(d_.AgencySocket("police"), "police shared");
  Add(d_.AgencySocket("police"), "police private", "agency");
  Add(d_.AgencySocket("school"), "school shared");
  Add(d_.AgencySocket("school"), "school private", "agency");
  v1::AgencyStatus offline = Status("police");
  EXPECT_FALSE(offline.connected());
  EXPECT_EQ(offline.pending(), 502u);

  ASSERT_TRUE(d_.StartBoard());
  SyncWait("police");
  SyncWait("school");
  SyncWait("police");

  // The board holds every record exactly once.
  v1::ListRecordsReply at_board = Chronology(d_.BoardSocket());
  EXPECT_EQ(at_board.records_size(), 504);
  std::set<std::string> ids, sources;
  for (const v1::RecordDetail& record : at_board.records()) {
    ids.insert(record.record_id());
    v1::ChronologyEntry entry;
    record.record().UnpackTo(&entry);
    sources.insert(entry.source());
  }
  EXPECT_EQ(ids.size(), 504u);
  EXPECT_EQ(sources.size(), 504u);
  EXPECT_TRUE(sources.count("PNC 0") && sources.count("PNC 499"));

  // Each agency has the other's shared records and none of its private ones.
  const std::set<std::string> police_sees = Events(d_.AgencySocket("police"));
  EXPECT_TRUE(police_sees.count("school shared"));
  EXPECT_FALSE(police_sees.count("school private"));
  EXPECT_TRUE(police_sees.count("police private"));  // its own
  const std::set<std::string> school_sees = Events(d_.AgencySocket("school"));
  EXPECT_TRUE(school_sees.count("police shared"));
  EXPECT_TRUE(school_sees.count("Visit 499, notes, \"quoted\""));
  EXPECT_FALSE(school_sees.count("police private"));
  EXPECT_EQ(school_sees.size(), 503u);

  for (const std::string agency : {"police", "school"}) {
    v1::AgencyStatus status = Status(agency);
    EXPECT_EQ(status.pending(), 0u) << agency;
    EXPECT_EQ(status.rejected(), 0u) << agency;
    EXPECT_TRUE(status.connected()) << agency;
    // What the agency holds is exactly what the board says it may see.
    EXPECT_EQ(Digest(d_.AgencySocket(agency)), Digest(d_.BoardSocket(), agency))
        << agency;
  }
  v1::BoardStatus board =
      FromJson<v1::BoardStatus>(d_.Board({"status", "--json"}));
  ASSERT_EQ(board.agencies_size(), 2);
  EXPECT_EQ(board.agencies(0).agency(), "police");
  EXPECT_EQ(board.agencies(0).accepted(), 502u);
  EXPECT_EQ(board.agencies(1).accepted(), 2u);
}

TEST_F(SyncTest, LiveTailDeliversWithoutAskingToSync) {
  ASSERT_NO_FATAL_FAILURE(SetUpReview({"police", "school"}));
  const std::string id = Add(d_.AgencySocket("police"), "live entry");
  EXPECT_TRUE(Deployment::WaitFor(
      [&] { return Events(d_.AgencySocket("school")).count("live entry") > 0; },
      absl::Seconds(20)))
      << "the record did not reach the other agency";
}

// Runs `kill` once the board has acknowledged some but not all of police's
// `total` changes; returns the acknowledged count seen then.
uint64_t KillMidPush(Deployment& d, uint64_t total,
                     const std::function<void()>& kill) {
  uint64_t seen = 0;
  const bool caught = Deployment::WaitFor(
      [&] {
        CommandResult status = d.Board({"status", "--json"});
        v1::BoardStatus board;
        google::protobuf::util::JsonStringToMessage(status.out, &board);
        for (const auto& row : board.agencies()) {
          if (row.agency() == "police" && row.acknowledged() > 0) {
            seen = row.acknowledged();
            return true;
          }
        }
        return false;
      },
      absl::Seconds(60));
  kill();
  EXPECT_TRUE(caught) << "the push never started";
  EXPECT_LT(seen, total)
      << "the push finished before the kill: nothing was tested";
  return seen;
}

class CrashTest : public SyncTest {
 protected:
  static constexpr int kRows = 30000;

  void ImportOffline() {
    d_.StopBoard();
    const std::string csv = WriteCsv(d_.dir() + "/big.csv", kRows, "PNC");
    CommandResult imported = d_.Cli(
        d_.AgencySocket("police"),
        {"chronology", "import", "--review", "r1", csv}, absl::Minutes(5));
    ASSERT_EQ(imported.exit_code, 0) << imported.err;
  }

  void ExpectEverythingOnceAtTheBoard() {
    SyncWait("police", 180);
    v1::ListChangesReply changes = FromJson<v1::ListChangesReply>(
        d_.Board({"changes", "--origin", "police", "--json"}));
    EXPECT_EQ(changes.dots_size(), kRows);
    EXPECT_EQ(changes.frontier(), static_cast<uint64_t>(kRows));
    std::set<uint64_t> counters;
    for (const auto& dot : changes.dots()) counters.insert(dot.counter());
    EXPECT_EQ(counters.size(), static_cast<size_t>(kRows));
    EXPECT_EQ(Chronology(d_.BoardSocket()).records_size(), kRows);
    v1::AgencyStatus status = Status("police");
    EXPECT_EQ(status.pending(), 0u);
    EXPECT_EQ(status.accepted(), static_cast<uint32_t>(kRows));
  }
};

TEST_F(CrashTest, AgencyKilledWhilePushingLosesAndDuplicatesNothing) {
  ASSERT_NO_FATAL_FAILURE(SetUpReview({"police"}));
  ASSERT_NO_FATAL_FAILURE(ImportOffline());
  ASSERT_TRUE(d_.StartBoard());
  KillMidPush(d_, kRows, [&] { d_.KillAgency("police"); });
  ASSERT_TRUE(d_.StartAgency("police"));
  ExpectEverythingOnceAtTheBoard();
}

TEST_F(CrashTest, BoardKilledWhileIngestingLosesAndDuplicatesNothing) {
  ASSERT_NO_FATAL_FAILURE(SetUpReview({"police"}));
  ASSERT_NO_FATAL_FAILURE(ImportOffline());
  ASSERT_TRUE(d_.StartBoard());
  KillMidPush(d_, kRows, [&] { d_.KillBoard(); });
  ASSERT_TRUE(d_.StartBoard());
  ExpectEverythingOnceAtTheBoard();
}

TEST_F(SyncTest, ConcurrentEditsBecomeTheSameConflictOnBothSides) {
  ASSERT_NO_FATAL_FAILURE(SetUpReview({"police"}));
  const std::string police = d_.AgencySocket("police");
  const std::string e = Add(police, "Strategy meeting");
  const std::string f = Add(police, "Home visit");
  SyncWait("police");

  // Disconnect the agency: point it at a port where nothing listens.
  ASSERT_TRUE(
      d_.StartAgency("police", absl::StrCat("127.0.0.1:", UnusedPort())));
  auto edit = [&](const std::string& socket, const std::string& id,
                  const std::string& setting) {
    CommandResult result = d_.Cli(
        socket, {"record", "edit", id, "--review", "r1", "--set", setting});
    ASSERT_EQ(result.exit_code, 0) << result.err;
  };
  edit(police, e, "event=Strategy meeting on the 3rd");
  edit(d_.BoardSocket(), e, "event=Strategy meeting on the 4th");
  edit(d_.BoardSocket(), f, "outcome=board view");
  edit(police, f, "outcome=police view");

  ASSERT_TRUE(d_.StartAgency("police"));
  SyncWait("police");
  for (const std::string& socket : {police, d_.BoardSocket()}) {
    v1::ListConflictsReply conflicts = FromJson<v1::ListConflictsReply>(
        d_.Cli(socket, {"conflicts", "list", "--json"}));
    ASSERT_EQ(conflicts.conflicts_size(), 2) << socket;
    for (const v1::Conflict& conflict : conflicts.conflicts()) {
      ASSERT_EQ(conflict.values_size(), 2);
      std::set<std::string> values = {conflict.values(0).value(),
                                      conflict.values(1).value()};
      std::set<std::string> authors = {conflict.values(0).dot().replica(),
                                       conflict.values(1).dot().replica()};
      EXPECT_EQ(authors, (std::set<std::string>{"board", "police"}));
      if (conflict.record_id() == e) {
        EXPECT_EQ(values,
                  (std::set<std::string>{"Strategy meeting on the 3rd",
                                         "Strategy meeting on the 4th"}));
      } else {
        EXPECT_EQ(values, (std::set<std::string>{"board view", "police view"}));
      }
    }
  }
  // Resolve one at the agency and the other at the board.
  CommandResult at_police =
      d_.Cli(police, {"conflicts", "resolve", "--review", "r1", e, "event",
                      "--value", "Strategy meeting (3rd)"});
  ASSERT_EQ(at_police.exit_code, 0) << at_police.err;
  CommandResult at_board = d_.Board({"conflicts", "resolve", "--review", "r1",
                                     f, "outcome", "--keep", "board:3"});
  ASSERT_EQ(at_board.exit_code, 0) << at_board.err;
  SyncWait("police");
  for (const std::string& socket : {police, d_.BoardSocket()}) {
    EXPECT_EQ(FromJson<v1::ListConflictsReply>(
                  d_.Cli(socket, {"conflicts", "list", "--json"}))
                  .conflicts_size(),
              0)
        << socket;
    v1::RecordDetail record = FromJson<v1::RecordDetail>(
        d_.Cli(socket, {"record", "show", e, "--review", "r1", "--json"}));
    v1::ChronologyEntry entry;
    record.record().UnpackTo(&entry);
    EXPECT_EQ(entry.event(), "Strategy meeting (3rd)") << socket;
    record = FromJson<v1::RecordDetail>(
        d_.Cli(socket, {"record", "show", f, "--review", "r1", "--json"}));
    record.record().UnpackTo(&entry);
    EXPECT_EQ(entry.outcome(), "board view") << socket;
  }
  EXPECT_EQ(Digest(police), Digest(d_.BoardSocket(), "police"));
}

TEST_F(SyncTest, AChangeTheBoardRejectsIsReportedWithItsReason) {
  ASSERT_NO_FATAL_FAILURE(SetUpReview({"police"}));
  // The agency works offline while the board closes the review to agencies.
  ASSERT_TRUE(
      d_.StartAgency("police", absl::StrCat("127.0.0.1:", UnusedPort())));
  CommandResult phase = d_.Board({"review", "phase", "r1", "board_response"});
  ASSERT_EQ(phase.exit_code, 0) << phase.err;
  const std::string late = Add(d_.AgencySocket("police"), "late entry");
  ASSERT_TRUE(d_.StartAgency("police"));
  CommandResult sync =
      d_.Agency("police", {"sync", "--wait", "--timeout", "60"});
  EXPECT_EQ(sync.exit_code, 1);
  EXPECT_THAT(sync.err, HasSubstr("the board rejected 1 change"));
  EXPECT_THAT(sync.err, HasSubstr("phase board_response"));
  v1::AgencyStatus status = Status("police");
  EXPECT_EQ(status.pending(), 0u);
  EXPECT_EQ(status.rejected(), 1u);
  ASSERT_EQ(status.rejections_size(), 1);
  EXPECT_EQ(status.rejections(0).reason(), v1::Verdict::REASON_PHASE_CLOSED);
  // Nothing of it reached the board; the agency is told so, not silently.
  EXPECT_EQ(d_.Board({"record", "show", late, "--review", "r1"}).exit_code, 1);
  // Once the review is in the new phase here too, the agency refuses at once.
  CommandResult refused = d_.Agency(
      "police", {"record", "add", "--review", "r1", "--type", "chronology",
                 "--set", "date=2024-01-01", "--set", "source=x"});
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_THAT(refused.err, HasSubstr("phase board_response"));
}

TEST_F(SyncTest, BadInputIsRefusedClearlyWithNothingWritten) {
  ASSERT_NO_FATAL_FAILURE(SetUpReview({"police"}));
  const std::string police = d_.AgencySocket("police");
  auto count = [&] { return Chronology(police).records_size(); };
  const int before = count();

  // Unknown review, at the agency and at the board.
  CommandResult unknown = d_.Cli(
      police, {"record", "add", "--review", "nope", "--type", "chronology",
               "--set", "date=2024-01-01", "--set", "source=x"});
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_THAT(unknown.err, HasSubstr("review nope is not known"));
  unknown = d_.Board({"record", "add", "--review", "nope", "--type", "finding",
                      "--set", "statement=x"});
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_THAT(unknown.err, HasSubstr("there is no review nope"));

  // Malformed CSV: the bad line is named, nothing is imported.
  const std::string bad_row = d_.dir() + "/bad_row.csv";
  std::ofstream(bad_row)
      << "date,source,event\n2024-01-01,a,ok\n2024-13-01,b,bad month\n";
  CommandResult csv =
      d_.Cli(police, {"chronology", "import", "--review", "r1", bad_row});
  EXPECT_EQ(csv.exit_code, 1);
  EXPECT_THAT(csv.err, HasSubstr("bad_row.csv:3:"));
  EXPECT_THAT(csv.err, HasSubstr("nothing imported"));
  const std::string bad_quote = d_.dir() + "/bad_quote.csv";
  std::ofstream(bad_quote)
      << "date,source,event\n2024-01-01,a,ok\n2024-01-02,b,\"un\"closed\n";
  csv = d_.Cli(police, {"chronology", "import", "--review", "r1", bad_quote});
  EXPECT_EQ(csv.exit_code, 1);
  EXPECT_THAT(csv.err, HasSubstr("line 3: malformed CSV"));
  const std::string bad_column = d_.dir() + "/bad_column.csv";
  std::ofstream(bad_column) << "date,source,colour\n2024-01-01,a,red\n";
  csv = d_.Cli(police, {"chronology", "import", "--review", "r1", bad_column});
  EXPECT_EQ(csv.exit_code, 1);
  EXPECT_THAT(csv.err, HasSubstr("line 1: unknown column 'colour'"));

  // Oversized field.
  CommandResult big =
      d_.Cli(police, {"record", "add", "--review", "r1", "--type", "chronology",
                      "--set", "date=2024-01-01", "--set", "source=x", "--set",
                      "event=" + std::string(70000, 'x')});
  EXPECT_EQ(big.exit_code, 1);
  EXPECT_THAT(big.err, HasSubstr("the limit is 65536"));

  // Unknown record type (the command line knows the types) and field.
  CommandResult type = d_.Cli(police, {"record", "add", "--review", "r1",
                                       "--type", "memo", "--set", "text=x"});
  EXPECT_EQ(type.exit_code, 2);
  EXPECT_THAT(type.err, HasSubstr("memo"));
  CommandResult field =
      d_.Cli(police, {"record", "add", "--review", "r1", "--type", "chronology",
                      "--set", "colour=red"});
  EXPECT_EQ(field.exit_code, 1);
  EXPECT_THAT(field.err, HasSubstr("chronology has no field 'colour'"));

  // A board-only record type from an agency.
  CommandResult finding =
      d_.Cli(police, {"record", "add", "--review", "r1", "--type", "finding",
                      "--set", "statement=x"});
  EXPECT_EQ(finding.exit_code, 1);
  EXPECT_THAT(finding.err, HasSubstr("agencies cannot write finding records"));

  EXPECT_EQ(count(), before);
  v1::AgencyStatus status = Status("police");
  EXPECT_EQ(status.local_changes(), 0u);

  // A daemon pointed at a port where nothing listens.
  ASSERT_TRUE(
      d_.StartAgency("health", absl::StrCat("127.0.0.1:", UnusedPort())));
  CommandResult sync =
      d_.Agency("health", {"sync", "--wait", "--timeout", "20"});
  EXPECT_EQ(sync.exit_code, 1);
  EXPECT_THAT(sync.err, HasSubstr("cannot reach the board at 127.0.0.1:"));
  v1::AgencyStatus health = Status("health");
  EXPECT_FALSE(health.connected());
  EXPECT_THAT(health.last_error(), HasSubstr("cannot reach the board"));

  // No daemon at all behind a socket path.
  CommandResult no_daemon = d_.Cli(d_.dir() + "/nobody.sock", {"status"});
  EXPECT_EQ(no_daemon.exit_code, 1);
  EXPECT_THAT(no_daemon.err, HasSubstr("no daemon socket"));
}

}  // namespace
}  // namespace casesync::testing
