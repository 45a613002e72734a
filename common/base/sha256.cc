#include "common/base/sha256.h"

#include "openssl/sha.h"

namespace casesync {

static_assert(kSha256Bytes == SHA256_DIGEST_LENGTH);

std::string Sha256(absl::string_view bytes) {
  std::string digest(kSha256Bytes, '\0');
  SHA256(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(),
         reinterpret_cast<unsigned char*>(digest.data()));
  return digest;
}

}  // namespace casesync
