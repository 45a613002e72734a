// The daemons' logs (casesync-board, casesyncd): one line per event on
// stderr, through spdlog (Debian's libspdlog). Human lines by default;
// with --log_format=json, one JSON object per line for a log collector:
// {"time": ..., "program": ..., "level": ..., "message": ...}. gRPC's own
// and protobuf's diagnostics (a refused TLS handshake, say) are routed into
// the same logger, and so is the error that stops a daemon from starting,
// so every line on stderr has the same form once the command line has been
// read (command-line errors, exit 2, are plain text; the ready line goes
// to stdout).
//
// What is logged is events and ids (agencies, reviews, dots, counts),
// never a record's contents or a key.
//
// Thread-safety: InitLogging once, at start, before other threads; the
// logger it installs is thread-safe.
#ifndef CASESYNC_COMMON_DAEMON_LOGGING_H_
#define CASESYNC_COMMON_DAEMON_LOGGING_H_

#include <string>

#include "CLI/CLI.hpp"
#include "absl/strings/string_view.h"

namespace casesync {

enum class LogFormat { kText, kJson };

// Adds --log_format text|json to `app`.
void AddLogFlags(CLI::App& app, LogFormat* format);

// Installs the default logger for `program` in `format`, and routes gRPC's
// and protobuf's logging into it.
void InitLogging(const std::string& program,
                 LogFormat format = LogFormat::kText);

// Reports the error that stops `program` from starting: as a critical log
// line in JSON (once InitLogging has run), else as "program: message" on
// stderr.
void LogStartupFailure(const std::string& program, LogFormat format,
                       absl::string_view message);

// `text` as the inside of a JSON string: quotes, backslashes and control
// characters escaped, well-formed UTF-8 as it is, any other byte as U+FFFD
// (so the result is valid JSON whatever `text` holds).
std::string JsonEscape(absl::string_view text);

}  // namespace casesync

#endif  // CASESYNC_COMMON_DAEMON_LOGGING_H_
