// SHA-256 of a byte string, through OpenSSL (already linked through gRPC).
// Used for the audit chain's hashes and the digests of stored changes.
//
// Thread-safety: a pure function.
#ifndef CASESYNC_COMMON_BASE_SHA256_H_
#define CASESYNC_COMMON_BASE_SHA256_H_

#include <cstddef>
#include <string>

#include "absl/strings/string_view.h"

namespace casesync {

inline constexpr size_t kSha256Bytes = 32;

// The 32-byte digest of `bytes`. Never fails.
std::string Sha256(absl::string_view bytes);

}  // namespace casesync

#endif  // CASESYNC_COMMON_BASE_SHA256_H_
