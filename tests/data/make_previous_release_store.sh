#!/bin/sh
# Makes tests/data/previous_release_board.tar.gz: a board's store written by
# the release before the statutory clock (docs/statutory_process.md), for
# tests/statutory_test.cc's migration test, which opens it with the current
# casesync-board and checks its reviews show with the new fields empty.
#
# Usage: make_previous_release_store.sh BOARD_BIN CLI_BIN OUT.tar.gz
#   BOARD_BIN, CLI_BIN: casesync-board and casesync built from the previous
#   release (the store committed was made with those of commit c762103).
#
# The store holds one review, old-r1 (police, school), with one chronology
# entry and one action, all written by the board.
set -eu
board_bin=$1
cli_bin=$2
out=$3
work=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$work"' EXIT
"$board_bin" --data_dir "$work/board" --listen 127.0.0.1:0 \
  --socket "$work/board.sock" --insecure >"$work/board.out" 2>"$work/board.log" &
pid=$!
cli() { "$cli_bin" --socket "$work/board.sock" "$@"; }
tries=0
until cli status >/dev/null 2>&1; do
  tries=$((tries + 1))
  [ "$tries" -lt 300 ] || { cat "$work/board.log"; exit 1; }
  sleep 0.1
done
cli review create old-r1 --title "Child K" --agencies police,school >/dev/null
cli record add --review old-r1 --type chronology --set date=2019-05-02 \
  --set source=CSC-118 --set event="Home visit" --set child_seen=yes >/dev/null
cli record add --review old-r1 --type action --set action="Audit referrals" \
  --set action_owner=police --set due_date=2020-01-31 >/dev/null
kill -TERM "$pid"
wait "$pid" || true
tar -C "$work" -czf "$out" board
echo "wrote $out"
