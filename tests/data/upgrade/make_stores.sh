#!/usr/bin/env bash
# Makes previous_release_stores.tar.gz: the data directories of a board and
# two agencies (police, csc) written by the release before audiences, for
# tests/upgrade_test.cc (docs/operations.md, "Upgrade").
#
# How the committed tarball was made: the three programs were built
# (CMAKE_BUILD_TYPE=Release, no sanitizers) from a clean checkout of commit
# c76210369a0d0f8b37bec85a1e8b179560da7bce (tag issue19-done) in
# /work/bench-new, build directory build-bench, with
#
#   ninja -C build-bench casesync-board casesyncd casesync
#
# and the tarball written, from the root of this tree, with
#
#   B=<a Release build directory of commit c762103>
#   tests/data/upgrade/make_stores.sh $B/server/casesync-board \
#       $B/client/casesyncd $B/client/cli/casesync
#
# What the stores hold: review r1 ("Child U", agencies police,csc) created
# on the board; three chronology entries added by the police, one with
# --visibility review (SHARED-OLD), one with --visibility agency
# (PRIVATE-OLD) and one with no visibility at all (UNSET-OLD); both agencies
# synced (police, csc, police, each `casesync sync --wait`), so csc holds
# SHARED-OLD and UNSET-OLD (that release shared a record without a
# visibility with the whole review) and not PRIVATE-OLD, which the script
# checks. Then every daemon is stopped with SIGTERM (a clean exit checked)
# and the three data directories (board/, police/, csc/) are packed.
#
# Everything runs in plain text (--insecure) on loopback, with the board's
# port picked at run time (--listen 127.0.0.1:0) and read from its ready
# line; daemons are waited for by polling for their ready lines (30 s at
# most), never by a fixed sleep.
#
# Usage: make_stores.sh BOARD_BIN AGENCY_BIN CLI_BIN [OUTPUT]
# (OUTPUT defaults to previous_release_stores.tar.gz beside this script).
set -euo pipefail

if [[ $# -lt 3 || $# -gt 4 ]]; then
  echo "usage: $0 BOARD_BIN AGENCY_BIN CLI_BIN [OUTPUT]" >&2
  exit 2
fi
board_bin=$(realpath "$1")
agency_bin=$(realpath "$2")
cli_bin=$(realpath "$3")
here=$(cd "$(dirname "$0")" && pwd)
output=${4:-$here/previous_release_stores.tar.gz}
for bin in "$board_bin" "$agency_bin" "$cli_bin"; do
  [[ -x $bin ]] || { echo "$0: not an executable: $bin" >&2; exit 2; }
done

work=$(mktemp -d /tmp/casesync-upgrade.XXXXXX)
pids=()
cleanup() {
  # Only the daemons this script started, by their ids.
  for pid in "${pids[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

fail() {
  echo "$0: $*" >&2
  for log in "$work"/*.log; do
    [[ -f $log ]] && { echo "----- $log" >&2; cat "$log" >&2; }
  done
  exit 1
}

# Waits (bounded, 30 s) for a line containing $2 in the file $1 (a daemon's
# stdout), polling; fails if the daemon $3 exits first.
wait_ready() {
  local file=$1 marker=$2 pid=$3
  for _ in $(seq 300); do
    grep -q -- "$marker" "$file" 2>/dev/null && return 0
    kill -0 "$pid" 2>/dev/null || fail "$file: the daemon exited before ready"
    sleep 0.1
  done
  fail "$file: not ready within 30 s"
}

# SIGTERM, then wait for the exit; a clean exit (0) is required.
stop() {
  local pid=$1 name=$2 code=0
  kill -TERM "$pid"
  wait "$pid" || code=$?
  [[ $code -eq 0 ]] || fail "$name exited $code on SIGTERM"
}

cli() {
  local socket=$1
  shift
  "$cli_bin" --socket "$socket" "$@"
}

"$board_bin" --data_dir "$work/board" --board_id board \
  --listen 127.0.0.1:0 --socket "$work/board.sock" --insecure \
  >"$work/board.out" 2>"$work/board.log" &
board_pid=$!
pids+=("$board_pid")
wait_ready "$work/board.out" "listening for agencies on" "$board_pid"
port=$(sed -n 's/.*listening for agencies on 127\.0\.0\.1:\([0-9]*\).*/\1/p' \
  "$work/board.out" | head -n 1)
[[ -n $port ]] || fail "no port in the board's ready line"

declare -A agency_pid
for agency in police csc; do
  "$agency_bin" --data_dir "$work/$agency" --agency "$agency" \
    --board "127.0.0.1:$port" --socket "$work/$agency.sock" \
    --max_backoff 1 --insecure \
    >"$work/$agency.out" 2>"$work/$agency.log" &
  agency_pid[$agency]=$!
  pids+=("$!")
  wait_ready "$work/$agency.out" "serving on" "$!"
done

cli "$work/board.sock" review create r1 --title "Child U" \
  --agencies police,csc >/dev/null || fail "review create"
cli "$work/police.sock" sync --wait --timeout 60 >/dev/null ||
  fail "police: sync"
cli "$work/csc.sock" sync --wait --timeout 60 >/dev/null || fail "csc: sync"

add() {
  cli "$work/police.sock" record add --review r1 --type chronology "$@" \
    >/dev/null || fail "police: record add $*"
}
add --visibility review --set date=2024-01-10 --set source="PNC 101" \
  --set "event=SHARED-OLD police attended a call to the family home"
add --visibility agency --set date=2024-01-11 --set source="PNC 102" \
  --set "event=PRIVATE-OLD intelligence from a named informant"
add --set date=2024-01-12 --set source="PNC 103" \
  --set "event=UNSET-OLD officer noted the child at the address"

cli "$work/police.sock" sync --wait --timeout 60 >/dev/null ||
  fail "police: sync"
cli "$work/csc.sock" sync --wait --timeout 60 >/dev/null || fail "csc: sync"
cli "$work/police.sock" sync --wait --timeout 60 >/dev/null ||
  fail "police: sync"

# What the previous release shared: an entry without a visibility too.
csc_view=$(cli "$work/csc.sock" record list --review r1 --json)
grep -q SHARED-OLD <<<"$csc_view" || fail "csc lacks SHARED-OLD"
grep -q UNSET-OLD <<<"$csc_view" || fail "csc lacks UNSET-OLD"
if grep -q PRIVATE-OLD <<<"$csc_view"; then fail "csc holds PRIVATE-OLD"; fi
police_view=$(cli "$work/police.sock" record list --review r1 --json)
for event in SHARED-OLD PRIVATE-OLD UNSET-OLD; do
  grep -q "$event" <<<"$police_view" || fail "police lack $event"
done

for agency in police csc; do stop "${agency_pid[$agency]}" "$agency"; done
stop "$board_pid" board
pids=()

# Stable packing (the stores themselves differ from run to run: RocksDB ids,
# clock times): names sorted, no owners, one fixed time, gzip without
# a name or time stamp.
tar -C "$work" --sort=name --owner=0 --group=0 --numeric-owner \
  --mtime=2026-12-07T00:00:00Z -cf - board police csc | gzip -9n >"$output"
echo "wrote $output ($(stat -c %s "$output") bytes)"
