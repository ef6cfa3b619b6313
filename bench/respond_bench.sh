#!/usr/bin/env bash
# The responder benchmark of docs/benchmarks.md, in network namespaces this script builds and
# removes (needs root): a client namespace opens 10,000 TCP connections to a server namespace,
# over 4 ports and from 4 source addresses (the ephemeral port range is not the limit), at most
# 512 waiting for an answer at a time, and holds them all open at once; the server side counts
# them with ss. First against portolan respond, then against socat (one
# `socat TCP-LISTEN:P,fork,reuseaddr,backlog=4096 PIPE` per port, a process per connection).
# Reports the accept rate (connections served per second, from the first connect to the last
# answer) and the memory: the responder's peak RSS, and socat's PSS summed over its processes.
#
#   bash bench/respond_bench.sh                      3 runs of 10,000 connections, the medians
#   bash bench/respond_bench.sh --smoke              1 run of 400 connections (CI)
#   bash bench/respond_bench.sh --connections N --runs N
#
# PORTOLAN_BUILD_DIR picks another build directory (default build/). Exits 1 when a server did
# not hold every connection.
set -uo pipefail

smoke=0
runs=3
connections=10000
while [[ $# -gt 0 ]]; do
  case "$1" in
    --smoke) smoke=1 ;;
    --runs) runs="${2:?--runs needs a number}"; shift ;;
    --connections) connections="${2:?--connections needs a number}"; shift ;;
    -h | --help) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "respond_bench.sh: unknown argument '$1' (expected --smoke, --runs N or --connections N)" >&2; exit 2 ;;
  esac
  shift
done
if [ $smoke -eq 1 ]; then
  runs=1
  connections=400
fi

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${PORTOLAN_BUILD_DIR:-$root/build}"
portolan="$build/portolan"
client="$build/bench/portolan_hold_connections"
[ -x "$portolan" ] && [ -x "$client" ] || { echo "respond_bench: build first (bash scripts/build.sh)" >&2; exit 2; }
# shellcheck source=../tests/support/harness.sh
source "$root/tests/support/harness.sh"
harness_init respond_bench "rsb$$"
HARNESS_SKIP_STATUS=0  # bench/run.sh runs this with set -e: a benchmark skipped is no failure
require_root
command -v socat >/dev/null || { echo "respond_bench: socat missing (bash scripts/install-deps.sh)" >&2; exit 2; }

SERVER=10.89.0.1
SOURCES=10.89.0.2,10.89.0.3,10.89.0.4,10.89.0.5
FIRST_PORT=7000
LAST_PORT=7003
IN_FLIGHT=512
chmod 755 "$WORK"
mkdir "$WORK/run" && chmod 1777 "$WORK/run"  # the responder writes its pid file as nobody

topology_pair "${SOURCES//,//24,}/24" "$SERVER/24" || exit 1  # the client has every source address
wait_ping "$C" "$SERVER"

median() { sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.0f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
established() {
  ip netns exec "$S" ss -Htn state established "( sport >= :$FIRST_PORT and sport <= :$LAST_PORT )" | wc -l
}
pss_kb() {  # the PSS of these processes, summed, in KB
  local total=0 pid kb
  for pid in "$@"; do
    kb=$(awk '/^Pss:/ { print $2 }' "/proc/$pid/smaps_rollup" 2>/dev/null)
    total=$((total + ${kb:-0}))
  done
  echo "$total"
}

# load NAME: runs the client until it holds its connections; sets rate, held, served.
load() {
  local out="$WORK/$1.client"
  spawn ip netns exec "$C" "$client" --address "$SERVER" --ports "$FIRST_PORT-$LAST_PORT" --sources "$SOURCES" \
    --connections "$connections" --in-flight "$IN_FLIGHT" --timeout 120 >"$out" 2>&1
  client_pid=$!
  for _ in $(seq 1300); do
    grep -q holding "$out" && break
    kill -0 "$client_pid" 2>/dev/null || break
    sleep 0.1
  done
  rate=$(sed -n 's/.*rate=\([0-9]*\).*/\1/p' "$out")
  served=$(sed -n 's/.*served=\([0-9]*\).*/\1/p' "$out")
  held=$(established)
  rate=${rate:-0} served=${served:-0}
}
unload() {
  kill -TERM "$client_pid" 2>/dev/null
  wait "$client_pid" 2>/dev/null
}

echo "== machine"
echo "cpu:    $(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -n 1), $(nproc) cores (nproc)"
echo "kernel: $(uname -r); net.core.somaxconn $(ip netns exec "$S" sysctl -n net.core.somaxconn)," \
  "tcp_max_syn_backlog $(ip netns exec "$S" sysctl -n net.ipv4.tcp_max_syn_backlog) (server namespace)"
if commit="$(git -C "$root" rev-parse --short HEAD 2>/dev/null)"; then
  git -C "$root" diff --quiet HEAD -- src bench || commit+=" (with uncommitted changes)"
  echo "commit: $commit"
fi
echo
echo "== $connections connections to ports $FIRST_PORT-$LAST_PORT from 4 sources, $IN_FLIGHT waiting at most, $runs run(s)"

status=0
: >"$WORK/portolan.runs"
: >"$WORK/socat.runs"
for ((run = 1; run <= runs; run++)); do
  # portolan respond: one process, logging every contact.
  rm -f "$WORK/run/respond.pid"
  spawn ip netns exec "$S" "$portolan" respond --ports "$FIRST_PORT-$LAST_PORT" --bind "$SERVER" -q \
    --rate-per-source 0 --idle 10m --log "$WORK/respond.log" --pid-file "$WORK/run/respond.pid" >"$WORK/respond.out" 2>&1
  responder=$!
  for _ in $(seq 100); do [ -s "$WORK/run/respond.pid" ] && break; sleep 0.1; done
  idle_kb=$(awk '/^VmRSS:/ { print $2 }' "/proc/$responder/status")
  load portolan
  peak_kb=$(awk '/^VmHWM:/ { print $2 }' "/proc/$responder/status")
  pss=$(pss_kb "$responder")
  unload
  kill -TERM "$responder"
  wait "$responder"
  logged=$(wc -l <"$WORK/respond.log")
  echo "run $run: portolan respond: served $served, held $held (ss), $rate/s, RSS ${idle_kb} KB idle, peak ${peak_kb} KB" \
    "($(((peak_kb - idle_kb) * 1024 / connections)) bytes a connection), PSS ${pss} KB, $logged contacts logged"
  echo "$rate $held $peak_kb" >>"$WORK/portolan.runs"
  [ "$held" -eq "$connections" ] && [ "$logged" -eq "$connections" ] || status=1

  # socat: a listener per port, a process per connection.
  parents=()
  for ((port = FIRST_PORT; port <= LAST_PORT; port++)); do
    spawn ip netns exec "$S" socat "TCP-LISTEN:$port,bind=$SERVER,fork,reuseaddr,backlog=4096" PIPE 2>/dev/null
    parents+=($!)
  done
  for _ in $(seq 100); do
    [ "$(ip netns exec "$S" ss -Hltn "( sport >= :$FIRST_PORT and sport <= :$LAST_PORT )" | wc -l)" -eq 4 ] && break
    sleep 0.1
  done
  load socat
  children=()
  for parent in "${parents[@]}"; do
    mapfile -t -O "${#children[@]}" children < <(pgrep -P "$parent")
  done
  pss=$(pss_kb "${parents[@]}" "${children[@]}")
  unload  # each child sees its connection close and ends
  for parent in "${parents[@]}"; do kill "$parent" 2>/dev/null; done
  for parent in "${parents[@]}"; do wait "$parent" 2>/dev/null; done
  for _ in $(seq 100); do
    alive=0
    for child in "${children[@]}"; do kill -0 "$child" 2>/dev/null && alive=$((alive + 1)); done
    [ $alive -eq 0 ] && break
    sleep 0.1
  done
  for child in "${children[@]}"; do kill "$child" 2>/dev/null; done
  echo "run $run: socat fork:        served $served, held $held (ss), $rate/s, PSS ${pss} KB in $((${#parents[@]} + ${#children[@]})) processes"
  echo "$rate $held $pss $((${#parents[@]} + ${#children[@]}))" >>"$WORK/socat.runs"
  [ "$held" -eq "$connections" ] || status=1
done

echo
echo "== summary: $connections connections held at once, medians of $runs run(s)"
printf '%-28s %10s %14s  %s\n' "server" "held (ss)" "accept rate" "memory"
printf '%-28s %10s %12s/s  %s\n' "portolan respond" "$(cut -d' ' -f2 "$WORK/portolan.runs" | median)" \
  "$(cut -d' ' -f1 "$WORK/portolan.runs" | median)" "peak RSS $(($(cut -d' ' -f3 "$WORK/portolan.runs" | median) / 1024)) MB (one process)"
printf '%-28s %10s %12s/s  %s\n' "socat fork (one per port)" "$(cut -d' ' -f2 "$WORK/socat.runs" | median)" \
  "$(cut -d' ' -f1 "$WORK/socat.runs" | median)" \
  "PSS $(($(cut -d' ' -f3 "$WORK/socat.runs" | median) / 1024)) MB in $(cut -d' ' -f4 "$WORK/socat.runs" | median) processes"
[ $status -eq 0 ] || echo "respond_bench: a server did not hold (or log) every connection" >&2
exit $status
