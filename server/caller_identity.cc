#include "server/caller_identity.h"

#include "absl/strings/str_cat.h"
#include "common/base/ids.h"

namespace casesync {

absl::StatusOr<std::string> CallerAgency(const grpc::ServerContext& context,
                                         bool insecure) {
  std::shared_ptr<const grpc::AuthContext> auth = context.auth_context();
  if (auth != nullptr && auth->IsPeerAuthenticated()) {
    std::vector<grpc::string_ref> names =
        auth->FindPropertyValues("x509_common_name");
    if (names.size() != 1) {
      return absl::UnauthenticatedError(
          "the client certificate has no single subject common name");
    }
    std::string agency(names[0].data(), names[0].size());
    if (!IsValidId(agency)) {
      return absl::UnauthenticatedError(absl::StrCat(
          "the client certificate's common name is not a valid agency id"));
    }
    return agency;
  }
  if (!insecure) {
    return absl::UnauthenticatedError("no verified client certificate");
  }
  const auto& metadata = context.client_metadata();
  auto it = metadata.find(kInsecureAgencyMetadata);
  if (it == metadata.end()) {
    return absl::UnauthenticatedError(
        absl::StrCat("insecure mode: the call must carry '",
                     kInsecureAgencyMetadata, "' metadata"));
  }
  std::string agency(it->second.data(), it->second.size());
  if (!IsValidId(agency)) {
    return absl::UnauthenticatedError("insecure mode: not a valid agency id");
  }
  return agency;
}

}  // namespace casesync
