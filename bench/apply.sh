#!/usr/bin/env bash
# Measures how fast a replica applies changes in synced batches of 1,000
# (issue: foundation). Prints the median of 5 repetitions per case:
# items_per_second is field writes per second; *_bytes_per_change are the
# bytes RocksDB wrote per change (write batches, and write-ahead log).
set -euo pipefail
cd "$(dirname "$0")/.."
deploy/build.sh build-bench -DCMAKE_BUILD_TYPE=Release >/dev/null
build-bench/bench/apply_bench --benchmark_repetitions=5 --benchmark_min_time=1 \
  --benchmark_report_aggregates_only=true "$@"
