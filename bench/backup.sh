#!/usr/bin/env bash
# Backup benchmark (issue: operations): `casesync admin backup` of an agency
# and of the board holding N chronology entries of about 1 KB, taken while a
# writer adds records at the agency one after another. Real binaries (Release
# build), loopback, ports picked at run time. Prints the median of RUNS
# backups of each daemon (wall time of the command, backup size against the
# data directory's) and the writer's slowest `record add` during the agency's
# backups against its median (what holding writes off for the checkpoint
# costs a writer).
#
#   bench/backup.sh                 # N=10000, RUNS=7
#   N=30000 RUNS=5 bench/backup.sh
set -euo pipefail
cd "$(dirname "$0")/.."
N="${N:-10000}"
RUNS="${RUNS:-7}"
deploy/build.sh build-bench -DCMAKE_BUILD_TYPE=Release >/dev/null
exec python3 - "$N" "$RUNS" "$(pwd)" <<'PY'
import os, random, socket, statistics, subprocess, sys, tempfile, threading, time

n, runs, root = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
bins = os.path.join(root, "build-bench")
board_bin = os.path.join(bins, "server", "casesync-board")
agency_bin = os.path.join(bins, "client", "casesyncd")
cli_bin = os.path.join(bins, "client", "casesync")
SEED = 20261127
print(f"backup.sh: entries from seed {SEED}", file=sys.stderr)
WORDS = ("report meeting review decision visit referral school health police "
         "child mother concern plan assessment contact home seen nursery "
         "telephone discussion agreed action note duty social worker").split()

def cli(sock, *args):
    started = time.monotonic()
    result = subprocess.run([cli_bin, "--socket", sock, *args],
                            capture_output=True, text=True, timeout=600)
    if result.returncode != 0:
        sys.exit(f"backup.sh: casesync {' '.join(args)}: {result.stderr}")
    return time.monotonic() - started

def start(argv, log, marker):
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=open(log, "w"),
                            text=True)
    end = time.monotonic() + 30
    while time.monotonic() < end:
        line = proc.stdout.readline()
        if marker in line:
            return proc
        if not line and proc.poll() is not None:
            break
    proc.kill()
    sys.exit(f"backup.sh: {argv[0]} did not start; see {log}")

def size(path):
    return sum(os.path.getsize(os.path.join(d, f))
               for d, _, files in os.walk(path) for f in files)

with tempfile.TemporaryDirectory() as work:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    board_sock, agency_sock = f"{work}/board.sock", f"{work}/police.sock"
    procs = [start([board_bin, "--data_dir", f"{work}/board", "--listen",
                    f"127.0.0.1:{port}", "--socket", board_sock, "--insecure"],
                   f"{work}/board.log", "listening for agencies")]
    procs.append(start([agency_bin, "--data_dir", f"{work}/police", "--agency",
                        "police", "--board", f"127.0.0.1:{port}", "--socket",
                        agency_sock, "--insecure"], f"{work}/police.log",
                       "serving on"))
    try:
        cli(board_sock, "review", "create", "r1", "--title", "Bench",
            "--agencies", "police")
        cli(agency_sock, "sync", "--wait")
        rng = random.Random(SEED)
        csv = f"{work}/entries.csv"
        with open(csv, "w") as out:
            out.write("date,source,event\n")
            for i in range(n):
                event = " ".join(rng.choice(WORDS) for _ in range(110))
                out.write(f"2024-03-04,c-{i:06d},{event}\n")
        cli(agency_sock, "chronology", "import", "--review", "r1", csv)
        cli(agency_sock, "sync", "--wait")

        latencies, stop = [], threading.Event()
        def writer():
            i = 0
            while not stop.is_set() and i < 100000:
                latencies.append(cli(agency_sock, "record", "add", "--review",
                                     "r1", "--type", "chronology", "--set",
                                     "date=2024-03-05", "--set",
                                     f"source=w-{i}", "--set", "event=visit"))
                i += 1
        thread = threading.Thread(target=writer)
        thread.start()
        results = {}
        for who, sock in (("agency", agency_sock), ("board", board_sock)):
            times, sizes = [], []
            for run in range(runs):
                out = f"{work}/{who}-backup-{run}"
                times.append(cli(sock, "admin", "backup", "--out", out) * 1e3)
                sizes.append(size(out))
            results[who] = (statistics.median(times), statistics.median(sizes),
                            size(f"{work}/{'police' if who == 'agency' else who}"))
        stop.set()
        thread.join()
        cli(agency_sock, "sync", "--wait")
    finally:
        for proc in procs:
            proc.terminate()
            proc.wait(timeout=30)

print(f"| N={n}, median of {runs} | backup wall time | backup size | data dir |")
print("|---|---|---|---|")
for who, (ms, backup_bytes, data_bytes) in results.items():
    print(f"| {who} | {ms:.0f} ms | {backup_bytes / 1e6:.1f} MB | "
          f"{data_bytes / 1e6:.1f} MB |")
print(f"writer meanwhile: {len(latencies)} record adds, median "
      f"{statistics.median(latencies) * 1e3:.0f} ms, slowest "
      f"{max(latencies) * 1e3:.0f} ms (each a whole `casesync` process)")
PY
