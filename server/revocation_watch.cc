#include "server/revocation_watch.h"

#include <algorithm>
#include <filesystem>
#include <system_error>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "spdlog/spdlog.h"

namespace casesync {

RevocationWatch::RevocationWatch(std::string ca_file, std::string crl_dir)
    : ca_file_(std::move(ca_file)), crl_dir_(std::move(crl_dir)) {}

std::string RevocationWatch::Fingerprint() const {
  std::error_code error;
  std::vector<std::string> files;
  for (std::filesystem::directory_iterator it(crl_dir_, error), end;
       !error && it != end; it.increment(error)) {
    std::error_code ignored;
    const auto size = it->file_size(ignored);
    const auto time = it->last_write_time(ignored).time_since_epoch().count();
    files.push_back(
        absl::StrCat(it->path().filename().string(), " ", size, " ", time));
  }
  if (error) return "";
  std::sort(files.begin(), files.end());
  return absl::StrJoin(files, "\n");
}

absl::Status RevocationWatch::Check(absl::string_view certificate_pem) {
  const std::string now = Fingerprint();
  std::shared_ptr<const CertificateTrust> trust;
  {
    absl::MutexLock lock(&mu_);
    if (!now.empty() && now != fingerprint_) {
      absl::StatusOr<std::unique_ptr<CertificateTrust>> loaded =
          CertificateTrust::Load(ca_file_, crl_dir_);
      if (loaded.ok()) {
        trust_ = std::move(*loaded);
        fingerprint_ = now;
      } else {
        spdlog::warn("revocation lists in {} not re-read: {}", crl_dir_,
                     std::string(loaded.status().message()));
      }
    }
    trust = trust_;
  }
  if (trust == nullptr) {
    return absl::FailedPreconditionError(
        absl::StrCat("the revocation lists in ", crl_dir_, " cannot be read"));
  }
  absl::Status status = trust->CheckNotRevoked(certificate_pem);
  if (absl::IsPermissionDenied(status)) {
    return absl::PermissionDeniedError(
        "this agency's certificate has been revoked by the partnership's CA: "
        "the board takes nothing more from it (ask the CA's administrator "
        "for a new certificate: deploy/certs.sh issue)");
  }
  if (!status.ok()) {
    // The CA's list missing, or a check that cannot be made: refused, as
    // the handshake would refuse a new connection (fail closed).
    return absl::FailedPreconditionError(absl::StrCat(
        "the board cannot check this agency's certificate against its "
        "revocation lists: ",
        status.message()));
  }
  return absl::OkStatus();
}

}  // namespace casesync
