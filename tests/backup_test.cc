// Process-level tests of backup and restore (issue: operations): `casesync
// admin backup` taken while an agency writes, restored in place of the data
// directory, gives a working replica that takes back what it missed and
// converges; the same for the board, whose agencies re-send what it lost.
#include <sys/stat.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <random>
#include <set>
#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "casesync/v1/local_api.pb.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/harness.h"

namespace casesync::testing {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

class BackupTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(d_.StartBoard());
    ASSERT_EQ(d_.Board({"review", "create", "r1", "--title", "Child J",
                        "--agencies", "police,school"})
                  .exit_code,
              0);
    ASSERT_TRUE(d_.StartAgency("police"));
    ASSERT_TRUE(d_.StartAgency("school"));
    SyncWait("police");
    SyncWait("school");
  }

  void SyncWait(const std::string& agency) {
    CommandResult sync = d_.Agency(agency, {"sync", "--wait"});
    ASSERT_EQ(sync.exit_code, 0) << agency << ": " << sync.err;
  }

  CommandResult Add(const std::string& agency, int n) {
    return d_.Agency(
        agency, {"record", "add", "--review", "r1", "--type", "chronology",
                 "--visibility", "review", "--set", "date=2024-03-04", "--set",
                 absl::StrCat("source=ref ", n), "--set",
                 absl::StrCat("event=", agency, " contact ", n)});
  }

  // Adds records [from, to) at `agency` while `during` runs (once `from +
  // started_after` are in), so that `during` happens under write load.
  void AddWhile(const std::string& agency, int from, int to, int started_after,
                const std::function<void()>& during) {
    std::atomic<int> added{0};
    std::atomic<bool> failed{false};
    std::thread writer([&] {
      for (int i = from; i < to && !failed; ++i) {
        CommandResult result = Add(agency, i);
        if (result.exit_code != 0) {
          ADD_FAILURE() << result.err;
          failed = true;
        }
        ++added;
      }
    });
    EXPECT_TRUE(Deployment::WaitFor([&] { return added >= started_after; }));
    during();
    writer.join();
    ASSERT_FALSE(failed);
  }

  v1::BackupManifest Backup(const std::string& socket, const std::string& dir) {
    CommandResult backup =
        d_.Cli(socket, {"admin", "backup", "--out", dir, "--json"});
    EXPECT_EQ(backup.exit_code, 0) << backup.err;
    return FromJson<v1::BackupManifest>(backup);
  }

  // Puts the backup at `backup` in place of the data directory `data`.
  static void Restore(const std::string& backup, const std::string& data) {
    fs::remove_all(data);
    fs::copy(backup, data, fs::copy_options::recursive);
    ASSERT_EQ(chmod(data.c_str(), 0700), 0);
  }

  // Counters of `origin`'s changes held at `socket`; a failure if any is
  // held twice.
  std::set<uint64_t> Counters(const std::string& socket,
                              const std::string& origin) {
    v1::ListChangesReply changes = FromJson<v1::ListChangesReply>(
        d_.Cli(socket, {"changes", "--origin", origin, "--json"}));
    std::set<uint64_t> counters;
    for (const v1::Dot& dot : changes.dots()) counters.insert(dot.counter());
    EXPECT_EQ(counters.size(), static_cast<size_t>(changes.dots_size()));
    return counters;
  }

  std::string Digest(const std::string& socket,
                     const std::string& for_agency = "") {
    std::vector<std::string> args = {"digest", "--json"};
    if (!for_agency.empty()) args.insert(args.end(), {"--agency", for_agency});
    return FromJson<v1::DigestReply>(d_.Cli(socket, args)).sha256();
  }

  std::set<std::string> Events(const std::string& socket) {
    return ChronologyEvents(d_, socket);
  }

  v1::AgencyStatus Status(const std::string& agency) {
    return FromJson<v1::AgencyStatus>(d_.Agency(agency, {"status", "--json"}));
  }

  std::set<uint64_t> Range(uint64_t from, uint64_t to) {
    std::set<uint64_t> out;
    for (uint64_t i = from; i <= to; ++i) out.insert(i);
    return out;
  }

  Deployment d_;
};

TEST_F(BackupTest,
       AgencyRestoredFromABackupTakenUnderLoadTakesBackWhatItMissed) {
  constexpr int kRecords = 40;
  const std::string backup = d_.dir() + "/police-backup";
  v1::BackupManifest manifest;
  ASSERT_NO_FATAL_FAILURE(AddWhile("police", 0, kRecords, 10, [&] {
    manifest = Backup(d_.AgencySocket("police"), backup);
  }));
  SyncWait("police");
  EXPECT_EQ(manifest.role(), "agency");
  EXPECT_EQ(manifest.replica_id(), "police");
  // Taken while the writer ran: some records in, not all.
  EXPECT_GE(manifest.own_changes(), 10u);
  EXPECT_LT(manifest.own_changes(), static_cast<uint64_t>(kRecords))
      << "the backup finished after the writer: not taken under load";
  EXPECT_TRUE(fs::exists(backup + "/casesync-backup.json"));
  ASSERT_EQ(Counters(d_.BoardSocket(), "police"), Range(1, kRecords));

  // The agency's disk is lost; its backup goes in its place. First without
  // a path to the board: it refuses new changes, which could take a number
  // the board already holds.
  d_.StopAgency("police");
  ASSERT_NO_FATAL_FAILURE(Restore(backup, d_.dir() + "/police"));
  ASSERT_TRUE(
      d_.StartAgency("police", absl::StrCat("127.0.0.1:", UnusedPort())));
  EXPECT_FALSE(fs::exists(d_.dir() + "/police/casesync-backup.json"));
  CommandResult refused = Add("police", 1000);
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_THAT(refused.err, HasSubstr("restored from a backup"));
  EXPECT_EQ(Counters(d_.AgencySocket("police"), "police").size(),
            manifest.own_changes());

  // With the board reachable it takes back the changes made after the
  // backup, and its new changes are numbered after them.
  ASSERT_TRUE(d_.StartAgency("police"));
  SyncWait("police");
  EXPECT_EQ(Counters(d_.AgencySocket("police"), "police"), Range(1, kRecords));
  EXPECT_EQ(Digest(d_.AgencySocket("police")),
            Digest(d_.BoardSocket(), "police"));
  ASSERT_EQ(Add("police", kRecords).exit_code, 0);
  SyncWait("police");
  EXPECT_EQ(Counters(d_.BoardSocket(), "police"), Range(1, kRecords + 1));
  v1::AgencyStatus status = Status("police");
  EXPECT_EQ(status.pending(), 0u);
  EXPECT_EQ(status.rejected(), 0u);
  EXPECT_EQ(status.accepted(), static_cast<uint32_t>(kRecords + 1));
  // And the other agency saw every one of them once.
  SyncWait("school");
  EXPECT_EQ(Counters(d_.AgencySocket("school"), "police"),
            Range(1, kRecords + 1));
  EXPECT_EQ(Digest(d_.AgencySocket("school")),
            Digest(d_.BoardSocket(), "school"));
}

TEST_F(BackupTest, AnAgencyKilledWhileTakingBackItsChangesResumesAfterRestart) {
  const std::string backup = d_.dir() + "/police-backup";
  const v1::BackupManifest manifest = Backup(d_.AgencySocket("police"), backup);
  // Enough after the backup, and incompressible enough, that sending it
  // back takes many feed frames and a while to apply.
  constexpr int kRows = 12000;
  const uint64_t seed = absl::ToUnixNanos(absl::Now());
  std::cout << "seed " << seed << "\n";
  std::mt19937_64 random(seed);
  const std::string csv = d_.dir() + "/after-backup.csv";
  {
    std::ofstream out(csv);
    out << "date,source,event\n";
    for (int i = 0; i < kRows; ++i) {
      out << "2024-03-04,ref " << i << ",contact";
      for (int word = 0; word < 60; ++word) out << " " << random() % 100000;
      out << "\n";
    }
  }
  CommandResult imported =
      d_.Cli(d_.AgencySocket("police"),
             {"chronology", "import", "--review", "r1", csv}, absl::Minutes(5));
  ASSERT_EQ(imported.exit_code, 0) << imported.err;
  SyncWait("police");

  d_.StopAgency("police");
  ASSERT_NO_FATAL_FAILURE(Restore(backup, d_.dir() + "/police"));
  ASSERT_TRUE(d_.StartAgency("police"));
  // Killed once it has taken back some of its changes, and (most likely)
  // not all: a restart must resume rather than forget the rest.
  const uint64_t before = manifest.feed_position();
  bool mid_way = false;
  Deployment::WaitFor([&] {
    const v1::AgencyStatus status = Status("police");
    mid_way = status.feed_cursor() > before &&
              Counters(d_.AgencySocket("police"), "police").size() <
                  static_cast<size_t>(kRows);
    return status.feed_cursor() > before;
  });
  d_.KillAgency("police");
  std::cout << (mid_way ? "killed part way through taking changes back\n"
                        : "killed after taking every change back\n");
  ASSERT_TRUE(d_.StartAgency("police"));
  SyncWait("police");
  EXPECT_EQ(Counters(d_.AgencySocket("police"), "police"), Range(1, kRows));
  EXPECT_EQ(Digest(d_.AgencySocket("police")),
            Digest(d_.BoardSocket(), "police"));
  // Writes are open again, numbered after the board's.
  ASSERT_EQ(Add("police", 1).exit_code, 0);
  SyncWait("police");
  EXPECT_EQ(Counters(d_.BoardSocket(), "police"), Range(1, kRows + 1));
}

TEST_F(BackupTest, BoardRestoredFromABackupTakenUnderLoadGetsBackWhatItLost) {
  constexpr int kPolice = 30;
  constexpr int kSchool = 5;
  const std::string backup = d_.dir() + "/board-backup";
  v1::BackupManifest manifest;
  ASSERT_NO_FATAL_FAILURE(AddWhile("police", 0, kPolice, 10, [&] {
    manifest = Backup(d_.BoardSocket(), backup);
  }));
  SyncWait("police");
  EXPECT_EQ(manifest.role(), "board");
  for (int i = 0; i < kSchool; ++i) ASSERT_EQ(Add("school", i).exit_code, 0);
  SyncWait("school");
  const uint64_t police_at_backup = Counters(d_.BoardSocket(), "police").size();
  ASSERT_EQ(police_at_backup, static_cast<uint64_t>(kPolice));

  // The board's disk is lost; its backup goes in its place. police stays
  // away until school has synced and written more (below).
  d_.StopAgency("police");
  d_.StopBoard();
  ASSERT_NO_FATAL_FAILURE(Restore(backup, d_.dir() + "/board"));
  ASSERT_TRUE(d_.StartBoard());
  EXPECT_FALSE(fs::exists(d_.dir() + "/board/casesync-backup.json"));
  EXPECT_LT(Counters(d_.BoardSocket(), "police").size(),
            static_cast<size_t>(kPolice))
      << "the backup held every record: not taken under load";

  // The agencies re-send what the board lost, and read its feed again from
  // where the histories part: school first, with two new records that take
  // feed numbers police had already read up to before the restore (in the
  // lost history), so that police must not trust its cursor.
  SyncWait("school");
  for (int i = kSchool; i < kSchool + 2; ++i) {
    ASSERT_EQ(Add("school", i).exit_code, 0);
  }
  SyncWait("school");
  ASSERT_TRUE(d_.StartAgency("police"));
  SyncWait("police");
  EXPECT_EQ(Counters(d_.BoardSocket(), "police"), Range(1, kPolice));
  EXPECT_EQ(Counters(d_.BoardSocket(), "school"), Range(1, kSchool + 2));
  EXPECT_EQ(Counters(d_.AgencySocket("police"), "school"),
            Range(1, kSchool + 2));
  for (const std::string agency : {"police", "school"}) {
    EXPECT_EQ(Digest(d_.AgencySocket(agency)), Digest(d_.BoardSocket(), agency))
        << agency;
    EXPECT_EQ(Status(agency).pending(), 0u) << agency;
  }
  // The live feed goes on: a new record reaches the other agency.
  ASSERT_EQ(Add("school", kSchool + 2).exit_code, 0);
  SyncWait("school");
  EXPECT_TRUE(Deployment::WaitFor([&] {
    return Counters(d_.AgencySocket("police"), "school").size() ==
           static_cast<size_t>(kSchool + 3);
  }));
  // The review team's own changes are numbered past any given out before
  // the restore: a new one reaches both agencies.
  ASSERT_EQ(
      d_.Board({"record", "add", "--review", "r1", "--type", "chronology",
                "--visibility", "review", "--set", "date=2024-05-01", "--set",
                "source=board", "--set", "event=review team note"})
          .exit_code,
      0);
  for (const std::string agency : {"police", "school"}) {
    EXPECT_TRUE(Deployment::WaitFor([&] {
      return Digest(d_.AgencySocket(agency)) ==
             Digest(d_.BoardSocket(), agency);
    })) << agency;
  }
  EXPECT_EQ(d_.Board({"audit", "verify"}).exit_code, 0);
}

TEST_F(BackupTest, ARestoredBoardNumbersItsOwnChangesPastThoseItLost) {
  const std::string backup = d_.dir() + "/board-backup";
  Backup(d_.BoardSocket(), backup);
  // A note the review team writes after the backup reaches both agencies,
  // and is lost with the board's disk.
  auto note = [&](const std::string& event) {
    return d_.Board({"record", "add", "--review", "r1", "--type", "chronology",
                     "--visibility", "review", "--set", "date=2024-05-01",
                     "--set", "source=review team", "--set", "event=" + event});
  };
  ASSERT_EQ(note("lost with the board").exit_code, 0);
  SyncWait("police");
  SyncWait("school");
  d_.StopBoard();
  ASSERT_NO_FATAL_FAILURE(Restore(backup, d_.dir() + "/board"));
  ASSERT_TRUE(d_.StartBoard());
  // The next note must not take the lost note's number: the agencies hold
  // that one, and would refuse a different change under it.
  ASSERT_EQ(note("written after the restore").exit_code, 0);
  for (const std::string agency : {"police", "school"}) {
    SyncWait(agency);
    EXPECT_THAT(Events(d_.AgencySocket(agency)),
                ::testing::Contains("written after the restore"))
        << agency;
    EXPECT_EQ(Status(agency).last_error(), "") << agency;
  }
  // The same backup restored a second time: the numbers given out since
  // the first restore are not given out again either.
  d_.StopBoard();
  ASSERT_NO_FATAL_FAILURE(Restore(backup, d_.dir() + "/board"));
  ASSERT_TRUE(d_.StartBoard());
  ASSERT_EQ(note("written after the second restore").exit_code, 0);
  for (const std::string agency : {"police", "school"}) {
    SyncWait(agency);
    EXPECT_THAT(Events(d_.AgencySocket(agency)),
                ::testing::Contains("written after the second restore"))
        << agency;
    EXPECT_EQ(Status(agency).last_error(), "") << agency;
  }
}

TEST_F(BackupTest,
       AnAgencyOnBundlesReadsARestoredBoardsFeedFromWhereTheyAgree) {
  const std::string backup = d_.dir() + "/board-backup";
  Backup(d_.BoardSocket(), backup);
  // After the backup: police writes, school (on the network still) reads
  // the feed past the backup's head; then school goes over to files.
  for (int i = 0; i < 5; ++i) ASSERT_EQ(Add("police", i).exit_code, 0);
  SyncWait("police");
  SyncWait("school");
  ASSERT_TRUE(d_.StartAgency("school", absl::StrCat("127.0.0.1:", UnusedPort()),
                             {"--board_id", "board"}));
  // A receipt from the history the restore loses, imported late (below).
  const std::string old_receipt = d_.dir() + "/old.receipt";
  ASSERT_EQ(
      d_.Board({"bundle", "export", "--agency", "school", "--out", old_receipt})
          .exit_code,
      0);

  d_.StopBoard();
  ASSERT_NO_FATAL_FAILURE(Restore(backup, d_.dir() + "/board"));
  ASSERT_TRUE(d_.StartBoard());
  // The review team's notes take the feed numbers school has read up to in
  // the lost history.
  for (const char* event : {"note one", "note two"}) {
    ASSERT_EQ(
        d_.Board({"record", "add", "--review", "r1", "--type", "chronology",
                  "--visibility", "review", "--set", "date=2024-05-01", "--set",
                  "source=review team", "--set", std::string("event=") + event})
            .exit_code,
        0);
  }
  SyncWait("police");  // re-sends its five

  const std::string out = d_.dir() + "/school.bundle";
  const std::string back = d_.dir() + "/school.receipt";
  CommandResult exported =
      d_.Agency("school", {"bundle", "export", "--out", out});
  ASSERT_EQ(exported.exit_code, 0) << exported.err;
  CommandResult taken = d_.Board({"bundle", "import", out});
  ASSERT_EQ(taken.exit_code, 0) << taken.err;
  CommandResult answered =
      d_.Board({"bundle", "export", "--agency", "school", "--out", back});
  ASSERT_EQ(answered.exit_code, 0) << answered.err;
  CommandResult applied = d_.Agency("school", {"bundle", "import", back});
  ASSERT_EQ(applied.exit_code, 0) << applied.err;
  EXPECT_THAT(Events(d_.AgencySocket("school")),
              ::testing::IsSupersetOf({"note one", "note two"}));
  EXPECT_EQ(Digest(d_.AgencySocket("school")),
            Digest(d_.BoardSocket(), "school"));
  // The receipt from the lost history is refused rather than applied.
  CommandResult old = d_.Agency("school", {"bundle", "import", old_receipt});
  EXPECT_EQ(old.exit_code, 1);
  EXPECT_THAT(old.err, HasSubstr("another history of the board's feed"));
}

TEST_F(BackupTest, AnExistingDirectoryIsNeverOverwritten) {
  const std::string dir = d_.dir() + "/taken";
  ASSERT_TRUE(fs::create_directory(dir));
  CommandResult backup = d_.Agency("police", {"admin", "backup", "--out", dir});
  EXPECT_EQ(backup.exit_code, 1);
  EXPECT_THAT(backup.err, HasSubstr("already exists"));
  EXPECT_TRUE(fs::is_empty(dir));
}

}  // namespace
}  // namespace casesync::testing
