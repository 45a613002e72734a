// The few POSIX file steps the command line's atomic writes share (a
// bundle file, a backup directory): whole writes, syncs, and errno as text.
//
// Thread-safety: pure functions (errno is per thread).
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

}  // namespace casesync::cli

#endif  // CASESYNC_CLIENT_CLI_FILE_IO_H_
