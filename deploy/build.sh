#!/usr/bin/env bash
# Configures and builds casesync into a build directory (default: build/).
#   deploy/build.sh [BUILD_DIR] [extra cmake arguments...]
# Uses Ninja and ccache when present; two parallel jobs (the machine has two
# cores).
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir="${1:-build}"
shift || true
generator=()
if command -v ninja >/dev/null; then generator=(-G Ninja); fi
if [ ! -f "$build_dir/CMakeCache.txt" ]; then
  cmake -S . -B "$build_dir" "${generator[@]}" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@"
elif [ $# -gt 0 ]; then
  cmake -S . -B "$build_dir" "$@"
fi
cmake --build "$build_dir" -j 2
