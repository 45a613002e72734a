// The driver of a fuzz target outside fuzzing builds: runs the target on its
// seeds (tests/fuzz/fuzz_seeds.h), on every file named on the command line
// (crash reproducers), and on deterministic mutations of the seeds (bit
// flips, overwritten, deleted, inserted and duplicated bytes, truncation), so
// each target is built and exercised by the ordinary test suite under its
// sanitizers. The mutation seed is printed; CASESYNC_FUZZ_SEED repeats a run,
// CASESYNC_FUZZ_MUTATIONS sets how many (default 5,000).
//
// With --write_seeds DIR it writes the seeds as files instead, for
// bench/fuzz.sh to start a libFuzzer campaign from.
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "tests/fuzz/fuzz_seeds.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

uint64_t EnvOr(const char* name, uint64_t fallback) {
  const char* value = std::getenv(name);
  return value != nullptr ? std::strtoull(value, nullptr, 10) : fallback;
}

// One random edit of `input`.
std::string Mutate(std::string input, std::mt19937_64& rng) {
  auto pick = [&rng](size_t n) {
    return n == 0 ? 0 : static_cast<size_t>(rng() % n);
  };
  const int edits = 1 + static_cast<int>(rng() % 4);
  for (int e = 0; e < edits; ++e) {
    const size_t at = pick(input.size() + 1);
    switch (rng() % 6) {
      case 0:
        if (!input.empty()) input[pick(input.size())] ^= 1 << (rng() % 8);
        break;
      case 1:
        if (!input.empty())
          input[pick(input.size())] = static_cast<char>(rng());
        break;
      case 2:
        input.erase(at, 1 + pick(16));
        break;
      case 3:
        input.insert(at, 1 + pick(8), static_cast<char>(rng()));
        break;
      case 4:
        if (at < input.size()) {
          input.insert(pick(input.size() + 1), input.substr(at, 1 + pick(32)));
        }
        break;
      default:
        input.resize(pick(input.size() + 1));
        break;
    }
  }
  return input;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> seeds = casesync::fuzz::Seeds(CASESYNC_FUZZ_TARGET);
  if (seeds.empty()) {
    std::cerr << "no seeds for fuzz target " << CASESYNC_FUZZ_TARGET << "\n";
    return 1;
  }
  if (argc == 3 && std::string(argv[1]) == "--write_seeds") {
    for (size_t i = 0; i < seeds.size(); ++i) {
      std::ofstream out(std::string(argv[2]) + "/seed-" + std::to_string(i),
                        std::ios::binary);
      out << seeds[i];
      if (!out) return 1;
    }
    return 0;
  }
  for (int i = 1; i < argc; ++i) {
    std::ifstream in(argv[i], std::ios::binary);
    if (!in) {
      std::cerr << "cannot read " << argv[i] << "\n";
      return 1;
    }
    std::stringstream bytes;
    bytes << in.rdbuf();
    seeds.push_back(bytes.str());
  }
  auto run = [](const std::string& input) {
    LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(input.data()),
                           input.size());
  };
  for (const std::string& input : seeds) run(input);
  const uint64_t seed =
      EnvOr("CASESYNC_FUZZ_SEED",
            static_cast<uint64_t>(
                std::chrono::steady_clock::now().time_since_epoch().count()));
  const uint64_t mutations = EnvOr("CASESYNC_FUZZ_MUTATIONS", 5000);
  std::cout << CASESYNC_FUZZ_TARGET << ": CASESYNC_FUZZ_SEED=" << seed
            << std::endl;
  std::mt19937_64 rng(seed);
  for (uint64_t i = 0; i < mutations; ++i) {
    run(Mutate(seeds[rng() % seeds.size()], rng));
  }
  std::cout << CASESYNC_FUZZ_TARGET << ": " << seeds.size() << " inputs and "
            << mutations << " mutations ran without a crash\n";
  return 0;
}
