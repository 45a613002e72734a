#!/usr/bin/env bash
# Installs everything casesync needs to build, run and test, from Debian's
# package archive only. Idempotent: safe to run again on a machine that already
# has the packages. Must run as root (it calls apt-get).
set -euo pipefail

if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps.sh: run as root (it installs Debian packages with apt-get)" >&2
  exit 2
fi

packages=(
  # Toolchain.
  build-essential cmake ninja-build ccache pkg-config git
  # Libraries the product links.
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  librocksdb-dev libabsl-dev libssl-dev libzstd-dev libcli11-dev libcsv-dev
  libjemalloc-dev
  libspdlog-dev libfmt-dev libtomlplusplus-dev libmicrohttpd-dev libsystemd-dev
  libcmark-gfm-dev libcmark-gfm-extensions-dev libgit2-dev
  # Chronology import: XLSX and DOCX are ZIP archives of XML.
  libzip-dev libxml2-dev
  # Unicode name matching for the published version (NFKC, case folding,
  # confusables).
  libicu-dev
  # Tests and benchmarks; clang and its runtime for the libFuzzer targets.
  libgtest-dev libgmock-dev googletest libbenchmark-dev
  clang libclang-rt-14-dev
  # Process-level tests and benchmarks: RSS measurement, process tools,
  # script (a pseudo-terminal for the colour and progress tests).
  time procps python3 bsdutils
  # A gRPC client of another implementation for the health and reflection
  # test (tests/grpc_probe.py).
  python3-grpcio
  # Headless Chromium renders the HTML export in its test, and prints the
  # PDF export on the board; pandoc makes the Word export on the board and
  # the import tests' DOCX fixtures (common/import/testdata/make_fixtures.sh,
  # with python3-openpyxl for XLSX); poppler-utils (pdftotext, pdftoppm)
  # reads both back in tests.
  chromium pandoc poppler-utils python3-openpyxl
  # systemd-analyze, to verify the units in deploy/systemd.
  systemd
  # Certificates (deploy/certs.sh).
  openssl
)

export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends "${packages[@]}"
