// The name an X.509 certificate gives its holder: the subject's common name,
// which casesync takes as a replica's id (docs/security.md, "Identities").
// Shared by the transport (whose certificate is this daemon's?) and receipts
// (which board signed this?).
//
// Thread-safety: a pure function.
#ifndef CASESYNC_COMMON_SECURITY_CERTIFICATE_NAME_H_
#define CASESYNC_COMMON_SECURITY_CERTIFICATE_NAME_H_

#include <string>

#include "openssl/types.h"

namespace casesync {

// The subject common name of `cert`; empty if it has none.
std::string SubjectCommonName(const X509* cert);

}  // namespace casesync

#endif  // CASESYNC_COMMON_SECURITY_CERTIFICATE_NAME_H_
