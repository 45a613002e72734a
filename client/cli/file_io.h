// The few POSIX file steps the command line's atomic writes share (a
// bundle file, an exported review, a backup directory): whole writes, syncs,
// errno as text, and a file that appears whole or not at all.
//
// Thread-safety: pure functions (errno is per thread); a PartialFile is
// used from one thread.
#ifndef CASESYNC_CLIENT_CLI_FILE_IO_H_
#define CASESYNC_CLIENT_CLI_FILE_IO_H_

#include <string>

#include "absl/strings/string_view.h"

namespace casesync::cli {

// strerror(errno).
std::string ErrnoText();

// Writes all of `bytes` to `fd` (retrying short writes and EINTR). False
// with `*error` = "writing `what`: reason" on failure.
bool WriteAll(int fd, absl::string_view bytes, const std::string& what,
              std::string* error);

// fsyncs the directory at `path`, so that names created or renamed in it
// last. False with `*error` = "syncing `path`: reason" on failure.
bool SyncDirectory(const std::string& path, std::string* error);

// A file written under a temporary name beside its final path, and renamed
// into place only once complete and synced; removed if never committed.
class PartialFile {
 public:
  PartialFile() = default;
  PartialFile(const PartialFile&) = delete;
  PartialFile& operator=(const PartialFile&) = delete;
  ~PartialFile();

  // Creates the temporary file; false with `*error` set if the directory
  // cannot take it.
  bool Open(const std::string& path, std::string* error);
  // False with `*error` set on a failed write.
  bool Write(absl::string_view bytes, std::string* error);
  // Syncs, renames into place (replacing a file of that name), syncs the
  // directory. False with `*error` set if the file could not be put in
  // place.
  bool Commit(std::string* error);

 private:
  std::string path_;
  std::string temp_;
  std::string dir_;
  int fd_ = -1;
};

}  // namespace casesync::cli

#endif  // CASESYNC_CLIENT_CLI_FILE_IO_H_
