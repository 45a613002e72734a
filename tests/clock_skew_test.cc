// Process-level clock-skew test (issue 7): a board on the real clock, one
// agency a day ahead and one a day behind (casesyncd-skewed, casesyncd with
// --clock_skew_ms: tests/skewed_agency_main.cc).
// Nothing is rejected for it; concurrent edits become the same conflict,
// showing the same value, on every replica; and a change made after seeing
// another is stamped later than it whatever the wall clocks say (the hybrid
// logical clock takes the greatest time seen), so the day-behind agency's
// later edit is never shown as older than what it saw.
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "casesync/v1/local_api.pb.h"
#include "google/protobuf/util/time_util.h"
#include "gtest/gtest.h"
#include "tests/harness.h"

namespace casesync::testing {
namespace {

using ::google::protobuf::util::TimeUtil;

constexpr int64_t kDayMs = 24 * 60 * 60 * 1000;

class ClockSkewTest : public ::testing::Test {
 protected:
  ClockSkewTest() {
    for (const std::string agency : {"police", "school"}) {
      d_.SetAgencyBinary(agency, CASESYNC_SKEWED_AGENCY_BIN);
    }
  }

  // police runs a day ahead, school a day behind.
  static std::vector<std::string> SkewFlags(const std::string& agency) {
    return {absl::StrCat("--clock_skew_ms=",
                         agency == "police" ? kDayMs : -kDayMs)};
  }

  void Connect(const std::string& agency) {
    ASSERT_TRUE(d_.StartAgency(agency, "", SkewFlags(agency)));
  }
  // Restarts `agency` pointed at a port where nothing listens.
  void Disconnect(const std::string& agency) {
    ASSERT_TRUE(d_.StartAgency(agency, absl::StrCat("127.0.0.1:", UnusedPort()),
                               SkewFlags(agency)));
  }

  void SyncWait(const std::string& agency) {
    CommandResult sync =
        d_.Agency(agency, {"sync", "--wait", "--timeout", "30"});
    ASSERT_EQ(sync.exit_code, 0) << agency << ": " << sync.err;
  }
  void SyncAll() {
    ASSERT_NO_FATAL_FAILURE(SyncWait("police"));
    ASSERT_NO_FATAL_FAILURE(SyncWait("school"));
    ASSERT_NO_FATAL_FAILURE(SyncWait("police"));
  }

  std::string Add(const std::string& socket, const std::string& event) {
    CommandResult added = d_.Cli(
        socket, {"record", "add", "--review", "r1", "--type", "chronology",
                 "--visibility", "review", "--set", "date=2024-03-04", "--set",
                 "source=ref " + event, "--set", "event=" + event});
    EXPECT_EQ(added.exit_code, 0) << added.err;
    return added.out.substr(0, added.out.find('\n'));
  }

  void Edit(const std::string& socket, const std::string& id,
            const std::string& event) {
    CommandResult edited = d_.Cli(socket, {"record", "edit", id, "--review",
                                           "r1", "--set", "event=" + event});
    ASSERT_EQ(edited.exit_code, 0) << edited.err;
  }

  void Resolve(const std::string& socket, const std::string& id,
               const std::string& value) {
    CommandResult resolved =
        d_.Cli(socket, {"conflicts", "resolve", "--review", "r1", id, "event",
                        "--value", value});
    ASSERT_EQ(resolved.exit_code, 0) << resolved.err;
  }

  std::vector<std::string> Sockets() {
    return {d_.BoardSocket(), d_.AgencySocket("police"),
            d_.AgencySocket("school")};
  }

  // Every conflict held at `socket`, as comparable text: record, field,
  // then each value in shown order with its dot, time and shown mark.
  std::map<std::string, v1::Conflict> Conflicts(const std::string& socket) {
    v1::ListConflictsReply reply = FromJson<v1::ListConflictsReply>(
        d_.Cli(socket, {"conflicts", "list", "--json"}));
    std::map<std::string, v1::Conflict> conflicts;
    for (const v1::Conflict& conflict : reply.conflicts()) {
      conflicts[conflict.record_id() + "/" + conflict.field()] = conflict;
    }
    return conflicts;
  }
  static std::string Describe(const v1::Conflict& conflict) {
    std::string text =
        absl::StrCat(conflict.record_id(), " ", conflict.field());
    for (const v1::ConflictValue& value : conflict.values()) {
      absl::StrAppend(&text, " | ", value.value(), " by ",
                      value.dot().replica(), ":", value.dot().counter(), " at ",
                      TimeUtil::ToString(value.time()),
                      value.shown() ? " (shown)" : "");
    }
    return text;
  }

  // The composite chronology at `socket`: record id -> shown event.
  std::map<std::string, std::string> Composite(const std::string& socket) {
    v1::ListRecordsReply reply = FromJson<v1::ListRecordsReply>(
        d_.Cli(socket, {"record", "list", "--review", "r1", "--type",
                        "chronology", "--json"}));
    std::map<std::string, std::string> records;
    for (const v1::RecordDetail& record : reply.records()) {
      v1::ChronologyEntry entry;
      record.record().UnpackTo(&entry);
      records[record.record_id()] = entry.event();
    }
    return records;
  }

  std::string Digest(const std::string& socket,
                     const std::string& for_agency = "") {
    std::vector<std::string> args = {"digest", "--json"};
    if (!for_agency.empty()) args.insert(args.end(), {"--agency", for_agency});
    return FromJson<v1::DigestReply>(d_.Cli(socket, args)).sha256();
  }

  // Nothing pending, nothing rejected, and each agency holds exactly what
  // the board says it may see.
  void ExpectConverged() {
    for (const std::string agency : {"police", "school"}) {
      v1::AgencyStatus status =
          FromJson<v1::AgencyStatus>(d_.Agency(agency, {"status", "--json"}));
      EXPECT_EQ(status.rejected(), 0u) << agency;
      EXPECT_EQ(status.pending(), 0u) << agency;
      EXPECT_EQ(Digest(d_.AgencySocket(agency)),
                Digest(d_.BoardSocket(), agency))
          << agency;
    }
    v1::BoardStatus board =
        FromJson<v1::BoardStatus>(d_.Board({"status", "--json"}));
    for (const auto& row : board.agencies()) {
      EXPECT_EQ(row.rejected(), 0u) << row.agency();
    }
    const std::map<std::string, std::string> at_board =
        Composite(d_.BoardSocket());
    for (const std::string& socket : Sockets()) {
      EXPECT_EQ(Composite(socket), at_board) << socket;
    }
  }

  Deployment d_;
};

TEST_F(ClockSkewTest, ADayAheadOrBehindIsNeitherRejectedNorMisordered) {
  ASSERT_TRUE(d_.StartBoard());
  ASSERT_NO_FATAL_FAILURE(Connect("police"));
  ASSERT_NO_FATAL_FAILURE(Connect("school"));
  CommandResult created = d_.Board({"review", "create", "r1", "--title",
                                    "Child J", "--agencies", "police,school"});
  ASSERT_EQ(created.exit_code, 0) << created.err;
  ASSERT_NO_FATAL_FAILURE(SyncAll());

  // Both add records; nothing is rejected for its time.
  const std::string police = d_.AgencySocket("police");
  const std::string school = d_.AgencySocket("school");
  const std::string x = Add(police, "Strategy meeting");
  Add(police, "Police visit");
  const std::string y = Add(school, "Attendance concern");
  Add(school, "School nurse referral");
  ASSERT_NO_FATAL_FAILURE(SyncAll());
  ExpectConverged();
  EXPECT_EQ(Composite(d_.BoardSocket()).size(), 4u);

  // Concurrent edits of one field: each agency's own record against the
  // board (agencies never write each other's records, docs/replication.md).
  ASSERT_NO_FATAL_FAILURE(Disconnect("police"));
  ASSERT_NO_FATAL_FAILURE(Disconnect("school"));
  Edit(police, x, "Strategy meeting on the 3rd");
  Edit(d_.BoardSocket(), x, "Strategy meeting on the 4th");
  Edit(d_.BoardSocket(), y, "Attendance concern (board)");
  Edit(school, y, "Attendance concern (school)");
  ASSERT_NO_FATAL_FAILURE(Connect("police"));
  ASSERT_NO_FATAL_FAILURE(Connect("school"));
  ASSERT_NO_FATAL_FAILURE(SyncAll());
  ExpectConverged();

  // The same two conflicts everywhere, showing the same values: the highest
  // HLC, then the replica id.
  const std::map<std::string, v1::Conflict> at_board =
      Conflicts(d_.BoardSocket());
  ASSERT_EQ(at_board.size(), 2u);
  for (const std::string& socket : Sockets()) {
    const std::map<std::string, v1::Conflict> here = Conflicts(socket);
    ASSERT_EQ(here.size(), 2u) << socket;
    for (const auto& [key, conflict] : at_board) {
      ASSERT_TRUE(here.count(key)) << socket << " lacks " << key;
      EXPECT_EQ(Describe(here.at(key)), Describe(conflict)) << socket;
    }
  }
  const v1::Conflict& on_x = at_board.at(x + "/event");
  const v1::Conflict& on_y = at_board.at(y + "/event");
  ASSERT_EQ(on_x.values_size(), 2);
  ASSERT_EQ(on_y.values_size(), 2);
  for (const v1::Conflict* conflict : {&on_x, &on_y}) {
    EXPECT_TRUE(conflict->values(0).shown());
    EXPECT_GE(conflict->values(0).time(), conflict->values(1).time())
        << Describe(*conflict);
  }
  // The day-ahead agency's edit is the later one, by a day's worth of
  // clock, so it is shown.
  EXPECT_EQ(on_x.values(0).value(), "Strategy meeting on the 3rd")
      << Describe(on_x);
  const google::protobuf::Timestamp police_edit = on_x.values(0).time();

  // The day-behind agency has now seen the day-ahead agency's edit. Its
  // next edit, made concurrently with one at the board, settles its
  // conflict (naming both values as parents) and is stamped after
  // everything it saw: not a day in the past.
  ASSERT_NO_FATAL_FAILURE(Disconnect("school"));
  Resolve(school, y, "Attendance concern (school, settled)");
  Resolve(d_.BoardSocket(), y, "Attendance concern (board, settled)");
  ASSERT_NO_FATAL_FAILURE(Connect("school"));
  ASSERT_NO_FATAL_FAILURE(SyncAll());
  ExpectConverged();

  const v1::Conflict settled = Conflicts(d_.BoardSocket()).at(y + "/event");
  for (const std::string& socket : Sockets()) {
    EXPECT_EQ(Describe(Conflicts(socket).at(y + "/event")), Describe(settled))
        << socket;
  }
  // Only the new values remain: both superseded the two they named.
  std::set<std::string> values;
  for (const v1::ConflictValue& value : settled.values()) {
    values.insert(value.value());
    EXPECT_GE(value.time(), police_edit)
        << value.value() << " by " << value.dot().replica()
        << " is stamped before the edit its author had seen: "
        << Describe(settled) << "; police's edit was at "
        << TimeUtil::ToString(police_edit);
  }
  EXPECT_EQ(values,
            (std::set<std::string>{"Attendance concern (school, settled)",
                                   "Attendance concern (board, settled)"}));
  EXPECT_GE(settled.values(0).time(), settled.values(1).time())
      << Describe(settled);
}

}  // namespace
}  // namespace casesync::testing
