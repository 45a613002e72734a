#include "common/sync/bundle_format.h"

#include <cstdlib>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/base/sha256.h"
#include "common/sync/frame_codec.h"
#include "common/testing/status_matchers.h"
#include "common/testing/temp_dir.h"
#include "gmock/gmock.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "gtest/gtest.h"

namespace casesync {
namespace {

using ::testing::HasSubstr;

// A CA with the board's and police's certificates, and another CA with a
// "police" of its own, from deploy/certs.sh.
class BundleFormatTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new testing::TempDir();
    for (const std::string& command :
         {absl::StrCat(CASESYNC_CERTS_SCRIPT, " init ", Pki(), " board"),
          absl::StrCat(CASESYNC_CERTS_SCRIPT, " issue ", Pki(), " police"),
          absl::StrCat(CASESYNC_CERTS_SCRIPT, " init ", Stranger(), " board"),
          absl::StrCat(CASESYNC_CERTS_SCRIPT, " issue ", Stranger(),
                       " police")}) {
      ASSERT_EQ(std::system((command + " >/dev/null 2>&1").c_str()), 0)
          << command;
    }
  }
  static void TearDownTestSuite() { delete dir_; }
  static std::string Pki() { return dir_->Sub("pki"); }
  static std::string Stranger() { return dir_->Sub("stranger"); }

  static std::unique_ptr<KeyPairSigner> Signer(const std::string& pki,
                                               const std::string& id) {
    auto signer = KeyPairSigner::Load(absl::StrCat(pki, "/", id, ".crt"),
                                      absl::StrCat(pki, "/", id, ".key"));
    EXPECT_THAT(signer.status(), testing::IsOk());
    return signer.ok() ? *std::move(signer) : nullptr;
  }
  static std::unique_ptr<CertificateTrust> Trust() {
    auto trust = CertificateTrust::Load(Pki() + "/ca.crt");
    EXPECT_THAT(trust.status(), testing::IsOk());
    return trust.ok() ? *std::move(trust) : nullptr;
  }

  static v1::BundleHeader Header() {
    v1::BundleHeader header;
    header.set_format_version(1);
    header.set_kind(v1::BundleHeader::KIND_CHANGES);
    header.set_sender("police");
    header.set_recipient("board");
    header.set_created_ms(absl::ToUnixMillis(absl::Now()));
    header.set_first_counter(1);
    header.set_last_counter(3);
    return header;
  }

  // A bundle of two frames from `sender`, signed with `signer`.
  static std::string Write(KeyPairSigner* signer,
                           v1::BundleHeader header = Header()) {
    BundleWriter writer;
    for (int i = 1; i <= 2; ++i) {
      v1::BundleFrame frame;
      frame.mutable_push()->set_zstd(std::string(50 * i, 'x'));
      writer.Add(frame);
    }
    auto bytes = writer.Finish(std::move(header), signer);
    EXPECT_THAT(bytes.status(), testing::IsOk());
    return bytes.ok() ? *bytes : "";
  }

  static testing::TempDir* dir_;
};

testing::TempDir* BundleFormatTest::dir_ = nullptr;

TEST_F(BundleFormatTest, ASignedBundleReadsBackWhole) {
  auto signer = Signer(Pki(), "police");
  const std::string bytes = Write(signer.get());
  auto trust = Trust();
  auto opened = OpenBundle(bytes, trust.get(), CertificateRole::kClient);
  ASSERT_THAT(opened.status(), testing::IsOk());
  EXPECT_EQ(opened->signed_by, "police");
  EXPECT_EQ(opened->header.frames(), 2u);
  EXPECT_EQ(opened->header.last_counter(), 3u);
  ASSERT_EQ(opened->frames.size(), 2u);
  EXPECT_EQ(opened->frames[1].push().zstd(), std::string(100, 'x'));
  EXPECT_EQ(opened->bytes, bytes.size());
  EXPECT_EQ(bytes.substr(0, kBundleMagic.size()), kBundleMagic);
  auto peeked = PeekBundleHeader(bytes);
  ASSERT_THAT(peeked.status(), testing::IsOk());
  EXPECT_EQ(peeked->sender(), "police");
}

TEST_F(BundleFormatTest, EveryFlippedByteIsCaught) {
  auto signer = Signer(Pki(), "police");
  const std::string bytes = Write(signer.get());
  auto trust = Trust();
  for (size_t i = 0; i < bytes.size(); ++i) {
    std::string damaged = bytes;
    damaged[i] ^= 0x01;
    EXPECT_FALSE(
        OpenBundle(damaged, trust.get(), CertificateRole::kClient).ok())
        << "byte " << i << " of " << bytes.size();
  }
}

TEST_F(BundleFormatTest, EveryTruncationIsCaughtAndNamed) {
  auto signer = Signer(Pki(), "police");
  const std::string bytes = Write(signer.get());
  auto trust = Trust();
  for (size_t length = 0; length < bytes.size(); ++length) {
    auto opened = OpenBundle(bytes.substr(0, length), trust.get(),
                             CertificateRole::kClient);
    ASSERT_FALSE(opened.ok()) << length;
    EXPECT_TRUE(absl::IsInvalidArgument(opened.status()));
  }
  auto half = OpenBundle(bytes.substr(0, bytes.size() / 2), trust.get(),
                         CertificateRole::kClient);
  EXPECT_THAT(half.status().message(), HasSubstr("truncated"));
  auto extra = OpenBundle(bytes + "x", trust.get(), CertificateRole::kClient);
  EXPECT_THAT(extra.status().message(), HasSubstr("follow its seal"));
}

TEST_F(BundleFormatTest, ARecomputedChecksumDoesNotPassTheSignature) {
  auto signer = Signer(Pki(), "police");
  std::string bytes = Write(signer.get());
  // Change a frame's content, then rewrite the seal's digest as someone
  // without the key could: only the signature is left to catch it.
  const size_t frame_byte = bytes.find("xxxx");
  ASSERT_NE(frame_byte, std::string::npos);
  bytes[frame_byte] = 'y';
  auto opened_unchecked = OpenBundle(bytes, nullptr, CertificateRole::kClient);
  EXPECT_THAT(opened_unchecked.status().message(),
              HasSubstr("checksum does not match"));
  // Find the seal, the last section, and rebuild it with a fresh digest.
  std::string body;
  {
    // Everything up to the seal is the file minus the seal section.
    v1::BundleSeal seal;
    for (size_t cut = bytes.size(); cut-- > 0;) {
      google::protobuf::io::CodedInputStream in(
          reinterpret_cast<const uint8_t*>(bytes.data() + cut),
          static_cast<int>(bytes.size() - cut));
      uint32_t length = 0;
      if (in.ReadVarint32(&length) &&
          cut + static_cast<size_t>(in.CurrentPosition()) + length ==
              bytes.size() &&
          seal.ParseFromArray(bytes.data() + cut + in.CurrentPosition(),
                              static_cast<int>(length)) &&
          seal.sha256().size() == kSha256Bytes) {
        body = bytes.substr(0, cut);
        break;
      }
    }
    ASSERT_FALSE(body.empty());
    seal.set_sha256(Sha256(body));
    std::string out = body;
    google::protobuf::io::StringOutputStream stream(&out);
    google::protobuf::io::CodedOutputStream coded(&stream);
    const std::string seal_bytes = seal.SerializeAsString();
    coded.WriteVarint32(static_cast<uint32_t>(seal_bytes.size()));
    coded.WriteString(seal_bytes);
    coded.Trim();
    bytes = out;
  }
  auto trust = Trust();
  auto opened = OpenBundle(bytes, trust.get(), CertificateRole::kClient);
  EXPECT_THAT(opened.status().message(), HasSubstr("signature does not match"));
  // Without a CA (--insecure) the checksum alone is checked, and holds.
  EXPECT_THAT(OpenBundle(bytes, nullptr, CertificateRole::kClient).status(),
              testing::IsOk());
}

TEST_F(BundleFormatTest, UnsignedBundlesPassOnlyWithoutACa) {
  const std::string bytes = Write(nullptr);
  auto trust = Trust();
  EXPECT_THAT(OpenBundle(bytes, trust.get(), CertificateRole::kClient)
                  .status()
                  .message(),
              HasSubstr("unsigned"));
  auto opened = OpenBundle(bytes, nullptr, CertificateRole::kClient);
  ASSERT_THAT(opened.status(), testing::IsOk());
  EXPECT_EQ(opened->signed_by, "");
}

TEST_F(BundleFormatTest, TheSignerMustBeTheSenderCertifiedByTheCaForItsRole) {
  auto trust = Trust();
  auto stranger = Signer(Stranger(), "police");
  EXPECT_THAT(
      OpenBundle(Write(stranger.get()), trust.get(), CertificateRole::kClient)
          .status()
          .message(),
      HasSubstr("does not chain to the CA"));
  // The board's key on a bundle that says it is from police.
  auto board = Signer(Pki(), "board");
  EXPECT_THAT(
      OpenBundle(Write(board.get()), trust.get(), CertificateRole::kClient)
          .status()
          .message(),
      HasSubstr("says it is from 'police' but is signed by the certificate "
                "of 'board'"));
  // An agency's client-only certificate cannot sign as the board.
  v1::BundleHeader from_board = Header();
  from_board.set_sender("police");
  auto police = Signer(Pki(), "police");
  EXPECT_THAT(OpenBundle(Write(police.get(), from_board), trust.get(),
                         CertificateRole::kServer)
                  .status()
                  .message(),
              HasSubstr("unsuitable certificate purpose"));
}

TEST_F(BundleFormatTest, OtherFormatVersionsAndOtherFilesAreRefused) {
  v1::BundleHeader future = Header();
  future.set_format_version(kBundleFormatVersion + 1);
  EXPECT_THAT(
      OpenBundle(Write(nullptr, future), nullptr, CertificateRole::kClient)
          .status()
          .message(),
      HasSubstr(absl::StrCat("format version ", kBundleFormatVersion + 1)));
  EXPECT_THAT(OpenBundle("date,source\n2024-01-01,x\n", nullptr,
                         CertificateRole::kClient)
                  .status()
                  .message(),
              HasSubstr("does not start as a casesync bundle"));
  EXPECT_THAT(
      OpenBundle("", nullptr, CertificateRole::kClient).status().message(),
      HasSubstr("too short"));
}

}  // namespace
}  // namespace casesync
