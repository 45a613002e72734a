// Process-level tests of the transport and local hardening (issue:
// security): mutual TLS with certificates from deploy/certs.sh, the agency's
// identity taken from its certificate, the certificates the board must
// refuse, and private data directories. Real binaries on
// loopback ports picked at run time, driven through the real command line.
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "casesync/v1/local_api.pb.h"
#include "common/replica/store.h"
#include "common/security/receipt.h"
#include "common/testing/status_matchers.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "tests/harness.h"

namespace casesync::testing {
namespace {

using ::testing::HasSubstr;

class TlsTest : public ::testing::Test {
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
  }

  // Whether the board has ever heard from `agency` (its status row, one per
  // agency of any review, has a last contact).
  bool BoardHeardFrom(const std::string& agency) {
    auto status = FromJson<v1::BoardStatus>(d_.Board({"status", "--json"}));
    for (const auto& row : status.agencies()) {
      if (row.agency() == agency) return row.has_last_contact();
    }
    return false;
  }

  // The board's log so far.
  std::string BoardLog() {
    std::ifstream in(d_.dir() + "/board.log");
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }

  // Starts `agency` and expects its sync to fail without the board ever
  // hearing from it, the board's TLS layer having refused the agency's
  // certificate.
  void ExpectRefused(const std::string& agency) {
    EXPECT_TRUE(d_.StartAgency(agency));
    CommandResult sync =
        d_.Agency(agency, {"sync", "--wait", "--timeout", "20"});
    EXPECT_EQ(sync.exit_code, 1) << sync.out;
    EXPECT_THAT(sync.err, HasSubstr("cannot reach the board"));
    auto status =
        FromJson<v1::AgencyStatus>(d_.Agency(agency, {"status", "--json"}));
    EXPECT_FALSE(status.connected());
    EXPECT_FALSE(status.has_last_contact());
    EXPECT_FALSE(BoardHeardFrom(agency));
    EXPECT_THAT(BoardLog(), HasSubstr("certificate verify failed"));
  }

  Deployment d_;
  std::string pki_;
};

TEST_F(TlsTest, AgenciesSyncOverMutualTlsIdentifiedByTheirCertificates) {
  ASSERT_TRUE(d_.StartAgency("police"));
  ASSERT_TRUE(d_.StartAgency("school"));
  // The review first, so that entries can be added to it.
  ASSERT_EQ(d_.Agency("police", {"sync", "--wait"}).exit_code, 0);
  CommandResult added = d_.Agency(
      "police", {"record", "add", "--review", "r1", "--type", "chronology",
                 "--visibility", "review", "--set", "date=2024-03-04", "--set",
                 "source=PC Smith", "--set", "event=Home visit"});
  ASSERT_EQ(added.exit_code, 0) << added.err;
  ASSERT_EQ(d_.Agency("police", {"sync", "--wait"}).exit_code, 0);
  ASSERT_EQ(d_.Agency("school", {"sync", "--wait"}).exit_code, 0);
  const std::string id(absl::StripAsciiWhitespace(added.out));
  CommandResult shown =
      d_.Agency("school", {"record", "show", "--review", "r1", id});
  EXPECT_EQ(shown.exit_code, 0) << shown.err;
  EXPECT_THAT(shown.out, HasSubstr("Home visit"));
  auto status = FromJson<v1::BoardStatus>(d_.Board({"status", "--json"}));
  bool police_accepted = false;
  for (const auto& row : status.agencies()) {
    if (row.agency() == "police") police_accepted = row.accepted() == 1;
  }
  EXPECT_TRUE(police_accepted) << status.DebugString();

  // The board's audit chain holds the review, the entry, and the
  // disclosures to the agencies, intact.
  auto audit =
      FromJson<v1::VerifyAuditReply>(d_.Board({"--json", "audit", "verify"}));
  EXPECT_TRUE(audit.intact()) << audit.problem();
  EXPECT_EQ(audit.accepted(), 2u);
  EXPECT_GE(audit.disclosures(), 2u);
  CommandResult human = d_.Board({"audit", "verify"});
  EXPECT_EQ(human.exit_code, 0);
  EXPECT_THAT(human.out, HasSubstr("audit chain OK"));
  CommandResult at_agency = d_.Agency("police", {"audit", "verify"});
  EXPECT_EQ(at_agency.exit_code, 1);
  EXPECT_THAT(at_agency.err, HasSubstr("kept on the board"));
}

// The receipts `agency` keeps, read from its (stopped) daemon's store.
std::vector<std::pair<std::string, v1::Receipt>> StoredReceipts(
    const std::string& data_dir) {
  StoreOptions options;
  options.path = data_dir;
  auto store = Store::Open(options);
  EXPECT_THAT(store, IsOk());
  std::vector<std::pair<std::string, v1::Receipt>> receipts;
  if (!store.ok()) return receipts;
  auto it = (*store)->NewPrefixIterator(Family::kReceipts, "");
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    v1::Receipt receipt;
    EXPECT_TRUE(receipt.ParseFromString(it->value().ToString()));
    receipts.emplace_back(it->key().ToString(), receipt);
  }
  return receipts;
}

TEST_F(TlsTest, AnAgencyKeepsSignedReceiptsAndChecksThemOffline) {
  ASSERT_TRUE(d_.StartAgency("police"));
  // The review first, so that entries can be added to it.
  ASSERT_EQ(d_.Agency("police", {"sync", "--wait"}).exit_code, 0);
  for (const char* event : {"Home visit", "Phone call", "Strategy meeting"}) {
    ASSERT_EQ(
        d_.Agency("police", {"record", "add", "--review", "r1", "--type",
                             "chronology", "--visibility", "review", "--set",
                             "date=2024-03-04", "--set", "source=PC Smith",
                             "--set", absl::StrCat("event=", event)})
            .exit_code,
        0);
  }
  ASSERT_EQ(d_.Agency("police", {"sync", "--wait"}).exit_code, 0);
  // Checked with no board to ask.
  d_.StopBoard();
  auto listed = FromJson<v1::ListReceiptsReply>(
      d_.Agency("police", {"--json", "audit", "receipts"}));
  ASSERT_GE(listed.receipts_size(), 1);
  uint64_t audit_seq = 0;
  for (const v1::CheckedReceipt& receipt : listed.receipts()) {
    EXPECT_TRUE(receipt.valid()) << receipt.problem();
    EXPECT_EQ(receipt.body().board(), "board");
    EXPECT_EQ(receipt.body().agency(), "police");
    EXPECT_GE(receipt.body().audit_seq(), audit_seq);
    audit_seq = receipt.body().audit_seq();
  }
  const v1::ReceiptBody& newest = listed.receipts().rbegin()->body();
  EXPECT_EQ(newest.acknowledged(), 3u);
  // The review's entry, then the police's entries.
  EXPECT_GE(newest.audit_seq(), 2u);
  CommandResult human = d_.Agency("police", {"audit", "receipts"});
  EXPECT_EQ(human.exit_code, 0) << human.err;
  EXPECT_THAT(human.out, HasSubstr("signed by board 'board'"));
  CommandResult at_board_socket =
      d_.Cli(d_.BoardSocket(), {"audit", "receipts"});
  EXPECT_NE(at_board_socket.exit_code, 0);

  // A CA that did not issue the board's certificate does not vouch for it.
  d_.StopAgency("police");
  const std::string data_dir = d_.dir() + "/police";
  auto stored = StoredReceipts(data_dir);
  ASSERT_FALSE(stored.empty());
  const std::string other = d_.dir() + "/other-pki";
  ASSERT_TRUE(RunCertsScript({"init", other, "board"}));
  auto stranger = ReceiptVerifier::Load(other + "/ca.crt");
  ASSERT_THAT(stranger, IsOk());
  EXPECT_THAT((*stranger)->Check(stored.back().second).status().message(),
              HasSubstr("does not chain to the CA"));

  // An agency's certificate, from the right CA, cannot sign as a board.
  auto agency_signer =
      ReceiptSigner::Load(pki_ + "/school.crt", pki_ + "/school.key");
  ASSERT_THAT(agency_signer, IsOk());
  v1::ReceiptBody forged;
  forged.set_board("school");
  forged.set_agency("police");
  forged.set_acknowledged(3);
  forged.set_time_ms(absl::ToUnixMillis(absl::Now()));
  auto forged_receipt = (*agency_signer)->Sign(forged);
  ASSERT_THAT(forged_receipt, IsOk());
  auto ours = ReceiptVerifier::Load(pki_ + "/ca.crt");
  ASSERT_THAT(ours, IsOk());
  EXPECT_THAT((*ours)->Check(*forged_receipt).status().message(),
              HasSubstr("unsuitable certificate purpose"));
  EXPECT_THAT((*ours)->Check(stored.back().second), IsOk());

  // One changed fact in a stored receipt: its signature no longer matches.
  {
    v1::Receipt changed = stored.back().second;
    v1::ReceiptBody body;
    ASSERT_TRUE(body.ParseFromString(changed.body()));
    body.set_accepted(body.accepted() + 1);
    changed.set_body(body.SerializeAsString());
    StoreOptions options;
    options.path = data_dir;
    auto store = Store::Open(options);
    ASSERT_THAT(store, IsOk());
    ASSERT_TRUE((*store)
                    ->db()
                    ->Put(rocksdb::WriteOptions(),
                          (*store)->handle(Family::kReceipts),
                          stored.back().first, changed.SerializeAsString())
                    .ok());
  }
  ASSERT_TRUE(d_.StartAgency("police"));
  CommandResult broken = d_.Agency("police", {"audit", "receipts"});
  EXPECT_EQ(broken.exit_code, 1);
  EXPECT_THAT(broken.out, HasSubstr("INVALID: its signature does not match"));
  EXPECT_THAT(broken.err, HasSubstr("do not check out"));
}

TEST_F(TlsTest, ACertificateFromAnotherCaIsRefusedAtTheHandshake) {
  const std::string rogue = d_.dir() + "/rogue";
  ASSERT_TRUE(RunCertsScript({"init", rogue, "board"}));
  ASSERT_TRUE(RunCertsScript({"issue", rogue, "police"}));
  // The impostor trusts the real board (the real CA), but its own
  // certificate is from a CA the board does not know.
  const std::string impostor = d_.dir() + "/impostor";
  std::filesystem::create_directory(impostor);
  std::filesystem::copy_file(rogue + "/police.crt", impostor + "/police.crt");
  std::filesystem::copy_file(rogue + "/police.key", impostor + "/police.key");
  std::filesystem::copy_file(pki_ + "/ca.crt", impostor + "/ca.crt");
  d_.SetIdentity("police", impostor, "police");
  ExpectRefused("police");
}

TEST_F(TlsTest, AnExpiredCertificateIsRefused) {
  ASSERT_TRUE(RunCertsScript({"issue", pki_, "police"},
                             {"CASESYNC_CERT_START=20200101000000Z",
                              "CASESYNC_CERT_END=20200201000000Z"}));
  ExpectRefused("police");
}

// What `agency`'s status says once the board refused it as revoked: not
// connected, and why (an open stream is ended first; the agency's next
// attempt, within its one-second backoff, is refused with the reason).
void ExpectToldRevoked(Deployment& d, const std::string& agency) {
  v1::AgencyStatus status;
  EXPECT_TRUE(Deployment::WaitFor([&] {
    status = FromJson<v1::AgencyStatus>(d.Agency(agency, {"status", "--json"}));
    return absl::StrContains(status.last_error(), "revoked");
  })) << status.DebugString();
  EXPECT_FALSE(status.connected());
  EXPECT_THAT(status.last_error(), HasSubstr("certificate has been revoked"));
  CommandResult human = d.Agency(agency, {"status"});
  EXPECT_THAT(human.out + human.err, HasSubstr("revoked"));
}

TEST_F(TlsTest, ARevokedCertificateIsRefusedAndAReissuedOneWorks) {
  ASSERT_TRUE(RunCertsScript({"revoke", pki_, "police"}));
  ASSERT_TRUE(d_.StartAgency("police"));
  CommandResult refused =
      d_.Agency("police", {"sync", "--wait", "--timeout", "20"});
  EXPECT_EQ(refused.exit_code, 1) << refused.out;
  ExpectToldRevoked(d_, "police");
  EXPECT_FALSE(BoardHeardFrom("police"));
  EXPECT_THAT(BoardLog(), HasSubstr("sync refused from agency police"));
  // Rotation: a new certificate for the same agency is accepted.
  ASSERT_TRUE(RunCertsScript({"issue", pki_, "police"}));
  ASSERT_TRUE(d_.StartAgency("police"));
  CommandResult sync = d_.Agency("police", {"sync", "--wait"});
  EXPECT_EQ(sync.exit_code, 0) << sync.err;
  EXPECT_TRUE(BoardHeardFrom("police"));
}

// An agency connected before its certificate was revoked is cut off: what
// it writes afterwards is not accepted, and its status says why. The
// revocation list is re-read without restarting the board.
TEST_F(TlsTest, AConnectedAgencyIsCutOffOnceRevoked) {
  ASSERT_TRUE(d_.StartAgency("police"));
  ASSERT_EQ(d_.Agency("police", {"sync", "--wait"}).exit_code, 0);
  auto connected =
      FromJson<v1::AgencyStatus>(d_.Agency("police", {"status", "--json"}));
  ASSERT_TRUE(connected.connected());
  ASSERT_TRUE(RunCertsScript({"revoke", pki_, "police"}));
  CommandResult added = d_.Agency(
      "police", {"record", "add", "--review", "r1", "--type", "chronology",
                 "--visibility", "review", "--set", "date=2024-03-04", "--set",
                 "source=PC Smith", "--set", "event=Written after revocation"});
  ASSERT_EQ(added.exit_code, 0) << added.err;
  CommandResult sync =
      d_.Agency("police", {"sync", "--wait", "--timeout", "20"});
  EXPECT_EQ(sync.exit_code, 1) << sync.out;
  ExpectToldRevoked(d_, "police");
  CommandResult listed =
      d_.Board({"record", "list", "--review", "r1", "--type", "chronology"});
  EXPECT_EQ(listed.exit_code, 0) << listed.err;
  EXPECT_THAT(listed.out, ::testing::Not(HasSubstr("after revocation")));
  auto status = FromJson<v1::BoardStatus>(d_.Board({"status", "--json"}));
  for (const auto& row : status.agencies()) {
    if (row.agency() == "police") {
      EXPECT_EQ(row.accepted(), 0u);
    }
  }
  EXPECT_THAT(BoardLog(), HasSubstr("certificate has been revoked"));
}

// The board refuses a revocation directory that holds no list: it would
// check nothing while looking configured.
TEST_F(TlsTest, AnEmptyRevocationDirectoryIsRefusedAtStart) {
  d_.StopBoard();
  const std::string empty = d_.dir() + "/empty-crl";
  std::filesystem::create_directory(empty);
  CommandResult result = testing::Run(
      {CASESYNC_BOARD_BIN, "--data_dir", d_.dir() + "/board2", "--listen",
       "127.0.0.1:0", "--socket", d_.dir() + "/board2.sock", "--tls_cert",
       pki_ + "/board.crt", "--tls_key", pki_ + "/board.key", "--tls_ca",
       pki_ + "/ca.crt", "--tls_crl_dir", empty});
  EXPECT_EQ(result.exit_code, 2);  // a flag's value refused, as all are
  EXPECT_THAT(result.err, HasSubstr("holds no revocation list"));
  EXPECT_FALSE(std::filesystem::exists(d_.dir() + "/board2/CURRENT"));
}

TEST_F(TlsTest, AnAgencyRefusesAServerWithoutTheBoardsCertificate) {
  // A server at the board's address presenting an agency's certificate
  // (from the right CA, but not issued for a server at that address).
  d_.StopBoard();
  d_.SetIdentity("board", pki_, "school");
  ASSERT_TRUE(d_.StartBoard());
  ASSERT_TRUE(d_.StartAgency("police"));
  CommandResult sync =
      d_.Agency("police", {"sync", "--wait", "--timeout", "20"});
  EXPECT_EQ(sync.exit_code, 1);
  EXPECT_THAT(sync.err, HasSubstr("cannot reach the board"));
  EXPECT_FALSE(BoardHeardFrom("police"));
}

TEST_F(TlsTest, AgencyDaemonRefusesACertificateForAnotherAgency) {
  CommandResult result = testing::Run(
      {CASESYNC_AGENCY_BIN, "--data_dir", d_.dir() + "/police", "--agency",
       "police", "--board", d_.BoardAddress(), "--socket",
       d_.AgencySocket("police"), "--tls_cert", pki_ + "/school.crt",
       "--tls_key", pki_ + "/school.key", "--tls_ca", pki_ + "/ca.crt"});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_THAT(result.err, HasSubstr("certifies 'school'"));
}

TEST_F(TlsTest, DaemonsRequireAChoiceOfTransport) {
  CommandResult none = testing::Run(
      {CASESYNC_BOARD_BIN, "--data_dir", d_.dir() + "/b2", "--listen",
       "127.0.0.1:0", "--socket", d_.dir() + "/b2.sock"});
  EXPECT_EQ(none.exit_code, 2);
  EXPECT_THAT(none.err, HasSubstr("choose a transport"));
  CommandResult both = testing::Run(
      {CASESYNC_BOARD_BIN, "--data_dir", d_.dir() + "/b2", "--listen",
       "127.0.0.1:0", "--socket", d_.dir() + "/b2.sock", "--insecure",
       "--tls_cert", pki_ + "/board.crt"});
  EXPECT_EQ(both.exit_code, 2);
  CommandResult missing = testing::Run(
      {CASESYNC_AGENCY_BIN, "--data_dir", d_.dir() + "/a2", "--agency",
       "police", "--board", d_.BoardAddress(), "--socket",
       d_.dir() + "/a2.sock", "--tls_cert", pki_ + "/police.crt", "--tls_key",
       pki_ + "/nope.key", "--tls_ca", pki_ + "/ca.crt"});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_THAT(missing.err, HasSubstr("--tls_key"));
  // A board's certificate names the board it is (and signs its receipts).
  CommandResult not_the_board = testing::Run(
      {CASESYNC_BOARD_BIN, "--data_dir", d_.dir() + "/b3", "--listen",
       "127.0.0.1:0", "--socket", d_.dir() + "/b3.sock", "--tls_cert",
       pki_ + "/school.crt", "--tls_key", pki_ + "/school.key", "--tls_ca",
       pki_ + "/ca.crt"});
  EXPECT_NE(not_the_board.exit_code, 0);
  EXPECT_THAT(not_the_board.err, HasSubstr("this board's id is 'board'"));
  EXPECT_FALSE(std::filesystem::exists(d_.dir() + "/b3"));
}

TEST_F(TlsTest, DaemonsRefuseADataDirectoryOthersCanRead) {
  const std::string open_dir = d_.dir() + "/shared";
  std::filesystem::create_directory(open_dir);
  std::filesystem::permissions(open_dir,
                               std::filesystem::perms::owner_all |
                                   std::filesystem::perms::group_read |
                                   std::filesystem::perms::group_exec);
  CommandResult agency = testing::Run(
      {CASESYNC_AGENCY_BIN, "--data_dir", open_dir, "--agency", "police",
       "--board", d_.BoardAddress(), "--socket", d_.dir() + "/a3.sock",
       "--tls_cert", pki_ + "/police.crt", "--tls_key", pki_ + "/police.key",
       "--tls_ca", pki_ + "/ca.crt"});
  EXPECT_EQ(agency.exit_code, 1);
  EXPECT_THAT(agency.err, HasSubstr("chmod 700"));
  EXPECT_TRUE(std::filesystem::is_empty(open_dir));
  // A directory the daemon creates itself is private.
  ASSERT_TRUE(d_.StartAgency("police"));
  const auto perms =
      std::filesystem::status(d_.dir() + "/police").permissions();
  EXPECT_EQ(perms & (std::filesystem::perms::group_all |
                     std::filesystem::perms::others_all),
            std::filesystem::perms::none);
}

}  // namespace
}  // namespace casesync::testing
