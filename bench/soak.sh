#!/usr/bin/env bash
# Soak (issue 7): a board and AGENCIES real agency daemons (Release build,
# loopback, --insecure) for DURATION seconds under a steady writer with
# periodic faults; samples every daemon's memory and checks at the end that
# nothing was lost and everyone converged.
#
#   writer   one loop through the real `casesync` CLI: `record add` of a
#            chronology entry (80%) or `record edit` of one of its own earlier
#            entries (20%), round-robin over the agencies, a `casesync sync`
#            every 25 operations, WRITE_PAUSE seconds between operations. A
#            command that fails (its daemon was just killed) is "uncertain":
#            its change may or may not exist.
#   preload  before the clock starts, each agency imports PRELOAD chronology
#            entries (one `chronology import` of a CSV) and everyone syncs:
#            the review a soak edits is one with history, as a real one is,
#            and the daemons' bounded caches (memtables, block cache) fill
#            before memory is measured rather than during the measurement.
#            The writer edits these too; the end checks cover them.
#   faults   every FAULT_EVERY seconds (first at FAULT_EVERY/2) kill -9 one
#            agency and restart it 2 s later, rotating over every agency but
#            the first (kept up as a reference for memory); BOARD_RESTARTS
#            times, evenly spread, stop the board (SIGTERM, then SIGKILL on
#            alternate restarts) and start it again 3 s later on the same
#            port.
#   memory   VmRSS, VmHWM and RssAnon of every daemon every SAMPLE_EVERY
#            seconds, and what its bounded caches hold (memtables, block
#            cache, table readers, the board's feed cache: its metrics'
#            casesync_memory_bytes), into CSV (default
#            /tmp/casesync_soak_rss.csv); at the end, per daemon: first, last
#            and max RSS, and the least-squares slope (MB/min) over the
#            samples of its current process after its first minute (or half
#            its life, if shorter), of RSS, of its anonymous part and of the
#            anonymous part less the caches. RSS also counts the pages of the
#            shared libraries' code as each is first run (RssFile: clean,
#            shared, and bounded by the libraries' size, 11 MB for librocksdb
#            alone); what the process allocates is the anonymous part; of
#            that, the caches grow until they reach their bounds (memtables
#            then flush, and start again), and what is left must not grow.
#   end      `sync --wait` at every agency (twice, so each has the others'
#            last changes), then: every agency's `digest` equals the board's
#            `digest --agency`; the board holds every record whose `record
#            add` succeeded, with the value of its last successful edit (or a
#            later uncertain one); no record the writer does not know of.
#
#   bench/soak.sh                      # DURATION=600, PRELOAD=20000
#   PRELOAD=0 bench/soak.sh            # from an empty review
#   DURATION=120 bench/soak.sh
# Exit 1 if anything was lost or did not converge.
set -euo pipefail
cd "$(dirname "$0")/.."
# Only what this needs (a broken unrelated target must not stop it).
if [ ! -f build-bench/CMakeCache.txt ]; then
  cmake -S . -B build-bench -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
fi
cmake --build build-bench -j 2 --target casesync-board casesyncd casesync >/dev/null
echo "soak.sh: $(nproc) cores; before: $(uptime)" >&2
status=0
timeout --signal=KILL "$(( ${DURATION:-600} + 1200 ))" python3 - "$(pwd)" <<'PY' || status=$?
import csv, json, os, random, re, signal, socket, statistics, subprocess, sys
import tempfile, threading, time, http.client, urllib.request

root = sys.argv[1]
env = os.environ
DURATION = float(env.get("DURATION", 600))
AGENCIES = int(env.get("AGENCIES", 3))
FAULT_EVERY = float(env.get("FAULT_EVERY", 60))
BOARD_RESTARTS = int(env.get("BOARD_RESTARTS", max(1, int(DURATION // 300))))
SAMPLE_EVERY = float(env.get("SAMPLE_EVERY", 10))
WRITE_PAUSE = float(env.get("WRITE_PAUSE", 0.05))
OUT = env.get("OUT", "/tmp/casesync_soak_rss.csv")
SEED = int(env.get("SEED", 20261127))
PRELOAD = int(env.get("PRELOAD", 20000))
bins = os.path.join(root, "build-bench")
board_bin = os.path.join(bins, "server", "casesync-board")
agency_bin = os.path.join(bins, "client", "casesyncd")
cli_bin = os.path.join(bins, "client", "casesync")
names = ["police", "health", "csc", "school", "gp", "probation"][:AGENCIES]
rng = random.Random(SEED)
print(f"soak.sh: {DURATION:.0f} s, agencies {','.join(names)}, agency kill "
      f"every {FAULT_EVERY:.0f} s, {BOARD_RESTARTS} board restart(s), seed "
      f"{SEED}", file=sys.stderr)

def cli(sock, *args, timeout=60):
    try:
        r = subprocess.run([cli_bin, "--socket", sock, *args],
                           capture_output=True, text=True, timeout=timeout)
        return r.returncode, r.stdout, r.stderr
    except subprocess.TimeoutExpired:
        return 124, "", "timeout"

class Daemon:
    def __init__(self, name, argv, log, marker):
        self.name, self.argv, self.log, self.marker = name, argv, log, marker
        self.proc, self.starts, self.metrics = None, 0, None
    def start(self):
        proc = subprocess.Popen(self.argv, stdout=subprocess.PIPE,
                                stderr=open(self.log, "a"), text=True)
        end = time.monotonic() + 60
        while time.monotonic() < end:
            line = proc.stdout.readline()
            if self.marker in line:
                self.proc = proc
                found = re.search(r"metrics on (http://\S+/metrics)", line)
                self.metrics = found.group(1) if found else None
                self.starts += 1
                # Keep draining stdout so the daemon never blocks on it.
                threading.Thread(target=lambda: proc.stdout.read(),
                                 daemon=True).start()
                return
            if not line and proc.poll() is not None:
                break
        proc.kill()
        sys.exit(f"soak.sh: {self.name} did not start; see {self.log}")
    def pid(self):
        p = self.proc
        return p.pid if p is not None and p.poll() is None else None
    def kill9(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=30)
    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()

def caches_kb(url):
    """What the daemon's bounded caches hold, kB (casesync_memory_bytes
    summed over its consumers), or None if the scrape fails."""
    try:
        with urllib.request.urlopen(url, timeout=5) as reply:
            text = reply.read().decode()
    except (OSError, ValueError, http.client.HTTPException):
        return None  # killed mid-scrape: no sample this time
    held = [float(line.split()[-1]) for line in text.splitlines()
            if line.startswith("casesync_memory_bytes{")]
    return round(sum(held) / 1024) if held else None

def status_kb(pid, field):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(field):
                    return int(line.split()[1])
    except OSError:
        pass
    return None

failures = []
with tempfile.TemporaryDirectory() as work:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    board_sock = f"{work}/board.sock"
    board = Daemon("board", [board_bin, "--data_dir", f"{work}/board",
                             "--listen", f"127.0.0.1:{port}", "--socket",
                             board_sock, "--insecure",
                             # the preload and the writer may pass the
                             # default 100,000 records in one review
                             "--max_records_per_review", "0",
                             "--metrics_listen", "127.0.0.1:0"],
                   f"{work}/board.log", "listening for agencies")
    agencies = {n: Daemon(n, [agency_bin, "--data_dir", f"{work}/{n}",
                              "--agency", n, "--board", f"127.0.0.1:{port}",
                              "--socket", f"{work}/{n}.sock", "--insecure",
                              "--max_backoff", "2",
                              "--metrics_listen", "127.0.0.1:0"],
                          f"{work}/{n}.log", "serving on") for n in names}
    daemons = [board] + [agencies[n] for n in names]
    board.start()
    for d in agencies.values():
        d.start()
    try:
        rc, _, err = cli(board_sock, "review", "create", "r1", "--title",
                         "Soak", "--agencies", ",".join(names))
        if rc != 0:
            sys.exit(f"soak.sh: review create: {err}")
        for n in names:
            rc, _, err = cli(f"{work}/{n}.sock", "sync", "--wait", "--timeout",
                             "60")
            if rc != 0:
                sys.exit(f"soak.sh: first sync at {n}: {err}")

        lock = threading.Lock()
        stop = threading.Event()
        # record id -> {agency, source, final (last confirmed event), maybe}
        records = {}
        owned = {n: [] for n in names}  # record ids by agency
        if PRELOAD > 0:
            started = time.monotonic()
            for n in names:
                path = f"{work}/{n}-preload.csv"
                with open(path, "w", newline="") as f:
                    w = csv.writer(f)
                    w.writerow(["date", "source", "practitioner_role", "event"])
                    for i in range(PRELOAD):
                        w.writerow([f"2023-{1 + i % 12:02d}-{1 + i % 28:02d}",
                                    f"{n}-p{i}", "duty social worker",
                                    f"preloaded-{i}: " + "visit notes " * 8])
                rc, _, err = cli(f"{work}/{n}.sock", "chronology", "import",
                                 "--review", "r1", path, timeout=600)
                if rc != 0:
                    sys.exit(f"soak.sh: preload at {n}: {err}")
            for round_ in range(2):
                for n in names:
                    rc, _, err = cli(f"{work}/{n}.sock", "sync", "--wait",
                                     "--timeout", "300", timeout=330)
                    if rc != 0:
                        sys.exit(f"soak.sh: sync after the preload at {n}: {err}")
            rc, out, err = cli(board_sock, "record", "list", "--review", "r1",
                               "--type", "chronology", "--json", timeout=300)
            if rc != 0:
                sys.exit(f"soak.sh: record list after the preload: {err}")
            for rec in json.loads(out).get("records", []):
                body = rec.get("record", {})
                source = body.get("source", "")
                rid = rec.get("record_id") or body.get("id")
                agency = source.split("-p")[0]
                records[rid] = {"agency": agency, "source": source,
                                "final": body.get("event"), "maybe": set()}
                owned[agency].append(rid)
            if len(records) != PRELOAD * len(names):
                sys.exit(f"soak.sh: the board holds {len(records)} records "
                         f"after the preload, not {PRELOAD * len(names)}")
            print(f"soak.sh: preloaded {len(records)} entries in "
                  f"{time.monotonic() - started:.0f} s", file=sys.stderr)
        uncertain_sources = set()
        counts = {"add": 0, "edit": 0, "sync": 0, "failed": 0}
        t0 = time.monotonic()

        def writer():
            n = 0
            while not stop.is_set():
                a = names[n % len(names)]
                sock = f"{work}/{a}.sock"
                own = owned[a]
                if own and rng.random() < 0.2:
                    rid = rng.choice(own)
                    value = f"edit-{n}"
                    rc, _, _ = cli(sock, "record", "edit", rid, "--review",
                                   "r1", "--set", f"event={value}")
                    with lock:
                        if rc == 0:
                            records[rid]["final"] = value
                            records[rid]["maybe"] = set()
                            counts["edit"] += 1
                        else:
                            records[rid]["maybe"].add(value)
                            counts["failed"] += 1
                else:
                    source, value = f"{a}-w{n}", f"added-{n}"
                    rc, out, _ = cli(sock, "record", "add", "--review", "r1",
                                     "--type", "chronology", "--set",
                                     "date=2024-03-05", "--set",
                                     f"source={source}", "--set",
                                     f"event={value}")
                    with lock:
                        if rc == 0:
                            records[out.strip()] = {"agency": a,
                                                    "source": source,
                                                    "final": value,
                                                    "maybe": set()}
                            owned[a].append(out.strip())
                            counts["add"] += 1
                        else:
                            uncertain_sources.add(source)
                            counts["failed"] += 1
                if n % 25 == 24:
                    cli(sock, "sync")
                    counts["sync"] += 1
                n += 1
                time.sleep(WRITE_PAUSE)

        # (t, name, pid, rss_kb, hwm_kb, records, anon_kb, caches_kb)
        samples = []
        def sampler():
            while True:
                t = time.monotonic() - t0
                for d in daemons:
                    pid = d.pid()
                    if pid is None:
                        continue
                    rss, hwm = status_kb(pid, "VmRSS:"), status_kb(pid, "VmHWM:")
                    anon = status_kb(pid, "RssAnon:")
                    caches = caches_kb(d.metrics) if d.metrics else None
                    if rss is not None and anon is not None and \
                            caches is not None:
                        samples.append((round(t, 1), d.name, pid, rss, hwm,
                                        len(records), anon, caches))
                if stop.wait(SAMPLE_EVERY):
                    return

        events = []
        k = 0
        while FAULT_EVERY > 0 and FAULT_EVERY * (k + 0.5) < DURATION - 5:
            victims = names[1:] or names
            events.append((FAULT_EVERY * (k + 0.5), "agency",
                           victims[k % len(victims)]))
            k += 1
        for j in range(BOARD_RESTARTS):
            t = DURATION * (j + 1) / (BOARD_RESTARTS + 1)
            while any(abs(t - e[0]) < 10 for e in events):
                t += 10
            events.append((t, "board", "kill" if j % 2 else "term"))
        events.sort()

        threads = [threading.Thread(target=writer),
                   threading.Thread(target=sampler)]
        for th in threads:
            th.start()
        for at, kind, what in events:
            delay = t0 + at - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            if kind == "agency":
                print(f"soak.sh: {at:5.0f} s kill -9 {what}", file=sys.stderr)
                agencies[what].kill9()
                time.sleep(2)
                agencies[what].start()
            else:
                print(f"soak.sh: {at:5.0f} s board {'kill -9' if what == 'kill' else 'stop'}"
                      f" and start", file=sys.stderr)
                board.kill9() if what == "kill" else board.stop()
                time.sleep(3)
                board.start()
        delay = t0 + DURATION - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        stop.set()
        for th in threads:
            th.join()
        elapsed = time.monotonic() - t0

        # Converge.
        for round_ in range(2):
            for n in names:
                for attempt in range(3):
                    rc, _, err = cli(f"{work}/{n}.sock", "sync", "--wait",
                                     "--timeout", "120", timeout=150)
                    if rc == 0:
                        break
                else:
                    failures.append(f"sync --wait at {n}: {err.strip()}")
        digests = {}
        for n in names:
            rc, out, err = cli(f"{work}/{n}.sock", "digest", "--json")
            mine = json.loads(out)["sha256"] if rc == 0 else None
            rc, out, err = cli(board_sock, "digest", "--agency", n, "--json")
            theirs = json.loads(out)["sha256"] if rc == 0 else None
            digests[n] = (mine, theirs)
            if mine is None or mine != theirs:
                failures.append(f"digest of {n}: {mine} vs board {theirs}")
        rc, out, err = cli(board_sock, "record", "list", "--review", "r1",
                           "--type", "chronology", "--json", timeout=300)
        held = {}
        if rc != 0:
            failures.append(f"record list at the board: {err}")
        else:
            for rec in json.loads(out).get("records", []):
                body = rec.get("record", {})
                held[rec.get("record_id") or body.get("id")] = (
                    body.get("source"), body.get("event"))
        lost = [rid for rid in records if rid not in held]
        wrong = [rid for rid, r in records.items() if rid in held and
                 held[rid][1] != r["final"] and held[rid][1] not in r["maybe"]]
        known_sources = {r["source"] for r in records.values()}
        strangers = [rid for rid, (src, _) in held.items()
                     if src not in known_sources and src not in uncertain_sources]
        uncertain_held = sum(1 for _, (src, _) in held.items()
                             if src in uncertain_sources)
        if lost:
            failures.append(f"{len(lost)} confirmed records missing at the "
                            f"board, e.g. {lost[:3]}")
        if wrong:
            failures.append(f"{len(wrong)} records with a stale event, e.g. "
                            f"{[(w, held[w][1], records[w]['final']) for w in wrong[:3]]}")
        if strangers:
            failures.append(f"{len(strangers)} records the writer never made")
    finally:
        for d in daemons:
            if d.pid() is not None:
                d.stop()
        for d in daemons:
            if os.path.exists(d.log) and failures:
                os.system(f"tail -n 5 {d.log} >&2")

with open(OUT, "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(["t_s", "daemon", "pid", "rss_kb", "hwm_kb", "records",
                "anon_kb", "caches_kb"])
    w.writerows(samples)
# The anonymous memory less what the caches hold, as column 8.
samples = [s + (s[6] - s[7],) for s in samples]

def slope(points, column=3):
    if len(points) < 3:
        return None
    xs = [p[0] for p in points]
    ys = [p[column] / 1024 for p in points]
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    den = sum((x - mx) ** 2 for x in xs)
    return None if den == 0 else 60 * sum((x - mx) * (y - my)
                                          for x, y in zip(xs, ys)) / den

print(f"soak: {elapsed:.0f} s, {counts['add']} adds, {counts['edit']} edits, "
      f"{counts['failed']} uncertain (daemon down), {counts['sync']} syncs; "
      f"faults: {sum(1 for e in events if e[1] == 'agency')} agency kill -9, "
      f"{sum(1 for e in events if e[1] == 'board')} board restarts")
print(f"board holds {len(held)} chronology records ({uncertain_held} from "
      f"uncertain adds); digests equal for "
      f"{sum(1 for m, t in digests.values() if m and m == t)}/{len(names)} "
      f"agencies")
print(f"RSS every {SAMPLE_EVERY:.0f} s in {OUT}")
print("| daemon | starts | first MB | last MB | max MB | peak (HWM) MB | "
      "slope of current process MB/min | anonymous: first MB | last MB | "
      "slope MB/min | less caches: first MB | last MB | max MB | "
      "slope MB/min |")
print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
for d in daemons:
    mine = [s for s in samples if s[1] == d.name]
    if not mine:
        continue
    last_pid = mine[-1][2]
    current = [s for s in mine if s[2] == last_pid]
    life = current[-1][0] - current[0][0]
    settle = current[0][0] + min(60, life / 2)
    settled = [s for s in current if s[0] >= settle]
    sl, anon_sl = slope(settled), slope(settled, column=6)
    rest_sl = slope(settled, column=8)
    print(f"| {d.name} | {d.starts} | {mine[0][3]/1024:.1f} | "
          f"{mine[-1][3]/1024:.1f} | {max(s[3] for s in mine)/1024:.1f} | "
          f"{max(s[4] for s in mine)/1024:.1f} | "
          f"{'n/a' if sl is None else f'{sl:+.2f}'} | "
          f"{mine[0][6]/1024:.1f} | {mine[-1][6]/1024:.1f} | "
          f"{'n/a' if anon_sl is None else f'{anon_sl:+.2f}'} | "
          f"{mine[0][8]/1024:.1f} | {mine[-1][8]/1024:.1f} | "
          f"{max(s[8] for s in mine)/1024:.1f} | "
          f"{'n/a' if rest_sl is None else f'{rest_sl:+.2f}'} |")
for column, what in ((3, "RSS"), (6, "anonymous"), (7, "the caches"),
                     (8, "anonymous less the caches")):
    print(f"curve of {what} (MB at each sample; | marks a restart):")
    for d in daemons:
        mine = [s for s in samples if s[1] == d.name]
        parts, prev = [], None
        for s in mine:
            parts.append(("|" if prev is not None and s[2] != prev else "") +
                         f"{s[column]/1024:.0f}")
            prev = s[2]
        print(f"  {d.name:8s} {' '.join(parts)}")
if failures:
    print("FAILED:\n  " + "\n  ".join(failures))
    sys.exit(1)
print("no record lost; all agencies converged")
PY
echo "soak.sh: after: $(uptime)" >&2
exit "$status"
