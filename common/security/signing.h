// Signatures with the certificate keys of the security model
// (docs/security.md): a daemon signs with the key of its TLS certificate, and a
// peer checks the signature against the board's CA, the certificate's purpose
// (server for the board, client for agencies) and its common name (the
// signer's replica id). Board receipts and bundle files both sign this way.
//
// Thread-safety: KeyPairSigner::Sign, CertificateTrust::Verify and
// CertificateTrust::CheckNotRevoked may be called from many threads.
#ifndef CASESYNC_COMMON_SECURITY_SIGNING_H_
#define CASESYNC_COMMON_SECURITY_SIGNING_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"

namespace casesync {

struct Signature {
  // The signature over the signed bytes, with SHA-256.
  std::string signature;
  // The signer's certificate (PEM), so that a checker needs only its CA.
  std::string certificate_pem;
};

// Signs with a certificate's key, re-reading both files when either changes
// on disk (certificates are rotated in place: docs/security.md).
class KeyPairSigner {
 public:
  // INVALID_ARGUMENT if either file cannot be read or parsed, or the key
  // does not belong to the certificate.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<KeyPairSigner>> Load(
      std::string cert_file, std::string key_file);
  ~KeyPairSigner();

  // The signature over `bytes`. A pair caught half-rotated on disk is
  // retried at the next call (the pair read before signs until then).
  // INTERNAL only if OpenSSL cannot sign at all.
  [[nodiscard]] absl::StatusOr<Signature> Sign(absl::string_view bytes);

  // The signature over `bytes` followed by the signing certificate's PEM
  // (Signature::certificate_pem), so that the certificate a signature
  // carries cannot be altered either. Errors as Sign.
  [[nodiscard]] absl::StatusOr<Signature> SignWithCertificate(
      absl::string_view bytes);

  // The common name of the certificate that signs (the signer's id).
  std::string CommonName();

 private:
  struct Keys;
  KeyPairSigner(std::string cert_file, std::string key_file);
  // Signs `bytes`, and then the certificate's PEM if `with_certificate`.
  [[nodiscard]] absl::StatusOr<Signature> SignLocked(absl::string_view bytes,
                                                     bool with_certificate)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Reloads the pair if a file changed since it was read.
  [[nodiscard]] absl::Status Refresh() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const std::string cert_file_;
  const std::string key_file_;
  absl::Mutex mu_;
  std::unique_ptr<Keys> keys_ ABSL_GUARDED_BY(mu_);
};

// What a certificate must be allowed to do to have signed something.
enum class CertificateRole {
  kServer,  // the board (its certificate serves TLS)
  kClient,  // an agency (or the board, whose certificate is both)
};

// Checks signatures against a CA certificate file.
class CertificateTrust {
 public:
  // INVALID_ARGUMENT if the CA file cannot be read or holds no certificate.
  // With `crl_dir` (revocation lists under their hash names, as
  // deploy/certs.sh writes them), a certificate must also be absent from
  // its issuer's list as it is now (which must be there). The files are read
  // when this is called: load afresh to see a rotated CA or a new list.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<CertificateTrust>> Load(
      const std::string& ca_file, const std::string& crl_dir = "");
  ~CertificateTrust();

  // The common name of the certificate in `signature` if that certificate
  // chained to the CA, for `role`, at `at_unix_seconds`, is not revoked by
  // the lists as they are now (when loaded with a revocation directory),
  // and its key made the signature over `bytes`. Otherwise INVALID_ARGUMENT
  // saying which, PERMISSION_DENIED if the lists name the certificate, or
  // FAILED_PRECONDITION if the CA's revocation list is missing from the
  // directory.
  [[nodiscard]] absl::StatusOr<std::string> Verify(
      absl::string_view bytes, const Signature& signature, CertificateRole role,
      int64_t at_unix_seconds) const;

  // Whether the revocation lists, as they were when this was loaded, name
  // the client certificate `certificate_pem` (an agency's, as its TLS peer
  // presented it). OK when they do not, or when loaded without a revocation
  // directory; PERMISSION_DENIED when they do; FAILED_PRECONDITION when the
  // CA's list is missing; INVALID_ARGUMENT for an unreadable certificate or
  // a check that cannot be made.
  [[nodiscard]] absl::Status CheckNotRevoked(
      absl::string_view certificate_pem) const;

 private:
  struct Store;
  explicit CertificateTrust(std::unique_ptr<Store> store);
  std::unique_ptr<Store> store_;
};

}  // namespace casesync

#endif  // CASESYNC_COMMON_SECURITY_SIGNING_H_
