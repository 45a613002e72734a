#!/usr/bin/env bash
# Builds casesync with warnings as errors and runs every test: unit tests,
# the randomized convergence test, and the process-level tests in tests/.
# Prints the seed of every randomized test; exits non-zero if anything fails.
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir="${CASESYNC_TEST_BUILD_DIR:-build-test}"
deploy/build.sh "$build_dir" -DCASESYNC_WERROR=ON
cd "$build_dir"
ctest --output-on-failure -j 2 --timeout 900
