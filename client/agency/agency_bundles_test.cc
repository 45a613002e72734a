// Bundles at an agency: the changes the board has not acknowledged carried
// out, and the board's receipt bundle taken in whole or not at all, signed
// or (insecure) not.
#include "client/agency/agency_bundles.h"

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common/sync/frame_codec.h"
#include "common/testing/replica_set.h"
#include "common/testing/status_matchers.h"
#include "common/testing/test_pki.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace casesync {
namespace {

using testing::IsOk;
using testing::StatusIs;

class AgencyBundlesTest : public ::testing::Test {
 protected:
  // police's bundles over `transport` (insecure by default), signed with
  // `signer` (none by default), knowing the board as `board_id`.
  void Start(const std::string& board_id = "",
             TransportOptions transport = Insecure(),
             KeyPairSigner* signer = nullptr) {
    LinkStateOptions state_options;
    state_options.board_id = board_id;
    state_options.clock = replicas_.clock();
    absl::StatusOr<std::unique_ptr<LinkState>> state =
        LinkState::Load(police_, state_options);
    ASSERT_THAT(state, IsOk());
    state_ = *std::move(state);
    feed_ = std::make_unique<FeedApplier>(state_.get(), nullptr);
    receipts_ = std::make_unique<Receipts>(police_, transport);
    BoardLinkOptions options;
    options.board_id = board_id;
    options.transport = transport;
    options.clock = replicas_.clock();
    AgencyBundles::Parts parts;
    parts.replica = police_;
    parts.link_state = state_.get();
    parts.feed = feed_.get();
    parts.receipts = receipts_.get();
    parts.signer = signer;
    bundles_ = std::make_unique<AgencyBundles>(parts, options);
  }

  static TransportOptions Insecure() {
    TransportOptions transport;
    transport.insecure = true;
    return transport;
  }

  // A receipt bundle from the board to police acknowledging up to
  // `acknowledged` (rejecting `rejected`, if non-zero), then `feed`.
  static std::string ReceiptBundle(uint64_t acknowledged, uint64_t rejected,
                                   const std::vector<v1::FeedBatch>& feed,
                                   KeyPairSigner* signer = nullptr,
                                   uint64_t requires_feed_cursor = 0) {
    BundleWriter writer;
    v1::BundleFrame ack;
    ack.mutable_push_ack()->set_acknowledged(acknowledged);
    if (rejected > 0) {
      *ack.mutable_push_ack()->add_rejected() =
          testing::Rejection("police", rejected);
    }
    writer.Add(ack);
    for (const v1::FeedBatch& batch : feed) {
      v1::BundleFrame frame;
      *frame.mutable_feed() = batch;
      writer.Add(frame);
    }
    v1::BundleHeader header;
    header.set_format_version(1);
    header.set_kind(v1::BundleHeader::KIND_RECEIPT);
    header.set_sender("board");
    header.set_recipient("police");
    header.set_acknowledged(acknowledged);
    header.set_requires_feed_cursor(requires_feed_cursor);
    absl::StatusOr<std::string> bytes = writer.Finish(header, signer);
    EXPECT_THAT(bytes, IsOk());
    return bytes.ok() ? *bytes : "";
  }

  [[nodiscard]] absl::StatusOr<v1::BundleSummary> Import(
      const std::string& bytes) {
    return bundles_->Import(bytes, nullptr);
  }

  testing::ReplicaSet replicas_;
  Replica* police_ = replicas_.Open("police");
  Replica* board_ = replicas_.Open("board");
  std::unique_ptr<LinkState> state_;
  std::unique_ptr<FeedApplier> feed_;
  std::unique_ptr<Receipts> receipts_;
  std::unique_ptr<AgencyBundles> bundles_;
};

TEST_F(AgencyBundlesTest, ExportCarriesEveryChangeNotAcknowledged) {
  ASSERT_NO_FATAL_FAILURE(Start("board"));
  std::vector<v1::Change> own;
  for (int i = 0; i < 3; ++i) {
    own.push_back(testing::NewEntry(police_, "r1", "Visit"));
  }
  absl::StatusOr<ExportedBundle> exported = bundles_->Export({}, nullptr);
  ASSERT_THAT(exported, IsOk());
  EXPECT_EQ(exported->summary.remaining(), 0u);
  EXPECT_TRUE(exported->summary.signed_by().empty());
  absl::StatusOr<OpenedBundle> opened =
      OpenBundle(exported->bytes, nullptr, CertificateRole::kClient);
  ASSERT_THAT(opened, IsOk());
  EXPECT_EQ(opened->header.kind(), v1::BundleHeader::KIND_CHANGES);
  EXPECT_EQ(opened->header.sender(), "police");
  EXPECT_EQ(opened->header.recipient(), "board");
  EXPECT_EQ(opened->header.first_counter(), 1u);
  EXPECT_EQ(opened->header.last_counter(), 3u);
  ASSERT_EQ(opened->frames.size(), 1u);
  absl::StatusOr<v1::PushBatch> push = Unwrapped(opened->frames[0].push());
  ASSERT_THAT(push, IsOk());
  ASSERT_EQ(push->changes_size(), 3);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(push->changes(i).dot().counter(), own[i].dot().counter());
    EXPECT_EQ(push->changes(i).record().record_id(),
              own[i].record().record_id());
  }
}

TEST_F(AgencyBundlesTest, ExportNeedsToKnowItsBoardAndExportsOnlyItsOwn) {
  ASSERT_NO_FATAL_FAILURE(Start());
  EXPECT_THAT(bundles_->Export({}, nullptr),
              StatusIs(absl::StatusCode::kFailedPrecondition, "--board_id"));
  v1::ExportBundleRequest for_school;
  for_school.set_agency("school");
  EXPECT_THAT(bundles_->Export(for_school, nullptr),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(AgencyBundlesTest, AReceiptIsAppliedAsTheStreamWouldApplyIt) {
  ASSERT_NO_FATAL_FAILURE(Start());
  testing::NewEntry(police_, "r1", "Visit");
  testing::NewEntry(police_, "r1", "Call");
  const v1::Change first = testing::NewEntry(board_, "r1", "Referral");
  const v1::Change second = testing::NewEntry(board_, "r1", "Meeting");
  absl::StatusOr<v1::BundleSummary> summary = Import(ReceiptBundle(
      2, 2, {testing::FeedOf({first}, 1), testing::FeedOf({second}, 2)}));
  ASSERT_THAT(summary, IsOk());
  EXPECT_EQ(summary->acknowledged(), 2u);
  EXPECT_EQ(summary->feed_cursor(), 2u);
  EXPECT_EQ(summary->feed_entries_applied(), 2u);
  EXPECT_EQ(summary->rejected(), 1u);
  const v1::BoardLinkState state = state_->Get();
  EXPECT_EQ(state.board_id(), "board");
  EXPECT_EQ(state.acknowledged(), 2u);
  EXPECT_EQ(state.rejected(), 1u);
  EXPECT_EQ(state.feed_cursor(), 2u);
  EXPECT_THAT(police_->ReadChange(second.dot()), IsOk());
  // Imported again, nothing is applied twice.
  summary = Import(ReceiptBundle(
      2, 2, {testing::FeedOf({first}, 1), testing::FeedOf({second}, 2)}));
  ASSERT_THAT(summary, IsOk());
  EXPECT_EQ(summary->feed_entries_applied(), 0u);
  EXPECT_EQ(state_->Get().rejected(), 1u);
}

TEST_F(AgencyBundlesTest, ABundleNotForThisAgencyOrNotFollowingOnIsRefused) {
  ASSERT_NO_FATAL_FAILURE(Start("board"));
  testing::NewEntry(police_, "r1", "Visit");
  // A bundle of changes is the board's to import.
  absl::StatusOr<ExportedBundle> exported = bundles_->Export({}, nullptr);
  ASSERT_THAT(exported, IsOk());
  EXPECT_THAT(Import(exported->bytes),
              StatusIs(absl::StatusCode::kInvalidArgument, "on the board"));
  // The board acknowledges more than this store holds.
  EXPECT_THAT(Import(ReceiptBundle(5, 0, {})),
              StatusIs(absl::StatusCode::kFailedPrecondition, "holds only 1"));
  // The feed from entry 4 on, this agency having applied none.
  EXPECT_THAT(Import(ReceiptBundle(1, 0, {}, nullptr, 3)),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       "import the earlier receipt bundle"));
  EXPECT_EQ(state_->Get().acknowledged(), 0u);
}

TEST_F(AgencyBundlesTest, AFrameThatFailsLeavesNothingApplied) {
  ASSERT_NO_FATAL_FAILURE(Start());
  testing::NewEntry(police_, "r1", "Visit");
  v1::FeedBatch bad =
      testing::FeedOf({testing::NewEntry(board_, "r1", "X")}, 1);
  bad.mutable_entries(0)->mutable_change()->mutable_record()->clear_type();
  EXPECT_THAT(Import(ReceiptBundle(1, 0, {bad})),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "nothing from the bundle applied"));
  const v1::BoardLinkState state = state_->Get();
  EXPECT_EQ(state.acknowledged(), 0u) << "the acknowledgement was applied";
  EXPECT_TRUE(state.board_id().empty());
}

TEST_F(AgencyBundlesTest, WithTlsBundlesAreSignedAndReceiptsMustBe) {
  const std::string pki = replicas_.dir().Sub("pki");
  ASSERT_TRUE(testing::MakeTestPki(pki, "board", {"police"}));
  TransportOptions transport;
  transport.tls_cert = pki + "/police.crt";
  transport.tls_key = pki + "/police.key";
  transport.tls_ca = pki + "/ca.crt";
  absl::StatusOr<std::unique_ptr<KeyPairSigner>> police =
      KeyPairSigner::Load(transport.tls_cert, transport.tls_key);
  absl::StatusOr<std::unique_ptr<KeyPairSigner>> board =
      KeyPairSigner::Load(pki + "/board.crt", pki + "/board.key");
  ASSERT_THAT(police, IsOk());
  ASSERT_THAT(board, IsOk());
  ASSERT_NO_FATAL_FAILURE(Start("board", transport, police->get()));
  testing::NewEntry(police_, "r1", "Visit");

  absl::StatusOr<ExportedBundle> exported = bundles_->Export({}, nullptr);
  ASSERT_THAT(exported, IsOk());
  EXPECT_EQ(exported->summary.signed_by(), "police");
  EXPECT_THAT(Import(ReceiptBundle(1, 0, {})),
              StatusIs(absl::StatusCode::kInvalidArgument, "unsigned"));
  absl::StatusOr<v1::BundleSummary> summary =
      Import(ReceiptBundle(1, 0, {}, board->get()));
  ASSERT_THAT(summary, IsOk());
  EXPECT_EQ(summary->signed_by(), "board");
  EXPECT_EQ(state_->Get().acknowledged(), 1u);
}

}  // namespace
}  // namespace casesync
