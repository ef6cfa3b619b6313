#!/usr/bin/env bash
# The probe benchmark of docs/benchmarks.md, in network namespaces this script builds and
# removes (needs root; nmap is installed with apt-get when missing). Every portolan command runs
# with the DEFAULT options first; tuned options come second and are labelled so.
#   1. a firewall in the way: a server namespace answering for all of 10.88.0.0/22, nginx on 4
#      of the KB's TCP ports, 8 answered with a reset, 8 dropped by nftables (1433, 1723,
#      2701-2704, 3268, 3269: protocol ports among them); a client namespace probes 1,024 hosts
#      x those 20 ports with portolan probe and nmap -sT -T4; every verdict is checked against
#      the ground truth the script built, and every disagreement with nmap is printed (the
#      first 50 of each);
#   2. nothing in the way: 4,096 loopback hosts x 20 ports against the same listener, portolan
#      probe --transport-only against a bare epoll connect loop (bench/connect_loop.cpp) with a
#      thread per core each (the defaults), then one thread each.
#
#   bash bench/probe_bench.sh            the full run
#   bash bench/probe_bench.sh --smoke    64 hosts per scenario, no nmap (CI)
#
# PORTOLAN_BUILD_DIR picks another build directory (default build/). Only lab addresses are
# probed: 10.88.0.0/22 exists only inside the server namespace, and 127.0.0.0/8 only inside it.
set -uo pipefail

smoke=0
case "${1:-}" in
  --smoke) smoke=1 ;;
  "") ;;
  -h | --help) sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  *) echo "probe_bench.sh: unknown argument '$1' (expected --smoke)" >&2; exit 2 ;;
esac

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${PORTOLAN_BUILD_DIR:-$root/build}"
portolan="$build/portolan"
loop="$build/bench/portolan_connect_loop"
[ -x "$portolan" ] && [ -x "$loop" ] || { echo "probe_bench: build first (bash scripts/build.sh)" >&2; exit 2; }
# shellcheck source=../tests/support/harness.sh
source "$root/tests/support/harness.sh"
harness_init probe_bench "plb$$"
HARNESS_SKIP_STATUS=0  # bench/run.sh runs this with set -e: a benchmark skipped is no failure
require_root
for tool in nft nginx; do
  command -v "$tool" >/dev/null || { echo "probe_bench: $tool missing (bash scripts/install-deps.sh)" >&2; exit 2; }
done
if [ $smoke -eq 0 ] && ! command -v nmap >/dev/null; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nmap >/dev/null || exit 2
fi

OPEN_PORTS=(80 135 389 445)
RESET_PORTS=(42 53 88 139 464 593 636 3389)
DROP_PORTS=(1433 1723 2701 2702 2703 2704 3268 3269)
ALL_PORTS=$(IFS=,; echo "${OPEN_PORTS[*]},${RESET_PORTS[*]},${DROP_PORTS[*]}")
if [ $smoke -eq 1 ]; then
  remote_prefix=10.88.0.0/26 remote_hosts=64 loop_prefix=127.1.0.0/26 loop_hosts=64
else
  remote_prefix=10.88.0.0/22 remote_hosts=1024 loop_prefix=127.1.0.0/20 loop_hosts=4096
fi

topology_pair 10.87.0.1/24 10.87.0.2/24 || exit 1
ip -n "$C" route add 10.88.0.0/22 via 10.87.0.2
ip -n "$S" route add local 10.88.0.0/22 dev lo  # the server answers for all 1,024 addresses
for ns in "$C" "$S"; do
  ip netns exec "$ns" sysctl -q -w net.core.somaxconn=4096 net.ipv4.tcp_max_syn_backlog=8192 \
    net.ipv4.ip_local_port_range="10000 65000"
done
drop=$(IFS=,; echo "${DROP_PORTS[*]}")
ip netns exec "$S" nft -f - <<EOF
table inet bench {
  chain input {
    type filter hook input priority filter; policy accept;
    iifname "$S_IF" tcp dport { $drop } drop
  }
}
EOF

mkdir -p "$WORK/nginx"
{
  echo "daemon off; pid $WORK/nginx/pid; error_log $WORK/nginx/error.log; worker_processes 2;"
  echo "events { worker_connections 8192; }"
  echo "http { access_log off; client_body_temp_path $WORK/nginx/b; proxy_temp_path $WORK/nginx/p;"
  echo "  fastcgi_temp_path $WORK/nginx/f; uwsgi_temp_path $WORK/nginx/u; scgi_temp_path $WORK/nginx/s;"
  echo "  server {"
  for port in "${OPEN_PORTS[@]}"; do echo "    listen $port backlog=4096;"; done
  echo "    location / { return 200 \"bench\\n\"; } } }"
} >"$WORK/nginx.conf"
spawn ip netns exec "$S" nginx -c "$WORK/nginx.conf" >"$WORK/nginx.log" 2>&1
for _ in $(seq 100); do
  [ "$(ip netns exec "$S" ss -Hltn | grep -c 'LISTEN')" -ge 4 ] && break
  sleep 0.1
done

# Whole-process wall time of a command, in seconds; its own output goes to $WORK/last.out.
timed() {
  local start end
  start=$(date +%s.%N)
  "$@" >"$WORK/last.out" 2>&1
  end=$(date +%s.%N)
  awk -v a="$start" -v b="$end" 'BEGIN { printf "%.2f", b - a }'
}

# portolan CSV -> "address port state" with nmap's words.
portolan_states() {
  awk -F, 'NR > 1 { s = $5
    if (s == "VERIFIED" || s == "LISTENING" || s == "WRONG_SERVICE") s = "open"
    else if (s == "NOT_LISTENING") s = "closed"; else s = "filtered"
    print $1, $3, s }' "$1" | sort
}
nmap_states() {
  grep -o 'Host: [0-9.]* .*Ports: .*' "$1" | while read -r _ address _ rest; do
    echo "$rest" | sed 's/.*Ports: //' | tr ',' '\n' | sed 's/^ *//' |
      awk -F/ -v a="$address" 'NF > 2 { print a, $1, $2 }'
  done | sort
}

# The truth this script built: "address port state" for every (host, port) of scenario 1,
# with nmap's words; the hosts of 10.88.0.0/N are 10.88.(i/256).(i%256).
truth_of() {
  local hosts=$1 i port state
  for ((i = 0; i < hosts; i++)); do
    for port in "${OPEN_PORTS[@]}" "${RESET_PORTS[@]}" "${DROP_PORTS[@]}"; do
      state=filtered
      [[ " ${OPEN_PORTS[*]} " == *" $port "* ]] && state=open
      [[ " ${RESET_PORTS[*]} " == *" $port "* ]] && state=closed
      echo "10.88.$((i / 256)).$((i % 256)) $port $state"
    done
  done | sort
}
truth_of "$remote_hosts" >"$WORK/truth.states"

# Runs a portolan probe of scenario 1, prints its time and every verdict against the truth.
scenario1() {
  local label=$1 out=$2
  shift 2
  local t wrong
  t=$(timed ip netns exec "$C" "$portolan" probe -q "$remote_prefix" -p "$ALL_PORTS" -f csv -o "$out" "$@")
  portolan_states "$out" >"$out.states"
  wrong=$(comm -3 "$WORK/truth.states" "$out.states" | wc -l)
  printf '%-58s %6s s   against the truth: %s wrong\n' "$label" "$t" "$wrong"
  comm -3 "$WORK/truth.states" "$out.states" | head -50 | sed "s/^/    /"
  echo "$t" >"$out.time"
}

echo "== 1. A firewall in the way: $remote_hosts hosts x 20 ports (4 open, 8 reset, 8 dropped)"
scenario1 "portolan probe (defaults: protocol checks)" "$WORK/defaults.csv"
scenario1 "portolan probe --transport-only (defaults)" "$WORK/defaults-transport.csv" --transport-only
scenario1 "tuned: portolan probe --concurrency 8192 --timeout 1s" "$WORK/tuned.csv" --concurrency 8192 --timeout 1s
scenario1 "tuned: ... --transport-only --concurrency 8192 --timeout 1s" "$WORK/tuned-transport.csv" \
  --transport-only --concurrency 8192 --timeout 1s
t_defaults=$(cat "$WORK/defaults.csv.time")
if [ $smoke -eq 0 ]; then
  t_nmap=$(timed ip netns exec "$C" nmap -sT -T4 -Pn -n -p "$ALL_PORTS" -oG "$WORK/nmap.txt" "$remote_prefix")
  nmap_states "$WORK/nmap.txt" >"$WORK/n.states"
  printf '%-58s %6s s   against the truth: %s wrong\n' "nmap -sT -T4 -Pn -n" "$t_nmap" \
    "$(comm -3 "$WORK/truth.states" "$WORK/n.states" | wc -l)"
  echo "ratio nmap / portolan (defaults):   $(awk "BEGIN { printf \"%.1f\", $t_nmap / $t_defaults }")x"
  echo "ratio nmap / portolan (tuned):      $(awk "BEGIN { printf \"%.1f\", $t_nmap / $(cat "$WORK/tuned.csv.time") }")x"
  for run in defaults tuned; do
    disagreements=$(comm -3 "$WORK/$run.csv.states" "$WORK/n.states" | wc -l)
    echo "disagreements with nmap ($run; lines in one result and not the other): $disagreements"
    comm -3 "$WORK/$run.csv.states" "$WORK/n.states" | head -50
  done
fi
awk -F, 'NR > 1 { n[$5]++ } END { for (v in n) printf "  %s %d\n", v, n[v] }' "$WORK/defaults.csv" | sort

echo "== 2. Nothing in the way: $loop_hosts loopback hosts x 20 ports"
first=${loop_prefix%/*}
cores=$(nproc)
t_loop2=$(timed ip netns exec "$S" "$loop" "$first" "$loop_hosts" "$ALL_PORTS" 1024 1000 "$cores")
echo "bare epoll connect loop, $cores threads x 1,024 in flight:  $t_loop2 s ($(cat "$WORK/last.out"))"
t_lo2=$(timed ip netns exec "$S" "$portolan" probe -q "$loop_prefix" -p "$ALL_PORTS" --transport-only -f csv \
  -o "$WORK/loop.csv")
echo "portolan probe --transport-only (defaults):  $t_lo2 s ($(awk "BEGIN { printf \"%.0f\", 100 * $t_loop2 / $t_lo2 }")% of the loop's rate)"
awk -F, 'NR > 1 { n[$5]++ } END { for (v in n) printf "  %s %d\n", v, n[v] }' "$WORK/loop.csv" | sort
t_loop=$(timed ip netns exec "$S" "$loop" "$first" "$loop_hosts" "$ALL_PORTS" 8192 1000 1)
echo "bare epoll connect loop, 1 thread:        $t_loop s ($(cat "$WORK/last.out"))"
t_lo=$(timed ip netns exec "$S" "$portolan" probe -q "$loop_prefix" -p "$ALL_PORTS" --transport-only --timeout 1s \
  --threads 1 --concurrency 256 -f csv -o "$WORK/loop.csv")
echo "tuned: portolan probe --transport-only --threads 1 --concurrency 256:  $t_lo s ($(awk "BEGIN { printf \"%.0f\", 100 * $t_loop / $t_lo }")% of the loop's rate)"
t_proto=$(timed ip netns exec "$S" "$portolan" probe -q "$loop_prefix" -p "$ALL_PORTS" -f csv -o "$WORK/loop-proto.csv")
echo "portolan probe (defaults: protocol checks):  $t_proto s"
if [ $smoke -eq 0 ]; then
  t_nmap_lo=$(timed ip netns exec "$S" nmap -sT -T4 -Pn -n -p "$ALL_PORTS" -oG /dev/null "$loop_prefix")
  echo "nmap -sT -T4 -Pn -n:              $t_nmap_lo s"
fi
