#include "common/receipt.h"

#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/certificate_name.h"
#include "common/status_macros.h"
#include "openssl/err.h"
#include "openssl/evp.h"
#include "openssl/pem.h"
#include "openssl/x509.h"
#include "openssl/x509_vfy.h"
#include "openssl/x509v3.h"

namespace casesync {
namespace {

template <typename T, void (*Free)(T*)>
struct Deleter {
  void operator()(T* p) const { Free(p); }
};
using Bio = std::unique_ptr<BIO, Deleter<BIO, BIO_free_all>>;
using Pkey = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using Cert = std::unique_ptr<X509, Deleter<X509, X509_free>>;
using MdCtx = std::unique_ptr<EVP_MD_CTX, Deleter<EVP_MD_CTX, EVP_MD_CTX_free>>;
using CertStore =
    std::unique_ptr<X509_STORE, Deleter<X509_STORE, X509_STORE_free>>;
using StoreCtx = std::unique_ptr<X509_STORE_CTX,
                                 Deleter<X509_STORE_CTX, X509_STORE_CTX_free>>;

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return absl::InvalidArgumentError(absl::StrCat(path, ": cannot be read"));
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

Bio MemoryBio(const std::string& bytes) {
  return Bio(BIO_new_mem_buf(bytes.data(), static_cast<int>(bytes.size())));
}

Cert ParseCert(const std::string& pem) {
  Bio bio = MemoryBio(pem);
  return Cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
}

// Leaves OpenSSL's per-thread error queue empty when a check or signature
// fails, so that a later, unrelated OpenSSL call on the thread (gRPC's TLS)
// does not find stale errors.
struct ClearOpenSslErrors {
  ~ClearOpenSslErrors() { ERR_clear_error(); }
};

std::filesystem::file_time_type ModifiedAt(const std::string& path) {
  std::error_code error;
  auto time = std::filesystem::last_write_time(path, error);
  return error ? std::filesystem::file_time_type() : time;
}

}  // namespace

struct ReceiptSigner::Keys {
  Pkey key;
  std::string cert_pem;
  std::filesystem::file_time_type cert_time;
  std::filesystem::file_time_type key_time;
};

ReceiptSigner::ReceiptSigner(std::string cert_file, std::string key_file)
    : cert_file_(std::move(cert_file)), key_file_(std::move(key_file)) {}

ReceiptSigner::~ReceiptSigner() = default;

absl::StatusOr<std::unique_ptr<ReceiptSigner>> ReceiptSigner::Load(
    std::string cert_file, std::string key_file) {
  std::unique_ptr<ReceiptSigner> signer(
      new ReceiptSigner(std::move(cert_file), std::move(key_file)));
  absl::MutexLock lock(&signer->mu_);
  RETURN_IF_ERROR(signer->Refresh());
  return signer;
}

absl::Status ReceiptSigner::Refresh() {
  ClearOpenSslErrors clear;
  const auto cert_time = ModifiedAt(cert_file_);
  const auto key_time = ModifiedAt(key_file_);
  if (keys_ != nullptr && keys_->cert_time == cert_time &&
      keys_->key_time == key_time) {
    return absl::OkStatus();
  }
  ASSIGN_OR_RETURN(std::string cert_pem, ReadFile(cert_file_));
  ASSIGN_OR_RETURN(std::string key_pem, ReadFile(key_file_));
  Cert cert = ParseCert(cert_pem);
  if (cert == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat(cert_file_, ": holds no readable PEM certificate"));
  }
  Bio key_bio = MemoryBio(key_pem);
  Pkey key(PEM_read_bio_PrivateKey(key_bio.get(), nullptr, nullptr, nullptr));
  if (key == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat(key_file_, ": holds no readable PEM private key"));
  }
  if (X509_check_private_key(cert.get(), key.get()) != 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        key_file_, " is not the key of the certificate in ", cert_file_));
  }
  auto keys = std::make_unique<Keys>();
  keys->key = std::move(key);
  keys->cert_pem = std::move(cert_pem);
  keys->cert_time = cert_time;
  keys->key_time = key_time;
  keys_ = std::move(keys);
  return absl::OkStatus();
}

absl::StatusOr<v1::Receipt> ReceiptSigner::Sign(const v1::ReceiptBody& body) {
  v1::Receipt receipt;
  receipt.set_body(body.SerializeAsString());
  absl::MutexLock lock(&mu_);
  ClearOpenSslErrors clear;
  // A pair caught half-rotated is retried at the next receipt; until then
  // the pair read before signs.
  (void)Refresh();
  MdCtx ctx(EVP_MD_CTX_new());
  size_t length = 0;
  const auto* data =
      reinterpret_cast<const unsigned char*>(receipt.body().data());
  if (ctx == nullptr ||
      EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr,
                         keys_->key.get()) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &length, data,
                     receipt.body().size()) != 1) {
    return absl::InternalError("cannot sign a receipt with the board's key");
  }
  std::string signature(length, '\0');
  if (EVP_DigestSign(ctx.get(),
                     reinterpret_cast<unsigned char*>(signature.data()),
                     &length, data, receipt.body().size()) != 1) {
    return absl::InternalError("cannot sign a receipt with the board's key");
  }
  signature.resize(length);
  receipt.set_signature(std::move(signature));
  receipt.set_board_certificate_pem(keys_->cert_pem);
  return receipt;
}

struct ReceiptVerifier::Trust {
  CertStore store;
};

ReceiptVerifier::ReceiptVerifier(std::unique_ptr<Trust> trust)
    : trust_(std::move(trust)) {}

ReceiptVerifier::~ReceiptVerifier() = default;

absl::StatusOr<std::unique_ptr<ReceiptVerifier>> ReceiptVerifier::Load(
    const std::string& ca_file) {
  ClearOpenSslErrors clear;
  auto trust = std::make_unique<Trust>();
  trust->store.reset(X509_STORE_new());
  if (trust->store == nullptr ||
      X509_STORE_load_file(trust->store.get(), ca_file.c_str()) != 1) {
    return absl::InvalidArgumentError(
        absl::StrCat(ca_file, ": holds no readable CA certificate"));
  }
  return std::unique_ptr<ReceiptVerifier>(
      new ReceiptVerifier(std::move(trust)));
}

absl::StatusOr<v1::ReceiptBody> ReceiptVerifier::Check(
    const v1::Receipt& receipt) const {
  ClearOpenSslErrors clear;
  v1::ReceiptBody body;
  if (!body.ParseFromString(receipt.body())) {
    return absl::InvalidArgumentError("its body is unreadable");
  }
  Cert cert = ParseCert(receipt.board_certificate_pem());
  if (cert == nullptr) {
    return absl::InvalidArgumentError("it carries no readable certificate");
  }
  StoreCtx ctx(X509_STORE_CTX_new());
  if (ctx == nullptr || X509_STORE_CTX_init(ctx.get(), trust_->store.get(),
                                            cert.get(), nullptr) != 1) {
    return absl::InternalError("cannot set up a certificate check");
  }
  // Only a server certificate signs receipts: an agency's (client-only, from
  // deploy/certs.sh) cannot pass itself off as a board.
  X509_STORE_CTX_set_purpose(ctx.get(), X509_PURPOSE_SSL_SERVER);
  // The certificate must have been valid when the receipt was signed; it
  // may have expired since, which does not undo what it signed.
  X509_VERIFY_PARAM_set_time(X509_STORE_CTX_get0_param(ctx.get()),
                             static_cast<time_t>(body.time_ms() / 1000));
  if (X509_verify_cert(ctx.get()) != 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "its certificate does not chain to the CA: ",
        X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx.get()))));
  }
  const std::string signer = SubjectCommonName(cert.get());
  if (signer != body.board()) {
    return absl::InvalidArgumentError(
        absl::StrCat("it names board '", body.board(),
                     "' but is signed by the certificate of '", signer, "'"));
  }
  MdCtx md(EVP_MD_CTX_new());
  const auto* data =
      reinterpret_cast<const unsigned char*>(receipt.body().data());
  if (md == nullptr ||
      EVP_DigestVerifyInit(md.get(), nullptr, EVP_sha256(), nullptr,
                           X509_get0_pubkey(cert.get())) != 1 ||
      EVP_DigestVerify(
          md.get(),
          reinterpret_cast<const unsigned char*>(receipt.signature().data()),
          receipt.signature().size(), data, receipt.body().size()) != 1) {
    return absl::InvalidArgumentError(
        "its signature does not match its body: it was changed after the "
        "board signed it");
  }
  return body;
}

}  // namespace casesync
