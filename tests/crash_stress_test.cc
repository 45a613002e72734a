// Crash stress test in the style of RocksDB's db_stress (issue 7): a board
// and three agency daemons, random edits through the real command line, and
// a `kill -9` of a random process at a random moment (mid-import, mid-push,
// mid-ingest, mid-pull, mid board edit), then a restart on the same data
// directory, for CASESYNC_CRASH_CYCLES cycles (default 20).
//
// A shadow model holds what must survive: every write whose command
// succeeded (exit 0) happened. A write whose command failed because its
// daemon was killed under it may or may not have happened; after the
// restart the model asks the daemon's own change counter (each write is a
// known number of changes: 1 for an add or an edit, one per row for an
// import, which is one atomic batch) and takes the write in or leaves it
// out. Any other difference (a counter behind the model: an acknowledged
// write lost; a difference that is not 0 or the write's size: a torn
// import) is a failure.
//
// Every few cycles, and at the end, everything is brought up and synced
// and the board is checked against the model: each agency's changes held
// once each with counters 1..N and no gap, nothing pending or rejected
// anywhere, digests of each agency equal to the board's view for it, the
// audit chain intact; at the end also every record by its unique `source`
// (exactly once), the last value of every edit, and the board's findings.
//
//   CASESYNC_CRASH_CYCLES=200 CASESYNC_SEED=42 build/tests/crash_stress_test
#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "casesync/v1/local_api.pb.h"
#include "casesync/v1/records.pb.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "tests/harness.h"

namespace casesync::testing {
namespace {

const std::vector<std::string> kAgencies = {"police", "school", "health"};
constexpr char kBoard[] = "board";

uint64_t EnvOr(const char* name, uint64_t fallback) {
  const char* value = std::getenv(name);
  if (value == nullptr || *value == '\0') return fallback;
  return std::strtoull(value, nullptr, 10);
}

template <typename Message>
std::optional<Message> Parse(const CommandResult& result) {
  if (result.exit_code != 0) return std::nullopt;
  Message message;
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = true;
  if (!google::protobuf::util::JsonStringToMessage(result.out, &message,
                                                   options)
           .ok()) {
    return std::nullopt;
  }
  return message;
}

// One write through the command line, as the model sees it.
struct Write {
  enum Kind { kAdd, kEdit, kImport, kFinding, kBoardEdit } kind;
  std::string replica;    // who makes the change: an agency, or the board
  uint64_t changes = 1;   // changes it makes when it happens
  std::string owner;      // the owner of the record written (kAdd, kEdit,
                          // kImport, kBoardEdit)
  std::string source;     // kAdd: the source; kImport: the source prefix
  std::string record_id;  // kEdit, kBoardEdit
  std::string value;      // kEdit: event; kBoardEdit: outcome; kFinding:
                          // statement
};

// What must hold at the end.
struct Model {
  // Changes each replica has made (its change counter).
  std::map<std::string, uint64_t> changes;
  // Chronology sources of each agency's records, each to be held once.
  std::map<std::string, std::set<std::string>> sources;
  // Ids of records whose add was acknowledged, by owner (edit targets),
  // and those of them the board held at the last convergence check (what
  // the board may edit: an acknowledged add may not have reached it yet).
  std::map<std::string, std::vector<std::string>> ids, ids_at_board;
  // The last event written by the owner, and outcome by the board, by id.
  std::map<std::string, std::string> event, outcome;
  std::set<std::string> findings;

  void Apply(const Write& write) {
    changes[write.replica] += write.changes;
    switch (write.kind) {
      case Write::kAdd:
        sources[write.owner].insert(write.source);
        if (!write.record_id.empty()) {
          ids[write.owner].push_back(write.record_id);
          event[write.record_id] = write.value;
        }
        break;
      case Write::kImport:
        for (uint64_t i = 0; i < write.changes; ++i) {
          sources[write.owner].insert(absl::StrCat(write.source, " ", i));
        }
        break;
      case Write::kEdit:
        event[write.record_id] = write.value;
        break;
      case Write::kBoardEdit:
        outcome[write.record_id] = write.value;
        break;
      case Write::kFinding:
        findings.insert(write.value);
        break;
    }
  }
};

// Counts for the summary line bench/crash.sh reads.
struct Stats {
  int cycles_run = 0, cycles_survived = 0;
  std::map<std::string, int> kills;   // by process kind
  std::map<std::string, int> phases;  // by what the kill interrupted
  int uncertain_happened = 0, uncertain_not = 0;
  int checks = 0;
  uint64_t records_checked = 0, changes_checked = 0;
};

class CrashStressTest : public ::testing::Test {
 protected:
  void SetUp() override {
    seed_ = EnvOr("CASESYNC_SEED", std::random_device()());
    cycles_ = static_cast<int>(EnvOr("CASESYNC_CRASH_CYCLES", 20));
    check_every_ = static_cast<int>(EnvOr("CASESYNC_CRASH_CHECK_EVERY", 5));
    max_rows_ = static_cast<int>(EnvOr("CASESYNC_CRASH_MAX_ROWS", 500));
    budget_ = absl::Seconds(EnvOr("CASESYNC_CRASH_MAX_SECONDS", 1800));
    verbose_ = EnvOr("CASESYNC_CRASH_VERBOSE", 0) != 0;
    rng_.seed(seed_);
    std::cout << "crash_stress: seed " << seed_ << ", " << cycles_
              << " cycles; rerun with CASESYNC_SEED=" << seed_
              << " CASESYNC_CRASH_CYCLES=" << cycles_ << std::endl;
  }

  void TearDown() override {
    if (HasFailure()) {
      std::cout << "crash_stress: FAILED "
                << (cycle_ > cycles_ ? "in the final check"
                                     : absl::StrCat("at cycle ", cycle_))
                << " with seed " << seed_
                << "; rerun with CASESYNC_SEED=" << seed_
                << " CASESYNC_CRASH_CYCLES=" << cycles_ << std::endl;
      KeepLogs();
    }
  }

  // Copies the daemons' logs out of the deployment directory (removed with
  // the test) and says where.
  void KeepLogs() {
    namespace fs = std::filesystem;
    const fs::path kept =
        fs::path(::testing::TempDir()) / absl::StrCat("casesync_crash_", seed_);
    std::error_code error;
    fs::create_directories(kept, error);
    for (const auto& entry : fs::directory_iterator(d_.dir(), error)) {
      if (entry.path().extension() == ".log") {
        fs::copy_file(entry.path(), kept / entry.path().filename(),
                      fs::copy_options::overwrite_existing, error);
      }
    }
    std::cout << "crash_stress: logs kept in " << kept.string() << std::endl;
  }

  int Uniform(int low, int high) {
    return std::uniform_int_distribution<int>(low, high)(rng_);
  }
  bool OneIn(int n) { return Uniform(1, n) == 1; }
  const std::string& AnyAgency() {
    return kAgencies[Uniform(0, kAgencies.size() - 1)];
  }

  std::string Socket(const std::string& replica) {
    return replica == kBoard ? d_.BoardSocket() : d_.AgencySocket(replica);
  }

  bool Start(const std::string& replica) {
    return replica == kBoard ? d_.StartBoard() : d_.StartAgency(replica);
  }

  // The replica's change counter as it says now, or nullopt.
  std::optional<uint64_t> Counter(const std::string& replica) {
    if (replica == kBoard) {
      auto changes = Parse<v1::ListChangesReply>(
          d_.Board({"changes", "--origin", kBoard, "--json"}));
      if (!changes) return std::nullopt;
      return changes->frontier();
    }
    auto status =
        Parse<v1::AgencyStatus>(d_.Agency(replica, {"status", "--json"}));
    if (!status) return std::nullopt;
    return status->local_changes();
  }

  // The board's acknowledged frontier for each agency.
  std::map<std::string, uint64_t> Acknowledged() {
    std::map<std::string, uint64_t> acknowledged;
    auto status = Parse<v1::BoardStatus>(d_.Board({"status", "--json"}));
    if (status) {
      for (const auto& row : status->agencies()) {
        acknowledged[row.agency()] = row.acknowledged();
      }
    }
    return acknowledged;
  }

  // A CSV of `rows` chronology entries with sources "<prefix> <i>".
  std::string WriteCsv(const std::string& prefix, int rows) {
    const std::string path = d_.dir() + "/" + prefix + ".csv";
    std::ofstream out(path);
    out << "date,source,practitioner_role,event\n";
    for (int i = 0; i < rows; ++i) {
      out << "2024-0" << 1 + i % 9 << "-1" << i % 10 << "," << prefix << " "
          << i << ",duty officer,\"Visit " << i << ", notes\"\n";
    }
    return path;
  }

  // Picks the next write (or a sync, as a write of no changes).
  Write NextWrite(int n, bool import_allowed) {
    const std::string tag = absl::StrCat("c", cycle_, "-", n);
    Write write;
    const int pick = Uniform(0, 9);
    if (pick <= 3 || (pick == 9 && !import_allowed)) {
      write.kind = Write::kAdd;
      write.replica = write.owner = AnyAgency();
      write.source = absl::StrCat(write.owner, " ", tag);
      write.value = "event " + tag;
    } else if (pick <= 5) {
      write.kind = Write::kEdit;
      write.replica = write.owner = AnyAgency();
      const auto& ids = model_.ids[write.owner];
      if (ids.empty()) return NextWrite(n, import_allowed);
      write.record_id = ids[Uniform(0, ids.size() - 1)];
      write.value = "edited " + tag;
    } else if (pick == 6) {
      write.kind = Write::kFinding;
      write.replica = kBoard;
      write.value = "finding " + tag;
    } else if (pick <= 8) {
      write.kind = Write::kBoardEdit;
      write.replica = kBoard;
      write.owner = AnyAgency();
      const auto& ids = model_.ids_at_board[write.owner];
      if (ids.empty()) return NextWrite(n, import_allowed);
      write.record_id = ids[Uniform(0, ids.size() - 1)];
      write.value = "outcome " + tag;
    } else {
      write.kind = Write::kImport;
      write.replica = write.owner = AnyAgency();
      write.changes = Uniform(50, max_rows_);
      write.source = absl::StrCat(write.owner, "-", tag);
    }
    return write;
  }

  // Runs `write` through the command line; true if the command succeeded.
  bool Perform(Write& write) {
    const std::string socket = Socket(write.replica);
    CommandResult result;
    switch (write.kind) {
      case Write::kAdd:
        result = d_.Cli(socket, {"record", "add", "--review", "r1", "--type",
                                 "chronology", "--set", "date=2024-03-04",
                                 "--set", "source=" + write.source, "--set",
                                 "event=" + write.value});
        if (result.exit_code == 0) {
          write.record_id = result.out.substr(0, result.out.find('\n'));
          EXPECT_FALSE(write.record_id.empty());
        }
        break;
      case Write::kEdit:
        result = d_.Cli(socket, {"record", "edit", write.record_id, "--review",
                                 "r1", "--set", "event=" + write.value});
        break;
      case Write::kBoardEdit:
        result = d_.Cli(socket, {"record", "edit", write.record_id, "--review",
                                 "r1", "--set", "outcome=" + write.value});
        break;
      case Write::kFinding:
        result =
            d_.Cli(socket, {"record", "add", "--review", "r1", "--type",
                            "finding", "--set", "statement=" + write.value});
        break;
      case Write::kImport: {
        const std::string csv = WriteCsv(write.source, write.changes);
        result =
            d_.Cli(socket, {"chronology", "import", "--review", "r1", csv});
        if (result.exit_code == 0) {
          EXPECT_TRUE(absl::StrContains(
              result.out, absl::StrCat("imported ", write.changes, " ")))
              << result.out;
        }
        break;
      }
    }
    if (result.exit_code != 0) last_error_[write.replica] = result.err;
    return result.exit_code == 0;
  }

  // Where the writer thread is, for aiming the kill.
  struct Progress {
    std::atomic<int> started{-1};   // index of the write last started
    std::atomic<int> finished{-1};  // index of the write last finished
    std::atomic<bool> killed{false};
    std::atomic<bool> done{false};
  };

  // The writes of one cycle, on a thread of their own while the main thread
  // kills `victim`: acknowledged ones go into the model at once; one that
  // fails is remembered as in doubt, and no write starts after the kill (so
  // at most one is in doubt).
  void RunWrites(std::vector<Write> writes, Progress* progress,
                 const std::string& victim,
                 std::map<std::string, Write>* uncertain) {
    for (size_t i = 0; i < writes.size() && !progress->killed; ++i) {
      Write& write = writes[i];
      progress->started = static_cast<int>(i);
      const absl::Time began = absl::Now();
      const bool ok = Perform(write);
      progress->finished = static_cast<int>(i);
      if (ok) {
        model_.Apply(write);
        const double ms = absl::ToDoubleMilliseconds(absl::Now() - began) /
                          static_cast<double>(write.changes);
        // Falls at once, rises slowly: kills aimed into a write should land
        // in it more often than after it.
        double& typical = write_ms_[write.kind];
        typical = typical == 0 || ms < typical ? ms : 0.9 * typical + 0.1 * ms;
        continue;
      }
      // Only the killed daemon may fail a write.
      if (!(progress->killed && write.replica == victim)) {
        ADD_FAILURE() << "a write at " << write.replica
                      << " failed with no kill: " << last_error_[write.replica];
      }
      (*uncertain)[write.replica] = write;
      break;
    }
    progress->done = true;
  }

  // Waits (bounded) until `condition` holds or the writer is done; polls an
  // in-process flag, so finely.
  static void AwaitWriter(const Progress& progress,
                          const std::function<bool()>& condition) {
    const absl::Time deadline = absl::Now() + absl::Seconds(60);
    while (!condition() && !progress.done && absl::Now() < deadline) {
      absl::SleepFor(absl::Microseconds(200));
    }
  }

  // After a restart: whether each uncertain write happened, from the
  // replica's change counter; and every replica's counter against the model
  // (a counter behind it is an acknowledged write lost).
  void Reconcile(const std::map<std::string, Write>& uncertain,
                 std::set<std::string>* happened) {
    std::vector<std::string> replicas = kAgencies;
    replicas.push_back(kBoard);
    for (const std::string& replica : replicas) {
      std::optional<uint64_t> counter = Counter(replica);
      ASSERT_TRUE(counter.has_value()) << replica << " does not answer";
      const uint64_t known = model_.changes[replica];
      auto it = uncertain.find(replica);
      if (it == uncertain.end()) {
        EXPECT_EQ(*counter, known)
            << replica << "'s counter differs from its acknowledged writes";
        continue;
      }
      const Write& write = it->second;
      if (*counter == known) {
        ++stats_.uncertain_not;
      } else if (*counter == known + write.changes) {
        ++stats_.uncertain_happened;
        happened->insert(replica);
        Write happened = write;
        if (happened.kind == Write::kAdd) happened.record_id.clear();
        model_.Apply(happened);
        // The effect, not just the counter: an edit's value is there.
        if (write.kind == Write::kEdit || write.kind == Write::kBoardEdit) {
          ExpectField(replica, write.record_id,
                      write.kind == Write::kEdit ? "event" : "outcome",
                      write.value);
        }
      } else {
        ADD_FAILURE() << replica << "'s counter is " << *counter
                      << " after a write of " << write.changes
                      << " changes was cut short with " << known
                      << " acknowledged: lost or torn";
        model_.changes[replica] = *counter;  // report it once
      }
    }
  }

  void ExpectField(const std::string& replica, const std::string& id,
                   const std::string& field, const std::string& value) {
    auto record = Parse<v1::RecordDetail>(d_.Cli(
        Socket(replica), {"record", "show", id, "--review", "r1", "--json"}));
    ASSERT_TRUE(record.has_value()) << replica << ": record " << id;
    v1::ChronologyEntry entry;
    ASSERT_TRUE(record->record().UnpackTo(&entry));
    EXPECT_EQ(field == "event" ? entry.event() : entry.outcome(), value)
        << replica << ": " << field << " of " << id;
  }

  // Syncs everything and checks the board and the agencies against the
  // model; `records` also checks every record (slower: lists them all).
  void CheckConverged(bool records) {
    ++stats_.checks;
    for (int round = 0; round < 2; ++round) {
      for (const std::string& agency : kAgencies) {
        CommandResult sync =
            d_.Agency(agency, {"sync", "--wait", "--timeout", "60", "--json"});
        ASSERT_EQ(sync.exit_code, 0) << agency << ": " << sync.err;
      }
    }
    const bool caught_up = Deployment::WaitFor(
        [&] {
          std::map<std::string, uint64_t> acknowledged = Acknowledged();
          for (const std::string& agency : kAgencies) {
            if (acknowledged[agency] != model_.changes[agency]) return false;
          }
          return true;
        },
        absl::Seconds(60));
    EXPECT_TRUE(caught_up) << "the board did not acknowledge every change";

    auto board = Parse<v1::BoardStatus>(d_.Board({"status", "--json"}));
    ASSERT_TRUE(board.has_value());
    for (const std::string& agency : kAgencies) {
      SCOPED_TRACE(agency);
      const uint64_t expected = model_.changes[agency];
      // Each counter 1..N exactly once.
      auto changes = Parse<v1::ListChangesReply>(
          d_.Board({"changes", "--origin", agency, "--json"}));
      ASSERT_TRUE(changes.has_value());
      EXPECT_EQ(changes->frontier(), expected);
      EXPECT_EQ(static_cast<uint64_t>(changes->dots_size()), expected)
          << "changes held by the board (a duplicate or a loss)";
      std::vector<bool> seen(expected + 1, false);
      for (const v1::Dot& dot : changes->dots()) {
        ASSERT_GE(dot.counter(), 1u);
        ASSERT_LE(dot.counter(), expected) << "a counter past the model's";
        EXPECT_FALSE(seen[dot.counter()])
            << "counter " << dot.counter() << " twice";
        seen[dot.counter()] = true;
      }
      stats_.changes_checked += changes->dots_size();
      for (const auto& row : board->agencies()) {
        if (row.agency() != agency) continue;
        EXPECT_EQ(row.accepted(), expected);
        EXPECT_EQ(row.rejected(), 0u);
      }
      auto status =
          Parse<v1::AgencyStatus>(d_.Agency(agency, {"status", "--json"}));
      ASSERT_TRUE(status.has_value());
      EXPECT_EQ(status->pending(), 0u);
      EXPECT_EQ(status->rejected(), 0u);
      EXPECT_EQ(status->accepted(), expected);
      EXPECT_EQ(status->local_changes(), expected);
    }
    // The board's own changes too (findings, edits of agency records).
    auto own = Parse<v1::ListChangesReply>(
        d_.Board({"changes", "--origin", kBoard, "--json"}));
    ASSERT_TRUE(own.has_value());
    EXPECT_EQ(own->frontier(), model_.changes[kBoard]);
    EXPECT_EQ(static_cast<uint64_t>(own->dots_size()), model_.changes[kBoard]);

    // Every agency holds exactly what the board says it may see; the feed
    // may still be delivering the last agency's pushes to the others.
    std::map<std::string, std::pair<std::string, std::string>> digests;
    const bool same = Deployment::WaitFor(
        [&] {
          bool all = true;
          for (const std::string& agency : kAgencies) {
            auto mine =
                Parse<v1::DigestReply>(d_.Agency(agency, {"digest", "--json"}));
            auto board_view = Parse<v1::DigestReply>(
                d_.Board({"digest", "--agency", agency, "--json"}));
            digests[agency] = {mine ? mine->sha256() : "?",
                               board_view ? board_view->sha256() : "?"};
            all = all && mine && board_view &&
                  mine->sha256() == board_view->sha256();
          }
          return all;
        },
        absl::Seconds(60));
    for (const auto& [agency, pair] : digests) {
      EXPECT_TRUE(same && pair.first == pair.second)
          << agency << " digest " << pair.first << ", board's view "
          << pair.second;
    }

    auto audit =
        Parse<v1::VerifyAuditReply>(d_.Board({"audit", "verify", "--json"}));
    ASSERT_TRUE(audit.has_value()) << "audit verify failed";
    EXPECT_TRUE(audit->intact()) << audit->problem();

    if (records) CheckRecords();
    if (!HasFailure()) model_.ids_at_board = model_.ids;
  }

  // Every record at the board by source (once each, none unknown), the last
  // event and outcome written, and the findings.
  void CheckRecords() {
    auto list = Parse<v1::ListRecordsReply>(
        d_.Board({"record", "list", "--review", "r1", "--type", "chronology",
                  "--json"}));
    ASSERT_TRUE(list.has_value());
    std::map<std::string, std::map<std::string, int>> held;  // owner, source
    std::map<std::string, v1::ChronologyEntry> by_id;
    for (const v1::RecordDetail& record : list->records()) {
      v1::ChronologyEntry entry;
      ASSERT_TRUE(record.record().UnpackTo(&entry));
      ++held[record.owner_agency()][entry.source()];
      by_id[record.record_id()] = entry;
    }
    stats_.records_checked += list->records_size();
    for (const std::string& agency : kAgencies) {
      const std::set<std::string>& expected = model_.sources[agency];
      int missing = 0, doubled = 0, unknown = 0;
      std::string example;
      for (const std::string& source : expected) {
        auto it = held[agency].find(source);
        if (it == held[agency].end()) {
          ++missing;
          example = "missing: " + source;
        }
      }
      for (const auto& [source, count] : held[agency]) {
        if (!expected.count(source)) {
          ++unknown;
          example = "unknown: " + source;
        }
        if (count > 1) {
          ++doubled;
          example = "twice: " + source;
        }
      }
      EXPECT_EQ(missing + doubled + unknown, 0)
          << agency << ": " << missing << " records missing, " << doubled
          << " held more than once, " << unknown
          << " the model never saw; e.g. " << example;
    }
    for (const auto& [id, event] : model_.event) {
      auto it = by_id.find(id);
      ASSERT_NE(it, by_id.end()) << "record " << id;
      EXPECT_EQ(it->second.event(), event) << id;
    }
    for (const auto& [id, outcome] : model_.outcome) {
      EXPECT_EQ(by_id[id].outcome(), outcome) << id;
    }
    auto findings = Parse<v1::ListRecordsReply>(d_.Board(
        {"record", "list", "--review", "r1", "--type", "finding", "--json"}));
    ASSERT_TRUE(findings.has_value());
    std::multiset<std::string> statements;
    for (const v1::RecordDetail& record : findings->records()) {
      v1::Finding finding;
      ASSERT_TRUE(record.record().UnpackTo(&finding));
      statements.insert(finding.statement());
    }
    EXPECT_EQ(statements, std::multiset<std::string>(model_.findings.begin(),
                                                     model_.findings.end()));
  }

  // One cycle: writes on a thread, a kill of `victim` at a random moment
  // among them, a restart, and the reconciliation of what was in doubt.
  void Cycle() {
    const bool board_victim = OneIn(4);
    const std::string victim = board_victim ? kBoard : AnyAgency();
    // The long operation the kill is aimed at: an import at the victim
    // (mid-import, then mid-push), at another agency (the board mid-ingest,
    // or the victim mid-pull), or none (mid board edit, mid sync).
    std::vector<Write> writes;
    const int n = Uniform(2, 6);
    for (int i = 0; i < n; ++i) writes.push_back(NextWrite(i, false));
    std::string importer;
    if (!OneIn(5)) {
      Write import = NextWrite(n, true);
      while (import.kind != Write::kImport) import = NextWrite(n, true);
      if (!board_victim && OneIn(2)) {
        import.replica = import.owner = victim;
        import.source = absl::StrCat(victim, "-c", cycle_, "-", n);
      }
      importer = import.owner;
      writes.insert(writes.begin() + Uniform(0, writes.size()), import);
    }
    const std::string syncing = OneIn(3) ? AnyAgency() : "";
    // The write the kill is aimed at: the victim's own (mid-import, mid
    // local or board write), else the import (then the board mid-ingest, or
    // the victim mid-pull), else any. During it, or just after it (its
    // push, the ingest, the other agencies' pull), or at any time.
    enum { kDuring, kAfter, kAnyTime } aim;
    const int roll = Uniform(0, 9);
    aim = roll < 5 ? kDuring : roll < 9 ? kAfter : kAnyTime;
    int target = -1;
    for (size_t i = 0; i < writes.size(); ++i) {
      const bool own = writes[i].replica == victim;
      const bool import = writes[i].kind == Write::kImport;
      if ((own && (import || target < 0)) ||
          (import && target < 0 && (aim != kDuring || board_victim))) {
        target = i;
      }
    }
    if (target < 0) target = Uniform(0, writes.size() - 1);
    if (writes[target].replica != victim && aim == kDuring) aim = kAfter;
    const Write::Kind target_kind = writes[target].kind;
    const double expected_ms =
        (write_ms_[target_kind] > 0      ? write_ms_[target_kind]
         : target_kind == Write::kImport ? 0.5
                                         : 20) *
        static_cast<double>(writes[target].changes);

    Progress progress;
    std::map<std::string, Write> uncertain;
    std::thread writer([&] {
      if (!syncing.empty()) {
        d_.Agency(syncing, {"sync", "--wait", "--timeout", "10"});
      }
      RunWrites(writes, &progress, victim, &uncertain);
    });
    // Fault injection, not synchronisation: after the aimed-at point, a
    // random bounded time.
    int64_t delay_us = 0;
    switch (aim) {
      case kDuring:
        AwaitWriter(progress, [&] { return progress.started >= target; });
        delay_us = Uniform(0, static_cast<int>(expected_ms * 1200));
        break;
      case kAfter:
        AwaitWriter(progress, [&] { return progress.finished >= target; });
        delay_us = Uniform(0, 15000);
        break;
      case kAnyTime:
        delay_us = Uniform(0, 300000);
        break;
    }
    absl::SleepFor(absl::Microseconds(delay_us));
    progress.killed = true;
    if (board_victim) {
      d_.KillBoard();
    } else {
      d_.KillAgency(victim);
    }
    ++stats_.kills[board_victim ? "board" : "agency"];
    // Where things stood at the kill, from the survivors (summary only).
    const std::string watched = board_victim ? importer : victim;
    std::optional<v1::BoardStatus> board_at_kill;
    std::optional<v1::AgencyStatus> importer_at_kill;
    if (board_victim) {
      if (!importer.empty()) {
        importer_at_kill =
            Parse<v1::AgencyStatus>(d_.Agency(importer, {"status", "--json"}));
      }
    } else {
      board_at_kill = Parse<v1::BoardStatus>(d_.Board({"status", "--json"}));
    }
    const bool restarted = Start(victim);
    if (board_victim) {
      board_at_kill = Parse<v1::BoardStatus>(d_.Board({"status", "--json"}));
    }
    writer.join();
    ASSERT_TRUE(restarted) << "restarting " << victim;
    std::set<std::string> happened;
    ASSERT_NO_FATAL_FAILURE(Reconcile(uncertain, &happened));

    // What the kill interrupted, as far as can be told.
    uint64_t acknowledged = 0, lag = 0;
    if (board_at_kill) {
      for (const auto& row : board_at_kill->agencies()) {
        if (row.agency() == watched) {
          acknowledged = row.acknowledged();
          lag = row.lag();
        }
      }
    }
    std::string phase;
    if (board_victim) {
      phase =
          uncertain.count(kBoard) ? "board: mid board write"
          : importer_at_kill && acknowledged < importer_at_kill->local_changes()
              ? "board: mid ingest (changes unacknowledged)"
              : "board: feeding or idle";
    } else if (uncertain.count(victim) &&
               uncertain.at(victim).kind == Write::kImport) {
      phase = happened.count(victim) ? "agency: import committed, no reply"
                                     : "agency: mid import (rolled back)";
    } else if (uncertain.count(victim)) {
      phase = "agency: mid local write";
    } else if (acknowledged < model_.changes[victim]) {
      phase = "agency: mid push (changes unacknowledged)";
    } else if (lag > 0) {
      phase = "agency: mid pull (behind the feed)";
    } else {
      phase = "agency: idle";
    }
    ++stats_.phases[phase];
    if (verbose_) {
      std::cout << "crash_stress: cycle " << cycle_ << ": killed " << victim
                << " " << delay_us << " us "
                << (aim == kDuring  ? "into"
                    : aim == kAfter ? "after"
                                    : "from the start of")
                << " write " << target << " of " << writes.size() << " (kind "
                << target_kind << " at " << writes[target].replica << ", "
                << writes[target].changes << " changes, started "
                << progress.started << ", finished " << progress.finished
                << "): " << phase << std::endl;
    }
  }

  Deployment d_;
  Model model_;
  Stats stats_;
  std::mt19937_64 rng_;
  uint64_t seed_ = 0;
  bool verbose_ = false;
  int cycles_ = 20, check_every_ = 5, max_rows_ = 500, cycle_ = 0;
  absl::Duration budget_;
  std::map<std::string, std::string> last_error_;
  // A write's typical duration, per change, by kind.
  std::map<Write::Kind, double> write_ms_;
};

TEST_F(CrashStressTest, KillNineAnywhereLosesAndDuplicatesNothing) {
  const absl::Time started = absl::Now();
  // No limit on records per review: 200 cycles of imports of up to 2,000
  // rows (bench/crash.sh) pass the board's default of 100,000, and what
  // this checks is what a kill loses, not that limit (ingest_test does).
  d_.SetBoardFlags({"--max_records_per_review", "0"});
  ASSERT_TRUE(d_.StartBoard());
  CommandResult created =
      d_.Board({"review", "create", "r1", "--title", "Child J", "--agencies",
                "police,school,health"});
  ASSERT_EQ(created.exit_code, 0) << created.err;
  for (const std::string& agency : kAgencies) {
    ASSERT_TRUE(d_.StartAgency(agency));
    model_.changes[agency] = 0;
  }
  std::optional<uint64_t> board_counter = Counter(kBoard);
  ASSERT_TRUE(board_counter.has_value());
  model_.changes[kBoard] = *board_counter;  // the review

  for (cycle_ = 1; cycle_ <= cycles_; ++cycle_) {
    if (absl::Now() - started > budget_) {
      std::cout << "crash_stress: time budget spent; stopping after "
                << cycle_ - 1 << " cycles" << std::endl;
      break;
    }
    ++stats_.cycles_run;
    Cycle();
    if (HasFailure()) break;
    if (check_every_ > 0 && cycle_ % check_every_ == 0 && cycle_ < cycles_) {
      CheckConverged(/*records=*/false);
      if (HasFailure()) break;
    }
    ++stats_.cycles_survived;
  }
  if (!HasFailure()) {
    CheckConverged(/*records=*/true);
    if (HasFailure()) --stats_.cycles_survived;
  }

  uint64_t records = 0;
  for (const auto& [agency, sources] : model_.sources)
    records += sources.size();
  std::cout << "crash_stress: seed " << seed_ << ": cycles run "
            << stats_.cycles_run << ", survived " << stats_.cycles_survived
            << "; kills:";
  for (const auto& [kind, count] : stats_.kills) {
    std::cout << " " << kind << " " << count;
  }
  std::cout << "; writes in doubt: " << stats_.uncertain_happened
            << " happened, " << stats_.uncertain_not << " did not; "
            << stats_.checks << " convergence checks, "
            << stats_.changes_checked << " changes and "
            << stats_.records_checked << " records checked at the board ("
            << records << " in the model, " << model_.findings.size()
            << " findings); " << absl::ToInt64Seconds(absl::Now() - started)
            << " s\n";
  for (const auto& [phase, count] : stats_.phases) {
    std::cout << "crash_stress:   kill " << phase << ": " << count << "\n";
  }
  std::cout << std::flush;
}

}  // namespace
}  // namespace casesync::testing
