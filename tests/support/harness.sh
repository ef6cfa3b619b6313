# shellcheck shell=bash
# The harness of the shell tests and benchmarks: pass/fail bookkeeping and the summary line,
# skips that say why, and network namespaces, veth pairs and processes removed on exit, always.
#
#   source "$(dirname "${BASH_SOURCE[0]}")/../support/harness.sh"
#   harness_init "probe verdicts" "plv$$"    # the name in every summary and skip line; the tag
#   require_root                             # of every namespace and veth this run creates
#   topology_routed 10.77.1.2/24 10.77.1.1/24 10.77.2.1/24 10.77.2.2/24
#   check "the server answers" ip netns exec "$C" ping -c1 -W1 10.77.2.2
#   finish                                   # "probe verdicts: 1 passed, 0 failed", exit 0 or 1
#
# Everything this file creates is remembered by name or pid, and removed by that name or pid in
# an EXIT trap (INT and TERM exit 130 through it), even when the test fails or is killed midway:
# what another run created is never touched, so runs with different tags can run at once.
# Sourced, never run; it sets no shell option (each script keeps its own `set`) and works under
# `set -euo pipefail`. KEEP=1 in the environment keeps the work directory for a post-mortem.

# --- bookkeeping ----------------------------------------------------------------------------------

# harness_init NAME [TAG]: the name that starts the summary and skip lines, and the per-run tag
# ("plv$$") that starts the name of every namespace and veth; makes $WORK and sets the traps.
harness_init() {
  HARNESS_NAME=$1
  TAG=${2:-}
  passed=0
  failed=0
  skipped=0
  HARNESS_PIDS=()
  HARNESS_NETNS=()
  HARNESS_VETHS=()
  HARNESS_AT_EXIT=()
  trap _harness_cleanup EXIT
  trap 'exit 130' INT TERM
  WORK=$(mktemp -d) || exit 1
}

pass() {
  passed=$((passed + 1))
}
# fail MESSAGE...: counts a failure and prints "FAIL: MESSAGE". Returns 0, like pass, so that
# `COND && pass || fail MESSAGE` and `COND && fail MESSAGE || pass` both count once.
fail() {
  failed=$((failed + 1))
  echo "FAIL: $*"
}
# skip_check NAME REASON: a check not run here (a Linux-only command on Windows), counted and
# shown, so that the summary says how many were left out.
skip_check() {
  skipped=$((skipped + 1))
  echo "SKIP: $1 ($2)"
}
# check NAME COMMAND...: passes when COMMAND succeeds, else fails with NAME (and returns 1).
check() {
  local name=$1
  shift
  "$@" && pass && return 0
  fail "$name"
  return 1
}
# check_status NAME EXPECTED_EXIT ACTUAL_EXIT: for a command already run (check_status "x" 2 $?).
check_status() {
  [ "$3" = "$2" ] && pass && return 0
  fail "$1: exit $3, expected $2"
  return 1
}
# check_exit NAME EXPECTED_EXIT COMMAND...: runs COMMAND, its output in $WORK/stdout and
# $WORK/stderr (for the checks that follow); on a wrong exit, shows the first lines of stderr.
check_exit() {
  local name=$1 expected=$2 actual
  shift 2
  "$@" >"$WORK/stdout" 2>"$WORK/stderr"
  actual=$?
  if [ "$actual" -eq "$expected" ]; then
    pass
    return 0
  fi
  fail "$name: exit $actual, expected $expected"
  sed 's/^/  stderr: /' "$WORK/stderr" | head -5
  return 1
}
# finish: the summary line (with the skipped checks, if any); exit 0 when nothing failed, else 1.
finish() {
  if [ "$skipped" -gt 0 ]; then
    echo "$HARNESS_NAME: $passed passed, $failed failed, $skipped skipped"
  else
    echo "$HARNESS_NAME: $passed passed, $failed failed"
  fi
  [ "$failed" -eq 0 ] || exit 1
  exit 0
}

# --- requirements ---------------------------------------------------------------------------------

# skip REASON: "NAME: SKIPPED: REASON" and exit 77 (ctest's SKIP_RETURN_CODE), or
# $HARNESS_SKIP_STATUS (the benchmarks: 0, a skip does not fail bench/run.sh).
skip() {
  echo "$HARNESS_NAME: SKIPPED: $*"
  exit "${HARNESS_SKIP_STATUS:-77}"
}
require_root() {
  [ "$(id -u)" -eq 0 ] || skip "needs root for network namespaces"
}
# require_tools [--hint TEXT] TOOL...: skips, naming the first TOOL missing (and TEXT after it).
require_tools() {
  local hint="" tool
  if [ "${1:-}" = --hint ]; then
    hint=" $2"
    shift 2
  fi
  for tool in "$@"; do
    command -v "$tool" >/dev/null || skip "$tool not installed$hint"
  done
}
# require_netns: skips where even root cannot create a network namespace (some containers).
require_netns() {
  ip netns add "$TAG-probe" 2>/dev/null || skip "cannot create network namespaces here"
  ip netns del "$TAG-probe"
}

# --- processes, namespaces and links, removed on exit ---------------------------------------------

# spawn COMMAND...: runs COMMAND in the background (redirections of the call apply to it); its
# pid is $!, killed on exit.
spawn() {
  "$@" &
  HARNESS_PIDS+=("$!")
}
# at_exit FUNCTION: called on exit, before the processes and namespaces go (the last one first).
at_exit() {
  HARNESS_AT_EXIT+=("$1")
}

# netns_add NAME: a network namespace with its loopback up, deleted on exit. Remembered only once
# created: a name that already exists (another run's) fails here and is never deleted.
netns_add() {
  ip netns add "$1" || return 1
  HARNESS_NETNS+=("$1")
  ip -n "$1" link set lo up
}
# netns_del NAME: stops every process in a namespace of netns_add, deletes it, forgets it.
netns_del() {
  local kept=() ns
  netns_stop "$1"
  ip netns del "$1" || return 1
  for ns in "${HARNESS_NETNS[@]}"; do [ "$ns" = "$1" ] || kept+=("$ns"); done
  HARNESS_NETNS=("${kept[@]}")
}
# netns_stop NAME: SIGTERM to every process in the namespace, SIGKILL to those left after 3 s.
netns_stop() {
  local pids _
  pids=$(ip netns pids "$1" 2>/dev/null)
  [ -n "$pids" ] || return 0
  # shellcheck disable=SC2086 # one pid a word
  kill $pids 2>/dev/null
  for _ in $(seq 30); do
    [ -z "$(ip netns pids "$1" 2>/dev/null)" ] && return 0
    sleep 0.1
  done
  pids=$(ip netns pids "$1" 2>/dev/null)
  # shellcheck disable=SC2086
  [ -z "$pids" ] || kill -9 $pids 2>/dev/null
  return 0
}
# veth_add NS1 IF1 NS2 IF2: a veth pair from IF1 in NS1 to IF2 in NS2, both up; deleted on exit.
veth_add() {
  ip link add "$2" netns "$1" type veth peer name "$4" netns "$3" || return 1
  HARNESS_VETHS+=("$1 $2")
  ip -n "$1" link set "$2" up && ip -n "$3" link set "$4" up
}
# addr_add NS IF ADDRESSES...: each ADDRESS/LENGTH (or comma-separated list of them), in order;
# IPv6 without duplicate address detection, so that it is usable at once.
addr_add() {
  local ns=$1 dev=$2 list address parts
  shift 2
  for list in "$@"; do
    IFS=, read -r -a parts <<<"$list"
    for address in "${parts[@]}"; do
      if [[ "$address" == *:* ]]; then
        ip -n "$ns" addr add "$address" dev "$dev" nodad || return 1
      else
        ip -n "$ns" addr add "$address" dev "$dev" || return 1
      fi
    done
  done
}
# wait_ping NS ADDRESS: until NS reaches ADDRESS (bounded: 50 tries).
wait_ping() {
  local _
  for _ in $(seq 50); do
    ip netns exec "$1" ping -c1 -W1 "$2" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  return 1
}

# --- topologies -----------------------------------------------------------------------------------
# ADDRESSES below: ADDRESS/LENGTH, or a comma-separated list of them (IPv4 and IPv6 alike).

# topology_pair [--interfaces C_IF S_IF] CLIENT_ADDRESSES SERVER_ADDRESSES: a client namespace
# $C ($TAG-cli) and a server namespace $S ($TAG-srv) on one link, $C_IF ($TAG-c) to $S_IF ($TAG-s).
topology_pair() {
  C_IF="$TAG-c" S_IF="$TAG-s"
  if [ "$1" = --interfaces ]; then
    C_IF=$2 S_IF=$3
    shift 3
  fi
  C="$TAG-cli" S="$TAG-srv"
  netns_add "$C" && netns_add "$S" && veth_add "$C" "$C_IF" "$S" "$S_IF" || return 1
  addr_add "$C" "$C_IF" "$1" && addr_add "$S" "$S_IF" "$2"
}

# topology_routed [--interfaces C_IF RC_IF RS_IF S_IF] CLIENT ROUTER_CLIENT_SIDE ROUTER_SERVER_SIDE
# SERVER (each ADDRESSES): a client namespace $C ($TAG-cli), a router $R ($TAG-rtr) that forwards,
# and a server $S ($TAG-srv); links $C_IF ($TAG-c) - $RC_IF ($TAG-rc) and $RS_IF ($TAG-rs) -
# $S_IF ($TAG-s). The client's and the server's default routes (one per family given) go through
# the router's first address of that family on their side.
topology_routed() {
  C_IF="$TAG-c" RC_IF="$TAG-rc" RS_IF="$TAG-rs" S_IF="$TAG-s"
  if [ "$1" = --interfaces ]; then
    C_IF=$2 RC_IF=$3 RS_IF=$4 S_IF=$5
    shift 5
  fi
  C="$TAG-cli" R="$TAG-rtr" S="$TAG-srv"
  netns_add "$C" && netns_add "$R" && netns_add "$S" || return 1
  veth_add "$C" "$C_IF" "$R" "$RC_IF" && veth_add "$S" "$S_IF" "$R" "$RS_IF" || return 1
  addr_add "$C" "$C_IF" "$1" && addr_add "$R" "$RC_IF" "$2" && addr_add "$R" "$RS_IF" "$3" &&
    addr_add "$S" "$S_IF" "$4" || return 1
  _default_routes "$C" "$2" && _default_routes "$S" "$3" || return 1
  ip netns exec "$R" sysctl -q -w net.ipv4.ip_forward=1 || return 1
  if [[ "$*" == *:* ]]; then
    ip netns exec "$R" sysctl -q -w net.ipv6.conf.all.forwarding=1 || return 1
  fi
}
# _default_routes NS GATEWAY_ADDRESSES: a default route via the first gateway of each family.
_default_routes() {
  local address parts v4="" v6=""
  IFS=, read -r -a parts <<<"$2"
  for address in "${parts[@]}"; do
    if [[ "$address" == *:* ]]; then v6=${v6:-${address%/*}}; else v4=${v4:-${address%/*}}; fi
  done
  if [ -n "$v4" ]; then ip -n "$1" route add default via "$v4" || return 1; fi
  if [ -n "$v6" ]; then ip -n "$1" route add default via "$v6" || return 1; fi
  return 0
}

# --- the exit -------------------------------------------------------------------------------------

# _harness_cleanup: the EXIT trap. Runs to the end whatever fails, and INT and TERM wait for it.
# The processes go first, then what they used: the at_exit functions' things, the namespaces.
_harness_cleanup() {
  local status=$? i ns veth
  set +e
  trap '' INT TERM
  _harness_stop_pids
  for ((i = ${#HARNESS_AT_EXIT[@]} - 1; i >= 0; i--)); do "${HARNESS_AT_EXIT[i]}"; done
  for ns in "${HARNESS_NETNS[@]}"; do netns_stop "$ns"; done
  for veth in "${HARNESS_VETHS[@]}"; do ip -n "${veth% *}" link del "${veth#* }" 2>/dev/null; done
  for ((i = ${#HARNESS_NETNS[@]} - 1; i >= 0; i--)); do
    ip netns del "${HARNESS_NETNS[i]}" 2>/dev/null
  done
  if [ -n "${KEEP:-}" ]; then echo "kept $WORK"; else rm -rf "$WORK"; fi
  exit "$status"
}

# _harness_stop_pids: SIGTERM to every remembered process still running, SIGKILL to those left
# after 3 s. Still running means still this shell's child: a pid that ended may have been reused.
_harness_stop_pids() {
  local pid ours=() left=() _
  for pid in "${HARNESS_PIDS[@]}"; do _harness_is_child "$pid" && ours+=("$pid"); done
  [ ${#ours[@]} -gt 0 ] || return 0
  kill "${ours[@]}" 2>/dev/null
  for _ in $(seq 30); do
    left=()
    for pid in "${ours[@]}"; do _harness_is_child "$pid" && left+=("$pid"); done
    [ ${#left[@]} -gt 0 ] || return 0
    sleep 0.1
  done
  kill -9 "${left[@]}" 2>/dev/null
  return 0
}
_harness_is_child() {
  local stat ppid
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  read -r _ ppid _ <<<"${stat##*) }"  # after "PID (COMMAND) ": the state, then the parent's pid
  [ "$ppid" = "$$" ]
}
