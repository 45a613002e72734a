#!/usr/bin/env bash
# Load benchmark (issue 7): AGENCIES agencies, each pushing CHANGES
# chronology-entry changes to one real casesync-board at the same time, with
# their live feed tails open; then every agency is caught up and all must
# converge. One load process (bench/load_bench.cc) opens one sync stream per
# agency, each on its own connection, and speaks the protocol as the agency
# daemon does (Hello, PushBatch frames of BATCH changes with WINDOW awaiting
# acknowledgement, FeedAck for every feed frame, Ping/Pong). The board is the
# Release build in build-bench, --insecure (agency id in the call metadata).
#
# Prints the median over RUNS runs of: throughput (changes/s from the first
# push to the last acknowledgement), p50/p99/max push latency (frame sent ->
# its PushAck), time until every agency has every other agency's changes,
# errors (rejections, stream failures, missing changes, digest mismatches:
# must be 0), the board's peak RSS (VmHWM) and CPU. Exit 1 on any error.
#
# The default is the issue's load: 100 agencies x 1,000 changes at the same
# time, each agency pushing as a live daemon does while its people work (a
# push of 10 changes awaiting its acknowledgement, 20 changes a second per
# agency: 2,000 changes a second at the board, 50 s). RATE=0 removes the
# pacing: every agency pushes as fast as the board acknowledges, which
# measures capacity, and push latency then is queueing (Little's law:
# AGENCIES x BATCH x WINDOW changes in flight / throughput).
#
#   bench/load.sh                              # 100 x 1000, paced, 3 runs
#   RATE=0 bench/load.sh                       # unpaced: capacity
#   RATE=0 BATCH=100 WINDOW=4 bench/load.sh    # one burst, BoardLink's frames
#   AGENCIES=20 CHANGES=200 RUNS=1 bench/load.sh
#
# Each run is bounded by TIMEOUT seconds (default 600); the whole script by
# RUNS * TIMEOUT + 300.
set -euo pipefail
cd "$(dirname "$0")/.."
AGENCIES="${AGENCIES:-100}"
CHANGES="${CHANGES:-1000}"
BATCH="${BATCH:-10}"
WINDOW="${WINDOW:-1}"
RATE="${RATE:-20}"
EVENT_BYTES="${EVENT_BYTES:-200}"
RUNS="${RUNS:-3}"
TIMEOUT="${TIMEOUT:-600}"
DIGESTS="${DIGESTS:-2}"

# Only what this needs (a broken unrelated target must not stop it).
if [ ! -f build-bench/CMakeCache.txt ]; then
  cmake -S . -B build-bench -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
fi
cmake --build build-bench -j 2 --target load_bench casesync-board casesync >/dev/null
ulimit -n 65536 2>/dev/null || true
echo "load.sh: $(nproc) cores; before: $(uptime)" >&2
status=0
timeout --signal=KILL "$((RUNS * TIMEOUT + 300))" \
  build-bench/bench/load_bench --agencies "$AGENCIES" --changes "$CHANGES" \
  --batch "$BATCH" --window "$WINDOW" --rate "$RATE" \
  --event_bytes "$EVENT_BYTES" --runs "$RUNS" --timeout "$TIMEOUT" \
  --digests "$DIGESTS" || status=$?
echo "load.sh: after: $(uptime)" >&2
if [ "$status" -ne 0 ]; then
  echo "load.sh: FAILED (exit $status)" >&2
fi
exit "$status"
