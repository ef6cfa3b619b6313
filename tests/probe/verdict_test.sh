#!/usr/bin/env bash
# Every verdict of `portolan probe` shown through a real nftables router: a client namespace,
# a router namespace whose forward chain accepts, drops, rejects with a TCP reset, with ICMP
# administratively prohibited and with nftables' plain reject (ICMP port unreachable, from the
# router: FILTERED, not NOT_LISTENING), and a server namespace with listeners.
#
# Usage: verdict_test.sh PORTOLAN. Needs root (exit 77, skipped, without). Traffic stays in
# the namespaces this script creates; they and the listeners are removed by name and pid.
set -uo pipefail

PORTOLAN=$1
# shellcheck source=../support/harness.sh
source "$(dirname "${BASH_SOURCE[0]}")/../support/harness.sh"
harness_init "probe verdicts" "plv$$"
require_root
require_tools nft socat

# client 10.77.1.2 - router 10.77.1.1, 10.77.2.1 - server 10.77.2.2, and the same over IPv6 (added
# without duplicate address detection: usable at once).
topology_routed 10.77.1.2/24,fd77:1::2/64 10.77.1.1/24,fd77:1::1/64 10.77.2.1/24,fd77:2::1/64 \
  10.77.2.2/24,fd77:2::2/64 || exit 1

ip netns exec "$R" nft -f - <<'EOF'
table inet verdicts {
  chain forward {
    type filter hook forward priority filter; policy accept;
    tcp dport 8082 reject with tcp reset
    tcp dport 8083 drop
    meta nfproto ipv4 tcp dport 8084 reject with icmp type admin-prohibited
    meta nfproto ipv6 tcp dport 8084 reject with icmpv6 type admin-prohibited
    udp dport 5355 drop
    meta nfproto ipv4 udp dport 5356 reject with icmp type admin-prohibited
    meta nfproto ipv6 udp dport 5356 reject with icmpv6 type admin-prohibited
    tcp dport 8085 reject
    udp dport 5357 reject
  }
}
EOF

spawn ip netns exec "$S" socat TCP-LISTEN:8080,bind=10.77.2.2,fork,reuseaddr SYSTEM:'cat >/dev/null' 2>/dev/null
spawn ip netns exec "$S" socat UDP-RECVFROM:5353,bind=10.77.2.2,fork SYSTEM:'echo pong' 2>/dev/null
spawn ip netns exec "$S" socat TCP6-LISTEN:8080,bind=[fd77:2::2],fork,reuseaddr SYSTEM:'cat >/dev/null' 2>/dev/null
spawn ip netns exec "$S" socat UDP6-RECVFROM:5353,bind=[fd77:2::2],fork SYSTEM:'echo pong' 2>/dev/null
for _ in $(seq 50); do
  [ "$(ip netns exec "$S" ss -Hltnu | wc -l)" -ge 4 ] && break
  sleep 0.1
done

ip netns exec "$C" "$PORTOLAN" probe 10.77.2.2 -p 8080,8081,8082,8083,8084,8085,5353/udp,5354/udp,5355/udp,5356/udp,5357/udp \
  --timeout 1s -f csv -o "$WORK/results.csv"
status=$?
ip netns exec "$C" "$PORTOLAN" probe 10.77.2.2 -p 8084,5356/udp --timeout 1s -f json -o "$WORK/results.json"

# expect PORT/PROTO VERDICT [TEXT in the detail]
expect() {
  local line verdict
  line=$(grep "^10.77.2.2,${1#*/},${1%/*}," "$WORK/results.csv")
  verdict=$(echo "$line" | cut -d, -f5)
  if [ "$verdict" != "$2" ]; then
    fail "$1: expected $2, got '$verdict' ($line)"
  elif [ -n "${3:-}" ] && ! grep -qF -- "$3" <<<"$line"; then
    fail "$1: the detail lacks '$3' ($line)"
  else
    pass
  fi
}
expect 8080/tcp LISTENING "connection accepted"
expect 8081/tcp NOT_LISTENING "TCP reset"                      # the server's own reset
expect 8082/tcp NOT_LISTENING "TCP reset"                      # the router's reset
expect 8083/tcp FILTERED "no answer"                           # dropped
expect 8084/tcp FILTERED "administratively prohibited"         # rejected by the router
expect 8085/tcp FILTERED "port unreachable (type 3 code 3) from 10.77.1.1, not the target"  # a plain reject
expect 5353/udp LISTENING "a datagram came back"
expect 5354/udp NOT_LISTENING "port unreachable (type 3 code 3) from 10.77.2.2"
expect 5355/udp LISTENING_OR_FILTERED "no answer and no ICMP error"
expect 5356/udp FILTERED "administratively prohibited (type 3 code 13) from 10.77.1.1"
expect 5357/udp FILTERED "port unreachable (type 3 code 3) from 10.77.1.1, not the target"
if [ "$(grep -c '"icmp_from": "10.77.1.1"' "$WORK/results.json")" -eq 2 ]; then
  pass
else
  fail "the JSON does not name the router 10.77.1.1 as the ICMP sender of both rejections"
  cat "$WORK/results.json"
fi
if [ "$status" -eq 1 ]; then pass; else fail "exit $status, expected 1"; fi

# The same verdicts over IPv6: ICMPv6 errors name the router (fd77:1::1) or the server. First
# the link-local addresses must leave duplicate address detection (neighbor discovery needs them).
for _ in $(seq 50); do
  [ "$(for ns in "$C" "$R" "$S"; do ip -n "$ns" -6 addr; done | grep -c tentative)" -eq 0 ] && break
  sleep 0.1
done
ip netns exec "$C" "$PORTOLAN" probe fd77:2::2 -p 8080,8081,8082,8083,8084,8085,5353/udp,5354/udp,5355/udp,5356/udp,5357/udp \
  --timeout 1s -f csv -o "$WORK/results6.csv"
expect6() {
  local line verdict
  line=$(grep "^fd77:2::2,${1#*/},${1%/*}," "$WORK/results6.csv")
  verdict=$(echo "$line" | cut -d, -f5)
  if [ "$verdict" != "$2" ]; then
    fail "IPv6 $1: expected $2, got '$verdict' ($line)"
  elif [ -n "${3:-}" ] && ! grep -qF -- "$3" <<<"$line"; then
    fail "IPv6 $1: the detail lacks '$3' ($line)"
  else
    pass
  fi
}
expect6 8080/tcp LISTENING "connection accepted"
expect6 8081/tcp NOT_LISTENING "TCP reset"
expect6 8082/tcp NOT_LISTENING "TCP reset"
expect6 8083/tcp FILTERED "no answer"
expect6 8084/tcp FILTERED "ICMPv6 administratively prohibited (type 1 code 1) from fd77:1::1"
expect6 8085/tcp FILTERED "ICMPv6 port unreachable (type 1 code 4) from fd77:1::1, not the target"
expect6 5353/udp LISTENING "a datagram came back"
expect6 5354/udp NOT_LISTENING "ICMPv6 port unreachable (type 1 code 4) from fd77:2::2"
expect6 5355/udp LISTENING_OR_FILTERED "no answer and no ICMP error"
expect6 5356/udp FILTERED "ICMPv6 administratively prohibited (type 1 code 1) from fd77:1::1"
expect6 5357/udp FILTERED "ICMPv6 port unreachable (type 1 code 4) from fd77:1::1, not the target"

finish
