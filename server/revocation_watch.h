// Revocation that bites (docs/security.md, "Revocation"): the board's sync
// service asks this watch about the peer's certificate when a stream opens,
// at every frame it reads and about once a second while the stream is idle;
// the watch re-reads the CA's lists whenever the revocation directory
// changed (a file added, removed or rewritten). A revoked agency is refused
// with a message its status shows, and an open stream of one is ended: the
// TLS handshake's own check (OpenSSL's, made once per connection, with its
// lists cached) could do neither.
//
// Thread-safety: Check may be called from many threads.
#ifndef CASESYNC_SERVER_REVOCATION_WATCH_H_
#define CASESYNC_SERVER_REVOCATION_WATCH_H_

#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "common/security/signing.h"

namespace casesync {

class RevocationWatch {
 public:
  // `ca_file` is the CA certificate the board trusts; `crl_dir` holds its
  // revocation lists under their hash names (deploy/certs.sh). Nothing is
  // read until the first Check.
  RevocationWatch(std::string ca_file, std::string crl_dir);

  // OK if the lists as they are now do not name `certificate_pem` (a peer's
  // certificate as the handshake presented it); PERMISSION_DENIED, saying
  // so, if they do. If the directory cannot be read now, the last lists
  // read are used and a warning logged. FAILED_PRECONDITION if no lists
  // could ever be read, or the CA's own list is missing from them.
  [[nodiscard]] absl::Status Check(absl::string_view certificate_pem);

 private:
  // What the directory holds now: each file's name, size and time, sorted;
  // empty if it cannot be listed.
  std::string Fingerprint() const;

  const std::string ca_file_;
  const std::string crl_dir_;
  absl::Mutex mu_;
  std::string fingerprint_ ABSL_GUARDED_BY(mu_);
  std::shared_ptr<const CertificateTrust> trust_ ABSL_GUARDED_BY(mu_);
};

}  // namespace casesync

#endif  // CASESYNC_SERVER_REVOCATION_WATCH_H_
