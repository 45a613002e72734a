// Seed inputs for the fuzz targets: well-formed examples of each input, made
// with the real code (a replica authoring changes, the CSV of the README),
// so that fuzzing starts from inputs that reach deep into the code under test
// rather than from random bytes.
//
// Thread-safety: pure functions (they create and remove temporary stores);
// Renewed is for one thread.
#ifndef CASESYNC_TESTS_FUZZ_FUZZ_SEEDS_H_
#define CASESYNC_TESTS_FUZZ_FUZZ_SEEDS_H_

#include <functional>
#include <memory>
#include <string>
#include <utility>
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

// What a stateful target keeps across inputs (a board, an agency's
// replica), opened afresh on a new scratch directory every `every` inputs.
// Inputs within a round meet one with history; but the fuzzer aims most
// inputs at the same few records, and records that pile up thousands of
// fuzzed, mostly concurrent changes make every later read slower: one board
// kept for ever slowed push_ingest to 83 runs a second after 12,000 inputs
// (25 with a fresh board every 1,000; 1,500 every 100).
template <typename T>
class Renewed {
 public:
  using Opener = std::function<std::unique_ptr<T>(const std::string& dir)>;
  Renewed(int every, Opener open) : every_(every), open_(std::move(open)) {}

  // The one to use for this input.
  T* Get() {
    if (held_ == nullptr || ++inputs_ % every_ == 0) {
      held_.reset();
      if (!dir_.empty()) RemoveScratchDir(dir_);
      dir_ = ScratchDir();
      held_ = open_(dir_);
    }
    return held_.get();
  }

 private:
  const int every_;
  const Opener open_;
  int inputs_ = 0;
  std::string dir_;
  std::unique_ptr<T> held_;
};

}  // namespace casesync::fuzz

#endif  // CASESYNC_TESTS_FUZZ_FUZZ_SEEDS_H_
