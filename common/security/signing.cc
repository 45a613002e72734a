#include "common/security/signing.h"

#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/base/status_macros.h"
#include "common/security/certificate_name.h"
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

[[nodiscard]] absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return absl::InvalidArgumentError(absl::StrCat(path, ": cannot be read"));
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

Bio MemoryBio(absl::string_view bytes) {
  return Bio(BIO_new_mem_buf(bytes.data(), static_cast<int>(bytes.size())));
}

Cert ParseCert(absl::string_view pem) {
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

const unsigned char* Bytes(absl::string_view bytes) {
  return reinterpret_cast<const unsigned char*>(bytes.data());
}

// X509_V_OK if `cert` chains to a CA of `store` for `purpose`, checked
// with `flags` (at `at` unless X509_V_FLAG_NO_CHECK_TIME); the OpenSSL
// error otherwise.
int VerifyCertificate(X509_STORE* store, X509* cert, int purpose,
                      unsigned long flags, int64_t at) {
  StoreCtx ctx(X509_STORE_CTX_new());
  if (ctx == nullptr ||
      X509_STORE_CTX_init(ctx.get(), store, cert, nullptr) != 1) {
    return X509_V_ERR_UNSPECIFIED;
  }
  // A client-only certificate (an agency's, from deploy/certs.sh) cannot
  // pass itself off as the board.
  X509_STORE_CTX_set_purpose(ctx.get(), purpose);
  X509_VERIFY_PARAM* param = X509_STORE_CTX_get0_param(ctx.get());
  if (!(flags & X509_V_FLAG_NO_CHECK_TIME)) {
    X509_VERIFY_PARAM_set_time(param, static_cast<time_t>(at));
  }
  X509_VERIFY_PARAM_set_flags(param, flags);
  return X509_verify_cert(ctx.get()) == 1 ? X509_V_OK
                                          : X509_STORE_CTX_get_error(ctx.get());
}

// OK if the revocation lists of `store` (as they are now) do not name
// `cert`; PERMISSION_DENIED if they do; FAILED_PRECONDITION if the CA's list
// is missing; INVALID_ARGUMENT if the check cannot be made.
[[nodiscard]] absl::Status RevocationStatus(X509_STORE* store, X509* cert,
                                            int purpose) {
  const int error =
      VerifyCertificate(store, cert, purpose,
                        X509_V_FLAG_CRL_CHECK | X509_V_FLAG_NO_CHECK_TIME, 0);
  if (error == X509_V_ERR_CERT_REVOKED) {
    return absl::PermissionDeniedError(
        "its certificate has been revoked (the CA's revocation list names "
        "it)");
  }
  if (error == X509_V_ERR_UNABLE_TO_GET_CRL) {
    return absl::FailedPreconditionError(
        "the revocation list of the CA is missing from the revocation "
        "directory (--tls_crl_dir): deploy/certs.sh crl DIR writes it");
  }
  if (error != X509_V_OK) {
    return absl::InvalidArgumentError(
        absl::StrCat("its certificate's revocation status does not check "
                     "out: ",
                     X509_verify_cert_error_string(error)));
  }
  return absl::OkStatus();
}

}  // namespace

struct KeyPairSigner::Keys {
  Pkey key;
  std::string cert_pem;
  std::string common_name;
  std::filesystem::file_time_type cert_time;
  std::filesystem::file_time_type key_time;
};

KeyPairSigner::KeyPairSigner(std::string cert_file, std::string key_file)
    : cert_file_(std::move(cert_file)), key_file_(std::move(key_file)) {}

KeyPairSigner::~KeyPairSigner() = default;

absl::StatusOr<std::unique_ptr<KeyPairSigner>> KeyPairSigner::Load(
    std::string cert_file, std::string key_file) {
  std::unique_ptr<KeyPairSigner> signer(
      new KeyPairSigner(std::move(cert_file), std::move(key_file)));
  absl::MutexLock lock(&signer->mu_);
  RETURN_IF_ERROR(signer->Refresh());
  return signer;
}

absl::Status KeyPairSigner::Refresh() {
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
  keys->common_name = SubjectCommonName(cert.get());
  keys->cert_pem = std::move(cert_pem);
  keys->cert_time = cert_time;
  keys->key_time = key_time;
  keys_ = std::move(keys);
  return absl::OkStatus();
}

absl::StatusOr<Signature> KeyPairSigner::Sign(absl::string_view bytes) {
  absl::MutexLock lock(&mu_);
  return SignLocked(bytes, /*with_certificate=*/false);
}

absl::StatusOr<Signature> KeyPairSigner::SignWithCertificate(
    absl::string_view bytes) {
  absl::MutexLock lock(&mu_);
  return SignLocked(bytes, /*with_certificate=*/true);
}

absl::StatusOr<Signature> KeyPairSigner::SignLocked(absl::string_view bytes,
                                                    bool with_certificate) {
  ClearOpenSslErrors clear;
  (void)Refresh();
  const std::string message = with_certificate
                                  ? absl::StrCat(bytes, keys_->cert_pem)
                                  : std::string(bytes);
  MdCtx ctx(EVP_MD_CTX_new());
  size_t length = 0;
  if (ctx == nullptr ||
      EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr,
                         keys_->key.get()) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &length, Bytes(message),
                     message.size()) != 1) {
    return absl::InternalError(
        absl::StrCat("cannot sign with the key in ", key_file_));
  }
  Signature signature;
  signature.signature.resize(length);
  if (EVP_DigestSign(
          ctx.get(),
          reinterpret_cast<unsigned char*>(signature.signature.data()), &length,
          Bytes(message), message.size()) != 1) {
    return absl::InternalError(
        absl::StrCat("cannot sign with the key in ", key_file_));
  }
  signature.signature.resize(length);
  signature.certificate_pem = keys_->cert_pem;
  return signature;
}

std::string KeyPairSigner::CommonName() {
  absl::MutexLock lock(&mu_);
  (void)Refresh();
  return keys_->common_name;
}

struct CertificateTrust::Store {
  CertStore store;
  bool check_revocation = false;
};

CertificateTrust::CertificateTrust(std::unique_ptr<Store> store)
    : store_(std::move(store)) {}

CertificateTrust::~CertificateTrust() = default;

absl::StatusOr<std::unique_ptr<CertificateTrust>> CertificateTrust::Load(
    const std::string& ca_file, const std::string& crl_dir) {
  ClearOpenSslErrors clear;
  auto store = std::make_unique<Store>();
  store->store.reset(X509_STORE_new());
  if (store->store == nullptr ||
      X509_STORE_load_file(store->store.get(), ca_file.c_str()) != 1) {
    return absl::InvalidArgumentError(
        absl::StrCat(ca_file, ": holds no readable CA certificate"));
  }
  if (!crl_dir.empty()) {
    X509_LOOKUP* lookup =
        X509_STORE_add_lookup(store->store.get(), X509_LOOKUP_hash_dir());
    if (lookup == nullptr ||
        X509_LOOKUP_add_dir(lookup, crl_dir.c_str(), X509_FILETYPE_PEM) != 1) {
      return absl::InvalidArgumentError(
          absl::StrCat(crl_dir,
                       ": cannot be read as a directory of "
                       "revocation lists"));
    }
    store->check_revocation = true;
  }
  return std::unique_ptr<CertificateTrust>(
      new CertificateTrust(std::move(store)));
}

absl::StatusOr<std::string> CertificateTrust::Verify(
    absl::string_view bytes, const Signature& signature, CertificateRole role,
    int64_t at_unix_seconds) const {
  ClearOpenSslErrors clear;
  Cert cert = ParseCert(signature.certificate_pem);
  if (cert == nullptr) {
    return absl::InvalidArgumentError("it carries no readable certificate");
  }
  // Valid for its role when it signed (a certificate that has expired since
  // does not undo what it signed)...
  const int purpose = role == CertificateRole::kServer
                          ? X509_PURPOSE_SSL_SERVER
                          : X509_PURPOSE_SSL_CLIENT;
  // Valid for its role when it signed (a certificate that has expired since
  // does not undo what it signed)...
  if (int error = VerifyCertificate(store_->store.get(), cert.get(), purpose, 0,
                                    at_unix_seconds);
      error != X509_V_OK) {
    return absl::InvalidArgumentError(
        absl::StrCat("its certificate does not chain to the CA: ",
                     X509_verify_cert_error_string(error)));
  }
  // ... and not revoked since, by the lists as they are now.
  if (store_->check_revocation) {
    RETURN_IF_ERROR(RevocationStatus(store_->store.get(), cert.get(), purpose));
  }
  MdCtx md(EVP_MD_CTX_new());
  if (md == nullptr ||
      EVP_DigestVerifyInit(md.get(), nullptr, EVP_sha256(), nullptr,
                           X509_get0_pubkey(cert.get())) != 1 ||
      EVP_DigestVerify(md.get(), Bytes(signature.signature),
                       signature.signature.size(), Bytes(bytes),
                       bytes.size()) != 1) {
    return absl::InvalidArgumentError(
        "its signature does not match what it signs: it was changed after "
        "it was signed");
  }
  return SubjectCommonName(cert.get());
}

absl::Status CertificateTrust::CheckNotRevoked(
    absl::string_view certificate_pem) const {
  if (!store_->check_revocation) return absl::OkStatus();
  ClearOpenSslErrors clear;
  Cert cert = ParseCert(certificate_pem);
  if (cert == nullptr) {
    return absl::InvalidArgumentError("no readable certificate");
  }
  return RevocationStatus(store_->store.get(), cert.get(),
                          X509_PURPOSE_SSL_CLIENT);
}

}  // namespace casesync
