#!/usr/bin/env bash
# Crash stress run (issue 7): tests/crash_stress_test.cc for many kill
# cycles, in the style of RocksDB's db_stress. A board and three agency
# daemons (Release build, loopback, ports picked at run time) take random
# edits, imports and syncs through the real command line while a random one
# of them is killed with SIGKILL at a random moment and restarted on the same
# data directory; a shadow model then checks that no acknowledged change was
# lost or duplicated, that every pending change was accepted, and that all
# replicas converge (digests, audit chain). Prints the cycles run and
# survived, the kills by process kind and by what they interrupted, and the
# totals of changes and records checked.
#
#   bench/crash.sh                          # CYCLES=200, a random seed
#   CYCLES=40 SEED=7 bench/crash.sh
#   BUILD_DIR=build-c CYCLES=40 bench/crash.sh   # an existing build, as is
#
# Knobs passed through: MAX_ROWS (largest import, default 2000 here),
# CHECK_EVERY (cycles between full convergence checks, default 10).
set -euo pipefail
cd "$(dirname "$0")/.."
CYCLES="${CYCLES:-200}"
SEED="${SEED:-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}"
if [ -z "${BUILD_DIR:-}" ]; then
  BUILD_DIR=build-bench
  deploy/build.sh "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release >/dev/null
fi
test_bin="$BUILD_DIR/tests/crash_stress_test"
[ -x "$test_bin" ] || { echo "crash.sh: no $test_bin" >&2; exit 1; }

echo "crash.sh: $CYCLES cycles, seed $SEED, $test_bin"
log="$(mktemp -t casesync_crash.XXXXXX)"
started=$(date +%s)
set +e
CASESYNC_CRASH_CYCLES="$CYCLES" CASESYNC_SEED="$SEED" \
  CASESYNC_CRASH_MAX_ROWS="${MAX_ROWS:-2000}" \
  CASESYNC_CRASH_CHECK_EVERY="${CHECK_EVERY:-10}" \
  CASESYNC_CRASH_MAX_SECONDS="${MAX_SECONDS:-7200}" \
  "$test_bin" --gtest_brief=1 >"$log" 2>&1
code=$?
set -e
elapsed=$(( $(date +%s) - started ))
grep '^crash_stress:' "$log" || true
if [ "$code" -ne 0 ]; then
  echo "crash.sh: FAILED (exit $code) after ${elapsed} s; full output in $log"
  echo "crash.sh: rerun with CYCLES=$CYCLES SEED=$SEED bench/crash.sh"
  exit "$code"
fi
echo "crash.sh: passed in ${elapsed} s"
rm -f "$log"
