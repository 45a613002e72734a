#include "common/security/transport.h"

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/security/certificate_name.h"
#include "grpcpp/security/tls_certificate_provider.h"
#include "grpcpp/security/tls_credentials_options.h"
#include "openssl/bio.h"
#include "openssl/objects.h"
#include "openssl/pem.h"
#include "openssl/x509.h"

namespace casesync {
namespace {

// How often gRPC re-reads the certificate files (rotation without restart).
constexpr unsigned int kRefreshSeconds = 60;

[[nodiscard]] absl::Status CheckPem(const std::string& path,
                                    absl::string_view flag,
                                    absl::string_view kind) {
  if (path.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(flag, " is required with TLS (or choose --insecure)"));
  }
  std::ifstream in(path);
  if (!in) {
    return absl::InvalidArgumentError(
        absl::StrCat(flag, " ", path, ": cannot be read"));
  }
  std::stringstream text;
  text << in.rdbuf();
  if (!absl::StrContains(text.str(), "-----BEGIN ") ||
      !absl::StrContains(text.str(), kind)) {
    return absl::InvalidArgumentError(absl::StrCat(
        flag, " ", path, ": not a PEM file holding a ", kind, " block"));
  }
  return absl::OkStatus();
}

std::shared_ptr<grpc::experimental::CertificateProviderInterface> Provider(
    const TransportOptions& options) {
  return std::make_shared<grpc::experimental::FileWatcherCertificateProvider>(
      options.tls_key, options.tls_cert, options.tls_ca, kRefreshSeconds);
}

}  // namespace

void AddTransportFlags(CLI::App& app, bool board, TransportOptions* options) {
  app.add_option("--tls_cert", options->tls_cert,
                 "PEM certificate of this replica, issued by the board's CA "
                 "(deploy/certs.sh); its common name is the replica id");
  app.add_option("--tls_key", options->tls_key,
                 "PEM private key of --tls_cert");
  app.add_option(
      "--tls_ca", options->tls_ca,
      "PEM certificate of the board's CA, which every peer must chain to");
  // --insecure with TLS files is refused by CheckTransport, not by CLI11's
  // "excludes": a configuration file saying `insecure = false` beside the
  // files is fine, and CLI11 counts any value as given.
  app.add_flag(
      "--insecure", options->insecure,
      board ? "plain text, and agencies name themselves: for development on "
              "one machine only"
            : "plain text, naming this agency in call metadata: for "
              "development on one machine only");
  if (board) {
    app.add_option("--tls_crl_dir", options->tls_crl_dir,
                   "directory of the CA's revocation lists by hash "
                   "(deploy/certs.sh revoke keeps it); a revoked agency is "
                   "refused, and its open connection ended within a second "
                   "or two, with no restart");
  }
}

namespace {

// Whether `dir` holds a file named as OpenSSL looks revocation lists up:
// eight hex digits of the issuer's hash, ".r", a number.
bool HoldsRevocationList(const std::string& dir) {
  std::error_code error;
  for (std::filesystem::directory_iterator it(dir, error), end;
       !error && it != end; it.increment(error)) {
    const std::string name = it->path().filename().string();
    const size_t dot = name.find(".r");
    if (dot != 8 || name.size() == dot + 2) continue;
    if (name.find_first_not_of("0123456789abcdef") < 8) continue;
    if (name.find_first_not_of("0123456789", dot + 2) != std::string::npos)
      continue;
    return true;
  }
  return false;
}

}  // namespace

absl::Status CheckTransport(const TransportOptions& options) {
  if (options.insecure) {
    if (!options.tls_cert.empty() || !options.tls_key.empty() ||
        !options.tls_ca.empty() || !options.tls_crl_dir.empty()) {
      return absl::InvalidArgumentError(
          "--insecure (plain text) and TLS files (--tls_cert, --tls_key, "
          "--tls_ca, --tls_crl_dir) are both given: choose one");
    }
    return absl::OkStatus();
  }
  if (options.tls_cert.empty() && options.tls_key.empty() &&
      options.tls_ca.empty()) {
    return absl::InvalidArgumentError(
        "choose a transport: --tls_cert, --tls_key and --tls_ca (mutual "
        "TLS), or --insecure (plain text, one machine only)");
  }
  if (absl::Status s = CheckPem(options.tls_cert, "--tls_cert", "CERTIFICATE");
      !s.ok()) {
    return s;
  }
  if (absl::Status s = CheckPem(options.tls_key, "--tls_key", "PRIVATE KEY");
      !s.ok()) {
    return s;
  }
  if (absl::Status s = CheckPem(options.tls_ca, "--tls_ca", "CERTIFICATE");
      !s.ok()) {
    return s;
  }
  if (!options.tls_crl_dir.empty()) {
    struct stat info;
    if (stat(options.tls_crl_dir.c_str(), &info) != 0 ||
        !S_ISDIR(info.st_mode)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--tls_crl_dir ", options.tls_crl_dir, ": not a directory"));
    }
    // An empty directory would check nothing while looking configured.
    if (!HoldsRevocationList(options.tls_crl_dir)) {
      return absl::InvalidArgumentError(
          absl::StrCat("--tls_crl_dir ", options.tls_crl_dir,
                       ": holds no revocation list (a file named HASH.rN, as "
                       "`deploy/certs.sh crl DIR` writes it)"));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> CertificateCommonName(const std::string& path) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_file(path.c_str(), "r"),
                                                &BIO_free);
  if (bio == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": cannot be read"));
  }
  std::unique_ptr<X509, decltype(&X509_free)> cert(
      PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr), &X509_free);
  if (cert == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": holds no readable PEM certificate"));
  }
  std::string name = SubjectCommonName(cert.get());
  if (name.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": the certificate's subject has no common name"));
  }
  return name;
}

absl::Status CheckCertifiedAs(const TransportOptions& options,
                              absl::string_view id, absl::string_view what,
                              absl::string_view flag) {
  if (options.insecure) return absl::OkStatus();
  absl::StatusOr<std::string> name = CertificateCommonName(options.tls_cert);
  if (!name.ok()) return name.status();
  if (*name != id) {
    return absl::InvalidArgumentError(
        absl::StrCat("--tls_cert ", options.tls_cert, " certifies '", *name,
                     "', but this ", what, " is '", id, "' (", flag, ")"));
  }
  return absl::OkStatus();
}

std::shared_ptr<grpc::ServerCredentials> BoardCredentials(
    const TransportOptions& options) {
  if (options.insecure) return grpc::InsecureServerCredentials();
  grpc::experimental::TlsServerCredentialsOptions tls(Provider(options));
  tls.watch_root_certs();
  tls.watch_identity_key_cert_pairs();
  tls.set_cert_request_type(
      GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
  // Revocation is not checked in the handshake: the board's sync service
  // checks every stream, at its start and while it is open, against the
  // lists as they are now, and tells a revoked agency why it is refused
  // (server/revocation_watch.h; docs/security.md, "Revocation").
  return grpc::experimental::TlsServerCredentials(tls);
}

std::shared_ptr<grpc::ChannelCredentials> AgencyCredentials(
    const TransportOptions& options) {
  if (options.insecure) return grpc::InsecureChannelCredentials();
  grpc::experimental::TlsChannelCredentialsOptions tls;
  tls.set_certificate_provider(Provider(options));
  tls.watch_root_certs();
  tls.watch_identity_key_cert_pairs();
  tls.set_verify_server_certs(true);
  return grpc::experimental::TlsCredentials(tls);
}

}  // namespace casesync
