#include "client/cli/file_io.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace casesync::cli {

std::string ErrnoText() { return std::strerror(errno); }

bool WriteAll(int fd, absl::string_view bytes, const std::string& what,
              std::string* error) {
  while (!bytes.empty()) {
    const ssize_t n = write(fd, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      *error = absl::StrCat("writing ", what, ": ", ErrnoText());
      return false;
    }
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

bool SyncDirectory(const std::string& path, std::string* error) {
  const int fd = open(path.c_str(), O_RDONLY | O_DIRECTORY);
  if (fd < 0 || fsync(fd) != 0) {
    *error = absl::StrCat("syncing ", path, ": ", ErrnoText());
    if (fd >= 0) close(fd);
    return false;
  }
  close(fd);
  return true;
}

}  // namespace casesync::cli
