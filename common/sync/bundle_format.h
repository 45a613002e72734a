// The bundle file format (docs/bundle_format.md): writing a bundle's bytes
// and reading them back with every check made before anything is applied.
//
// A bundle is: an 8-byte magic; the header (BundleHeader), then
// header.frames frames (BundleFrame), then the seal (BundleSeal), each
// section preceded by its length as a varint. The seal holds the SHA-256 of
// everything before it and the sender's signature over that digest.
// What a bundle's frames mean, and the order of applying them, is the
// business of the daemons (server/board_bundles.h,
// client/agency/agency_bundles.h).
//
// Thread-safety: BundleWriter is single-threaded; OpenBundle is a pure
// function (its CertificateTrust is thread-safe).
#ifndef CASESYNC_COMMON_SYNC_BUNDLE_FORMAT_H_
#define CASESYNC_COMMON_SYNC_BUNDLE_FORMAT_H_

#include <cstddef>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "casesync/v1/bundle.pb.h"
#include "common/security/signing.h"

namespace casesync {

// The largest bundle file written or read.
inline constexpr size_t kMaxBundleBytes = size_t{256} << 20;

// The most frames a bundle may announce (each holds up to a push's worth of
// changes, or a feed batch).
inline constexpr uint32_t kMaxBundleFrames = 1 << 20;

// Bundles are written to stop short of kMaxBundleBytes by this much, room
// for the header and the seal.
inline constexpr size_t kBundleSlackBytes = 1 << 20;

// The first bytes of every bundle (PNG-style: a high byte and CR LF catch a
// transfer that mangled line ends or the eighth bit).
inline constexpr absl::string_view kBundleMagic{
    "\x89"
    "CSB\r\n\x1a\n",
    8};

// Collects a bundle's frames, then writes the whole file.
class BundleWriter {
 public:
  // Appends a frame.
  void Add(const v1::BundleFrame& frame);

  // Frames so far.
  uint32_t frames() const { return frame_count_; }

  // Bytes of the frames so far.
  size_t frame_bytes() const { return frames_.size(); }

  // The bundle's bytes: `header` (its `frames` filled in here), the
  // frames, and the seal, signed by `signer` (unsigned if null). Leaves the
  // writer empty. RESOURCE_EXHAUSTED if larger than kMaxBundleBytes;
  // signing errors.
  [[nodiscard]] absl::StatusOr<std::string> Finish(v1::BundleHeader header,
                                                   KeyPairSigner* signer);

 private:
  uint32_t frame_count_ = 0;
  std::string frames_;
};

// A bundle that passed every check of its own: well formed, complete,
// checksum matching, signed by its sender (unless unsigned bundles were
// allowed).
struct OpenedBundle {
  v1::BundleHeader header;
  std::vector<v1::BundleFrame> frames;
  // The common name of the certificate that signed it; empty if unsigned
  // or not checked.
  std::string signed_by;
  size_t bytes = 0;
};

// The header of the bundle in `bytes`, read but not yet checked against the
// seal: for a daemon to say "this bundle is for the other side" before it
// checks a signature it would expect from someone else. INVALID_ARGUMENT if
// the bytes do not start as a bundle of this format version does.
[[nodiscard]] absl::StatusOr<v1::BundleHeader> PeekBundleHeader(
    absl::string_view bytes);

// Reads and checks `bytes`. With `trust`, the bundle must be signed by a
// certificate from that CA, valid now and fit for `sender_role`, whose
// common name is the header's sender (a certificate that has expired or
// been revoked signs nothing more, whatever date the bundle claims). Without (a
// daemon running --insecure) the signature is not checked and unsigned bundles
// pass; the checksum is checked either way. INVALID_ARGUMENT saying what is
// wrong (not a bundle, another format version, truncated, changed, unsigned,
// signed by someone else); RESOURCE_EXHAUSTED if larger than
// kMaxBundleBytes; FAILED_PRECONDITION if `trust` cannot tell whether the
// certificate was revoked (its revocation list is missing). Frames are parsed
// only once the signature holds; their compressed contents are left to the
// caller.
[[nodiscard]] absl::StatusOr<OpenedBundle> OpenBundle(
    absl::string_view bytes, const CertificateTrust* trust,
    CertificateRole sender_role);

}  // namespace casesync

#endif  // CASESYNC_COMMON_SYNC_BUNDLE_FORMAT_H_
