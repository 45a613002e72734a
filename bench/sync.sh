#!/usr/bin/env bash
# Sync benchmark: casesync against the peer (PouchDB replicating to a PouchDB
# server, ../shared/peers) on the same workload, in the same invocation, and
# the ratios. Medians of RUNS runs each (default 3).
#
#   bench/sync.sh                 # N=10000 entries, K=100 edits, 3 runs
#   N=2000 RUNS=5 bench/sync.sh
#
# Needs node and npm (the peer is installed from the npm registry into a
# temporary copy of ../shared/peers) and /usr/bin/time (Debian "time").
set -euo pipefail
cd "$(dirname "$0")/.."
N="${N:-10000}"
K="${K:-100}"
RUNS="${RUNS:-3}"
PEERS="${PEERS:-$(pwd)/../shared/peers}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

deploy/build.sh build-bench -DCMAKE_BUILD_TYPE=Release >/dev/null
echo "casesync: $RUNS runs, N=$N, K=$K" >&2
build-bench/bench/sync_bench --n "$N" --k "$K" --runs "$RUNS" --out "$work/casesync.json" >/dev/null

if [ -d "$PEERS" ] && command -v node >/dev/null; then
  cp -r "$PEERS" "$work/peers"
  (cd "$work/peers" && npm ci --no-audit --no-fund >/dev/null 2>&1)
  echo "pouchdb: $RUNS runs, N=$N" >&2
  (cd "$work/peers" && node bench.js --system pouchdb --n "$N" --runs "$RUNS" \
      --out "$work/pouchdb.json" >/dev/null)
else
  echo "sync.sh: no peer benchmark at $PEERS (or no node): casesync figures only" >&2
fi

python3 - "$work" <<'PY'
import json, os, sys
work = sys.argv[1]
ours = json.load(open(os.path.join(work, "casesync.json")))
peer_path = os.path.join(work, "pouchdb.json")
peer = json.load(open(peer_path))["summary"] if os.path.exists(peer_path) else None

def row(name, mine, theirs, unit, better_low=True):
    if theirs is None:
        print(f"| {name} | {mine:,.1f} {unit} | | |")
        return
    ratio = theirs / mine if better_low and mine else (mine / theirs if theirs else 0)
    print(f"| {name} | {mine:,.1f} {unit} | {theirs:,.1f} {unit} | {ratio:.1f}x |")

p = peer or {}
get = lambda *ks: (lambda d: d)(p) if False else None
def pv(w, k):
    return p.get(w, {}).get(k) if p else None

print("| metric (median) | casesync | PouchDB | PouchDB / casesync |")
print("|---|---|---|---|")
row("W1 initial push: time until accepted (casesync: durable)", ours["w1_ms"], pv("w1", "ms"), "ms")
w1_bytes = ours["w1_bytes_up"] + ours["w1_bytes_down"]
row("W1 bytes on the wire, both ways", w1_bytes / 1000, (pv("w1", "bytes_total") or 0) / 1000 if p else None, "kB")
print(f"| W1 raw bytes of the records | {ours['w1_raw_bytes']/1000:,.1f} kB | | wire/raw {w1_bytes/ours['w1_raw_bytes']:.2f} |")
row("W2 100 edits: sync time", ours["w2_ms"], pv("w2", "ms"), "ms")
w2_bytes = ours["w2_bytes_up"] + ours["w2_bytes_down"]
row("W2 bytes on the wire, both ways", w2_bytes / 1000, (pv("w2", "bytes_total") or 0) / 1000 if p else None, "kB")
print(f"| W2 raw bytes of the fields sent | {ours['w2_raw_bytes']/1000:,.1f} kB | | wire/raw {w2_bytes/ours['w2_raw_bytes']:.2f} |")
row("W2b same again: sync time", ours["w2b_ms"], pv("w2b", "ms"), "ms")
row("peak RSS, board / server", ours["board_peak_rss_kb"] / 1024, (p.get("server_peak_rss_kb") or 0) / 1024 if p else None, "MiB")
row("peak RSS, agency / client", ours["agency_peak_rss_kb"] / 1024, (p.get("client_peak_rss_kb") or 0) / 1024 if p else None, "MiB")
PY
