// Process-level test of the Prometheus metrics (issue: operations): a board
// and two agency daemons started with --metrics_listen on a port picked at
// run time; after a sync, a plain HTTP scrape of each finds every family
// with its # TYPE, well-formed samples, and numbers that agree with what
// happened (records accepted, pushes and pulls timed, nothing pending).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/harness.h"

namespace casesync::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::IsSupersetOf;

struct HttpReply {
  int code = 0;
  std::string headers;
  std::string body;
};

// One HTTP/1.0 request to 127.0.0.1:`port`; code 0 if it could not be made.
HttpReply HttpRequest(int port, const std::string& method,
                      const std::string& path) {
  HttpReply reply;
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return reply;
  timeval timeout{10, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    close(fd);
    return reply;
  }
  const std::string request =
      absl::StrCat(method, " ", path, " HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n");
  if (write(fd, request.data(), request.size()) !=
      static_cast<ssize_t>(request.size())) {
    close(fd);
    return reply;
  }
  std::string response;
  char buffer[16384];
  for (ssize_t n; (n = read(fd, buffer, sizeof(buffer))) > 0;) {
    response.append(buffer, static_cast<size_t>(n));
  }
  close(fd);
  const size_t split = response.find("\r\n\r\n");
  if (split == std::string::npos) return reply;
  reply.headers = response.substr(0, split);
  reply.body = response.substr(split + 4);
  std::vector<std::string> status = absl::StrSplit(reply.headers, ' ');
  if (status.size() < 2 || !absl::SimpleAtoi(status[1], &reply.code)) {
    reply.code = 0;
  }
  return reply;
}

// The port of "... metrics on http://127.0.0.1:PORT/metrics" in a daemon's
// ready line; 0 if absent.
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

// A parsed exposition: families by # TYPE, samples by "name{labels}". A
// test failure for each line that is not a comment or a well-formed sample
// of a family declared before it.
struct Exposition {
  std::map<std::string, std::string> types;
  std::map<std::string, double> samples;

  double Get(const std::string& key) const {
    auto it = samples.find(key);
    EXPECT_NE(it, samples.end()) << key << " missing";
    return it == samples.end() ? -1 : it->second;
  }
};

Exposition Parse(const std::string& text) {
  Exposition out;
  const std::regex sample(
      R"(([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*"(?:,[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*")*\})? ([-+0-9.eE]+|\+Inf|NaN))");
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("# HELP ", 0) == 0) continue;
    if (line.rfind("# TYPE ", 0) == 0) {
      std::vector<std::string> words = absl::StrSplit(line, ' ');
      EXPECT_EQ(words.size(), 4u) << line;
      if (words.size() == 4) out.types[words[2]] = words[3];
      continue;
    }
    std::smatch match;
    if (!std::regex_match(line, match, sample)) {
      ADD_FAILURE() << "not a sample: " << line;
      continue;
    }
    std::string family = match[1].str();
    for (const char* suffix : {"_bucket", "_sum", "_count"}) {
      if (!out.types.count(family) && absl::EndsWith(family, suffix)) {
        family = family.substr(0, family.size() - strlen(suffix));
      }
    }
    EXPECT_TRUE(out.types.count(family))
        << "sample before its # TYPE: " << line;
    double value;
    EXPECT_TRUE(absl::SimpleAtod(match[3].str(), &value)) << line;
    out.samples[match[1].str() + match[2].str()] = value;
  }
  return out;
}

Exposition Scrape(int port) {
  HttpReply reply = HttpRequest(port, "GET", "/metrics");
  EXPECT_EQ(reply.code, 200) << reply.headers;
  EXPECT_THAT(reply.headers, HasSubstr("text/plain; version=0.0.4"));
  return Parse(reply.body);
}

std::set<std::string> Families(const Exposition& e) {
  std::set<std::string> out;
  for (const auto& [name, type] : e.types) out.insert(name);
  return out;
}

TEST(MetricsTest, BoardAndAgenciesServeEveryFamilyWithWhatHappened) {
  Deployment d;
  const std::vector<std::string> metrics = {"--metrics_listen", "0"};
  d.SetBoardFlags(metrics);
  ASSERT_TRUE(d.StartBoard());
  ASSERT_EQ(d.Board({"review", "create", "r1", "--title", "Child J",
                     "--agencies", "police,school"})
                .exit_code,
            0);
  ASSERT_TRUE(d.StartAgency("police", "", metrics));
  ASSERT_TRUE(d.StartAgency("school", "", metrics));
  constexpr int kRecords = 5;
  for (int i = 0; i < kRecords; ++i) {
    ASSERT_EQ(
        d.Agency("police",
                 {"record", "add", "--review", "r1", "--type", "chronology",
                  "--set", absl::StrCat("date=2024-03-0", i + 1), "--set",
                  "source=PNC", "--set", absl::StrCat("event=contact ", i)})
            .exit_code,
        0);
  }
  ASSERT_EQ(d.Agency("police", {"sync", "--wait"}).exit_code, 0);
  // school has police's records once its own sync has caught up.
  ASSERT_EQ(d.Agency("school", {"sync", "--wait"}).exit_code, 0);

  const int board_port = MetricsPort(d.board()->ready_line());
  ASSERT_GT(board_port, 0) << d.board()->ready_line();
  Exposition board = Scrape(board_port);
  EXPECT_THAT(
      Families(board),
      IsSupersetOf(
          {"casesync_build_info", "casesync_board_feed_head",
           "casesync_open_conflicts", "casesync_agency_connected",
           "casesync_agency_last_contact_timestamp_seconds",
           "casesync_agency_pending_changes",
           "casesync_agency_acknowledged_counter",
           "casesync_agency_accepted_changes_total",
           "casesync_agency_rejected_changes_total",
           "casesync_agency_feed_lag_entries", "casesync_push_duration_seconds",
           "casesync_pull_duration_seconds", "casesync_store_size_bytes",
           "casesync_memory_bytes", "casesync_memory_limit_bytes"}));
  EXPECT_EQ(board.types["casesync_push_duration_seconds"], "histogram");
  EXPECT_EQ(board.types["casesync_agency_accepted_changes_total"], "counter");
  EXPECT_EQ(
      board.Get(
          R"(casesync_build_info{program="casesync-board",version="0.1.0"})"),
      1);
  const std::string police = R"({agency="police"})";
  EXPECT_EQ(board.Get("casesync_agency_accepted_changes_total" + police),
            kRecords);
  EXPECT_EQ(board.Get("casesync_agency_rejected_changes_total" + police), 0);
  EXPECT_EQ(board.Get("casesync_agency_acknowledged_counter" + police),
            kRecords);
  EXPECT_EQ(board.Get("casesync_agency_connected" + police), 1);
  EXPECT_EQ(board.Get("casesync_agency_pending_changes" + police), 0);
  EXPECT_GT(
      board.Get("casesync_agency_last_contact_timestamp_seconds" + police),
      1.7e9);
  EXPECT_GE(board.Get("casesync_push_duration_seconds_count"), 1);
  EXPECT_EQ(board.Get(R"(casesync_push_duration_seconds_bucket{le="+Inf"})"),
            board.Get("casesync_push_duration_seconds_count"));
  EXPECT_GE(board.Get("casesync_pull_duration_seconds_count"), 1);
  EXPECT_GT(board.Get("casesync_store_size_bytes"), 0);
  // The board's bounded memory: what the writes and feed reads so far put
  // in the memtables and the feed cache, within their bounds.
  const std::string memtables = R"({consumer="memtables"})";
  const std::string feed_cache = R"({consumer="feed_cache"})";
  EXPECT_GT(board.Get("casesync_memory_bytes" + memtables), 0);
  EXPECT_EQ(board.Get("casesync_memory_limit_bytes" + memtables), 16 << 20);
  EXPECT_GT(board.Get("casesync_memory_bytes" + feed_cache), 0);
  EXPECT_LE(board.Get("casesync_memory_bytes" + feed_cache),
            board.Get("casesync_memory_limit_bytes" + feed_cache));
  EXPECT_EQ(board.Get(R"(casesync_memory_limit_bytes{consumer="block_cache"})"),
            8 << 20);

  const int police_port = MetricsPort(d.agency("police")->ready_line());
  ASSERT_GT(police_port, 0) << d.agency("police")->ready_line();
  Exposition agency = Scrape(police_port);
  EXPECT_EQ(
      agency.Get(R"(casesync_build_info{program="casesyncd",version="0.1.0"})"),
      1);
  EXPECT_EQ(agency.Get("casesync_agency_pending_changes" + police), 0);
  EXPECT_EQ(agency.Get("casesync_agency_local_changes_total" + police),
            kRecords);
  EXPECT_EQ(agency.Get("casesync_agency_accepted_changes_total" + police),
            kRecords);
  EXPECT_EQ(agency.Get("casesync_agency_connected" + police), 1);
  EXPECT_GE(agency.Get("casesync_push_duration_seconds_count"), 1);
  EXPECT_GT(agency.Get("casesync_store_size_bytes"), 0);
  EXPECT_GT(agency.Get("casesync_memory_bytes" + memtables), 0);
  EXPECT_EQ(agency.samples.count("casesync_memory_bytes" + feed_cache), 0u);

  // school applied police's records from the feed: its pulls were timed.
  Exposition school = Scrape(MetricsPort(d.agency("school")->ready_line()));
  EXPECT_GE(school.Get("casesync_pull_duration_seconds_count"), 1);
  EXPECT_EQ(school.Get(R"(casesync_agency_feed_lag_entries{agency="school"})"),
            0);

  // Only GET /metrics is served.
  EXPECT_EQ(HttpRequest(board_port, "GET", "/").code, 404);
  EXPECT_EQ(HttpRequest(board_port, "POST", "/metrics").code, 405);
}

TEST(MetricsTest, AnAddressThatIsNotAnIpOrAPortIsRefusedAtStart) {
  Deployment d;  // for its temporary directory
  CommandResult start = testing::Run(
      {CASESYNC_BOARD_BIN, "--data_dir", d.dir() + "/board", "--listen",
       "127.0.0.1:0", "--socket", d.dir() + "/board.sock", "--insecure",
       "--metrics_listen", "localhost:http"});
  EXPECT_EQ(start.exit_code, 1);
  EXPECT_THAT(start.err, HasSubstr("is not HOST:PORT with an IP address"));
}

}  // namespace
}  // namespace casesync::testing
