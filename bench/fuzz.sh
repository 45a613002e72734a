#!/usr/bin/env bash
# Fuzzing campaigns: every target in tests/fuzz as a libFuzzer binary (clang,
# with ASan and UBSan), each run for at least RUNS executions (default
# 1,000,000) from the target's seeds (tests/fuzz/fuzz_seeds.h), in the
# build-fuzz/ tree. Crashes are left in $OUT/<target>/ (default
# bench-fuzz-out/) as crash-* files; reproduce one with
# build-fuzz/tests/fuzz/<target>_fuzz FILE.
#
#   bench/fuzz.sh                    # all targets, 1,000,000 runs each
#   RUNS=20000 bench/fuzz.sh push_ingest
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$(pwd)"
RUNS="${RUNS:-1000000}"
OUT="${OUT:-$(pwd)/bench-fuzz-out}"
case "$OUT" in /*) ;; *) OUT="$(pwd)/$OUT" ;; esac
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=(chronology_csv field_value frame_decode push_ingest feed_apply)
fi

fuzz_targets=()
for target in "${targets[@]}"; do
  fuzz_targets+=("${target}_fuzz" "${target}_libfuzzer")
done
generator=()
if command -v ninja >/dev/null; then generator=(-G Ninja); fi
if [ ! -f build-fuzz/CMakeCache.txt ]; then
  CXX=clang++ cmake -S . -B build-fuzz "${generator[@]}" -DCASESYNC_FUZZ=ON \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
fi
cmake --build build-fuzz -j 2 --target "${fuzz_targets[@]}" >/dev/null ||
  { echo "fuzz.sh: the libFuzzer build failed: cmake --build build-fuzz" >&2; exit 1; }

status=0
for target in "${targets[@]}"; do
  dir="$OUT/$target"
  mkdir -p "$dir/corpus" "$dir/seeds"
  build-fuzz/tests/fuzz/${target}_fuzz --write_seeds "$dir/seeds"
  start=$(date +%s)
  if (cd "$dir" && "$repo/build-fuzz/tests/fuzz/${target}_libfuzzer" \
        -runs="$RUNS" -max_len=65536 -print_final_stats=1 corpus seeds \
        > fuzz.log 2>&1); then
    result="ok"
  else
    result="CRASH (see $dir/fuzz.log and $dir/crash-*)"
    status=1
  fi
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$dir/fuzz.log" | tail -1)
  echo "$target: ${execs:-?} executions in $(( $(date +%s) - start )) s: $result"
done
exit $status
