#!/usr/bin/env bash
# `portolan probe` under load never contradicts the network's ground truth. A server namespace
# answers for all of 10.66.0.0/22 (1,024 hosts); nftables in its input chain drops half of the
# (host, port) pairs and resets a quarter, and one epoll process (portolan_tcp_listeners)
# listens on the rest, silent or answering HTTP. Host groups (16-address blocks, in turn) give
# the same port different outcomes on different hosts. The script knows the truth from the rules
# it wrote, and checks every row of several runs: high concurrency with short timeouts (the
# engine's hard case: more probes than may be in flight, so sockets come and go under the
# deadlines), the defaults, --transport-only and --concurrency 1:
#   dropped -> FILTERED, reset -> NOT_LISTENING, listening -> VERIFIED, LISTENING or
#   WRONG_SERVICE (HTTP on 80 -> VERIFIED at the default timeout and one by one); every pair
#   exactly once. The server's kernel must drop no SYN to a listening port, or the truth is void.
#
# Usage: stress_test.sh PORTOLAN TCP_LISTENERS. Needs root (exit 77, skipped, without). Traffic
# stays in the namespaces this script creates; they and their processes are removed on exit.
set -uo pipefail

PORTOLAN=$1
LISTENERS=$2
TAG="pst$$"
C="$TAG-cli"
S="$TAG-srv"
WORK=$(mktemp -d)
PIDS=()
passed=0
failed=0

cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null; done
  for ns in "$C" "$S"; do
    pids=$(ip netns pids "$ns" 2>/dev/null)
    [ -n "$pids" ] && kill -9 $pids 2>/dev/null
    ip netns del "$ns" 2>/dev/null
  done
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

[ "$(id -u)" -eq 0 ] || { echo "probe stress: SKIPPED: needs root for network namespaces"; exit 77; }
command -v nft >/dev/null || { echo "probe stress: SKIPPED: nft not installed"; exit 77; }
command -v nstat >/dev/null || { echo "probe stress: SKIPPED: nstat (iproute2) not installed"; exit 77; }
[ -x "$PORTOLAN" ] && [ -x "$LISTENERS" ] || { echo "probe stress: usage: $0 PORTOLAN TCP_LISTENERS" >&2; exit 2; }

# The KB's TCP ports, so that the service (and its dialogue) is chosen by port.
PORTS=(42 53 80 88 135 139 389 445 464 593 636 1433 1723 2701 2702 2703 2704 3268 3269 3389)
# What happens to each port on each host group 0..3 (one letter per group): D dropped by
# nftables, R reset (by nftables where a listener exists, by the kernel where none does), L
# listening. Per group: 10 dropped, 5 reset, 5 listening. 42, 464 and 3389 never listen.
declare -A OUTCOME=(
  [42]=RRDR [53]=RLDD [80]=LDLR [88]=DRDL [135]=LDRD [139]=DDLR [389]=DLRL [445]=LRDL
  [464]=DRRD [593]=RDLD [636]=DRDL [1433]=LDDD [1723]=LDDD [2701]=DLDR [2702]=RDDL [2703]=DDLR
  [2704]=DLRD [3268]=DLDD [3269]=RDLD [3389]=DRRD
)
HTTP_PORTS=" 80 "  # the listener answers HTTP there; it stays silent on the others
# The group of 10.66.X.Y is (Y / 16) % 4, as in the awk below.
group_ranges() {
  local g=$1 x k ranges=()
  for x in 0 1 2 3; do
    for k in 0 1 2 3; do ranges+=("10.66.$x.$(((4 * k + g) * 16))/28"); done
  done
  (IFS=,; echo "${ranges[*]}")
}
ports_with() {  # ports_with GROUP LETTER [listened]: the ports with that outcome on that group
  local port out=()
  for port in "${PORTS[@]}"; do
    [ "${OUTCOME[$port]:$1:1}" = "$2" ] || continue
    [ "${3:-}" = listened ] && [[ "${OUTCOME[$port]}" != *L* ]] && continue
    out+=("$port")
  done
  (IFS=,; echo "${out[*]}")
}
ALL_PORTS=$(IFS=,; echo "${PORTS[*]}")
TABLE=$(for port in "${PORTS[@]}"; do printf '%s:%s ' "$port" "${OUTCOME[$port]}"; done)

ip netns add "$C" && ip netns add "$S" || exit 1
ip link add "$TAG-c" netns "$C" type veth peer name "$TAG-s" netns "$S"
ip -n "$C" addr add 10.66.254.1/24 dev "$TAG-c"
ip -n "$S" addr add 10.66.254.2/24 dev "$TAG-s"
for ns in "$C" "$S"; do ip -n "$ns" link set lo up; done
ip -n "$C" link set "$TAG-c" up
ip -n "$S" link set "$TAG-s" up
ip -n "$C" route add 10.66.0.0/22 via 10.66.254.2
ip -n "$S" route add local 10.66.0.0/22 dev lo  # the server is all 1,024 hosts
# The kernel must never drop a SYN to a listening port (the truth would be wrong), and the
# client must not run out of ephemeral ports at 20,000 in flight.
ip netns exec "$S" sysctl -q -w net.core.somaxconn=8192 net.ipv4.tcp_max_syn_backlog=16384
ip netns exec "$C" sysctl -q -w net.ipv4.ip_local_port_range="10000 65000"

{
  echo "table inet stress {"
  echo "  chain input {"
  echo "    type filter hook input priority filter; policy accept;"
  for g in 0 1 2 3; do
    addresses=$(group_ranges $g)
    echo "    iifname \"$TAG-s\" ip daddr { $addresses } tcp dport { $(ports_with $g D) } drop"
    resets=$(ports_with $g R listened)
    [ -n "$resets" ] && echo "    iifname \"$TAG-s\" ip daddr { $addresses } tcp dport { $resets } reject with tcp reset"
  done
  echo "  }"
  echo "}"
} >"$WORK/rules.nft"
ip netns exec "$S" nft -f "$WORK/rules.nft" || { echo "probe stress: nft failed:"; cat "$WORK/rules.nft"; exit 1; }

listen_args=()
for port in "${PORTS[@]}"; do
  [[ "${OUTCOME[$port]}" == *L* ]] || continue
  if [[ "$HTTP_PORTS" == *" $port "* ]]; then listen_args+=("$port:http"); else listen_args+=("$port:silent"); fi
done
ip netns exec "$S" "$LISTENERS" --lifetime 170 --max-connections 30000 "${listen_args[@]}" >"$WORK/listeners.out" 2>&1 &
PIDS+=($!)
for _ in $(seq 100); do
  grep -qsx ready "$WORK/listeners.out" && break
  sleep 0.05
done
grep -qsx ready "$WORK/listeners.out" || { echo "probe stress: the listeners did not start:"; cat "$WORK/listeners.out"; exit 1; }

# Every address of 10.66.0.0/22, and a /26 (all four groups) for the slower runs.
BLOCK_HOSTS=$(for x in 0 1 2 3; do for y in $(seq 0 255); do echo "10.66.$x.$y"; done; done)
SMALL_HOSTS=$(for y in $(seq 0 63); do echo "10.66.0.$y"; done)
ONE_BY_ONE=(10.66.1.5 10.66.1.21 10.66.1.38 10.66.1.60)  # groups 0, 1, 2, 3

# check CSV HOSTS HTTP_MUST_VERIFY: every row against the truth; prints contradictions
# (the first 20), then "SUMMARY contradictions missing duplicates unexpected".
check() {
  awk -F, -v table="$TABLE" -v hosts="$2" -v http_verified="$3" -v http_ports="$HTTP_PORTS" '
    BEGIN {
      n = split(table, items, " ")
      for (i = 1; i <= n; i++) { split(items[i], kv, ":"); outcome[kv[1]] = kv[2] }
      m = split(hosts, list, "\n")
      for (i = 1; i <= m; i++) for (p in outcome) want[list[i] "," p] = 1
      words["D"] = "dropped"; words["R"] = "reset"; words["L"] = "listening"
    }
    NR == 1 { next }
    {
      key = $1 "," $3
      if (!(key in want) || $2 != "tcp") { unexpected++; if (unexpected <= 5) print "  unexpected row: " $0; next }
      if (key in seen) { duplicates++; if (duplicates <= 5) print "  duplicate row: " $0; next }
      seen[key] = 1
      split($1, octets, ".")
      truth = substr(outcome[$3], int(octets[4] / 16) % 4 + 1, 1)
      ok = (truth == "D" && $5 == "FILTERED") || (truth == "R" && $5 == "NOT_LISTENING") ||
           (truth == "L" && ($5 == "VERIFIED" || $5 == "LISTENING" || $5 == "WRONG_SERVICE"))
      if (ok && truth == "L" && http_verified && index(http_ports, " " $3 " ") && $5 != "VERIFIED") ok = 0
      if (!ok) {
        contradictions++
        by[words[truth] " -> " $5]++
        if (contradictions <= 20) print "  " words[truth] ": " $0
      }
    }
    END {
      for (k in want) if (!(k in seen)) { missing++; if (missing <= 5) print "  missing row: " k }
      for (b in by) print "  count: " b ": " by[b]
      printf "SUMMARY %d %d %d %d\n", contradictions, missing, duplicates, unexpected
    }' "$1"
}

expect() {  # expect CONDITION MESSAGE
  if eval "$1"; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL: $2"; fi
}

# run NAME HOSTS HTTP_MUST_VERIFY TARGET... -- OPTION...: one probe run from the client
# namespace, timed and checked.
run() {
  local name=$1 hosts=$2 http=$3 start end seconds status contradictions missing duplicates unexpected
  shift 3
  local targets=() options=()
  while [ $# -gt 0 ] && [ "$1" != "--" ]; do targets+=("$1"); shift; done
  shift
  options=("$@")
  start=$(date +%s.%N)
  ip netns exec "$C" "$PORTOLAN" probe "${targets[@]}" -p "$ALL_PORTS" -f csv -q "${options[@]}" \
    -o "$WORK/run.csv" 2>"$WORK/run.err"
  status=$?
  end=$(date +%s.%N)
  seconds=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.2f", b - a }')
  check "$WORK/run.csv" "$hosts" "$http" >"$WORK/check.out"
  read -r _ contradictions missing duplicates unexpected < <(grep '^SUMMARY' "$WORK/check.out")
  echo "$name [${options[*]:-defaults}]: $(($(wc -l <"$WORK/run.csv") - 1)) rows in $seconds s," \
    "$contradictions contradictions, $missing missing, $duplicates duplicates, $unexpected unexpected"
  grep -v '^SUMMARY' "$WORK/check.out"
  expect "[ $status -eq 1 ]" "$name: exit $status, expected 1 (some probes are FILTERED); stderr: $(head -c 300 "$WORK/run.err")"
  expect "[ '$(head -1 "$WORK/run.csv" | cut -d, -f1-5)' = target,protocol,port,service,verdict ]" \
    "$name: unexpected CSV header: $(head -1 "$WORK/run.csv")"
  expect "[ $missing -eq 0 ] && [ $duplicates -eq 0 ] && [ $unexpected -eq 0 ]" "$name: not every (host, port) exactly once"
  expect "[ $contradictions -eq 0 ]" "$name: $contradictions verdicts contradict the ground truth"
}

# The block is 20,480 probes: more than 8,192 in flight, so that probes start while others end.
load1=(--concurrency 8192 --timeout 300ms --threads 2)
load2=(--concurrency 20000 --timeout 200ms --threads 2)
load3=(--concurrency 4096 --timeout 300ms --threads 2)
for i in 1 2 3; do
  run "load-8192#$i" "$BLOCK_HOSTS" 0 10.66.0.0/22 -- "${load1[@]}"
  run "load-20000#$i" "$BLOCK_HOSTS" 0 10.66.0.0/22 -- "${load2[@]}"
done
for i in 1 2; do
  run "load-4096#$i" "$BLOCK_HOSTS" 0 10.66.0.0/22 -- "${load3[@]}"
  run "transport-only#$i" "$BLOCK_HOSTS" 0 10.66.0.0/22 -- --transport-only "${load1[@]}"
done
run "defaults" "$SMALL_HOSTS" 1 10.66.0.0/26 --
run "one-by-one" "$(printf '%s\n' "${ONE_BY_ONE[@]}")" 1 "${ONE_BY_ONE[@]}" -- --concurrency 1 --timeout 200ms

# The truth held: the server's kernel dropped no SYN to a listening port.
drops=$(NSTAT_HISTORY="$WORK/nstat" ip netns exec "$S" nstat -asz TcpExtListenOverflows TcpExtListenDrops | awk 'NR > 1 && $1 ~ /^Tcp/ { s += $2 } END { print s + 0 }')
expect "[ $drops -eq 0 ]" "the server's kernel dropped $drops SYNs or handshakes to listening ports: the ground truth does not hold"
kill -0 "${PIDS[0]}" 2>/dev/null
expect "[ $? -eq 0 ]" "the listeners died: $(cat "$WORK/listeners.out")"

echo "probe stress: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
