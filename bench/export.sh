#!/usr/bin/env bash
# Joint review benchmark (issue: the joint review): a board holding a review of
# N chronology entries (about 1/4 from each of four agencies, imported by CSV
# and synced, with a few percent recorded twice or with a date a day off),
# then `casesync export` to HTML, Markdown and JSON and `casesync
# discrepancies list` on the board: each the wall time of the whole command
# (building the composite chronology, matching, rendering, sending, writing),
# median of RUNS. Real binaries (Release build), loopback, ports picked at run
# time. Target: the 10,000-entry HTML export under 1 s.
#
# Then the published export (issue 22): a second review of N entries of
# published visibility written on the board, about a third naming one of the
# 200 people of its pseudonym map, signed off; `casesync export --published`
# to Markdown (every name replaced, every string checked for leaks, the
# publication profile applied), median of RUNS. Target: under 1 s.
#
#   bench/export.sh                 # N=10000, RUNS=7
#   N=20000 RUNS=5 bench/export.sh
set -euo pipefail
cd "$(dirname "$0")/.."
N="${N:-10000}"
RUNS="${RUNS:-7}"
deploy/build.sh build-bench -DCMAKE_BUILD_TYPE=Release >/dev/null
exec python3 - "$N" "$RUNS" "$(pwd)" <<'PY'
import concurrent.futures, datetime, os, random, socket, statistics, subprocess, sys, tempfile, time

n, runs, root = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
bins = os.path.join(root, "build-bench")
board_bin = os.path.join(bins, "server", "casesync-board")
agency_bin = os.path.join(bins, "client", "casesyncd")
cli_bin = os.path.join(bins, "client", "casesync")
SEED = int(os.environ.get("SEED", "20261127"))
print(f"export.sh: entries from seed {SEED}", file=sys.stderr)
AGENCIES = ("csc", "health", "police", "school")
KINDS = ("home visit", "strategy meeting", "GP appointment", "school nurse "
         "review", "domestic incident callout", "child protection conference",
         "A&E attendance", "attendance concern raised", "referral received",
         "core group meeting", "health visitor contact", "welfare check",
         "telephone call", "letter sent", "case supervision", "housing visit")
# Words the details of an entry are drawn from: real chronologies say
# specific things, so two entries rarely share more than their kind.
VOCABULARY = """mother father grandmother partner sibling baby toddler nursery
kitchen bedroom garden stairs landlord neighbour teacher nurse officer doctor
bruise burn scratch rash cough fever weight growth speech sleep feeding
hungry tired quiet upset crying smiling playing withdrawn anxious angry
arrears eviction benefits debt employment alcohol cannabis medication
injury fall sofa cot bath pram car bus school uniform lunch breakfast
appointment missed attended cancelled rearranged letter voicemail text
referral assessment plan review meeting conference enquiry section strategy
consent disclosure concern worry risk safety threat shouting argument
police ambulance hospital ward clinic surgery pharmacy dentist optician
dog cat smoke damp cold mould heating electricity food clothes nappies
""".split()
def cli(sock, *args):
    started = time.monotonic()
    result = subprocess.run([cli_bin, "--socket", sock, *args],
                            capture_output=True, text=True, timeout=900)
    if result.returncode != 0:
        sys.exit(f"export.sh: casesync {' '.join(args)}: {result.stderr}")
    return time.monotonic() - started, result.stdout

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
    sys.exit(f"export.sh: {argv[0]} did not start; see {log}")

rng = random.Random(SEED)
start_day = datetime.date(2022, 1, 1)
rows = {a: [] for a in AGENCIES}
for i in range(n):
    agency = AGENCIES[i % 4]
    day = start_day + datetime.timedelta(days=rng.randrange(3 * 365))
    event = (f"{rng.choice(KINDS)}: "
             + " ".join(rng.sample(VOCABULARY, rng.randrange(8, 15))))
    row = [day.isoformat(), f"{rng.randrange(8, 18):02d}:{rng.choice(('00', '30'))}",
           f"{agency}-{i:06d}", "duty worker", event]
    roll = rng.random()
    if roll < 0.04 and i + 1 < n:  # the same event, recorded by another agency
        other = AGENCIES[(i + 1) % 4]
        copy = list(row)
        copy[2] = f"{other}-dup-{i:06d}"
        if roll < 0.02:  # ... a day later
            copy[0] = (day + datetime.timedelta(days=1)).isoformat()
        rows[other].append(copy)
    rows[agency].append(row)

with tempfile.TemporaryDirectory() as work:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    board_sock = f"{work}/board.sock"
    procs = [start([board_bin, "--data_dir", f"{work}/board", "--listen",
                    f"127.0.0.1:{port}", "--socket", board_sock, "--insecure"],
                   f"{work}/board.log", "listening for agencies")]
    try:
        socks = {}
        for agency in AGENCIES:
            socks[agency] = f"{work}/{agency}.sock"
            procs.append(start([agency_bin, "--data_dir", f"{work}/{agency}",
                                "--agency", agency, "--board",
                                f"127.0.0.1:{port}", "--socket", socks[agency],
                                "--insecure"], f"{work}/{agency}.log",
                               "serving on"))
        cli(board_sock, "review", "create", "r1", "--title", "Bench review",
            "--agencies", ",".join(AGENCIES))
        total = 0
        for agency in AGENCIES:
            cli(socks[agency], "sync", "--wait")
            path = f"{work}/{agency}.csv"
            with open(path, "w") as out:
                out.write("date,time,source,practitioner_role,event\n")
                for row in rows[agency]:
                    out.write(",".join(f'"{c}"' for c in row) + "\n")
            total += len(rows[agency])
            cli(socks[agency], "chronology", "import", "--review", "r1", path)
            cli(socks[agency], "sync", "--wait", "--timeout", "600")
        results = {}
        for label, args in (
                ("export html", ("export", "--review", "r1", "--format", "html",
                                 "--out", f"{work}/r1.html")),
                ("export md", ("export", "--review", "r1", "--format", "md",
                               "--out", f"{work}/r1.md")),
                ("export json", ("export", "--review", "r1", "--format", "json",
                                 "--out", f"{work}/r1.json")),
                ("discrepancies list", ("discrepancies", "list", "--review",
                                        "r1", "--json"))):
            times = [cli(board_sock, *args)[0] * 1e3 for _ in range(runs)]
            results[label] = statistics.median(times)
        # The published review: N entries written on the board, a 200-name map.
        first = ("Amelia Oliver Isla Harrison Esme Jasper Imogen Theodore "
                 "Florence Rupert Matilda Ezra Beatrix Lucian Ottilie Caspar "
                 "Marisol Zoltan Anneliese Bartholomew").split()
        last = ("Hargreaves Okonkwo Kowalski Fitzgerald Abernathy Lindqvist "
                "Papadopoulos Whitcombe Nakamura Ferreira").split()
        people = [f"{f} {l}" for f in first for l in last]
        cli(board_sock, "review", "create", "r2", "--title",
            "Bench published review", "--agencies", ",".join(AGENCIES))
        for k, name in enumerate(people):
            cli(board_sock, "pseudonym", "add", "--review", "r2", "--name",
                name, "--as", f"Adult {k + 1}")
        def add_published(i):
            day = start_day + datetime.timedelta(days=rng_pub[i] % (3 * 365))
            words = " ".join(random.Random(i).sample(VOCABULARY, 8))
            event = f"{KINDS[i % len(KINDS)]}: {words}"
            if i % 3 == 0:
                event += f"; {people[i % len(people)]} present"
            cli(board_sock, "record", "add", "--review", "r2", "--type",
                "chronology", "--visibility", "published", "--set",
                f"date={day.isoformat()}", "--set", f"source=ref-{i:06d}",
                "--set", f"event={event}")
        rng_pub = [rng.randrange(1 << 30) for _ in range(n)]
        with concurrent.futures.ThreadPoolExecutor(4) as pool:
            list(pool.map(add_published, range(n)))
        check = subprocess.run([cli_bin, "--socket", board_sock, "publication",
                                "check", "--review", "r2"],
                               capture_output=True, text=True)
        flagged = check.stdout.strip().splitlines()[-1] if check.stdout else ""
        if check.returncode != 0:
            sys.exit(f"export.sh: the published review has possible leaks: "
                     f"{check.stdout[-2000:]}")
        cli(board_sock, "publication", "signoff", "--review", "r2", "--note",
            "bench")
        times = [cli(board_sock, "export", "--review", "r2", "--format", "md",
                     "--published", "--out", f"{work}/r2.md")[0] * 1e3
                 for _ in range(runs)]
        results["export md --published"] = statistics.median(times)
        published_size = os.path.getsize(f"{work}/r2.md")
        with open(f"{work}/r2.md") as f:
            left = sum(f.read().count(p) for p in people)
        _, listed = cli(board_sock, "discrepancies", "list", "--review", "r1")
        summary = listed.strip().splitlines()[-2 if "decide" in listed else -1]
        sizes = {f: os.path.getsize(f"{work}/r1.{f}") for f in ("html", "md", "json")}
    finally:
        for proc in procs:
            proc.terminate()
            proc.wait(timeout=30)

print(f"{total} chronology entries from {len(AGENCIES)} agencies; {summary}")
print(f"| median of {runs} (whole command) | wall time | output |")
print("|---|---|---|")
for label, ms in results.items():
    fmt = label.split()[-1]
    size = f"{sizes[fmt] / 1e6:.1f} MB" if fmt in sizes else ""
    if label == "export md --published":
        size = f"{published_size / 1e6:.1f} MB"
    print(f"| {label} | {ms:.0f} ms | {size} |")
print(f"published review: {n} entries, 200-name map; {flagged}; real names "
      f"left in the published Markdown: {left}")
print(f"target: published md export under 1000 ms: "
      f"{'met' if results['export md --published'] < 1000 else 'NOT met'}")
print(f"target: html export under 1000 ms: "
      f"{'met' if results['export html'] < 1000 else 'NOT met'}")
PY
