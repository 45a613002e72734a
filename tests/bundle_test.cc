// Process-level tests of air-gapped sync with bundle files (issue: signed
// bundles; docs/bundle_format.md). The agency daemons point at a port where
// nothing listens, so nothing crosses between the replicas but the files the
// tests carry: agency -> board -> agency, import twice, a missing earlier
// bundle, a flipped byte, a truncated file, a bundle for another agency, an
// unknown signer, an unsigned bundle, and file sync followed by network sync.
// Real binaries on loopback ports picked at run time, mutual TLS with
// certificates from deploy/certs.sh, driven through the real command line.
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "casesync/v1/local_api.pb.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/harness.h"

namespace casesync::testing {
namespace {

using ::testing::HasSubstr;

std::string ReadBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

void WriteBytes(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

// A chronology CSV of `rows` entries whose sources are "<prefix> <i>".
std::string WriteCsv(const std::string& path, int rows,
                     const std::string& prefix) {
  std::ofstream out(path);
  out << "date,source,event\n";
  for (int i = 0; i < rows; ++i) {
    out << "2024-02-" << 10 + i % 18 << "," << prefix << " " << i
        << ",\"Contact " << i << ", by phone\"\n";
  }
  return path;
}

class BundleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    pki_ = d_.dir() + "/pki";
    ASSERT_TRUE(RunCertsScript({"init", pki_, "board"}));
    for (const char* agency : {"police", "school"}) {
      ASSERT_TRUE(RunCertsScript({"issue", pki_, agency}));
    }
    d_.UseTls(pki_);
    ASSERT_TRUE(d_.StartBoard());
    ASSERT_EQ(d_.Board({"review", "create", "r1", "--title", "Child J",
                        "--agencies", "police,school"})
                  .exit_code,
              0);
    for (const char* agency : {"police", "school"}) {
      ASSERT_TRUE(StartOffline(agency));
    }
  }

  void TearDown() override {
    if (HasFailure()) d_.DumpLogs();
  }

  // Starts `agency` with no path to the board: its --board is a port where
  // nothing listens, and it knows the board only by id.
  bool StartOffline(const std::string& agency) {
    return d_.StartAgency(agency, absl::StrCat("127.0.0.1:", UnusedPort()),
                          {"--board_id", "board"});
  }

  std::string File(const std::string& name) const {
    return d_.dir() + "/" + name;
  }

  // Each step of a round trip by files, expecting success.
  std::string ExportAt(const std::string& agency, const std::string& name) {
    CommandResult result =
        d_.Agency(agency, {"bundle", "export", "--out", File(name)});
    EXPECT_EQ(result.exit_code, 0) << result.err;
    return File(name);
  }
  std::string ReceiptFor(const std::string& agency, const std::string& name) {
    CommandResult result =
        d_.Board({"bundle", "export", "--agency", agency, "--out", File(name)});
    EXPECT_EQ(result.exit_code, 0) << result.err;
    return File(name);
  }
  v1::BundleSummary ImportAtBoard(const std::string& path) {
    return FromJson<v1::BundleSummary>(
        d_.Board({"--json", "bundle", "import", path}));
  }
  v1::BundleSummary ImportAt(const std::string& agency,
                             const std::string& path) {
    return FromJson<v1::BundleSummary>(
        d_.Agency(agency, {"--json", "bundle", "import", path}));
  }
  // agency -> board -> agency.
  void RoundTrip(const std::string& agency, const std::string& tag) {
    ImportAtBoard(ExportAt(agency, agency + "-" + tag + ".bundle"));
    ImportAt(agency, ReceiptFor(agency, agency + "-" + tag + ".receipt"));
  }

  std::string Add(const std::string& agency, const std::string& source,
                  const std::string& visibility = "review") {
    CommandResult added = d_.Agency(
        agency, {"record", "add", "--review", "r1", "--type", "chronology",
                 "--visibility", visibility, "--set", "date=2024-03-04",
                 "--set", "source=" + source, "--set", "event=Home visit"});
    EXPECT_EQ(added.exit_code, 0) << added.err;
    return std::string(absl::StripAsciiWhitespace(added.out));
  }

  v1::ListChangesReply BoardChangesFrom(const std::string& agency) {
    return FromJson<v1::ListChangesReply>(
        d_.Board({"--json", "changes", "--origin", agency}));
  }
  v1::AgencyStatus StatusOf(const std::string& agency) {
    return FromJson<v1::AgencyStatus>(d_.Agency(agency, {"--json", "status"}));
  }
  std::string DigestAt(const std::string& agency) {
    return FromJson<v1::DigestReply>(d_.Agency(agency, {"--json", "digest"}))
        .sha256();
  }
  std::string BoardDigestFor(const std::string& agency) {
    return FromJson<v1::DigestReply>(
               d_.Board({"--json", "digest", "--agency", agency}))
        .sha256();
  }

  Deployment d_;
  std::string pki_;
};

TEST_F(BundleTest, AgencyToBoardToAgencyByFilesAlone) {
  // The first round trip brings each agency the review.
  RoundTrip("police", "0");
  RoundTrip("school", "0");
  ASSERT_EQ(d_.Agency("police", {"review", "show", "r1"}).exit_code, 0);

  // Work done with no network: a CSV import and single records.
  CommandResult imported =
      d_.Agency("police", {"chronology", "import", "--review", "r1",
                           WriteCsv(File("police.csv"), 1500, "PNC")});
  ASSERT_EQ(imported.exit_code, 0) << imported.err;
  Add("police", "PNC shared");
  const std::string hidden = Add("police", "PNC private", "agency");
  const std::string from_school = Add("school", "SIMS 1");
  EXPECT_EQ(StatusOf("police").pending(), 1502u);

  // Agencies -> board.
  v1::BundleSummary police_in =
      ImportAtBoard(ExportAt("police", "police-1.bundle"));
  EXPECT_EQ(police_in.accepted(), 1502u);
  EXPECT_EQ(police_in.rejected(), 0u);
  EXPECT_EQ(police_in.signed_by(), "police");
  EXPECT_GT(police_in.header().frames(), 1u);  // more than one push's worth
  ImportAtBoard(ExportAt("school", "school-1.bundle"));
  EXPECT_EQ(BoardChangesFrom("police").frontier(), 1502u);

  // Board -> agencies.
  v1::BundleSummary police_back =
      ImportAt("police", ReceiptFor("police", "police-1.receipt"));
  EXPECT_EQ(police_back.acknowledged(), 1502u);
  EXPECT_EQ(police_back.signed_by(), "board");
  ImportAt("school", ReceiptFor("school", "school-1.receipt"));

  for (const char* agency : {"police", "school"}) {
    const v1::AgencyStatus status = StatusOf(agency);
    EXPECT_EQ(status.pending(), 0u) << agency;
    EXPECT_EQ(status.rejected(), 0u) << agency;
    EXPECT_FALSE(status.connected()) << agency;
    EXPECT_EQ(DigestAt(agency), BoardDigestFor(agency)) << agency;
  }
  EXPECT_EQ(
      d_.Agency("police", {"record", "show", "--review", "r1", from_school})
          .exit_code,
      0);
  EXPECT_EQ(d_.Agency("school", {"record", "show", "--review", "r1", hidden})
                .exit_code,
            1);

  // The receipt bundle carried a signed receipt the agency keeps, and the
  // board logged its disclosures.
  CommandResult receipts = d_.Agency("police", {"audit", "receipts"});
  EXPECT_EQ(receipts.exit_code, 0) << receipts.err;
  EXPECT_THAT(receipts.out, HasSubstr("1-1502"));
  auto audit =
      FromJson<v1::VerifyAuditReply>(d_.Board({"--json", "audit", "verify"}));
  EXPECT_TRUE(audit.intact()) << audit.problem();
  EXPECT_GE(audit.disclosures(), 4u);
}

TEST_F(BundleTest, ImportingABundleTwiceChangesNothing) {
  RoundTrip("police", "0");
  RoundTrip("school", "0");
  for (int i = 0; i < 5; ++i) Add("police", absl::StrCat("PNC ", i));
  const std::string bundle = ExportAt("police", "police-1.bundle");
  EXPECT_EQ(ImportAtBoard(bundle).accepted(), 5u);
  const v1::BundleSummary again = ImportAtBoard(bundle);
  EXPECT_EQ(again.accepted(), 0u);
  EXPECT_EQ(again.judged_before(), 5u);
  const v1::ListChangesReply held = BoardChangesFrom("police");
  EXPECT_EQ(held.dots_size(), 5);
  EXPECT_EQ(held.frontier(), 5u);

  Add("school", "SIMS 1");
  ImportAtBoard(ExportAt("school", "school-1.bundle"));
  const std::string receipt = ReceiptFor("police", "police-1.receipt");
  const v1::BundleSummary first = ImportAt("police", receipt);
  EXPECT_GE(first.feed_entries_applied(), 1u);
  const std::string digest = DigestAt("police");
  const v1::BundleSummary second = ImportAt("police", receipt);
  EXPECT_EQ(second.feed_entries_applied(), 0u);
  EXPECT_EQ(second.acknowledged(), 5u);
  EXPECT_EQ(DigestAt("police"), digest);
  EXPECT_EQ(StatusOf("police").pending(), 0u);
}

TEST_F(BundleTest, ABundleThatNeedsAnEarlierOneSaysWhichAndAppliesNothing) {
  RoundTrip("police", "0");
  // The board's store as it was before the first bundle below (a board
  // restored from this backup never saw it).
  d_.StopBoard();
  const std::string backup = File("board-backup");
  std::filesystem::copy(File("board"), backup,
                        std::filesystem::copy_options::recursive);
  ASSERT_TRUE(d_.StartBoard());

  for (int i = 0; i < 5; ++i) Add("police", absl::StrCat("PNC ", i));
  const std::string first = ExportAt("police", "police-1.bundle");
  ImportAtBoard(first);
  ImportAt("police", ReceiptFor("police", "police-1.receipt"));
  for (int i = 5; i < 8; ++i) Add("police", absl::StrCat("PNC ", i));
  const std::string second = ExportAt("police", "police-2.bundle");

  d_.StopBoard();
  std::filesystem::remove_all(File("board"));
  std::filesystem::rename(backup, File("board"));
  ASSERT_TRUE(d_.StartBoard());
  CommandResult refused = d_.Board({"bundle", "import", second});
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_THAT(refused.err,
              HasSubstr("import the earlier bundle from police that brought "
                        "changes 1..5 first"));
  EXPECT_EQ(BoardChangesFrom("police").dots_size(), 0);

  EXPECT_EQ(ImportAtBoard(first).accepted(), 5u);
  EXPECT_EQ(ImportAtBoard(second).accepted(), 3u);
  EXPECT_EQ(BoardChangesFrom("police").frontier(), 8u);
  EXPECT_EQ(BoardChangesFrom("police").dots_size(), 8);
}

TEST_F(BundleTest, DamagedMisaddressedOrWronglySignedBundlesAreRefusedWhole) {
  RoundTrip("police", "0");
  RoundTrip("school", "0");
  for (int i = 0; i < 20; ++i) Add("police", absl::StrCat("PNC ", i));
  const std::string good = ReadBytes(ExportAt("police", "police-1.bundle"));
  ASSERT_GT(good.size(), 100u);

  auto expect_refused_at_board = [&](const std::string& name,
                                     const std::string& bytes,
                                     const std::string& why) {
    WriteBytes(File(name), bytes);
    CommandResult result = d_.Board({"bundle", "import", File(name)});
    EXPECT_EQ(result.exit_code, 1) << name << ": " << result.out;
    EXPECT_THAT(result.err, HasSubstr(why)) << name;
    EXPECT_EQ(BoardChangesFrom("police").dots_size(), 0) << name;
  };
  std::string flipped = good;
  flipped[flipped.size() / 2] ^= 0x01;
  expect_refused_at_board("flipped.bundle", flipped, "checksum does not match");
  expect_refused_at_board("truncated.bundle", good.substr(0, good.size() / 2),
                          "truncated");
  expect_refused_at_board("short.bundle", good.substr(0, good.size() - 1),
                          "truncated");

  // A receipt made out to another agency.
  const std::string for_school = ReceiptFor("school", "school-1.receipt");
  CommandResult misaddressed =
      d_.Agency("police", {"bundle", "import", for_school});
  EXPECT_EQ(misaddressed.exit_code, 1);
  EXPECT_THAT(misaddressed.err,
              HasSubstr("made out to agency 'school', not to this one"));
  // A receipt with one byte changed.
  std::string receipt = ReadBytes(ReceiptFor("police", "police-1.receipt"));
  receipt[receipt.size() / 3] ^= 0x40;
  WriteBytes(File("flipped.receipt"), receipt);
  const v1::AgencyStatus before = StatusOf("police");
  CommandResult damaged =
      d_.Agency("police", {"bundle", "import", File("flipped.receipt")});
  EXPECT_EQ(damaged.exit_code, 1);
  EXPECT_THAT(damaged.err, HasSubstr("not a bundle that can be applied"));
  EXPECT_EQ(StatusOf("police").feed_cursor(), before.feed_cursor());
  EXPECT_EQ(StatusOf("police").pending(), 20u);

  // A bundle signed by a key the board's CA never certified: another CA's
  // "police", on a replica of its own.
  const std::string stranger = d_.dir() + "/stranger-pki";
  ASSERT_TRUE(RunCertsScript({"init", stranger, "board"}));
  ASSERT_TRUE(RunCertsScript({"issue", stranger, "police"}));
  Deployment impostor;
  impostor.UseTls(stranger);
  ASSERT_TRUE(impostor.StartAgency("police",
                                   absl::StrCat("127.0.0.1:", UnusedPort()),
                                   {"--board_id", "board"}));
  ASSERT_EQ(impostor
                .Agency("police", {"bundle", "export", "--out",
                                   File("impostor-raw.bundle")})
                .exit_code,
            0);
  expect_refused_at_board("impostor.bundle",
                          ReadBytes(File("impostor-raw.bundle")),
                          "does not chain to the CA");

  // An unsigned bundle (from a daemon running --insecure).
  Deployment insecure;
  ASSERT_TRUE(insecure.StartAgency("police",
                                   absl::StrCat("127.0.0.1:", UnusedPort()),
                                   {"--board_id", "board"}));
  CommandResult unsigned_export = insecure.Agency(
      "police", {"bundle", "export", "--out", File("unsigned-raw.bundle")});
  ASSERT_EQ(unsigned_export.exit_code, 0) << unsigned_export.err;
  EXPECT_THAT(unsigned_export.out, HasSubstr("UNSIGNED"));
  expect_refused_at_board("unsigned.bundle",
                          ReadBytes(File("unsigned-raw.bundle")),
                          "it is unsigned");

  // The good bundle still applies, once.
  EXPECT_EQ(ImportAtBoard(File("police-1.bundle")).accepted(), 20u);
}

TEST_F(BundleTest, ABundleSignedWithARevokedCertificateIsRefused) {
  RoundTrip("police", "0");
  Add("police", "PNC 1");
  const std::string bundle = ExportAt("police", "police-1.bundle");
  ASSERT_TRUE(RunCertsScript({"revoke", pki_, "police"}));
  CommandResult refused = d_.Board({"bundle", "import", bundle});
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_THAT(refused.err, HasSubstr("certificate has been revoked"));
  EXPECT_EQ(BoardChangesFrom("police").dots_size(), 0);
  // Another agency's bundle, signed before the list was rewritten, passes.
  RoundTrip("school", "0");
}

TEST_F(BundleTest, FileSyncThenNetworkSyncContinuesWithoutGapsOrDuplicates) {
  RoundTrip("police", "0");
  for (int i = 0; i < 10; ++i) Add("police", absl::StrCat("PNC ", i));
  RoundTrip("police", "1");
  // Five more reach the board by file, but the receipt never comes back.
  for (int i = 10; i < 15; ++i) Add("police", absl::StrCat("PNC ", i));
  ImportAtBoard(ExportAt("police", "police-2.bundle"));
  EXPECT_EQ(StatusOf("police").pending(), 5u);
  // And two more are written before the network path appears.
  Add("police", "PNC 15");
  Add("police", "PNC 16");

  // A network path: police and school sync with the board directly.
  ASSERT_TRUE(
      d_.StartAgency("police", d_.BoardAddress(), {"--board_id", "board"}));
  ASSERT_TRUE(d_.StartAgency("school"));
  ASSERT_EQ(d_.Agency("police", {"sync", "--wait"}).exit_code, 0);
  ASSERT_EQ(d_.Agency("school", {"sync", "--wait"}).exit_code, 0);
  const v1::ListChangesReply held = BoardChangesFrom("police");
  EXPECT_EQ(held.frontier(), 17u);
  EXPECT_EQ(held.dots_size(), 17);
  const v1::AgencyStatus police = StatusOf("police");
  EXPECT_EQ(police.pending(), 0u);
  EXPECT_EQ(police.accepted(), 17u);
  EXPECT_TRUE(police.connected());

  // The live feed continues from where the files left the agency.
  const std::string from_school = Add("school", "SIMS 1");
  EXPECT_TRUE(Deployment::WaitFor([&] {
    return d_.Agency("police",
                     {"record", "show", "--review", "r1", from_school})
               .exit_code == 0;
  }));
  ASSERT_EQ(d_.Agency("police", {"sync", "--wait"}).exit_code, 0);
  EXPECT_EQ(DigestAt("police"), BoardDigestFor("police"));
}

TEST_F(BundleTest, ExportRefusesWhatItCannotWriteAndLeavesNoFile) {
  CommandResult no_dir = d_.Agency(
      "police", {"bundle", "export", "--out", File("missing/dir/x.bundle")});
  EXPECT_EQ(no_dir.exit_code, 1);
  EXPECT_THAT(no_dir.err, HasSubstr("cannot write in"));
  CommandResult unknown = d_.Board(
      {"bundle", "export", "--agency", "health", "--out", File("h.receipt")});
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_THAT(unknown.err, HasSubstr("knows no agency 'health'"));
  EXPECT_FALSE(std::filesystem::exists(File("h.receipt")));
  for (const auto& entry : std::filesystem::directory_iterator(d_.dir())) {
    EXPECT_EQ(entry.path().filename().string().rfind(".h.receipt", 0),
              std::string::npos)
        << "a temporary file was left: " << entry.path();
  }
  CommandResult no_agency =
      d_.Board({"bundle", "export", "--out", File("x.receipt")});
  EXPECT_EQ(no_agency.exit_code, 1);
  EXPECT_THAT(no_agency.err, HasSubstr("--agency"));
  // A bundle of changes imported at an agency, and a receipt at the board.
  const std::string bundle = ExportAt("police", "police-1.bundle");
  CommandResult wrong_side = d_.Agency("school", {"bundle", "import", bundle});
  EXPECT_EQ(wrong_side.exit_code, 1);
  EXPECT_THAT(wrong_side.err, HasSubstr("import it on the board"));
  ImportAtBoard(bundle);
  const std::string receipt = ReceiptFor("police", "police-1.receipt");
  CommandResult receipt_at_board = d_.Board({"bundle", "import", receipt});
  EXPECT_EQ(receipt_at_board.exit_code, 1);
  EXPECT_THAT(receipt_at_board.err,
              HasSubstr("import it on that agency's daemon"));
}

}  // namespace
}  // namespace casesync::testing
