#!/usr/bin/env bash
# Installs casesync as systemd services on this machine, from a build
# (deploy/build.sh) and a CA directory made by deploy/certs.sh. Run as root.
#
#   deploy/install-services.sh board  PKI_DIR [BOARD_ID] [LISTEN]
#       casesync-board.service: BOARD_ID (default board) must have its
#       certificate in PKI_DIR (deploy/certs.sh init PKI_DIR BOARD_ID);
#       LISTEN defaults to 0.0.0.0:7443.
#   deploy/install-services.sh agency PKI_DIR AGENCY BOARD_ADDRESS [BOARD_ID]
#       casesyncd.service for AGENCY (deploy/certs.sh issue PKI_DIR AGENCY),
#       syncing with the board at BOARD_ADDRESS (host:port).
#
# It installs the programs in /usr/local/bin, creates the system user
# casesync, copies the CA certificate, this replica's certificate and key
# (and the board's revocation lists) into /etc/casesync/pki, writes
# /etc/casesync/board.toml or agency.toml from deploy/config/, installs the
# unit from deploy/systemd/ and, where systemd runs, enables and starts it.
# Existing settings files are kept (a new one is written beside them as
# *.toml.new). Run again after a new build to upgrade: the unit restarts.
# docs/operations.md walks through it.
set -euo pipefail

usage() {
  sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}
die() {
  echo "install-services.sh: $*" >&2
  exit 1
}

[ "$(id -u)" -eq 0 ] || die "run as root (it creates a user and installs units)"
[ $# -ge 2 ] || usage
role=$1
[ -d "$2" ] || die "$2 is not a directory (the CA's, from deploy/certs.sh)"
pki=$(cd "$2" && pwd)  # before the cd below
cd "$(dirname "$0")/.."
build=${CASESYNC_BUILD_DIR:-build}
# Ids and addresses go into the settings file: only what they may hold.
valid_id() { [[ $1 =~ ^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$ ]]; }
valid_address() { [[ $1 =~ ^[A-Za-z0-9.:\[\]_-]+:[0-9]+$ ]]; }
case "$role" in
  board)
    id=${3:-board}
    listen=${4:-0.0.0.0:7443}
    valid_id "$id" || die "board id '$id': letters, digits, . _ - only"
    valid_address "$listen" || die "listen address '$listen' is not HOST:PORT"
    unit=casesync-board
    program=server/casesync-board
    ;;
  agency)
    [ $# -ge 4 ] || usage
    id=$3
    board_address=$4
    board_id=${5:-board}
    valid_id "$id" || die "agency id '$id': letters, digits, . _ - only"
    valid_id "$board_id" || die "board id '$board_id': letters, digits, . _ - only"
    valid_address "$board_address" ||
      die "board address '$board_address' is not HOST:PORT"
    unit=casesyncd
    program=client/casesyncd
    ;;
  *) usage ;;
esac
for file in "$pki/ca.crt" "$pki/$id.crt" "$pki/$id.key"; do
  [ -r "$file" ] || die "$file is missing: make it with deploy/certs.sh"
done
for binary in "$build/$program" "$build/client/casesync"; do
  [ -x "$binary" ] || die "$binary is missing: build first (deploy/build.sh)"
done

echo "== programs -> /usr/local/bin"
install -m 755 "$build/$program" "$build/client/casesync" /usr/local/bin/

echo "== user casesync"
if ! getent passwd casesync >/dev/null; then
  useradd --system --home-dir /var/lib/casesync --shell /usr/sbin/nologin \
    casesync
fi

echo "== certificates -> /etc/casesync/pki"
install -d -m 750 -g casesync /etc/casesync /etc/casesync/pki
install -m 644 "$pki/ca.crt" "$pki/$id.crt" /etc/casesync/pki/
install -m 640 -g casesync "$pki/$id.key" /etc/casesync/pki/
if [ "$role" = board ]; then
  install -d -m 755 /etc/casesync/pki/crl
  if [ -d "$pki/crl" ]; then
    find "$pki/crl" -maxdepth 1 -type f -exec install -m 644 {} /etc/casesync/pki/crl/ \;
  fi
fi

config=/etc/casesync/$role.toml
echo "== settings -> $config"
new=$(mktemp)
trap 'rm -f "$new"' EXIT
if [ "$role" = board ]; then
  sed -e "s|^board_id = .*|board_id = \"$id\"|" \
      -e "s|^listen = .*|listen = \"$listen\"|" \
      -e "s|/etc/casesync/pki/board\.|/etc/casesync/pki/$id.|" \
      deploy/config/board.toml >"$new"
else
  sed -e "s|^agency = .*|agency = \"$id\"|" \
      -e "s|^board = .*|board = \"$board_address\"|" \
      -e "s|^board_id = .*|board_id = \"$board_id\"|" \
      -e "s|/etc/casesync/pki/police\.|/etc/casesync/pki/$id.|" \
      deploy/config/agency.toml >"$new"
fi
if [ -e "$config" ] && ! cmp -s "$new" "$config"; then
  install -m 644 "$new" "$config.new"
  echo "   kept your $config; the new defaults are in $config.new"
else
  install -m 644 "$new" "$config"
fi
# The settings file must read before the service is started with it (the
# certificates are checked when the service starts: journalctl -u UNIT).
"/usr/local/bin/$(basename "$program")" --config "$config" \
  --data_dir /nonexistent --socket /nonexistent.sock --print_config >/dev/null

echo "== unit -> /etc/systemd/system/$unit.service"
install -m 644 "deploy/systemd/$unit.service" /etc/systemd/system/

if [ -d /run/systemd/system ]; then
  systemctl daemon-reload
  systemctl enable "$unit"
  systemctl restart "$unit"  # starts it, or restarts it on the new programs
  echo "== started; check it with:"
else
  echo "== systemd is not running here: start it with"
  echo "   systemctl daemon-reload && systemctl enable --now $unit"
  echo "   and then check it with:"
fi
if [ "$role" = board ]; then
  echo "   sudo -u casesync casesync --socket /run/casesync-board/board.sock status"
else
  echo "   sudo -u casesync casesync --socket /run/casesyncd/agency.sock status"
fi
