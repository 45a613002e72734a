// Plain text as the rest of the code handles it: which bytes are white
// space, and any text as one line fit for a heading, a table cell or a
// terminal.
//
// Thread-safety: pure functions.
#ifndef CASESYNC_COMMON_BASE_TEXT_H_
#define CASESYNC_COMMON_BASE_TEXT_H_

#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/string_view.h"

namespace casesync {

// True for the ASCII white space bytes: space, \t, \n, \v, \f and \r. Every
// byte of a multi-byte UTF-8 character is not.
inline bool IsSpace(char c) {
  return absl::ascii_isspace(static_cast<unsigned char>(c));
}

// `text` as one line: each run of white space and control characters (bytes
// up to 0x20, and 0x7F) becomes one space, and each byte that does not start
// well-formed UTF-8 becomes U+FFFD, so the result is valid UTF-8 with no line
// breaks. With `trim`, a run at either end is dropped rather than kept as a
// space. Never fails.
std::string OneLine(absl::string_view text, bool trim);

}  // namespace casesync

#endif  // CASESYNC_COMMON_BASE_TEXT_H_
