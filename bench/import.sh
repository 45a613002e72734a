#!/usr/bin/env bash
# Chronology import benchmark (issue 21): one chronology of N rows (default
# 50,000) in a police export's style (UK headings, dd/mm/yyyy dates as Excel
# date cells, 10.30am times, Y/N/N/A) written as XLSX by openpyxl and as CSV,
# each read, its headings mapped and every row turned into a ChronologyEntry
# edit by bench/import_bench (the daemon's path up to staging the rows; the
# store's write is bench/apply.sh's). Prints, per format, the median over
# RUNS of rows per second and of peak RSS (GNU time's maximum resident set).
#
#   bench/import.sh               # N=50000, RUNS=5
#   N=10000 RUNS=3 bench/import.sh
set -euo pipefail
cd "$(dirname "$0")/.."
N="${N:-50000}"
RUNS="${RUNS:-5}"
export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$(pwd)}"
ninja -C build import_bench >/dev/null
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
/usr/bin/python3 - "$N" "$work" <<'PY'
import csv, datetime, random, sys
import openpyxl
n, work = int(sys.argv[1]), sys.argv[2]
rng = random.Random(21)
headings = ["Date", "Time", "Source of information", "Practitioner",
            "Event / contact", "Action taken", "Child seen?"]
events = ["Call-out to the family home: DA incident", "Strategy discussion "
          "with CSC and health", "Welfare check at the address", "ICPC "
          "attended; CP plan under neglect", "Information shared with MASH",
          "MARAC referral made after DASH assessment"]
wb = openpyxl.Workbook(write_only=True)
ws = wb.create_sheet("Chronology")
ws.append(headings)
with open(f"{work}/chronology.csv", "w", newline="") as f:
    out = csv.writer(f)
    out.writerow(headings)
    day = datetime.date(2021, 1, 1)
    for i in range(n):
        day += datetime.timedelta(days=rng.random() < 0.05)
        hour, minute = rng.randrange(0, 24), rng.choice([0, 15, 30, 45])
        ampm = f"{(hour + 11) % 12 + 1}.{minute:02d}{'am' if hour < 12 else 'pm'}"
        row = [f"Niche OCC-{i:06d}", rng.choice(["PC (response)", "DS (CAIT)",
               "PCSO"]), rng.choice(events) + f" ({i})",
               "Referred to CSC", rng.choice(["Y", "N", "N/A"])]
        ws.append([day, datetime.time(hour, minute)] + row)
        out.writerow([day.strftime("%d/%m/%Y"), ampm] + row)
wb.save(f"{work}/chronology.xlsx")
PY
ls -l "$work"
for format in xlsx csv; do
  rates=()
  rss=()
  for _ in $(seq "$RUNS"); do
    line="$(/usr/bin/time -f 'rss_kb=%M' build/bench/import_bench \
      "$work/chronology.$format" 2>&1)"
    rates+=("$(grep -o 'rows_per_second=[0-9]*' <<<"$line" | cut -d= -f2)")
    rss+=("$(grep -o 'rss_kb=[0-9]*' <<<"$line" | cut -d= -f2)")
  done
  median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
  echo "$format: $N rows, median of $RUNS: $(median "${rates[@]}") rows/s," \
    "peak RSS $(( $(median "${rss[@]}") / 1024 )) MiB"
done
