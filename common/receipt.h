// Board-signed receipts for accepted pushes (DESIGN.md section 6): the board
// signs each PushAck's ReceiptBody with the key of its TLS certificate; the
// agency keeps the receipts and checks them offline against its CA. A
// receipt proves what the board acknowledged and pins the board's audit
// chain at that moment, so a chain rewritten later can be caught by any
// agency holding a receipt.
//
// Thread-safety: ReceiptSigner::Sign and ReceiptVerifier::Check may be
// called from many threads.
#ifndef CASESYNC_COMMON_RECEIPT_H_
#define CASESYNC_COMMON_RECEIPT_H_

#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "casesync/v1/sync.pb.h"

namespace casesync {

// Signs receipts with a certificate's key, re-reading both files when either
// changes on disk (certificates are rotated in place: docs/security.md).
class ReceiptSigner {
 public:
  // INVALID_ARGUMENT if either file cannot be read or parsed, or the key
  // does not belong to the certificate.
  static absl::StatusOr<std::unique_ptr<ReceiptSigner>> Load(
      std::string cert_file, std::string key_file);
  ~ReceiptSigner();

  // The signed receipt for `body`. Errors: a rotated pair that cannot be
  // read (the previous pair is used until then: INTERNAL only if OpenSSL
  // cannot sign at all).
  absl::StatusOr<v1::Receipt> Sign(const v1::ReceiptBody& body);

 private:
  struct Keys;
  ReceiptSigner(std::string cert_file, std::string key_file);
  // Reloads the pair if a file changed since it was read.
  absl::Status Refresh() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const std::string cert_file_;
  const std::string key_file_;
  absl::Mutex mu_;
  std::unique_ptr<Keys> keys_ ABSL_GUARDED_BY(mu_);
};

// Checks receipts against a CA certificate file.
class ReceiptVerifier {
 public:
  // INVALID_ARGUMENT if the CA file cannot be read or holds no certificate.
  static absl::StatusOr<std::unique_ptr<ReceiptVerifier>> Load(
      const std::string& ca_file);
  ~ReceiptVerifier();

  // The body of `receipt` if it is signed by the key of a server
  // certificate that chained to the CA at the time the body states, whose
  // common name is the body's board. Otherwise INVALID_ARGUMENT saying what
  // is wrong.
  absl::StatusOr<v1::ReceiptBody> Check(const v1::Receipt& receipt) const;

 private:
  struct Trust;
  explicit ReceiptVerifier(std::unique_ptr<Trust> trust);
  std::unique_ptr<Trust> trust_;
};

}  // namespace casesync

#endif  // CASESYNC_COMMON_RECEIPT_H_
