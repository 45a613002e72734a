// Sync benchmark against the peer (PouchDB) on the peer benchmark's workload
// (../shared/peers/README.md), over loopback:
//
//   W1  N chronology entries of about 1 KB made offline at one agency, then
//       one sync: time until the board has accepted every one, durably (the
//       agency's `sync --wait` returns only then), and bytes each way.
//   W2  K of those entries edited offline (the event text, ~780 characters),
//       then one sync; W2b the same again on other entries.
//
// Each run starts fresh casesync-board and casesyncd processes with empty
// data directories; the agency reaches the board through a byte-counting
// loopback proxy that is closed while the agency works offline. The local
// API is driven through gRPC stubs, as the peer's driver drives its client
// through RPC, so that process start-up of a command line is not counted.
// Peak RSS is each process's VmHWM at the end of the run.
//
// Prints medians over the runs; bench/sync.sh runs the peer in the same
// invocation and prints the ratios.
//
// To profile W1 alone: `perf record -k CLOCK_MONOTONIC -a -- sync_bench
// --runs 1 --print_w1_window`, then `perf report --time START,END` with the
// window it prints.
#include <signal.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "casesync/v1/local_api.grpc.pb.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "tests/harness.h"
#include "tests/tcp_proxy.h"

namespace casesync::bench {
namespace {

using testing::Daemon;
using testing::TcpProxy;

const char* const kWords[] = {
    "the",        "a",        "of",         "to",         "and",
    "in",         "for",      "on",         "with",       "by",
    "from",       "at",       "as",         "is",         "was",
    "were",       "be",       "been",       "report",     "meeting",
    "review",     "decision", "visit",      "referral",   "school",
    "health",     "police",   "strategy",   "child",      "mother",
    "concern",    "plan",     "assessment", "contact",    "home",
    "seen",       "bruising", "nursery",    "attendance", "telephone",
    "discussion", "agreed",   "action",     "follow-up",  "note",
    "duty",       "social",   "worker",     "officer",    "nurse",
    "teacher",    "family",   "support"};

std::string Words(std::mt19937& rng, size_t length) {
  std::string out;
  while (out.size() < length) {
    if (!out.empty()) out += ' ';
    out += kWords[rng() % (sizeof(kWords) / sizeof(kWords[0]))];
  }
  out.resize(length - 1);
  return out + ".";
}

// The entry's fields as CSV cells and as the raw JSON a peer would store.
struct Entry {
  std::string date, time, source, role, event;
  size_t RawBytes() const {
    // {"date":"...","time":"...","source":"...","practitioner_role":"...","event":"..."}
    return date.size() + time.size() + source.size() + role.size() +
           event.size() + 78;
  }
};

Entry MakeEntry(int i) {
  std::mt19937 rng(1000003u * static_cast<unsigned>(i) + 1);
  Entry e;
  e.date = absl::StrFormat("2024-%02d-%02d", 1 + rng() % 12, 1 + rng() % 28);
  e.time = absl::StrFormat("%02d:00", rng() % 24);
  e.source = absl::StrFormat("c-%06d", i);
  e.role = kWords[rng() % 10];
  e.event = Words(rng, 800);
  return e;
}

// CPU time (user + system) a process has used so far, in milliseconds.
double CpuMs(pid_t pid) {
  std::ifstream stat(absl::StrCat("/proc/", pid, "/stat"));
  std::string text((std::istreambuf_iterator<char>(stat)),
                   std::istreambuf_iterator<char>());
  // Fields after the command name, which is in parentheses: state is field 3,
  // utime field 14, stime field 15.
  std::istringstream rest(text.substr(text.rfind(')') + 2));
  std::string field;
  double ticks = 0;
  for (int i = 3; i <= 15 && rest >> field; ++i) {
    if (i == 14 || i == 15) ticks += std::stod(field);
  }
  return ticks * 1000.0 / static_cast<double>(sysconf(_SC_CLK_TCK));
}

uint64_t PeakRssKb(pid_t pid) {
  std::ifstream status(absl::StrCat("/proc/", pid, "/status"));
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::stoull(line.substr(6));
  }
  return 0;
}

struct Measure {
  double ms = 0;
  double board_cpu_ms = 0, agency_cpu_ms = 0;
  uint64_t up = 0, down = 0, raw = 0;
};

struct Run {
  Measure w1, w2, w2b;
  uint64_t board_rss_kb = 0, agency_rss_kb = 0;
  // The agency's peak after the offline import, before any sync.
  uint64_t agency_rss_after_import_kb = 0;
};

template <typename Request, typename Reply>
void Call(v1::LocalApi::Stub* stub,
          grpc::Status (v1::LocalApi::Stub::*method)(grpc::ClientContext*,
                                                     const Request&, Reply*),
          const Request& request, Reply* reply) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::minutes(10));
  grpc::Status status = (stub->*method)(&context, request, reply);
  if (!status.ok()) {
    std::cerr << "sync_bench: call failed: " << status.error_message() << "\n";
    std::exit(1);
  }
}

std::unique_ptr<v1::LocalApi::Stub> Connect(const std::string& socket) {
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(64 << 20);
  args.SetMaxSendMessageSize(64 << 20);
  return v1::LocalApi::NewStub(grpc::CreateCustomChannel(
      absl::StrCat("unix:", socket), grpc::InsecureChannelCredentials(), args));
}

Measure TimedSync(v1::LocalApi::Stub* agency, TcpProxy* proxy, pid_t board_pid,
                  pid_t agency_pid) {
  const double board_cpu = CpuMs(board_pid), agency_cpu = CpuMs(agency_pid);
  proxy->ResetCounters();
  proxy->SetOpen(true);
  v1::SyncRequest request;
  request.set_wait(true);
  request.set_timeout_ms(600'000);
  v1::SyncReply reply;
  const absl::Time start = absl::Now();
  Call(agency, &v1::LocalApi::Stub::Sync, request, &reply);
  Measure m;
  m.ms = absl::ToDoubleMilliseconds(absl::Now() - start);
  if (reply.status().pending() != 0) {
    std::cerr << "sync_bench: sync returned with changes pending\n";
    std::exit(1);
  }
  m.board_cpu_ms = CpuMs(board_pid) - board_cpu;
  m.agency_cpu_ms = CpuMs(agency_pid) - agency_cpu;
  m.up = proxy->bytes_up();
  m.down = proxy->bytes_down();
  return m;
}

// --print_w1_window: print when each W1 started and ended.
bool print_w1_window = false;

// CLOCK_MONOTONIC in seconds, as `perf record -k CLOCK_MONOTONIC` stamps
// its samples.
double MonotonicSeconds() {
  timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return static_cast<double>(now.tv_sec) + now.tv_nsec / 1e9;
}

Run RunOnce(int n, int k, const std::string& dir) {
  Run run;
  std::unique_ptr<Daemon> board = Daemon::Start(
      {CASESYNC_BOARD_BIN, "--data_dir", dir + "/board", "--listen",
       "127.0.0.1:0", "--socket", dir + "/board.sock", "--insecure"},
      dir + "/board.log", "listening for agencies on");
  if (board == nullptr) std::exit(1);
  const std::string& line = board->ready_line();
  const int board_port = std::atoi(line.c_str() + line.find("127.0.0.1:") + 10);
  std::unique_ptr<TcpProxy> proxy = TcpProxy::Start(board_port);
  std::unique_ptr<Daemon> agency = Daemon::Start(
      {CASESYNC_AGENCY_BIN, "--data_dir", dir + "/police", "--agency", "police",
       "--board", absl::StrCat("127.0.0.1:", proxy->port()), "--socket",
       dir + "/police.sock", "--insecure", "--max_backoff", "1"},
      dir + "/police.log", "serving on");
  if (agency == nullptr) std::exit(1);
  auto board_api = Connect(dir + "/board.sock");
  auto agency_api = Connect(dir + "/police.sock");

  v1::EditRecordRequest review;
  review.set_type("review");
  review.set_review_id("r1");
  review.set_create(true);
  auto* title = review.add_set();
  title->set_name("title");
  title->set_value("Benchmark");
  auto* agencies = review.add_set();
  agencies->set_name("agencies");
  agencies->set_value("police");
  v1::EditRecordReply edited;
  Call(board_api.get(), &v1::LocalApi::Stub::EditRecord, review, &edited);
  TimedSync(agency_api.get(), proxy.get(), board->pid(),
            agency->pid());  // the agency learns the review

  // W1: N entries made offline, then one sync.
  proxy->SetOpen(false);
  std::string csv = "date,time,source,practitioner_role,event\n";
  uint64_t raw = 0;
  for (int i = 0; i < n; ++i) {
    const Entry e = MakeEntry(i);
    raw += e.RawBytes();
    csv += absl::StrCat(e.date, ",", e.time, ",", e.source, ",", e.role, ",",
                        e.event, "\n");
  }
  v1::ImportChronologyRequest import;
  import.set_review_id("r1");
  import.set_csv(csv);
  v1::ImportChronologyReply imported;
  Call(agency_api.get(), &v1::LocalApi::Stub::ImportChronology, import,
       &imported);
  if (imported.imported() != static_cast<uint32_t>(n)) {
    std::cerr << "sync_bench: imported " << imported.imported() << " of " << n
              << "\n";
    std::exit(1);
  }
  run.agency_rss_after_import_kb = PeakRssKb(agency->pid());
  const double w1_start = MonotonicSeconds();
  run.w1 =
      TimedSync(agency_api.get(), proxy.get(), board->pid(), agency->pid());
  if (print_w1_window) {
    std::cerr << absl::StrFormat("W1 window: %.6f,%.6f (board pid %d)\n",
                                 w1_start, MonotonicSeconds(), board->pid());
  }
  run.w1.raw = raw;
  v1::ListChangesRequest changes_request;
  changes_request.set_origin("police");
  v1::ListChangesReply changes;
  Call(board_api.get(), &v1::LocalApi::Stub::ListChanges, changes_request,
       &changes);
  if (changes.dots_size() != n) {
    std::cerr << "sync_bench: the board holds " << changes.dots_size() << " of "
              << n << "\n";
    std::exit(1);
  }

  // W2, W2b: K entries edited offline, then one sync.
  // The ids of the entries to edit, read a page at a time.
  std::vector<std::string> ids;
  v1::ListRecordsRequest list;
  list.set_review_id("r1");
  list.set_type("chronology");
  do {
    v1::ListRecordsReply page;
    Call(agency_api.get(), &v1::LocalApi::Stub::ListRecords, list, &page);
    for (const v1::RecordDetail& record : page.records())
      ids.push_back(record.record_id());
    list.set_page_token(page.next_page_token());
  } while (!list.page_token().empty());
  for (int round = 0; round < 2; ++round) {
    proxy->SetOpen(false);
    uint64_t edit_raw = 0;
    const int step = std::max(1, n / k);
    for (int j = 0; j < k && j * step < static_cast<int>(ids.size()); ++j) {
      const int index =
          std::min(static_cast<int>(ids.size()) - 1, j * step + 2 * round);
      v1::EditRecordRequest edit;
      edit.set_type("chronology");
      edit.set_review_id("r1");
      edit.set_record_id(ids[index]);
      std::mt19937 rng(7919u * static_cast<unsigned>(index) +
                       static_cast<unsigned>(round));
      auto* event = edit.add_set();
      event->set_name("event");
      event->set_value(absl::StrCat("[w2] ", Words(rng, 780)));
      edit_raw += event->value().size();
      Call(agency_api.get(), &v1::LocalApi::Stub::EditRecord, edit, &edited);
    }
    Measure m =
        TimedSync(agency_api.get(), proxy.get(), board->pid(), agency->pid());
    m.raw = edit_raw;
    (round == 0 ? run.w2 : run.w2b) = m;
  }
  run.board_rss_kb = PeakRssKb(board->pid());
  run.agency_rss_kb = PeakRssKb(agency->pid());
  agency->Stop();
  board->Stop();
  return run;
}

double Median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  const size_t m = values.size() / 2;
  return values.size() % 2 ? values[m] : (values[m - 1] + values[m]) / 2;
}

}  // namespace
}  // namespace casesync::bench

int main(int argc, char** argv) {
  using namespace casesync::bench;
  signal(SIGPIPE, SIG_IGN);
  int n = 10000, k = 100, runs = 3;
  std::string out_json;
  CLI::App app{"sync_bench: casesync on the peer benchmark's W1/W2 workload"};
  app.add_option("--n", n, "entries in W1")->capture_default_str();
  app.add_option("--k", k, "entries edited in W2")->capture_default_str();
  app.add_option("--runs", runs, "runs (medians are reported)")
      ->capture_default_str();
  app.add_option("--out", out_json, "also write the medians here as JSON");
  app.add_flag("--print_w1_window", print_w1_window,
               "print each W1's start and end (CLOCK_MONOTONIC seconds), "
               "to profile it alone with perf report --time");
  CLI11_PARSE(app, argc, argv);

  std::vector<Run> results;
  for (int r = 0; r < runs; ++r) {
    casesync::testing::TempDir dir;
    results.push_back(RunOnce(n, k, dir.path()));
    const Run& run = results.back();
    std::cerr << absl::StrFormat(
        "run %d/%d: W1 %.1f ms (cpu board %.0f ms, agency %.0f ms) %d B up %d "
        "B "
        "down | W2 %.1f ms %d B | W2b %.1f ms | RSS board %d kB agency %d kB "
        "(%d kB "
        "after the import)\n",
        r + 1, runs, run.w1.ms, run.w1.board_cpu_ms, run.w1.agency_cpu_ms,
        run.w1.up, run.w1.down, run.w2.ms, run.w2.up + run.w2.down, run.w2b.ms,
        run.board_rss_kb, run.agency_rss_kb, run.agency_rss_after_import_kb);
  }
  auto median = [&](auto get) {
    std::vector<double> values;
    for (const Run& run : results)
      values.push_back(static_cast<double>(get(run)));
    return Median(values);
  };
  std::map<std::string, double> summary = {
      {"w1_ms", median([](const Run& r) { return r.w1.ms; })},
      {"w1_bytes_up", median([](const Run& r) { return r.w1.up; })},
      {"w1_board_cpu_ms",
       median([](const Run& r) { return r.w1.board_cpu_ms; })},
      {"w1_agency_cpu_ms",
       median([](const Run& r) { return r.w1.agency_cpu_ms; })},
      {"w1_bytes_down", median([](const Run& r) { return r.w1.down; })},
      {"w1_raw_bytes", median([](const Run& r) { return r.w1.raw; })},
      {"w2_ms", median([](const Run& r) { return r.w2.ms; })},
      {"w2_bytes_up", median([](const Run& r) { return r.w2.up; })},
      {"w2_bytes_down", median([](const Run& r) { return r.w2.down; })},
      {"w2_raw_bytes", median([](const Run& r) { return r.w2.raw; })},
      {"w2b_ms", median([](const Run& r) { return r.w2b.ms; })},
      {"board_peak_rss_kb",
       median([](const Run& r) { return r.board_rss_kb; })},
      {"agency_peak_rss_kb",
       median([](const Run& r) { return r.agency_rss_kb; })},
  };
  std::ostringstream json;
  json << "{";
  bool first = true;
  for (const auto& [key, value] : summary) {
    json << (first ? "" : ", ") << "\"" << key << "\": " << value;
    first = false;
    std::cout << absl::StrFormat("%-20s %12.1f\n", key, value);
  }
  json << "}\n";
  if (!out_json.empty()) std::ofstream(out_json) << json.str();
  return 0;
}
