// Board-signed receipts for accepted pushes (docs/security.md): the board
// signs each PushAck's ReceiptBody with the key of its TLS certificate; the
// agency keeps the receipts and checks them offline against its CA. A
// receipt proves what the board acknowledged and pins the board's audit
// chain at that moment, so a chain rewritten later can be caught by any
// agency holding a receipt.
//
// Thread-safety: ReceiptSigner::Sign and ReceiptVerifier::Check may be
// called from many threads.
#ifndef CASESYNC_COMMON_SECURITY_RECEIPT_H_
#define CASESYNC_COMMON_SECURITY_RECEIPT_H_

#include <memory>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "casesync/v1/sync.pb.h"
#include "common/security/signing.h"

namespace casesync {

// Signs receipts with the board's certificate key (common/security/signing.h).
class ReceiptSigner {
 public:
  // Errors as KeyPairSigner::Load.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<ReceiptSigner>> Load(
      std::string cert_file, std::string key_file);

  // The signed receipt for `body`. INTERNAL only if OpenSSL cannot sign.
  [[nodiscard]] absl::StatusOr<v1::Receipt> Sign(const v1::ReceiptBody& body);

  // The signer underneath, for other things the board signs (bundles).
  KeyPairSigner* key_pair() { return key_pair_.get(); }

 private:
  explicit ReceiptSigner(std::unique_ptr<KeyPairSigner> key_pair)
      : key_pair_(std::move(key_pair)) {}
  std::unique_ptr<KeyPairSigner> key_pair_;
};

// Checks receipts against a CA certificate file.
class ReceiptVerifier {
 public:
  // INVALID_ARGUMENT if the CA file cannot be read or holds no certificate.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<ReceiptVerifier>> Load(
      const std::string& ca_file);

  // The body of `receipt` if it is signed by the key of a server
  // certificate that chained to the CA at the time the body states, whose
  // common name is the body's board. Otherwise INVALID_ARGUMENT saying what
  // is wrong.
  [[nodiscard]] absl::StatusOr<v1::ReceiptBody> Check(
      const v1::Receipt& receipt) const;

 private:
  explicit ReceiptVerifier(std::unique_ptr<CertificateTrust> trust)
      : trust_(std::move(trust)) {}
  std::unique_ptr<CertificateTrust> trust_;
};

}  // namespace casesync

#endif  // CASESYNC_COMMON_SECURITY_RECEIPT_H_
