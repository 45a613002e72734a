// The seed of a randomized test: CASESYNC_SEED from the environment (to rerun
// a failure), otherwise a fresh random one. The test prints it.
//
// Thread-safety: reads the environment; call from the test's thread.
#ifndef CASESYNC_COMMON_TESTING_RANDOM_SEED_H_
#define CASESYNC_COMMON_TESTING_RANDOM_SEED_H_

#include <cstdint>
#include <cstdlib>
#include <random>

namespace casesync::testing {

inline uint64_t SeedFromEnvOrRandom() {
  if (const char* env = std::getenv("CASESYNC_SEED")) {
    return std::strtoull(env, nullptr, 10);
  }
  return std::random_device()() | (uint64_t{std::random_device()()} << 32);
}

}  // namespace casesync::testing

#endif  // CASESYNC_COMMON_TESTING_RANDOM_SEED_H_
