#!/usr/bin/env bash
# Builds casesync and starts a local deployment on this machine: a board and
# two agency daemons (children's social care and police) on loopback, then
# walks through a first review: the board creates it, the police add a
# chronology entry while the board is down, and the entry reaches the board
# and the other agency once the board is back.
#
# Everything lives under $CASESYNC_LOCAL (default: ./local-deployment); the
# daemons keep running afterwards. deploy/stop-local.sh stops them.
#
# The daemons talk mutual TLS with certificates from a local CA made by
# deploy/certs.sh under $CASESYNC_LOCAL/pki (kept between runs).
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$(pwd)"
root="${CASESYNC_LOCAL:-$repo/local-deployment}"

deploy/build.sh build >/dev/null
bin="$repo/build"
casesync="$bin/client/casesync"

if [ -f "$root/pids" ]; then
  "$repo/deploy/stop-local.sh" >/dev/null 2>&1 || true
fi
mkdir -p "$root"
: > "$root/pids"

pki="$root/pki"
if [ ! -f "$pki/ca.key" ]; then
  deploy/certs.sh init "$pki" board 2>/dev/null
  for agency in csc police; do deploy/certs.sh issue "$pki" "$agency" 2>/dev/null; done
fi
# --tls_* flags for replica $1.
tls() {
  echo --tls_cert "$pki/$1.crt" --tls_key "$pki/$1.key" --tls_ca "$pki/ca.crt"
}

# Starts a daemon in the background and waits (up to 30 s) for its ready line.
start() {
  local name="$1" marker="$2"
  shift 2
  "$@" > "$root/$name.out" 2> "$root/$name.log" &
  echo "$! $name" >> "$root/pids"
  for _ in $(seq 1 300); do
    grep -q "$marker" "$root/$name.out" 2>/dev/null && return 0
    if ! kill -0 "$!" 2>/dev/null; then
      echo "start-local.sh: $name did not start; its log:" >&2
      cat "$root/$name.log" >&2
      exit 1
    fi
    sleep 0.1
  done
  echo "start-local.sh: $name did not become ready within 30 s" >&2
  exit 1
}

start_board() {
  start board "listening for agencies" "$bin/server/casesync-board" \
    --data_dir "$root/board" --listen "127.0.0.1:${port:-0}" \
    --socket "$root/board.sock" $(tls board) --tls_crl_dir "$pki/crl"
  port="$(sed -n 's/.*agencies on 127\.0\.0\.1:\([0-9]*\);.*/\1/p' "$root/board.out")"
}

stop_board() {
  local pid
  pid="$(awk '$2 == "board" {print $1}' "$root/pids" | tail -1)"
  kill "$pid" && while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
}

# Shows a command, then runs it.
run() {
  local shown=("$@")
  shown[0]="$(basename "$1")"
  echo
  printf '$'
  local arg
  for arg in "${shown[@]}"; do
    if [[ "$arg" =~ [[:space:]\;] ]]; then printf ' "%s"' "$arg"; else printf ' %s' "$arg"; fi
  done
  echo
  "$@"
}

start_board
for agency in csc police; do
  start "$agency" "serving on" "$bin/client/casesyncd" --data_dir "$root/$agency" \
    --agency "$agency" --board "127.0.0.1:$port" --socket "$root/$agency.sock" \
    $(tls "$agency") --max_backoff 2
done

cat > "$root/env.sh" <<ENV
# source this file: casesync commands then talk to the board, or use
# CASESYNC_SOCKET=\$AGENCY_CSC / \$AGENCY_POLICE for the agencies.
export PATH="$bin/client:$bin/server:\$PATH"
export BOARD="$root/board.sock"
export AGENCY_CSC="$root/csc.sock"
export AGENCY_POLICE="$root/police.sock"
export CASESYNC_SOCKET="$root/board.sock"
ENV

cat <<TEXT
casesync is running on this machine, agencies and board authenticated to
each other by certificates from a local CA ($pki):
  board            127.0.0.1:$port, local API $root/board.sock
  agency csc       $root/csc.sock
  agency police    $root/police.sock
Logs are in $root/*.log.

A first review. The board (the review team) creates it and lists the agencies:
TEXT
export CASESYNC_SOCKET="$root/board.sock"
review="cspr-$(date +%Y%m%d%H%M%S)"
run "$casesync" review create "$review" --title "Child J rapid review" --agencies csc,police

echo
echo "Each agency receives the review when it syncs (it does so by itself within"
echo "a second or two; sync --wait waits until everything is pushed and pulled):"
run "$casesync" --socket "$root/police.sock" sync --wait

echo
echo "Now the board goes down. The police keep working: a chronology entry, offline,"
echo "shared with the review (a new record is the police's own unless they say so):"
stop_board
run "$casesync" --socket "$root/police.sock" record add --review "$review" \
  --type chronology --visibility review --set date=2024-03-04 --set time=10:30 \
  --set source="PNC occurrence 24/1187" --set practitioner_role="response officer" \
  --set event="Attended address after neighbour reported shouting; Child J seen, appeared well" \
  --set child_seen=yes
run "$casesync" --socket "$root/police.sock" status

echo
echo "The board comes back; the pending entry is pushed as soon as the link is up:"
start_board
run "$casesync" --socket "$root/police.sock" sync --wait
run "$casesync" --socket "$root/police.sock" status
echo
echo "The board has it, and so does children's social care (it is review-visible):"
run "$casesync" record list --review "$review"
run "$casesync" --socket "$root/csc.sock" sync --wait
run "$casesync" --socket "$root/csc.sock" record list --review "$review"
run "$casesync" status
echo
echo "The board logged every accepted change in a hash chain, and signed a receipt"
echo "for each push that the police keep and can check with no board to ask:"
run "$casesync" audit verify
run "$casesync" --socket "$root/police.sock" audit receipts

echo
echo "Children's social care records the same visit from the police's referral,"
echo "but dated the next day. The board matches the two accounts and lists the"
echo "discrepancy for the review team, who decide which date the review takes:"
run "$casesync" --socket "$root/csc.sock" record add --review "$review" \
  --type chronology --visibility review --set date=2024-03-05 --set time=10:30 \
  --set source="CSC contact record 5521" --set practitioner_role="duty social worker" \
  --set event="Police attended address after neighbour reported shouting; Child J seen, appeared well" \
  --set child_seen=yes
run "$casesync" --socket "$root/csc.sock" sync --wait
run "$casesync" discrepancies list --review "$review"
discrepancy="$("$casesync" discrepancies list --review "$review" --json |
  /usr/bin/python3 -c 'import json, sys; print(json.load(sys.stdin)["discrepancies"][0]["id"])')"
run "$casesync" discrepancies decide "$discrepancy" --review "$review" --version 2 \
  --rationale "The police log is timed at the visit; the CSC record was made from the referral"
echo
echo "The joint review, as one HTML file with a timeline of every agency's contact:"
run "$casesync" export --review "$review" --format html --out "$root/review.html"

cat <<TEXT

Try more:
  source $root/env.sh
  casesync --socket \$AGENCY_CSC record add --review $review --type chronology \\
      --visibility review --set date=2024-03-05 --set source="CSC case note 88" --set event="Strategy discussion"
  casesync --socket \$AGENCY_CSC chronology import --review $review FILE.csv   # a visibility column shares rows
  casesync conflicts list
  casesync export --review $review --format md
  casesync deadlines                      # the statutory clock and who owes what
  casesync pseudonym add --review $review --name "REAL NAME" --as "Child J"
  casesync publication check --review $review   # what may still identify someone
  casesync publication signoff --review $review --note "agreed at the panel meeting"
  casesync export --review $review --format html --published --out /tmp/published.html
  # An agency with no network path syncs by carrying files (docs/bundle_format.md):
  casesync --socket \$AGENCY_POLICE bundle export --out /tmp/police.bundle
  casesync bundle import /tmp/police.bundle
  casesync bundle export --agency police --out /tmp/police.receipt
  casesync --socket \$AGENCY_POLICE bundle import /tmp/police.receipt
  casesync --help
Stop everything with deploy/stop-local.sh.
TEXT
