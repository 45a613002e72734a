// Seed inputs for the fuzz targets: well-formed examples of each input, made
// with the real code (a replica authoring changes, the CSV of the README),
// so that fuzzing starts from inputs that reach deep into the code under test
// rather than from random bytes.
//
// Thread-safety: pure functions (they create and remove temporary stores).
#ifndef CASESYNC_TESTS_FUZZ_FUZZ_SEEDS_H_
#define CASESYNC_TESTS_FUZZ_FUZZ_SEEDS_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace casesync::fuzz {

// The review every seed change is in, which the fuzz targets' board lists
// "police" on.
inline constexpr char kReview[] = "r1";

// Seeds for the fuzz target `target` (the name of its source file without
// "_fuzz.cc"); empty for an unknown target.
std::vector<std::string> Seeds(absl::string_view target);

// A fresh directory under $TMPDIR (or /tmp), removed at exit.
std::string ScratchDir();
// Removes a directory ScratchDir() made, now.
void RemoveScratchDir(const std::string& dir);

}  // namespace casesync::fuzz

#endif  // CASESYNC_TESTS_FUZZ_FUZZ_SEEDS_H_
