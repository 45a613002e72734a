// The statutory process through the real programs (issue 23;
// docs/statutory_process.md): a rapid review's clock, contribution requests
// to three networked agencies (one answers on time, one late, one never) and
// to a bundle-only agency that answers across the air gap, each side's
// `casesync deadlines`; overdue actions across two reviews; the overdue
// count in the metrics; a store made by the previous release opening with
// the new fields empty.
//
// Today's date never matters: every deadline is read --as-of a fixed day,
// and each move is made --on a fixed day (the daemons take today's date only
// when a command leaves the day out). The one exception is the metrics'
// overdue count, which counts as of today: it counts only items due in 2024
// and not done, overdue on any day since.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <regex>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "casesync/v1/local_api.pb.h"
#include "casesync/v1/records.pb.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/harness.h"

namespace casesync::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr char kAsOf[] = "2024-03-22";

// The body of GET /metrics from 127.0.0.1:`port` ("" if it fails).
std::string ScrapeMetrics(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return "";
  timeval timeout{10, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const std::string request = "GET /metrics HTTP/1.0\r\n\r\n";
  std::string response;
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
      write(fd, request.data(), request.size()) ==
          static_cast<ssize_t>(request.size())) {
    char buffer[16384];
    for (ssize_t n; (n = read(fd, buffer, sizeof(buffer))) > 0;) {
      response.append(buffer, static_cast<size_t>(n));
    }
  }
  close(fd);
  return response;
}

// The port of "metrics on http://127.0.0.1:PORT/metrics" in a ready line.
int MetricsPort(const std::string& ready_line) {
  std::smatch match;
  int port = 0;
  if (std::regex_search(
          ready_line, match,
          std::regex(R"(metrics on http://127\.0\.0\.1:(\d+)/)"))) {
    EXPECT_TRUE(absl::SimpleAtoi(match[1].str(), &port));
  }
  return port;
}

class StatutoryTest : public ::testing::Test {
 protected:
  void TearDown() override {
    if (HasFailure()) d_.DumpLogs();
  }

  void SyncWait(const std::string& agency) {
    CommandResult sync =
        d_.Agency(agency, {"sync", "--wait", "--timeout", "60"});
    ASSERT_EQ(sync.exit_code, 0) << agency << ": " << sync.err;
  }

  // The first line of a successful command's output (a new record's id).
  static std::string IdOf(const CommandResult& result) {
    EXPECT_EQ(result.exit_code, 0) << result.err;
    return result.out.substr(0, result.out.find('\n'));
  }

  std::string Ask(const std::string& agency, const std::string& kind) {
    return IdOf(d_.Board({"request", "add", "--review", "rr1", "--agency",
                          agency, "--kind", kind, "--due", "2024-03-15"}));
  }

  void Move(const std::string& agency, const std::string& request,
            const std::vector<std::string>& more) {
    std::vector<std::string> args = {
        "--author", agency + "-officer", "request", "move",
        request,    "--review",          "rr1"};
    args.insert(args.end(), more.begin(), more.end());
    CommandResult moved = d_.Agency(agency, args);
    ASSERT_EQ(moved.exit_code, 0) << agency << ": " << moved.err;
  }

  v1::ListDeadlinesReply Deadlines(const std::string& socket,
                                   const std::vector<std::string>& more = {}) {
    std::vector<std::string> args = {"deadlines", "--as-of", kAsOf, "--json"};
    args.insert(args.end(), more.begin(), more.end());
    return FromJson<v1::ListDeadlinesReply>(d_.Cli(socket, args));
  }

  static const v1::ContributionStatus* Find(const v1::ListDeadlinesReply& reply,
                                            const std::string& agency) {
    for (const v1::ContributionStatus& r : reply.requests()) {
      if (r.agency() == agency) return &r;
    }
    return nullptr;
  }

  std::string File(const std::string& name) const {
    return d_.dir() + "/" + name;
  }

  Deployment d_;
};

TEST_F(StatutoryTest, RequestsOnTimeLateNeverAndAcrossTheAirGap) {
  ASSERT_TRUE(d_.StartBoard());
  for (const char* agency : {"csc", "police", "health"}) {
    ASSERT_TRUE(d_.StartAgency(agency));
  }
  // No path to the board: it knows the board only by id.
  ASSERT_TRUE(d_.StartAgency("school", absl::StrCat("127.0.0.1:", UnusedPort()),
                             {"--board_id", "board"}));
  // Monday 4 March 2024: the Panel is to be notified by Monday 11 March.
  ASSERT_EQ(d_.Board({"review", "create", "rr1", "--title", "Child J",
                      "--agencies", "csc,police,health,school", "--kind",
                      "rapid_review", "--aware", "2024-03-04"})
                .exit_code,
            0);
  ASSERT_EQ(d_.Board({"record", "edit", "rr1", "--review", "rr1", "--type",
                      "review", "--set", "incident_date=2024-03-01", "--set",
                      "panel_notified_date=2024-03-08"})
                .exit_code,
            0);
  const std::string csc = Ask("csc", "chronology");
  const std::string police = Ask("police", "chronology");
  const std::string health = Ask("health", "summary");
  const std::string school = Ask("school", "chronology");
  for (const char* agency : {"csc", "police", "health"}) SyncWait(agency);

  // The school's request crosses the air gap by bundle.
  ASSERT_EQ(d_.Board({"bundle", "export", "--agency", "school", "--out",
                      File("to-school.bundle")})
                .exit_code,
            0);
  ASSERT_EQ(d_.Agency("school", {"bundle", "import", File("to-school.bundle")})
                .exit_code,
            0);
  {
    const v1::ListDeadlinesReply due = Deadlines(d_.AgencySocket("school"));
    ASSERT_EQ(due.requests_size(), 1);
    EXPECT_EQ(due.requests(0).request_id(), school);
    EXPECT_EQ(due.requests(0).state(), "requested");
  }
  Move("school", school, {"--to", "submitted", "--on", "2024-03-13"});
  ASSERT_EQ(
      d_.Agency("school", {"bundle", "export", "--out", File("school.bundle")})
          .exit_code,
      0);
  ASSERT_EQ(d_.Board({"bundle", "import", File("school.bundle")}).exit_code, 0);

  // On time, signed off and accepted; late; never.
  Move("csc", csc, {"--to", "submitted", "--on", "2024-03-14"});
  Move("csc", csc,
       {"--to", "signed_off", "--on", "2024-03-15", "--by",
        "A. Patel, Head of Service"});
  Move("police", police, {"--to", "in_progress", "--on", "2024-03-11"});
  Move("police", police, {"--to", "submitted", "--on", "2024-03-20"});
  // An agency cannot move the board's request, nor another agency's.
  EXPECT_EQ(d_.Agency("police", {"request", "move", police, "--review", "rr1",
                                 "--to", "accepted"})
                .exit_code,
            1);
  EXPECT_EQ(d_.Agency("police", {"request", "move", csc, "--review", "rr1",
                                 "--to", "submitted"})
                .exit_code,
            1);
  for (const char* agency : {"csc", "police"}) SyncWait(agency);
  ASSERT_EQ(d_.Board({"--author", "business-manager", "request", "move", csc,
                      "--review", "rr1", "--to", "accepted"})
                .exit_code,
            0)
      << "the board accepts what was signed off";
  SyncWait("csc");

  const v1::ListDeadlinesReply board = Deadlines(d_.BoardSocket());
  EXPECT_EQ(board.as_of(), kAsOf);
  ASSERT_EQ(board.requests_size(), 4);
  // Overdue first.
  EXPECT_EQ(board.requests(0).agency(), "health");
  const v1::ContributionStatus* h = Find(board, "health");
  EXPECT_EQ(h->state(), "requested");
  EXPECT_TRUE(h->overdue());
  EXPECT_FALSE(h->done());
  EXPECT_EQ(h->days_left(), -5);  // 18 to 22 March
  const v1::ContributionStatus* p = Find(board, "police");
  EXPECT_EQ(p->state(), "submitted");
  EXPECT_TRUE(p->done());
  EXPECT_TRUE(p->late());
  EXPECT_FALSE(p->overdue());
  EXPECT_EQ(p->days_left(), -3);  // 18, 19, 20 March
  ASSERT_EQ(p->moves_size(), 2);
  EXPECT_EQ(p->moves(0).state(), "in_progress");
  EXPECT_EQ(p->moves(1).state(), "submitted");
  EXPECT_EQ(p->moves(1).author(), "police-officer");
  EXPECT_EQ(p->moves(1).replica(), "police");
  const v1::ContributionStatus* c = Find(board, "csc");
  EXPECT_EQ(c->state(), "accepted");
  EXPECT_FALSE(c->late());
  EXPECT_EQ(c->signed_off_by(), "A. Patel, Head of Service");
  ASSERT_EQ(c->moves_size(), 3);
  EXPECT_EQ(c->moves(2).state(), "accepted");
  EXPECT_EQ(c->moves(2).author(), "business-manager");
  const v1::ContributionStatus* s = Find(board, "school");
  EXPECT_EQ(s->state(), "submitted");
  EXPECT_FALSE(s->late());
  EXPECT_EQ(s->submitted_date(), "2024-03-13");

  // The review's clock: notified on time (Friday 8 March); the rapid review
  // is due 15 working days after the notification, past Good Friday and
  // Easter Monday 2024.
  ASSERT_EQ(board.deadlines_size(), 2);
  EXPECT_EQ(board.deadlines(0).name(), "rapid_review");
  EXPECT_EQ(board.deadlines(0).due(), "2024-04-02");
  EXPECT_EQ(board.deadlines(0).days_left(), 5);
  EXPECT_FALSE(board.deadlines(0).done());
  EXPECT_EQ(board.deadlines(1).name(), "panel_notification");
  EXPECT_EQ(board.deadlines(1).due(), "2024-03-11");
  EXPECT_TRUE(board.deadlines(1).done());
  EXPECT_FALSE(board.deadlines(1).late());

  // Each agency sees what is due from it, and only that.
  for (const auto& [agency, state] :
       std::vector<std::pair<std::string, std::string>>{
           {"csc", "accepted"},
           {"police", "submitted"},
           {"health", "requested"}}) {
    const v1::ListDeadlinesReply due = Deadlines(d_.AgencySocket(agency));
    ASSERT_EQ(due.requests_size(), 1) << agency;
    EXPECT_EQ(due.requests(0).agency(), agency);
    EXPECT_EQ(due.requests(0).state(), state) << agency;
    EXPECT_EQ(due.requests(0).overdue(), agency == "health") << agency;
    EXPECT_TRUE(due.deadlines().empty()) << agency;
  }
  // `review show` shows the clock; people get tables.
  CommandResult shown = d_.Board({"review", "show", "rr1", "--as-of", kAsOf});
  ASSERT_EQ(shown.exit_code, 0) << shown.err;
  EXPECT_THAT(shown.out, HasSubstr("Statutory clock as of 2024-03-22"));
  EXPECT_THAT(shown.out, HasSubstr("2024-04-02"));
  CommandResult table = d_.Agency("health", {"deadlines", "--as-of", kAsOf});
  ASSERT_EQ(table.exit_code, 0) << table.err;
  EXPECT_THAT(table.out, HasSubstr("-5 (overdue)"));

  // The report: the timeline of key dates, and the rapid review (still not
  // sent, overdue on any day since April 2024) with its recorded reason.
  ASSERT_EQ(
      d_.Board({"record", "edit", "rr1", "--review", "rr1", "--type", "review",
                "--set", "rapid_review_delay_reason=Health's summary is late"})
          .exit_code,
      0);
  CommandResult report =
      d_.Board({"export", "--review", "rr1", "--format", "md"});
  ASSERT_EQ(report.exit_code, 0) << report.err;
  EXPECT_THAT(report.out, HasSubstr("Statutory timeline"));
  EXPECT_THAT(report.out, HasSubstr("Kind of review:** rapid review"));
  EXPECT_THAT(report.out, HasSubstr("Panel notified"));
  EXPECT_THAT(report.out, HasSubstr("2024-03-08"));
  EXPECT_THAT(report.out, HasSubstr("Missed deadlines"));
  EXPECT_THAT(report.out, HasSubstr("summary is late"));
}

TEST_F(StatutoryTest, OverdueActionsAcrossTwoReviews) {
  d_.SetBoardFlags({"--metrics_listen", "0"});
  ASSERT_TRUE(d_.StartBoard());
  ASSERT_TRUE(d_.StartAgency("health"));
  ASSERT_EQ(d_.Board({"review", "create", "rr1", "--title", "Child J",
                      "--agencies", "police,health", "--kind", "rapid_review"})
                .exit_code,
            0);
  ASSERT_EQ(d_.Board({"review", "create", "r2", "--title", "Child L",
                      "--agencies", "police,health", "--kind", "lcspr"})
                .exit_code,
            0);
  auto action = [this](const std::string& review, const std::string& owner,
                       const std::string& due, const std::string& status,
                       std::vector<std::string> more = {}) {
    std::vector<std::string> args = {"record",       "add",
                                     "--review",     review,
                                     "--type",       "action",
                                     "--visibility", "review",
                                     "--set",        "action=Audit referrals",
                                     "--set",        "action_owner=" + owner,
                                     "--set",        "due_date=" + due,
                                     "--set",        "status=" + status};
    for (const std::string& set : more) {
      args.push_back("--set");
      args.push_back(set);
    }
    return IdOf(d_.Board(args));
  };
  const std::string police_late =
      action("rr1", "police", "2024-03-01", "agreed");
  const std::string health_open =
      action("rr1", "health", "2099-01-01", "agreed");
  const std::string health_late =
      action("r2", "health", "2024-02-01", "in_progress");
  const std::string police_done =
      action("r2", "police", "2024-01-15", "done",
             {"completed_date=2024-01-10", "evidence=Audit report"});

  const v1::ListDeadlinesReply board = Deadlines(d_.BoardSocket());
  std::vector<std::string> ids;
  std::vector<std::string> overdue;
  for (const v1::ActionStatus& a : board.actions()) {
    ids.push_back(a.action_id());
    if (a.overdue()) overdue.push_back(a.review_id() + ":" + a.action_id());
  }
  // Most overdue first, across both reviews; then open; then done.
  EXPECT_THAT(ids,
              ElementsAre(health_late, police_late, health_open, police_done));
  EXPECT_THAT(overdue, ElementsAre("r2:" + health_late, "rr1:" + police_late));
  EXPECT_EQ(board.actions(0).days_left(), -36);
  EXPECT_EQ(board.actions(1).days_left(), -15);
  // Due past the calendar's end: said, not guessed.
  EXPECT_THAT(board.actions(2).problem(), HasSubstr("2027-12-31"));

  SyncWait("health");
  const v1::ListDeadlinesReply health = Deadlines(d_.AgencySocket("health"));
  ids.clear();
  for (const v1::ActionStatus& a : health.actions()) {
    ids.push_back(a.action_id());
  }
  EXPECT_THAT(ids, ElementsAre(health_late, health_open));

  // Due in 2024 and not done: overdue on any day since.
  const std::string metrics =
      ScrapeMetrics(MetricsPort(d_.board()->ready_line()));
  EXPECT_THAT(metrics,
              HasSubstr("casesync_overdue_items{kind=\"action\"} 2\n"));
  EXPECT_THAT(metrics,
              HasSubstr("casesync_overdue_items{kind=\"request\"} 0\n"));
}

TEST_F(StatutoryTest, AStoreOfThePreviousReleaseOpensWithTheNewFieldsEmpty) {
  // tests/data/make_previous_release_store.sh made it.
  ASSERT_EQ(::casesync::testing::Run({"/bin/tar", "-C", d_.dir(), "-xzf",
                                      CASESYNC_TEST_DATA
                                      "/previous_release_board.tar.gz"})
                .exit_code,
            0);
  ASSERT_TRUE(d_.StartBoard());
  const v1::RecordDetail shown = FromJson<v1::RecordDetail>(
      d_.Board({"review", "show", "old-r1", "--json"}));
  v1::Review review;
  ASSERT_TRUE(shown.record().UnpackTo(&review));
  EXPECT_EQ(review.title(), "Child K");
  EXPECT_EQ(review.kind(), v1::Review::KIND_UNSPECIFIED);
  EXPECT_EQ(review.aware_date(), "");
  EXPECT_EQ(review.decision(), v1::Review::DECISION_UNSPECIFIED);
  // Nothing is due from a review with no clock; its old action is listed.
  const v1::ListDeadlinesReply due = Deadlines(d_.BoardSocket());
  EXPECT_TRUE(due.deadlines().empty());
  ASSERT_EQ(due.actions_size(), 1);
  EXPECT_TRUE(due.actions(0).overdue());
  EXPECT_EQ(due.actions(0).owner_role(), "");
  // And the new fields can be set on it.
  ASSERT_EQ(d_.Board({"record", "edit", "old-r1", "--review", "old-r1",
                      "--type", "review", "--set", "kind=lcspr", "--set",
                      "decision_date=2024-01-10"})
                .exit_code,
            0);
  const v1::ListDeadlinesReply after =
      Deadlines(d_.BoardSocket(), {"--review", "old-r1"});
  ASSERT_EQ(after.deadlines_size(), 1);
  EXPECT_EQ(after.deadlines(0).name(), "lcspr_report");
  EXPECT_EQ(after.deadlines(0).due(), "2024-07-10");
}

}  // namespace
}  // namespace casesync::testing
