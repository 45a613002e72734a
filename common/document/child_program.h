// Running a program as a child process without a shell, with a time limit:
// what the office formats (common/document/office_formats.h) convert with.
//
// Thread-safety: RunChildProgram may be called from many threads.
#ifndef CASESYNC_COMMON_DOCUMENT_CHILD_PROGRAM_H_
#define CASESYNC_COMMON_DOCUMENT_CHILD_PROGRAM_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"

namespace casesync {

// Runs `argv` (argv[0] a path or a name looked up on PATH) in `directory`,
// standard input from /dev/null and standard output and error to
// `directory`/child.log, in a process group of its own. OK once it exits
// with status 0. UNAVAILABLE if it cannot be started, exits otherwise (the
// log's last lines in the message), or runs past `time_limit` (then the
// whole group is killed).
[[nodiscard]] absl::Status RunChildProgram(const std::vector<std::string>& argv,
                                           const std::string& directory,
                                           absl::Duration time_limit);

}  // namespace casesync

#endif  // CASESYNC_COMMON_DOCUMENT_CHILD_PROGRAM_H_
