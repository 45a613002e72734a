#!/usr/bin/env bash
# Bundle benchmark (issue: air-gapped sync): N chronology entries of about
# 1 KB written at an agency with no network path, then carried by file:
#   agency `bundle export` -> board `bundle import` -> board `bundle export
#   --agency` (the receipt) -> agency `bundle import`.
# Real binaries (Release build), mutual-TLS certificates from deploy/certs.sh
# (so signing and checking are measured), loopback only, ports picked at run
# time; then the board's receipt for a second agency, carrying the N entries
# in its feed. Prints the median of RUNS runs (fresh replicas each run) of each
# step's wall time and the bundle's size against the raw bytes of the
# entries (their CSV file: field values plus separators).
#
#   bench/bundle.sh                 # N=10000, 5 runs
#   N=2000 RUNS=3 bench/bundle.sh
set -euo pipefail
cd "$(dirname "$0")/.."
N="${N:-10000}"
RUNS="${RUNS:-5}"
deploy/build.sh build-bench -DCMAKE_BUILD_TYPE=Release >/dev/null
exec python3 - "$N" "$RUNS" "$(pwd)" <<'PY'
import json, os, shutil, socket, statistics, subprocess, sys, tempfile, time

n, runs, root = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
bin_dir = os.path.join(root, "build-bench")
board_bin = os.path.join(bin_dir, "server", "casesync-board")
agency_bin = os.path.join(bin_dir, "client", "casesyncd")
cli_bin = os.path.join(bin_dir, "client", "casesync")
certs = os.path.join(root, "deploy", "certs.sh")

# Entries as bench/sync_bench.cc makes them: ~800 characters of case-note
# words, so that compression sees text like a chronology's, not a repeat.
WORDS = ("the a of to and in for on with by from at as is was were be been "
         "report meeting review decision visit referral school health police "
         "strategy child mother concern plan assessment contact home seen "
         "bruising nursery attendance telephone discussion agreed action "
         "follow-up note duty social worker officer nurse teacher family "
         "support").split()
SEED = 20261127
print(f"bundle.sh: entries from seed {SEED}", file=sys.stderr)

def entry_csv(i):
    import random
    rng = random.Random(SEED * 1000003 + i)
    event = ""
    while len(event) < 800:
        event += (" " if event else "") + rng.choice(WORDS)
    event = event[:799] + "."
    return (f"2024-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d},"
            f"{rng.randint(0, 23):02d}:00,c-{i:06d},{rng.choice(WORDS[:10])},"
            f"{event}\n")

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]

def cli(sock, *args, timeout=600):
    started = time.monotonic()
    result = subprocess.run([cli_bin, "--socket", sock, *args],
                            capture_output=True, text=True, timeout=timeout)
    elapsed = time.monotonic() - started
    if result.returncode != 0:
        sys.exit(f"bundle.sh: casesync {' '.join(args)} failed: {result.stderr}")
    return result.stdout, elapsed

def start(argv, log, marker, deadline_s=30):
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=open(log, "w"),
                            text=True)
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        line = proc.stdout.readline()
        if marker in line:
            return proc
        if not line and proc.poll() is not None:
            break
    proc.kill()
    sys.exit(f"bundle.sh: {argv[0]} did not start; see {log}")

def one_run(work):
    pki = os.path.join(work, "pki")
    subprocess.run([certs, "init", pki, "board"], check=True, capture_output=True)
    for agency in ("police", "school"):
        subprocess.run([certs, "issue", pki, agency], check=True,
                       capture_output=True)
    tls = lambda who: ["--tls_cert", f"{pki}/{who}.crt", "--tls_key",
                       f"{pki}/{who}.key", "--tls_ca", f"{pki}/ca.crt"]
    board_sock, police_sock = f"{work}/board.sock", f"{work}/police.sock"
    board = start([board_bin, "--data_dir", f"{work}/board", "--listen",
                   f"127.0.0.1:{free_port()}", "--socket", board_sock,
                   *tls("board")], f"{work}/board.log", "listening for agencies")
    school_sock = f"{work}/school.sock"
    # Agencies with no network path: their --board is a port nobody uses.
    agencies = [start([agency_bin, "--data_dir", f"{work}/{agency}", "--agency",
                       agency, "--board", f"127.0.0.1:{free_port()}",
                       "--board_id", "board", "--socket", sock, *tls(agency)],
                      f"{work}/{agency}.log", "serving on")
                for agency, sock in (("police", police_sock),
                                     ("school", school_sock))]
    try:
        cli(board_sock, "review", "create", "r1", "--title", "Bench",
            "--agencies", "police,school")
        # The review reaches the agencies by file too.
        for agency, sock in (("police", police_sock), ("school", school_sock)):
            cli(sock, "bundle", "export", "--out", f"{work}/{agency}-0.bundle")
            cli(board_sock, "bundle", "import", f"{work}/{agency}-0.bundle")
            cli(board_sock, "bundle", "export", "--agency", agency, "--out",
                f"{work}/{agency}-0.receipt")
            cli(sock, "bundle", "import", f"{work}/{agency}-0.receipt")
        csv = f"{work}/entries.csv"
        with open(csv, "w") as out:
            out.write("date,time,source,practitioner_role,event\n")
            for i in range(n):
                out.write(entry_csv(i))
        cli(police_sock, "chronology", "import", "--review", "r1", csv)
        bundle, receipt = f"{work}/police.bundle", f"{work}/police.receipt"
        _, t_export = cli(police_sock, "--json", "bundle", "export", "--out", bundle)
        out, t_import = cli(board_sock, "--json", "bundle", "import", bundle)
        accepted = int(json.loads(out).get("accepted", 0))
        if accepted != n:
            sys.exit(f"bundle.sh: the board accepted {accepted} of {n}")
        _, t_receipt = cli(board_sock, "--json", "bundle", "export", "--agency",
                           "police", "--out", receipt)
        _, t_apply = cli(police_sock, "--json", "bundle", "import", receipt)
        status = json.loads(cli(police_sock, "--json", "status")[0])
        if int(status.get("pending", 0)) != 0:
            sys.exit(f"bundle.sh: {status.get('pending')} still pending")
        # The other agency receives the N entries in its receipt.
        feed = f"{work}/school.receipt"
        _, t_feed_export = cli(board_sock, "--json", "bundle", "export",
                               "--agency", "school", "--out", feed)
        out, t_feed_apply = cli(school_sock, "--json", "bundle", "import", feed)
        applied = int(json.loads(out).get("feed_entries_applied", 0))
        if applied < n:
            sys.exit(f"bundle.sh: school applied {applied} feed entries of {n}")
        return {"export_ms": t_export * 1e3, "import_ms": t_import * 1e3,
                "receipt_ms": t_receipt * 1e3, "apply_ms": t_apply * 1e3,
                "feed_export_ms": t_feed_export * 1e3,
                "feed_apply_ms": t_feed_apply * 1e3,
                "bundle_bytes": os.path.getsize(bundle),
                "receipt_bytes": os.path.getsize(receipt),
                "feed_bytes": os.path.getsize(feed),
                "raw_bytes": os.path.getsize(csv)}
    finally:
        for proc in (*agencies, board):
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()

results = []
for run in range(runs):
    work = tempfile.mkdtemp(prefix="casesync-bundle-bench-")
    try:
        results.append(one_run(work))
        print(f"run {run + 1}/{runs}: " + ", ".join(
            f"{k} {v:,.0f}" for k, v in results[-1].items()), file=sys.stderr)
    finally:
        shutil.rmtree(work, ignore_errors=True)

med = {k: statistics.median(r[k] for r in results) for k in results[0]}
print(f"| bundle of {n:,} chronology entries (median of {runs}) | |")
print("|---|---|")
print(f"| agency `bundle export` (read, compress, sign, write) | {med['export_ms']:,.0f} ms |")
print(f"| board `bundle import` (check, judge, store durably) | {med['import_ms']:,.0f} ms |")
print(f"| board `bundle export --agency` (receipt) | {med['receipt_ms']:,.0f} ms |")
print(f"| agency `bundle import` (receipt) | {med['apply_ms']:,.0f} ms |")
print(f"| bundle size | {med['bundle_bytes']/1e6:,.2f} MB |")
print(f"| raw bytes of the entries (CSV) | {med['raw_bytes']/1e6:,.2f} MB |")
print(f"| bundle / raw | {med['bundle_bytes']/med['raw_bytes']:.2f} |")
print(f"| receipt size (acknowledgement, no feed) | {med['receipt_bytes']/1e3:,.1f} kB |")
print(f"| board `bundle export --agency school` (receipt carrying the {n:,} entries) | {med['feed_export_ms']:,.0f} ms |")
print(f"| school `bundle import` of it | {med['feed_apply_ms']:,.0f} ms |")
print(f"| that receipt's size / raw | {med['feed_bytes']/1e6:,.2f} MB / {med['feed_bytes']/med['raw_bytes']:.2f} |")
PY
