// How a replica talks to the board over the network: mutual TLS with
// certificates from the board's CA (docs/security.md), or, only when asked
// for with --insecure, plain text for development on one machine.
//
// Certificates and keys are read by gRPC's file watcher, which re-reads them
// every minute: replacing the files (atomically, with mv) rotates them
// without a restart. The board also reads a directory of revocation lists on
// every handshake. deploy/certs.sh makes all of these; docs/security.md says
// how to rotate and revoke.
//
// Thread-safety: pure functions; the credentials they return are safe to
// share between threads.
#ifndef CASESYNC_COMMON_SECURITY_TRANSPORT_H_
#define CASESYNC_COMMON_SECURITY_TRANSPORT_H_

#include <memory>
#include <string>

#include "CLI/CLI.hpp"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/security/server_credentials.h"

namespace casesync {

struct TransportOptions {
  // PEM certificate of this replica (subject CN = its id).
  std::string tls_cert;
  // PEM private key of that certificate.
  std::string tls_key;
  // PEM certificate of the CA every peer's certificate must chain to.
  std::string tls_ca;
  // Board only, optional: a directory of revocation lists named by their
  // hash (deploy/certs.sh keeps one up to date). When set, a certificate the
  // CA revoked, or one whose CA has no list there, is refused by the board's
  // sync service (server/revocation_watch.h), not in the TLS handshake.
  std::string tls_crl_dir;
  // Plain text; the board trusts the agency id the caller names.
  bool insecure = false;
};

// Adds --tls_cert, --tls_key, --tls_ca, --insecure (and --tls_crl_dir when
// `board`) to `app`.
void AddTransportFlags(CLI::App& app, bool board, TransportOptions* options);

// OK if `options` asks for exactly one transport: --insecure alone, or all
// three TLS files, each readable and holding PEM data of the right kind (and
// the CRL directory, if named, a directory). INVALID_ARGUMENT naming the flag
// otherwise.
[[nodiscard]] absl::Status CheckTransport(const TransportOptions& options);

// The subject common name of the first certificate in the PEM file at
// `path`: the replica id it certifies. INVALID_ARGUMENT if the file holds no
// readable certificate or the certificate no common name.
[[nodiscard]] absl::StatusOr<std::string> CertificateCommonName(
    const std::string& path);

// OK if `options` is --insecure or its --tls_cert certifies `id` (its common
// name); otherwise INVALID_ARGUMENT naming both: "... but this `what` is
// 'id' (`flag`)". Errors of CertificateCommonName.
[[nodiscard]] absl::Status CheckCertifiedAs(const TransportOptions& options,
                                            absl::string_view id,
                                            absl::string_view what,
                                            absl::string_view flag);

// Credentials for the board's sync service: TLS that requires and verifies a
// client certificate from the CA (and against the revocation lists), or
// insecure. Call CheckTransport first.
std::shared_ptr<grpc::ServerCredentials> BoardCredentials(
    const TransportOptions& options);

// Credentials for an agency's channel to the board: TLS with this replica's
// certificate, verifying the board's certificate against the CA and the
// address dialled, or insecure. Call CheckTransport first.
std::shared_ptr<grpc::ChannelCredentials> AgencyCredentials(
    const TransportOptions& options);

}  // namespace casesync

#endif  // CASESYNC_COMMON_SECURITY_TRANSPORT_H_
