#include "common/security/receipt.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "common/base/status_macros.h"

namespace casesync {

absl::StatusOr<std::unique_ptr<ReceiptSigner>> ReceiptSigner::Load(
    std::string cert_file, std::string key_file) {
  ASSIGN_OR_RETURN(
      std::unique_ptr<KeyPairSigner> key_pair,
      KeyPairSigner::Load(std::move(cert_file), std::move(key_file)));
  return std::unique_ptr<ReceiptSigner>(new ReceiptSigner(std::move(key_pair)));
}

absl::StatusOr<v1::Receipt> ReceiptSigner::Sign(const v1::ReceiptBody& body) {
  v1::Receipt receipt;
  receipt.set_body(body.SerializeAsString());
  ASSIGN_OR_RETURN(Signature signature, key_pair_->Sign(receipt.body()));
  receipt.set_signature(std::move(signature.signature));
  receipt.set_board_certificate_pem(std::move(signature.certificate_pem));
  return receipt;
}

absl::StatusOr<std::unique_ptr<ReceiptVerifier>> ReceiptVerifier::Load(
    const std::string& ca_file) {
  ASSIGN_OR_RETURN(std::unique_ptr<CertificateTrust> trust,
                   CertificateTrust::Load(ca_file));
  return std::unique_ptr<ReceiptVerifier>(
      new ReceiptVerifier(std::move(trust)));
}

absl::StatusOr<v1::ReceiptBody> ReceiptVerifier::Check(
    const v1::Receipt& receipt) const {
  v1::ReceiptBody body;
  if (!body.ParseFromString(receipt.body())) {
    return absl::InvalidArgumentError("its body is unreadable");
  }
  Signature signature;
  signature.signature = receipt.signature();
  signature.certificate_pem = receipt.board_certificate_pem();
  // The certificate must have been valid when the receipt was signed.
  ASSIGN_OR_RETURN(std::string signer, trust_->Verify(receipt.body(), signature,
                                                      CertificateRole::kServer,
                                                      body.time_ms() / 1000));
  if (signer != body.board()) {
    return absl::InvalidArgumentError(
        absl::StrCat("it names board '", body.board(),
                     "' but is signed by the certificate of '", signer, "'"));
  }
  return body;
}

}  // namespace casesync
