#!/usr/bin/env bash
# Every verdict of `portolan probe` shown through a real nftables router: a client namespace,
# a router namespace whose forward chain accepts, drops, rejects with a TCP reset and rejects
# with ICMP administratively prohibited, and a server namespace with listeners.
#
# Usage: verdict_test.sh PORTOLAN. Needs root (exit 77, skipped, without). Traffic stays in
# the namespaces this script creates; they and the listeners are removed by name and pid.
set -uo pipefail

PORTOLAN=$1
TAG="plv$$"
C="$TAG-cli"
R="$TAG-rtr"
S="$TAG-srv"
WORK=$(mktemp -d)
PIDS=()
passed=0
failed=0

cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null; done
  for ns in "$C" "$R" "$S"; do ip netns del "$ns" 2>/dev/null; done
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

[ "$(id -u)" -eq 0 ] || { echo "probe verdicts: SKIPPED: needs root for network namespaces"; exit 77; }
for tool in nft socat; do
  command -v "$tool" >/dev/null || { echo "probe verdicts: SKIPPED: $tool not installed"; exit 77; }
done

ip netns add "$C" && ip netns add "$R" && ip netns add "$S" || exit 1
ip link add "$TAG-c" netns "$C" type veth peer name "$TAG-rc" netns "$R"
ip link add "$TAG-s" netns "$S" type veth peer name "$TAG-rs" netns "$R"
ip -n "$C" addr add 10.77.1.2/24 dev "$TAG-c"
ip -n "$R" addr add 10.77.1.1/24 dev "$TAG-rc"
ip -n "$R" addr add 10.77.2.1/24 dev "$TAG-rs"
ip -n "$S" addr add 10.77.2.2/24 dev "$TAG-s"
for ns in "$C" "$R" "$S"; do ip -n "$ns" link set lo up; done
ip -n "$C" link set "$TAG-c" up
ip -n "$S" link set "$TAG-s" up
ip -n "$R" link set "$TAG-rc" up
ip -n "$R" link set "$TAG-rs" up
ip -n "$C" route add default via 10.77.1.1
ip -n "$S" route add default via 10.77.2.1
ip netns exec "$R" sysctl -q -w net.ipv4.ip_forward=1
# The same over IPv6 (no duplicate address detection: the addresses are usable at once).
ip -n "$C" addr add fd77:1::2/64 dev "$TAG-c" nodad
ip -n "$R" addr add fd77:1::1/64 dev "$TAG-rc" nodad
ip -n "$R" addr add fd77:2::1/64 dev "$TAG-rs" nodad
ip -n "$S" addr add fd77:2::2/64 dev "$TAG-s" nodad
ip -n "$C" route add default via fd77:1::1
ip -n "$S" route add default via fd77:2::1
ip netns exec "$R" sysctl -q -w net.ipv6.conf.all.forwarding=1

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
  }
}
EOF

ip netns exec "$S" socat TCP-LISTEN:8080,bind=10.77.2.2,fork,reuseaddr SYSTEM:'cat >/dev/null' 2>/dev/null &
PIDS+=($!)
ip netns exec "$S" socat UDP-RECVFROM:5353,bind=10.77.2.2,fork SYSTEM:'echo pong' 2>/dev/null &
PIDS+=($!)
ip netns exec "$S" socat TCP6-LISTEN:8080,bind=[fd77:2::2],fork,reuseaddr SYSTEM:'cat >/dev/null' 2>/dev/null &
PIDS+=($!)
ip netns exec "$S" socat UDP6-RECVFROM:5353,bind=[fd77:2::2],fork SYSTEM:'echo pong' 2>/dev/null &
PIDS+=($!)
for _ in $(seq 50); do
  [ "$(ip netns exec "$S" ss -Hltnu | wc -l)" -ge 4 ] && break
  sleep 0.1
done

ip netns exec "$C" "$PORTOLAN" probe 10.77.2.2 -p 8080,8081,8082,8083,8084,5353/udp,5354/udp,5355/udp,5356/udp \
  --timeout 1s -f csv -o "$WORK/results.csv"
status=$?
ip netns exec "$C" "$PORTOLAN" probe 10.77.2.2 -p 8084,5356/udp --timeout 1s -f json -o "$WORK/results.json"

# expect PORT/PROTO VERDICT [TEXT in the detail]
expect() {
  local line verdict
  line=$(grep "^10.77.2.2,${1#*/},${1%/*}," "$WORK/results.csv")
  verdict=$(echo "$line" | cut -d, -f5)
  if [ "$verdict" != "$2" ]; then
    failed=$((failed + 1))
    echo "FAIL: $1: expected $2, got '$verdict' ($line)"
  elif [ -n "${3:-}" ] && ! grep -qF -- "$3" <<<"$line"; then
    failed=$((failed + 1))
    echo "FAIL: $1: the detail lacks '$3' ($line)"
  else
    passed=$((passed + 1))
  fi
}
expect 8080/tcp LISTENING "connection accepted"
expect 8081/tcp NOT_LISTENING "TCP reset"                      # the server's own reset
expect 8082/tcp NOT_LISTENING "TCP reset"                      # the router's reset
expect 8083/tcp FILTERED "no answer"                           # dropped
expect 8084/tcp FILTERED "administratively prohibited"         # rejected by the router
expect 5353/udp LISTENING "a datagram came back"
expect 5354/udp NOT_LISTENING "port unreachable (type 3 code 3) from 10.77.2.2"
expect 5355/udp LISTENING_OR_FILTERED "no answer and no ICMP error"
expect 5356/udp FILTERED "administratively prohibited (type 3 code 13) from 10.77.1.1"
if [ "$(grep -c '"icmp_from": "10.77.1.1"' "$WORK/results.json")" -eq 2 ]; then
  passed=$((passed + 1))
else
  failed=$((failed + 1))
  echo "FAIL: the JSON does not name the router 10.77.1.1 as the ICMP sender of both rejections"
  cat "$WORK/results.json"
fi
if [ "$status" -eq 1 ]; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL: exit $status, expected 1"; fi

# The same verdicts over IPv6: ICMPv6 errors name the router (fd77:1::1) or the server. First
# the link-local addresses must leave duplicate address detection (neighbor discovery needs them).
for _ in $(seq 50); do
  [ "$(for ns in "$C" "$R" "$S"; do ip -n "$ns" -6 addr; done | grep -c tentative)" -eq 0 ] && break
  sleep 0.1
done
ip netns exec "$C" "$PORTOLAN" probe fd77:2::2 -p 8080,8081,8082,8083,8084,5353/udp,5354/udp,5355/udp,5356/udp \
  --timeout 1s -f csv -o "$WORK/results6.csv"
expect6() {
  local line verdict
  line=$(grep "^fd77:2::2,${1#*/},${1%/*}," "$WORK/results6.csv")
  verdict=$(echo "$line" | cut -d, -f5)
  if [ "$verdict" != "$2" ]; then
    failed=$((failed + 1))
    echo "FAIL: IPv6 $1: expected $2, got '$verdict' ($line)"
  elif [ -n "${3:-}" ] && ! grep -qF -- "$3" <<<"$line"; then
    failed=$((failed + 1))
    echo "FAIL: IPv6 $1: the detail lacks '$3' ($line)"
  else
    passed=$((passed + 1))
  fi
}
expect6 8080/tcp LISTENING "connection accepted"
expect6 8081/tcp NOT_LISTENING "TCP reset"
expect6 8082/tcp NOT_LISTENING "TCP reset"
expect6 8083/tcp FILTERED "no answer"
expect6 8084/tcp FILTERED "ICMPv6 administratively prohibited (type 1 code 1) from fd77:1::1"
expect6 5353/udp LISTENING "a datagram came back"
expect6 5354/udp NOT_LISTENING "ICMPv6 port unreachable (type 1 code 4) from fd77:2::2"
expect6 5355/udp LISTENING_OR_FILTERED "no answer and no ICMP error"
expect6 5356/udp FILTERED "ICMPv6 administratively prohibited (type 1 code 1) from fd77:1::1"

echo "probe verdicts: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
