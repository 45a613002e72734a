#!/usr/bin/env bash
# The board's certificate authority, with the openssl command line.
#
#   deploy/certs.sh init DIR BOARD_ID        a new CA in DIR, and the board's
#                                            certificate (CN=BOARD_ID, SAN
#                                            localhost and 127.0.0.1)
#   deploy/certs.sh issue DIR ID [DAYS]      a certificate for agency ID
#                                            (CN=ID), valid DAYS (default 397)
#   deploy/certs.sh revoke DIR ID            revokes ID's current certificate
#                                            and rewrites the revocation list
#   deploy/certs.sh crl DIR                  rewrites the revocation list (it
#                                            expires after 30 days: re-run it
#                                            from cron)
#
# Files in DIR: ca.crt (give to every replica as --tls_ca), ca.key (keep
# offline: it can mint identities), ID.crt and ID.key per replica
# (--tls_cert, --tls_key; the key is mode 600), crl/ (the board's
# --tls_crl_dir: the CA's revocation lists under their hash name, HASH.r0,
# HASH.r1, ..., the newest last). docs/security.md covers rotation and
# revocation.
#
# For tests, CASESYNC_CERT_START and CASESYNC_CERT_END (YYYYMMDDHHMMSSZ) set
# the validity of the next `issue` exactly, to make an expired certificate.
set -euo pipefail

usage() {
  sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

die() {
  echo "certs.sh: $*" >&2
  exit 1
}

valid_id() {
  [[ "$1" =~ ^[a-z0-9][a-z0-9_.-]{0,62}$ ]] ||
    die "'$1' is not a valid replica id (lower-case letters, digits, '_', '.', '-'; up to 63)"
}

write_config() {
  local dir="$1"
  cat >"$dir/openssl.cnf" <<EOF
[ ca ]
default_ca = board_ca

[ board_ca ]
dir              = $dir
database         = \$dir/index.txt
new_certs_dir    = \$dir/issued
serial           = \$dir/serial
crlnumber        = \$dir/crlnumber
certificate      = \$dir/ca.crt
private_key      = \$dir/ca.key
default_md       = sha256
default_days     = 397
default_crl_days = 30
policy           = policy_cn
unique_subject   = no
copy_extensions  = none
email_in_dn      = no

[ policy_cn ]
commonName = supplied

[ replica ]
basicConstraints       = critical, CA:FALSE
keyUsage               = critical, digitalSignature, keyEncipherment
extendedKeyUsage       = clientAuth
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid, issuer

[ board ]
basicConstraints       = critical, CA:FALSE
keyUsage               = critical, digitalSignature, keyEncipherment
extendedKeyUsage       = clientAuth, serverAuth
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid, issuer
subjectAltName         = DNS:localhost, IP:127.0.0.1, IP:::1
EOF
}

new_key() {
  (umask 077 && openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
    -out "$1" 2>/dev/null)
}

# issue_cert DIR ID EXTENSIONS DAYS
issue_cert() {
  local dir="$1" id="$2" ext="$3" days="$4"
  new_key "$dir/$id.key.new"
  openssl req -new -key "$dir/$id.key.new" -subj "/CN=$id" \
    -out "$dir/$id.csr" 2>/dev/null
  local validity=(-days "$days")
  if [ -n "${CASESYNC_CERT_START:-}" ] || [ -n "${CASESYNC_CERT_END:-}" ]; then
    validity=(-startdate "${CASESYNC_CERT_START:?}" -enddate "${CASESYNC_CERT_END:?}")
  fi
  openssl ca -batch -notext -config "$dir/openssl.cnf" -extensions "$ext" \
    "${validity[@]}" -in "$dir/$id.csr" -out "$dir/$id.crt.new" 2>"$dir/openssl.log" ||
    die "openssl could not issue a certificate for $id (see $dir/openssl.log)"
  mv "$dir/$id.key.new" "$dir/$id.key"
  mv "$dir/$id.crt.new" "$dir/$id.crt"
  rm -f "$dir/$id.csr"
  echo "certs.sh: issued $dir/$id.crt (CN=$id)" >&2
}

# Writes the CA's current revocation list into DIR/crl as the next file of
# its hash (HASH.r0, HASH.r1, ...), keeping the older ones: OpenSSL's
# directory lookup reads HASH.r0, HASH.r1, ... in turn and stops at the first
# number missing, caches what it read, and of two lists of one CA uses the
# later. A list rewritten under the same name would never be seen by a
# lookup that had read it before; a new number is. The board re-reads the
# directory whenever it changes (server/revocation_watch.h).
write_crl() {
  local dir="$1"
  # OpenSSL prefers the later of two lists only by their thisUpdate time, in
  # whole seconds: never write two in the same second.
  if [ -f "$dir/crl.pem" ] &&
    [ "$(date +%s)" -le "$(stat -c %Y "$dir/crl.pem")" ]; then
    sleep 1
  fi
  openssl ca -config "$dir/openssl.cnf" -gencrl -out "$dir/crl.pem" 2>"$dir/openssl.log" ||
    die "openssl could not write the revocation list (see $dir/openssl.log)"
  local hash next=0 old
  hash="$(openssl crl -in "$dir/crl.pem" -hash -noout)"
  mkdir -p "$dir/crl"
  for old in "$dir/crl/$hash".r*; do
    [ -e "$old" ] || continue
    old="${old##*.r}"
    if [[ "$old" =~ ^[0-9]+$ ]] && [ "$old" -ge "$next" ]; then next=$((old + 1)); fi
  done
  cp "$dir/crl.pem" "$dir/crl/.new"
  mv "$dir/crl/.new" "$dir/crl/$hash.r$next"
}

command -v openssl >/dev/null || die "openssl is not installed (deploy/install-deps.sh installs it)"
[ $# -ge 2 ] || usage
cmd="$1"
dir="$2"

case "$cmd" in
  init)
    [ $# -eq 3 ] || usage
    valid_id "$3"
    [ ! -e "$dir/ca.key" ] || die "$dir already holds a CA (ca.key); refusing to overwrite it"
    mkdir -p "$dir/issued"
    chmod 700 "$dir"
    dir="$(cd "$dir" && pwd)"
    : >"$dir/index.txt"
    echo 1000 >"$dir/serial"
    echo 1000 >"$dir/crlnumber"
    write_config "$dir"
    new_key "$dir/ca.key"
    openssl req -new -x509 -key "$dir/ca.key" -subj "/CN=casesync board CA ($3)" \
      -days 3650 -sha256 -addext "basicConstraints=critical,CA:TRUE" \
      -addext "keyUsage=critical,keyCertSign,cRLSign" -out "$dir/ca.crt" 2>/dev/null
    echo "certs.sh: created the CA in $dir" >&2
    issue_cert "$dir" "$3" board 397
    write_crl "$dir"
    ;;
  issue)
    [ $# -ge 3 ] && [ $# -le 4 ] || usage
    valid_id "$3"
    [ -f "$dir/openssl.cnf" ] || die "$dir holds no CA: run 'certs.sh init $dir BOARD_ID' first"
    issue_cert "$dir" "$3" replica "${4:-397}"
    ;;
  revoke)
    [ $# -eq 3 ] || usage
    [ -f "$dir/$3.crt" ] || die "no certificate $dir/$3.crt to revoke"
    openssl ca -config "$dir/openssl.cnf" -revoke "$dir/$3.crt" 2>"$dir/openssl.log" ||
      die "openssl could not revoke $3 (see $dir/openssl.log)"
    write_crl "$dir"
    echo "certs.sh: revoked $dir/$3.crt; a board reading $dir/crl refuses it from now on, and ends its open connection within a second or two" >&2
    ;;
  crl)
    [ $# -eq 2 ] || usage
    write_crl "$dir"
    ;;
  *)
    usage
    ;;
esac
