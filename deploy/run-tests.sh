#!/usr/bin/env bash
# Builds casesync and runs every test, in two passes:
#   1. g++, warnings as errors: unit tests, the randomized convergence test,
#      the process-level tests in tests/, and the fuzz targets' regression
#      runs (every randomized test prints its seed);
#   2. clang with AddressSanitizer and UndefinedBehaviorSanitizer: the same
#      suite again, plus a short libFuzzer smoke of each fuzz target
#      (bench/fuzz.sh runs the long campaigns).
# Exits non-zero if anything fails.
#   deploy/run-tests.sh            # both passes
#   deploy/run-tests.sh --quick    # pass 1 only, for iterating locally
set -euo pipefail
cd "$(dirname "$0")/.."
quick=0
if [ "${1:-}" = "--quick" ]; then quick=1; fi
build_dir="${CASESYNC_TEST_BUILD_DIR:-build-test}"

echo "== 1/2: the test suite (g++)" >&2
deploy/build.sh "$build_dir" -DCASESYNC_WERROR=ON
(cd "$build_dir" && ctest --output-on-failure -j 2 --timeout 900)
if [ "$quick" -eq 1 ]; then exit 0; fi

echo "== 2/2: the test suite under ASan and UBSan, and fuzz smoke (clang)" >&2
if [ ! -f "$build_dir-asan/CMakeCache.txt" ]; then
  generator=()
  if command -v ninja >/dev/null; then generator=(-G Ninja); fi
  CXX=clang++ cmake -S . -B "$build_dir-asan" "${generator[@]}" \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCASESYNC_FUZZ=ON
fi
cmake --build "$build_dir-asan" -j 2
suppressions="$(pwd)/tests/lsan_suppressions.txt"
(cd "$build_dir-asan" &&
  ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
    LSAN_OPTIONS="suppressions=$suppressions" \
    ctest --output-on-failure -j 2 --timeout 1800)
