#include "common/sync/bundle_format.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/base/sha256.h"
#include "common/base/status_macros.h"
#include "common/sync/frame_codec.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"

namespace casesync {
namespace {

// What the seal's signature covers besides the digest: names the purpose,
// so that no other signature by the same key (a receipt) can pass for a
// bundle's.
constexpr absl::string_view kSignedPrefix = "casesync bundle v1\n";

constexpr uint32_t kMaxHeaderBytes = 64 << 10;

void AppendSection(absl::string_view section, std::string* out) {
  google::protobuf::io::StringOutputStream stream(out);
  google::protobuf::io::CodedOutputStream coded(&stream);
  coded.WriteVarint32(static_cast<uint32_t>(section.size()));
  coded.WriteRaw(section.data(), static_cast<int>(section.size()));
}

// The signature covers the certificate too: PEM parsing would forgive a
// changed byte in it.
std::string SignedBytes(absl::string_view sha256,
                        absl::string_view certificate_pem) {
  return absl::StrCat(kSignedPrefix, sha256, certificate_pem);
}

// Reads length-prefixed sections off the front of a bundle's bytes.
class SectionReader {
 public:
  explicit SectionReader(absl::string_view bytes) : rest_(bytes) {}

  // Reads the next section into `*section`; false, with `*error` set, if
  // the bytes end first or it is longer than `max_bytes`.
  bool Next(absl::string_view* section, uint32_t max_bytes,
            std::string* error) {
    google::protobuf::io::CodedInputStream in(
        reinterpret_cast<const uint8_t*>(rest_.data()),
        static_cast<int>(rest_.size()));
    uint32_t length = 0;
    if (!in.ReadVarint32(&length)) {
      *error = "the file ends early (truncated)";
      return false;
    }
    const size_t prefix = static_cast<size_t>(in.CurrentPosition());
    if (length > max_bytes) {
      *error = absl::StrCat("a section claims ", length,
                            " bytes, more than a bundle may hold");
      return false;
    }
    if (rest_.size() - prefix < length) {
      *error = "the file ends early (truncated)";
      return false;
    }
    *section = rest_.substr(prefix, length);
    rest_.remove_prefix(prefix + length);
    return true;
  }

  // Bytes not read yet.
  absl::string_view rest() const { return rest_; }

 private:
  absl::string_view rest_;
};

[[nodiscard]] absl::Status Refused(absl::string_view why) {
  return absl::InvalidArgumentError(
      absl::StrCat("not a bundle that can be applied: ", why));
}

// Reads the magic and the header off `bytes`, leaving `reader` after them.
[[nodiscard]] absl::StatusOr<v1::BundleHeader> ReadHeader(
    absl::string_view bytes, SectionReader* reader) {
  if (bytes.substr(0, kBundleMagic.size()) != kBundleMagic) {
    return Refused(bytes.size() < kBundleMagic.size()
                       ? "the file is too short to be a casesync bundle"
                       : "the file does not start as a casesync bundle does");
  }
  std::string error;
  absl::string_view header_bytes;
  if (!reader->Next(&header_bytes, kMaxHeaderBytes, &error)) {
    return Refused(error);
  }
  v1::BundleHeader header;
  if (!header.ParseFromArray(header_bytes.data(),
                             static_cast<int>(header_bytes.size()))) {
    return Refused("its header is unreadable (the file is damaged)");
  }
  if (header.format_version() != 1 &&
      header.format_version() != kBundleFormatVersion) {
    return Refused(absl::StrCat(
        "it is in bundle format version ", header.format_version(),
        "; this casesync reads versions 1 to ", kBundleFormatVersion));
  }
  return header;
}

}  // namespace

absl::StatusOr<v1::BundleHeader> PeekBundleHeader(absl::string_view bytes) {
  SectionReader reader(
      bytes.substr(std::min(bytes.size(), kBundleMagic.size())));
  return ReadHeader(bytes, &reader);
}

void BundleWriter::Add(const v1::BundleFrame& frame) {
  AppendSection(frame.SerializeAsString(), &frames_);
  ++frame_count_;
}

absl::StatusOr<std::string> BundleWriter::Finish(v1::BundleHeader header,
                                                 KeyPairSigner* signer) {
  header.set_frames(frame_count_);
  frame_count_ = 0;
  std::string bytes(kBundleMagic);
  AppendSection(header.SerializeAsString(), &bytes);
  // Room for the seal: a signature and a certificate.
  if (const size_t size = bytes.size() + frames_.size() + kMaxHeaderBytes;
      size > kMaxBundleBytes) {
    frames_.clear();
    return absl::ResourceExhaustedError(
        absl::StrCat("the bundle would take about ", size,
                     " bytes; a bundle holds at most ", kMaxBundleBytes));
  }
  bytes += frames_;
  frames_.clear();
  v1::BundleSeal seal;
  seal.set_sha256(Sha256(bytes));
  if (signer != nullptr) {
    ASSIGN_OR_RETURN(Signature signature, signer->SignWithCertificate(
                                              SignedBytes(seal.sha256(), "")));
    seal.set_signature(std::move(signature.signature));
    seal.set_certificate_pem(std::move(signature.certificate_pem));
  }
  AppendSection(seal.SerializeAsString(), &bytes);
  return bytes;
}

absl::StatusOr<OpenedBundle> OpenBundle(absl::string_view bytes,
                                        const CertificateTrust* trust,
                                        CertificateRole sender_role) {
  if (bytes.size() > kMaxBundleBytes) {
    return absl::ResourceExhaustedError(
        absl::StrCat("the file has ", bytes.size(),
                     " bytes; a bundle holds at most ", kMaxBundleBytes));
  }
  SectionReader reader(
      bytes.substr(std::min(bytes.size(), kBundleMagic.size())));
  OpenedBundle bundle;
  bundle.bytes = bytes.size();
  ASSIGN_OR_RETURN(bundle.header, ReadHeader(bytes, &reader));
  std::string error;
  // First pass: find the seal without keeping anything, so that a header
  // announcing absurdly many frames costs nothing before it is refused.
  if (bundle.header.frames() > kMaxBundleFrames ||
      bundle.header.frames() > reader.rest().size()) {
    return Refused(absl::StrCat("its header announces ", bundle.header.frames(),
                                " frames, more than the file can hold"));
  }
  const SectionReader frames_start = reader;
  for (uint32_t i = 0; i < bundle.header.frames(); ++i) {
    absl::string_view frame;
    if (!reader.Next(&frame, kMaxBundleBytes, &error)) {
      return Refused(absl::StrCat(error, ": ", i, " of the ",
                                  bundle.header.frames(),
                                  " frames its header announces are whole"));
    }
    if (frame.empty())
      return Refused(absl::StrCat("frame ", i + 1, " is empty"));
  }
  const size_t sealed_bytes = bytes.size() - reader.rest().size();
  absl::string_view seal_bytes;
  if (!reader.Next(&seal_bytes, kMaxHeaderBytes, &error)) {
    return Refused(absl::StrCat(error, ": its seal is missing"));
  }
  if (!reader.rest().empty()) {
    return Refused(absl::StrCat(
        reader.rest().size(), " bytes follow its seal (the file is damaged)"));
  }
  v1::BundleSeal seal;
  // The seal is not under the checksum: it must be exactly as written (no
  // unknown fields, no padded length), so that it cannot be altered either.
  if (!seal.ParseFromArray(seal_bytes.data(),
                           static_cast<int>(seal_bytes.size())) ||
      seal.SerializeAsString() != seal_bytes ||
      bytes.size() - sealed_bytes !=
          google::protobuf::io::CodedOutputStream::VarintSize32(
              static_cast<uint32_t>(seal_bytes.size())) +
              seal_bytes.size()) {
    return Refused("its seal is unreadable (the file is damaged)");
  }
  if (seal.sha256() != Sha256(bytes.substr(0, sealed_bytes))) {
    return Refused(
        "its checksum does not match its contents: the file was changed or "
        "damaged after it was written");
  }
  if (trust != nullptr) {
    if (seal.signature().empty()) {
      return Refused(absl::StrCat(
          "it is unsigned; this daemon takes only bundles signed by a "
          "certificate from its CA (",
          bundle.header.sender(), " must export it with its certificate)"));
    }
    Signature signature;
    signature.signature = seal.signature();
    signature.certificate_pem = seal.certificate_pem();
    absl::StatusOr<std::string> signer =
        trust->Verify(SignedBytes(seal.sha256(), seal.certificate_pem()),
                      signature, sender_role, absl::ToUnixSeconds(absl::Now()));
    if (absl::IsFailedPrecondition(signer.status())) return signer.status();
    if (!signer.ok()) {
      return Refused(absl::StrCat("its signature does not hold: ",
                                  signer.status().message()));
    }
    if (*signer != bundle.header.sender()) {
      return Refused(absl::StrCat(
          "it says it is from '", bundle.header.sender(),
          "' but is signed by the certificate of '", *signer, "'"));
    }
    bundle.signed_by = *std::move(signer);
  }
  // Second pass: the frames, now that they are known to be the sender's.
  reader = frames_start;
  bundle.frames.resize(bundle.header.frames());
  for (size_t i = 0; i < bundle.frames.size(); ++i) {
    absl::string_view frame;
    reader.Next(&frame, kMaxBundleBytes, &error);
    if (!bundle.frames[i].ParseFromArray(frame.data(),
                                         static_cast<int>(frame.size()))) {
      return Refused(absl::StrCat("frame ", i + 1, " is unreadable"));
    }
  }
  return bundle;
}

}  // namespace casesync
