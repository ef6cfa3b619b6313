#!/usr/bin/env bash
# `portolan probe` of the Windows build, under wine, against listeners on 127.0.0.1: a port that
# accepts, one that refuses, one that stays silent; UDP that answers, refuses and stays silent;
# every protocol check against a stand-in (the Linux build's `portolan respond`, TCP and UDP), each
# giving exactly the Linux build's result;
# real HTTP and DNS servers (python3's http.server, dnsmasq); TLS 1.0 to a server of the KB's era
# (tests/probe/tls_test.sh). What wine cannot show (Windows' own ICMP options, the SYN sent again
# after a reset) is unit-tested with injected outcomes (tests/probe/windows_evidence_test.cpp).
#
# Usage: probe_test.sh PORTOLAN_WINE LINUX_PORTOLAN SOURCE_DIR, where PORTOLAN_WINE runs
# portolan.exe (tests/windows/portolan-wine.sh) and LINUX_PORTOLAN is the Linux build, whose
# responder stands in. Loopback only; every server is removed by its pid.
set -uo pipefail

PORTOLAN=$1
LINUX_PORTOLAN=$2
SRC=$3
# shellcheck source=../support/harness.sh
source "$SRC/tests/support/harness.sh"
harness_init "windows probe"
require_tools socat python3 dnsmasq openssl

# free_port tcp|udp: a port of 127.0.0.1 that nothing uses now (the kernel's choice).
free_port() {
  python3 -c 'import socket,sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM if sys.argv[1] == "udp" else socket.SOCK_STREAM)
s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' "$1"
}
# wait_listening PORT...: until each TCP port of 127.0.0.1 accepts (5 s at most).
wait_listening() {
  local port
  for port in "$@"; do
    for _ in $(seq 50); do
      (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
      sleep 0.1
    done
  done
}
# expect NAME VERDICT TEXT: the CSV row of the last probe ($WORK/stdout) has VERDICT and TEXT.
expect() {
  local row
  row=$(sed -n 2p "$WORK/stdout")
  if [ "$(cut -d, -f5 <<<"$row")" != "$2" ]; then
    fail "$1: expected $2: $row"
  elif ! grep -qF -- "$3" <<<"$row"; then
    fail "$1: the detail lacks '$3': $row"
  else
    pass
  fi
}
# rtt_below MS: the last probe's round trip is below MS milliseconds.
rtt_below() {
  local rtt
  rtt=$(sed -n 2p "$WORK/stdout" | awk -F, '{print $(NF-1)}')
  awk -v rtt="$rtt" -v limit="$1" 'BEGIN { exit !(rtt + 0 < limit + 0) }' && pass || fail "took $rtt ms, not under $1"
}

# --- TCP: accepts, refuses, stays silent -----------------------------------------------------------
open_port=$(free_port tcp)
spawn socat "TCP-LISTEN:$open_port,bind=127.0.0.1,fork,reuseaddr" SYSTEM:'cat >/dev/null' 2>/dev/null
# Silent: a listener with a backlog of 0 and one connection never accepted: its queue is full, and
# Linux drops every further SYN to it.
silent_port=$(free_port tcp)
spawn python3 -c 'import socket, sys, time
listener = socket.socket(); listener.bind(("127.0.0.1", int(sys.argv[1]))); listener.listen(0)
filler = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
time.sleep(120)' "$silent_port"
wait_listening "$open_port"
sleep 0.3
refused_port=$(free_port tcp)

check_exit "tcp open" 0 "$PORTOLAN" probe 127.0.0.1 -p "$open_port" -f csv
expect "tcp open" LISTENING "connection accepted"
check_exit "tcp refused" 1 "$PORTOLAN" probe 127.0.0.1 -p "$refused_port" -f csv
expect "tcp refused" NOT_LISTENING "connection refused (TCP reset)"
rtt_below 1000
# Silence. Wine refuses the option that turns off Windows' SYN retries after a reset, so the
# connect waits out their window (3 s) even with --timeout 1s: a refusal is never read as silence.
check_exit "tcp silent" 1 "$PORTOLAN" probe 127.0.0.1 -p "$silent_port" --timeout 1s --retries 0 -f csv
expect "tcp silent" FILTERED "no answer to 1 connection request in 3"
expect "tcp silent says what the system cannot tell" FILTERED "this system cannot tell an ICMP error from silence"

# --- UDP: answers, refuses, stays silent ------------------------------------------------------------
echo_port=$(free_port udp)
spawn socat "UDP-RECVFROM:$echo_port,bind=127.0.0.1,fork" SYSTEM:'echo pong' 2>/dev/null
quiet_port=$(free_port udp)
spawn socat -u "UDP-RECV:$quiet_port,bind=127.0.0.1" /dev/null 2>/dev/null
closed_udp=$(free_port udp)
sleep 0.3
check_exit "udp answers" 0 "$PORTOLAN" probe 127.0.0.1 -p "$echo_port/udp" --timeout 1s -f csv
expect "udp answers" LISTENING "a datagram came back"
check_exit "udp refused" 1 "$PORTOLAN" probe 127.0.0.1 -p "$closed_udp/udp" --timeout 1s -f csv
expect "udp refused" NOT_LISTENING "ICMP port unreachable (Windows reports no ICMP error for UDP but port unreachable"
check_exit "udp silent" 1 "$PORTOLAN" probe 127.0.0.1 -p "$quiet_port/udp" --timeout 1s -f csv
expect "udp silent" LISTENING_OR_FILTERED "no answer and no ICMP error in 1 s"

# --- every protocol check against a stand-in -------------------------------------------------------
# One port per service and transport, served by the Linux responder with a token of this run.
tcp_services=(ldap ldaps kerberos epmap smb netbios-ssn ms-sql-s http pptp dns sms-remote-control responder)
udp_services=(cldap kerberos netbios-ns netbios-dgm ms-sql-m dns sms-remote-control responder)
declare -A tcp_port udp_port
ports=()
for service in "${tcp_services[@]}"; do
  tcp_port[$service]=$(free_port tcp)
  ports+=("${tcp_port[$service]}/tcp")
done
for service in "${udp_services[@]}"; do
  udp_port[$service]=$(free_port udp)
  ports+=("${udp_port[$service]}/udp")
done
token="wine$$"
responder_args=(respond --ports "$(
  IFS=,
  echo "${ports[*]}"
)" --bind 127.0.0.1 --token "$token" --ttl 300s -q)
[ "$(id -u)" -eq 0 ] && responder_args+=(--user nobody)
spawn "$LINUX_PORTOLAN" "${responder_args[@]}" >"$WORK/responder.log" 2>&1
wait_listening "${tcp_port[ldap]}" "${tcp_port[responder]}"
# same_as_linux NAME ARGS...: `probe ARGS` by portolan.exe and by the Linux build give the same
# exit code and the same results, the round trip aside; the Windows results stay in $WORK/stdout.
same_as_linux() {
  local name=$1 linux_status
  shift
  "$LINUX_PORTOLAN" probe "$@" -f json >"$WORK/linux.json" 2>/dev/null
  linux_status=$?
  check_exit "$name" "$linux_status" "$PORTOLAN" probe "$@" -f json || return
  python3 - "$WORK/linux.json" "$WORK/stdout" <<'PY' && pass || fail "$name: Windows and Linux differ"
import json, sys
def results(path):
    rows = json.load(open(path))["results"]
    for row in rows:
        row.pop("rtt_ms", None)
    return rows
linux, windows = results(sys.argv[1]), results(sys.argv[2])
if linux != windows:
    print("  linux:  ", linux)
    print("  windows:", windows)
    sys.exit(1)
PY
}
# verified: the last probe ($WORK/stdout, JSON) is VERIFIED with this run's token in its detail.
verified() {
  grep -q '"verdict": "VERIFIED"' "$WORK/stdout" && grep -qF "$token" "$WORK/stdout" && pass ||
    fail "$1: not VERIFIED by the stand-in: $(grep -m2 '"verdict"\|"detail"' "$WORK/stdout" | tr -s ' ')"
}
# Services whose probe a stand-in can prove: over TCP every one with a request/response protocol;
# over UDP those whose request is long enough to carry the greeting's token back (the responder's
# answer is never longer than the request). The rest must still read exactly as on Linux.
provable="ldap/tcp ldaps/tcp kerberos/tcp epmap/tcp smb/tcp netbios-ssn/tcp ms-sql-s/tcp http/tcp pptp/tcp dns/tcp
  responder/tcp cldap/udp kerberos/udp netbios-ns/udp responder/udp"
for service in "${tcp_services[@]}"; do
  same_as_linux "$service/tcp stand-in" 127.0.0.1 -p "${tcp_port[$service]}" --service "$service" --token "$token" \
    --timeout 2s
  if grep -qw "$service/tcp" <<<"$provable"; then verified "$service/tcp stand-in"; fi
done
for service in "${udp_services[@]}"; do
  same_as_linux "$service/udp stand-in" 127.0.0.1 -p "${udp_port[$service]}/udp" --service "$service" \
    --token "$token" --timeout 2s
  if grep -qw "$service/udp" <<<"$provable"; then verified "$service/udp stand-in"; fi
done
# A stand-in with another token is another service.
same_as_linux "wrong token" 127.0.0.1 -p "${tcp_port[ldap]}" --service ldap --token other
grep -q '"verdict": "WRONG_SERVICE"' "$WORK/stdout" && pass || fail "wrong token: not WRONG_SERVICE"

# --- real servers: HTTP and DNS ---------------------------------------------------------------------
http_port=$(free_port tcp)
mkdir -p "$WORK/www"
echo "portolan" >"$WORK/www/index.html"
spawn python3 -m http.server --bind 127.0.0.1 --directory "$WORK/www" "$http_port" >/dev/null 2>&1
dns_port=$(free_port udp)
spawn dnsmasq --keep-in-foreground --no-resolv --no-hosts --listen-address=127.0.0.1 --bind-interfaces \
  --port="$dns_port" --address=/dc01.example/192.0.2.10 --pid-file="$WORK/dnsmasq.pid" --user=root \
  2>"$WORK/dnsmasq.log"
wait_listening "$http_port" "$dns_port"
check_exit "http server" 0 "$PORTOLAN" probe 127.0.0.1 -p "$http_port" --service http -f csv
expect "http server" VERIFIED "HTTP"
check_exit "dns server over udp" 0 "$PORTOLAN" probe 127.0.0.1 -p "$dns_port/udp" --service dns -f csv
expect "dns server over udp" VERIFIED "DNS"
check_exit "dns server over tcp" 0 "$PORTOLAN" probe 127.0.0.1 -p "$dns_port" --service dns -f csv
expect "dns server over tcp" VERIFIED "DNS"

# --- TLS 1.0 with RSA and ECDHE key exchange (the mingw build's own OpenSSL) ------------------------
if bash "$SRC/tests/probe/tls_test.sh" "$PORTOLAN" >"$WORK/tls.log" 2>&1; then
  pass
else
  fail "TLS under wine: $(tail -3 "$WORK/tls.log")"
fi

finish
