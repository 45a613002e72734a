// The board's receipts at an agency: the first for each push kept, and each
// one checked offline against the CA, its agency, its push and the audit
// chain the receipts before it pinned.
#include "client/agency/receipts.h"

#include <memory>
#include <string>

#include "absl/time/clock.h"
#include "common/replica/storage_keys.h"
#include "common/testing/replica_set.h"
#include "common/testing/status_matchers.h"
#include "common/testing/test_pki.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace casesync {
namespace {

using ::testing::HasSubstr;
using testing::IsOk;
using testing::StatusIs;

class ReceiptsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string pki = replicas_.dir().Sub("pki");
    ASSERT_TRUE(testing::MakeTestPki(pki, "board", {"police"}));
    absl::StatusOr<std::unique_ptr<ReceiptSigner>> signer =
        ReceiptSigner::Load(pki + "/board.crt", pki + "/board.key");
    ASSERT_THAT(signer, IsOk());
    signer_ = *std::move(signer);
    transport_.tls_cert = pki + "/police.crt";
    transport_.tls_key = pki + "/police.key";
    transport_.tls_ca = pki + "/ca.crt";
    receipts_ = std::make_unique<Receipts>(police_, transport_);
  }

  // The board's signed receipt acknowledging `agency`'s changes up to
  // `acknowledged`, its audit chain at entry `audit_seq`.
  v1::Receipt Signed(const std::string& agency, uint64_t acknowledged,
                     uint64_t audit_seq) {
    v1::ReceiptBody body;
    body.set_board("board");
    body.set_agency(agency);
    body.set_acknowledged(acknowledged);
    body.set_audit_seq(audit_seq);
    body.set_time_ms(absl::ToUnixMillis(absl::Now()));
    absl::StatusOr<v1::Receipt> receipt = signer_->Sign(body);
    EXPECT_THAT(receipt, IsOk());
    return receipt.ok() ? *receipt : v1::Receipt();
  }

  // Keeps `receipt` as if a PushAck up to `acknowledged` had brought it.
  void Keep(uint64_t acknowledged, const v1::Receipt& receipt) {
    v1::PushAck ack;
    ack.set_acknowledged(acknowledged);
    *ack.mutable_receipt() = receipt;
    std::unique_ptr<Replica::Batch> batch = police_->NewBatch();
    ASSERT_THAT(receipts_->Keep(ack, batch.get()), IsOk());
    ASSERT_THAT(batch->Commit(), IsOk());
  }

  v1::ListReceiptsReply List() {
    absl::StatusOr<v1::ListReceiptsReply> listed = receipts_->List();
    EXPECT_THAT(listed, IsOk());
    return listed.ok() ? *listed : v1::ListReceiptsReply();
  }

  testing::ReplicaSet replicas_;
  Replica* police_ = replicas_.Open("police");
  std::unique_ptr<ReceiptSigner> signer_;
  TransportOptions transport_;
  std::unique_ptr<Receipts> receipts_;
};

TEST_F(ReceiptsTest, TheFirstReceiptForAPushIsKept) {
  Keep(3, Signed("police", 3, 10));
  // After a restore of the board, the same push acknowledged again.
  Keep(3, Signed("police", 3, 2));
  {
    v1::PushAck without_receipt;
    without_receipt.set_acknowledged(4);
    std::unique_ptr<Replica::Batch> batch = police_->NewBatch();
    ASSERT_THAT(receipts_->Keep(without_receipt, batch.get()), IsOk());
    ASSERT_THAT(batch->Commit(), IsOk());
  }
  const v1::ListReceiptsReply listed = List();
  EXPECT_EQ(listed.ca_file(), transport_.tls_ca);
  ASSERT_EQ(listed.receipts_size(), 1);
  EXPECT_TRUE(listed.receipts(0).valid()) << listed.receipts(0).problem();
  EXPECT_EQ(listed.receipts(0).body().audit_seq(), 10u);
}

TEST_F(ReceiptsTest, EachReceiptIsCheckedOffline) {
  Keep(1, Signed("police", 1, 10));
  Keep(2, Signed("school", 2, 11));
  Keep(3, Signed("police", 4, 12));
  Keep(5, Signed("police", 5, 4));
  Keep(6, Signed("police", 6, 13));
  v1::Receipt tampered = Signed("police", 7, 14);
  tampered.set_body(tampered.body() + "x");
  Keep(7, tampered);
  {
    std::string key;
    keys::AppendU64(8, &key);
    std::unique_ptr<Replica::Batch> batch = police_->NewBatch();
    batch->Put(Family::kReceipts, key, "not a receipt");
    ASSERT_THAT(batch->Commit(), IsOk());
  }
  const v1::ListReceiptsReply listed = List();
  ASSERT_EQ(listed.receipts_size(), 7);
  auto problem = [&](int i) { return listed.receipts(i).problem(); };
  EXPECT_TRUE(listed.receipts(0).valid()) << problem(0);
  EXPECT_THAT(problem(1), HasSubstr("made out to agency 'school'"));
  EXPECT_THAT(problem(2), HasSubstr("stored under another push"));
  EXPECT_THAT(problem(3), HasSubstr("went back from entry 10"));
  EXPECT_TRUE(listed.receipts(4).valid()) << problem(4);
  EXPECT_FALSE(listed.receipts(5).valid());
  EXPECT_FALSE(problem(5).empty());
  EXPECT_THAT(problem(6), HasSubstr("unreadable"));
}

TEST_F(ReceiptsTest, AnInsecureLinkHasNoReceipts) {
  TransportOptions insecure;
  insecure.insecure = true;
  EXPECT_THAT(Receipts(police_, insecure).List(),
              StatusIs(absl::StatusCode::kFailedPrecondition, "--insecure"));
  TransportOptions no_ca = transport_;
  no_ca.tls_ca = replicas_.dir().Sub("missing.crt");
  EXPECT_FALSE(Receipts(police_, no_ca).List().ok());
}

}  // namespace
}  // namespace casesync
