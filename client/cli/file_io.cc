#include "client/cli/file_io.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>

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

bool PartialFile::Open(const std::string& path, std::string* error) {
  path_ = path;
  const std::filesystem::path target(path);
  const std::filesystem::path dir =
      target.has_parent_path() ? target.parent_path() : ".";
  std::string name =
      (dir / absl::StrCat(".", target.filename().string(), ".XXXXXX")).string();
  fd_ = mkstemp(name.data());
  if (fd_ < 0) {
    *error = absl::StrCat("cannot write in ", dir.string(), ": ", ErrnoText());
    return false;
  }
  temp_ = name;
  dir_ = dir.string();
  return true;
}

bool PartialFile::Write(absl::string_view bytes, std::string* error) {
  return WriteAll(fd_, bytes, temp_, error);
}

bool PartialFile::Commit(std::string* error) {
  if (fsync(fd_) != 0 || close(fd_) != 0) {
    fd_ = -1;
    *error = absl::StrCat("writing ", temp_, ": ", ErrnoText());
    return false;
  }
  fd_ = -1;
  if (std::rename(temp_.c_str(), path_.c_str()) != 0) {
    *error =
        absl::StrCat("cannot rename ", temp_, " to ", path_, ": ", ErrnoText());
    return false;
  }
  temp_.clear();
  std::string ignored;  // the file is in place; its name is synced if it can be
  SyncDirectory(dir_, &ignored);
  return true;
}

PartialFile::~PartialFile() {
  if (fd_ >= 0) close(fd_);
  if (!temp_.empty()) std::remove(temp_.c_str());
}

}  // namespace casesync::cli
