#include "common/security/certificate_name.h"

#include "openssl/objects.h"
#include "openssl/x509.h"

namespace casesync {

std::string SubjectCommonName(const X509* cert) {
  const X509_NAME* subject = X509_get_subject_name(cert);
  const int length =
      X509_NAME_get_text_by_NID(subject, NID_commonName, nullptr, 0);
  if (length <= 0) return "";
  std::string name(static_cast<size_t>(length) + 1, '\0');
  X509_NAME_get_text_by_NID(subject, NID_commonName, name.data(),
                            static_cast<int>(name.size()));
  name.resize(static_cast<size_t>(length));
  return name;
}

}  // namespace casesync
