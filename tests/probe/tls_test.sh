#!/usr/bin/env bash
# TLS as the domain controllers of the KB's era speak it: servers on 127.0.0.1 that offer only
# TLS 1.0 and a SHA-1 certificate, one with RSA key exchange (AES128-SHA: Windows 2003 with
# KB 948963) and one with ECDHE-RSA (Windows Server 2008, TLS 1.0 only), whose key exchange is
# signed with MD5+SHA-1. OpenSSL 3 refuses that signature at its default security level
# ("legacy sigalg disallowed"); the probe must still complete the handshake and report the
# certificate, or an LDAPS service that answers would read as WRONG_SERVICE.
#
# Usage: tls_test.sh PORTOLAN. Loopback only, no root; the server is removed by its pid.
set -uo pipefail

PORTOLAN=$1
# shellcheck source=../support/harness.sh
source "$(dirname "${BASH_SOURCE[0]}")/../support/harness.sh"
harness_init "probe tls"
require_tools openssl

openssl req -x509 -newkey rsa:2048 -sha1 -nodes -keyout "$WORK/key.pem" -out "$WORK/cert.pem" -days 2 \
  -subj "/CN=dc2003.example" 2>/dev/null || { fail "cannot make a certificate"; finish; }

# A free loopback port: the first of a few that nothing listens on.
port=""
for candidate in 16360 16460 16560 16660; do  # this port and the next two
  if ! (exec 3<>"/dev/tcp/127.0.0.1/$candidate") 2>/dev/null &&
    ! (exec 3<>"/dev/tcp/127.0.0.1/$((candidate + 1))") 2>/dev/null &&
    ! (exec 3<>"/dev/tcp/127.0.0.1/$((candidate + 2))") 2>/dev/null; then
    port=$candidate
    break
  fi
done
[ -n "$port" ] || { fail "no free loopback port"; finish; }

# tls10 CIPHER: a TLS 1.0 server with that cipher on the next free port, probed as LDAPS.
tls10() {
  local cipher=$1
  port=$((port + 1))
  spawn timeout 60 openssl s_server -accept "127.0.0.1:$port" -cert "$WORK/cert.pem" -key "$WORK/key.pem" -tls1 \
    -cipher "$cipher:@SECLEVEL=0" -quiet </dev/null >"$WORK/server-$cipher.log" 2>&1
  for _ in $(seq 50); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
    sleep 0.1
  done
  check_exit "TLS 1.0 $cipher probe" 1 "$PORTOLAN" probe 127.0.0.1 -p "$port" --service ldaps --timeout 2s -f csv
  # The server is not LDAP (it echoes): WRONG_SERVICE, but after a handshake that names the certificate.
  if grep -qF "TLS (subject /CN=dc2003.example, issuer /CN=dc2003.example" "$WORK/stdout" &&
    ! grep -q "handshake failed" "$WORK/stdout"; then
    pass
  else
    fail "TLS 1.0 $cipher: no handshake: $(cat "$WORK/stdout")"
  fi
}
tls10 AES128-SHA
tls10 ECDHE-RSA-AES128-SHA

finish
