#!/usr/bin/env bash
# Stops the daemons deploy/start-local.sh started (their data stays).
set -euo pipefail
cd "$(dirname "$0")/.."
root="${CASESYNC_LOCAL:-$(pwd)/local-deployment}"
[ -f "$root/pids" ] || { echo "stop-local.sh: nothing started under $root"; exit 0; }
while read -r pid name; do
  if kill "$pid" 2>/dev/null; then
    while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
    echo "stopped $name"
  fi
done < "$root/pids"
rm -f "$root/pids"
