#!/usr/bin/env bash
# A slow path is not a closed one: `portolan probe` with its default options must give every
# (host, port) of a network whose answers arrive 300 ms late its true verdict, in the same run as
# a fast network, whatever its timeouts learn from the fast one's round trips.
#
# Namespaces: a client, a router and a server answering for two blocks of 64 addresses each, with
# nginx on 80 (http: VERIFIED) and 2701 (no protocol check: LISTENING), nothing on 8081
# (NOT_LISTENING) and 8083 dropped by the router (FILTERED). The router's forward chain hands the
# answers from the slow block (10.65.16.0/26) to a netfilter queue that delay_queue holds for
# 300 ms each; the fast block (10.65.32.0/26) goes straight through. The queue has no bypass: with
# delay_queue gone, the slow block's answers are dropped, never silently let through on time.
#
# Usage: late_answer_test.sh PORTOLAN DELAY_QUEUE. Needs root (exit 77, skipped, without). Traffic
# stays in the namespaces this script creates; they and their processes are removed by name and pid.
set -uo pipefail

PORTOLAN=$1
DELAY_QUEUE=$2
NAME="probe late answers"
# shellcheck source=../support/harness.sh
source "$(dirname "${BASH_SOURCE[0]}")/../support/harness.sh"
harness_init "$NAME" "pla$$"

SLOW_BLOCK=10.65.16 # .0-.63, answers delayed
FAST_BLOCK=10.65.32 # .0-.63, answers on time
HOSTS=64
DELAY_MS=300
QUEUE=65
QUEUE_MAX_SECONDS=120 # delay_queue ends by itself even if this script is killed
PORTS=(80 2701 8081 8083)
declare -A EXPECTED=([80]=VERIFIED [2701]=LISTENING [8081]=NOT_LISTENING [8083]=FILTERED)
MAX_FAILURES_SHOWN=20
started=$(date +%s)

require_root
require_tools nft nginx jq
[ -x "$DELAY_QUEUE" ] || { echo "$NAME: delay_queue '$DELAY_QUEUE' is not executable"; exit 1; }

topology_routed 10.65.0.2/24 10.65.0.1/24 10.65.1.1/24 10.65.1.2/24 || exit 1
ip -n "$R" route add "$SLOW_BLOCK.0/26" via 10.65.1.2
ip -n "$R" route add "$FAST_BLOCK.0/26" via 10.65.1.2
# The server answers for every address of both blocks.
ip -n "$S" route add local "$SLOW_BLOCK.0/26" dev lo
ip -n "$S" route add local "$FAST_BLOCK.0/26" dev lo
ip netns exec "$S" sysctl -q -w net.core.somaxconn=4096 net.ipv4.tcp_max_syn_backlog=8192

ip netns exec "$R" nft -f - <<EOF || exit 1
table inet late {
  chain forward {
    type filter hook forward priority filter; policy accept;
    tcp dport 8083 drop
  }
}
EOF
# nftables' own queue statement needs CONFIG_NFT_QUEUE; without it, the same kernel queue through
# iptables-nft's xtables NFQUEUE target (CONFIG_NETFILTER_XT_TARGET_NFQUEUE).
if ip netns exec "$R" nft add rule inet late forward ip saddr "$SLOW_BLOCK.0/26" queue num "$QUEUE" 2>/dev/null; then
  queued_by="nft queue"
elif command -v iptables >/dev/null &&
  ip netns exec "$R" iptables -A FORWARD -s "$SLOW_BLOCK.0/26" -j NFQUEUE --queue-num "$QUEUE" 2>/dev/null; then
  queued_by="iptables NFQUEUE"
else
  skip "the kernel queues no packets to user space (neither nft queue nor xt NFQUEUE)"
fi

mkdir -p "$WORK/nginx"
cat >"$WORK/nginx.conf" <<EOF
daemon off; pid $WORK/nginx/pid; error_log $WORK/nginx/error.log; worker_processes 2;
events { worker_connections 4096; }
http { access_log off; client_body_temp_path $WORK/nginx/b; proxy_temp_path $WORK/nginx/p;
  fastcgi_temp_path $WORK/nginx/f; uwsgi_temp_path $WORK/nginx/u; scgi_temp_path $WORK/nginx/s;
  server { listen 80 backlog=4096; listen 2701 backlog=4096; location / { return 200 "late\n"; } } }
EOF
spawn ip netns exec "$S" nginx -c "$WORK/nginx.conf" >"$WORK/nginx.log" 2>&1
spawn ip netns exec "$R" "$DELAY_QUEUE" "$QUEUE" "$DELAY_MS" "$QUEUE_MAX_SECONDS" >"$WORK/delay_queue.out" 2>&1
delay_queue_pid=$!
for _ in $(seq 100); do
  [ "$(ip netns exec "$S" ss -Hltn | grep -c LISTEN)" -ge 2 ] && grep -q '^ready$' "$WORK/delay_queue.out" && break
  sleep 0.1
done
if [ "$(ip netns exec "$S" ss -Hltn | grep -c LISTEN)" -lt 2 ]; then
  fail "nginx is not listening on 80 and 2701"
  cat "$WORK/nginx.log" "$WORK/nginx/error.log" 2>/dev/null
  finish
fi
if ! grep -q '^ready$' "$WORK/delay_queue.out"; then
  fail "delay_queue did not bind queue $QUEUE"
  cat "$WORK/delay_queue.out"
  finish
fi

port_list=$(IFS=,; echo "${PORTS[*]}")

# probe LABEL FILE TARGETS...: one run with the default options (no timing option at all).
probe() {
  local label=$1 file=$2 status
  shift 2
  ip netns exec "$C" "$PORTOLAN" probe -q "$@" -p "$port_list" -f json -o "$file"
  status=$?
  # Not every probe is VERIFIED or LISTENING, so 1; anything else is a failed run.
  if [ "$status" -eq 1 ]; then
    pass
  else
    fail "$label: portolan probe exited $status, expected 1"
  fi
}

# check_block LABEL FILE BLOCK SPEED: every (host, port) of BLOCK has exactly one row, with its true
# verdict; answers from the slow block took at least DELAY_MS, from the fast block less.
check_block() {
  local label=$1 file=$2 block=$3 speed=$4
  local target protocol port verdict rtt detail key address wrong=0 delayed=0 rows=0
  local -A verdicts=() rtts=() details=() counts=()
  local answered_rtts=()
  while IFS=$'\t' read -r target protocol port verdict rtt detail; do
    [[ "$target" == "$block".* ]] || continue
    rows=$((rows + 1))
    key="$target $protocol/$port"
    counts[$key]=$((${counts[$key]:-0} + 1))
    verdicts[$key]=$verdict rtts[$key]=$rtt details[$key]=$detail
  done < <(jq -r '.results[] | [.target, .protocol, .port, .verdict, .rtt_ms, .detail] | map(tostring) | join("\t")' "$file")
  for ((host = 0; host < HOSTS; host++)); do
    address="$block.$host"
    for port in "${PORTS[@]}"; do
      key="$address tcp/$port"
      verdict=${verdicts[$key]:-no result}
      if [ "${counts[$key]:-0}" -ne 1 ] || [ "$verdict" != "${EXPECTED[$port]}" ]; then
        wrong=$((wrong + 1))
        if [ "$wrong" -gt "$MAX_FAILURES_SHOWN" ]; then
          failed=$((failed + 1))  # counted, not shown: the line after the loop says how many more
        elif [ "${counts[$key]:-0}" -gt 1 ]; then
          fail "$label: $address port $port/tcp ($speed network): ${counts[$key]} results, expected one"
        else
          fail "$label: $address port $port/tcp ($speed network): expected ${EXPECTED[$port]}, got $verdict" \
            "(rtt ${rtts[$key]:-?} ms: ${details[$key]:-})"
        fi
        continue
      fi
      pass
      [ "$verdict" = FILTERED ] && continue
      rtt=${rtts[$key]}
      answered_rtts+=("$rtt")
      [[ "$rtt" =~ ^[0-9]+(\.[0-9]+)?$ ]] && [ "${rtt%.*}" -ge "$DELAY_MS" ] && delayed=$((delayed + 1))
    done
  done
  [ "$wrong" -gt "$MAX_FAILURES_SHOWN" ] && echo "FAIL: $label: ... and $((wrong - MAX_FAILURES_SHOWN)) more rows of $block.0/26"
  local answered=${#answered_rtts[@]}
  local range
  range=$(printf '%s\n' "${answered_rtts[@]}" | sort -g | sed -n '1p;$p' | paste -sd- -)
  echo "$label: $block.0/26 ($speed): $answered answers, rtt $range ms"
  # The delay really applied to the slow block's answers (SYN-ACKs, data and resets), and only there.
  if [ "$answered" -eq 0 ]; then
    fail "$label: no answer at all from the $speed $block.0/26"
  elif [ "$speed" = slow ] && [ "$delayed" -ne "$answered" ]; then
    fail "$label: only $delayed of $answered answers from the slow $block.0/26 took >= $DELAY_MS ms (rtt $range ms)"
  elif [ "$speed" = fast ] && [ "$delayed" -ne 0 ]; then
    fail "$label: $delayed of $answered answers from the fast $block.0/26 took >= $DELAY_MS ms: the delay leaked"
  else
    pass
  fi
  # One result per (host, port), nothing else from this block.
  if [ "$rows" -ne $((HOSTS * ${#PORTS[@]})) ]; then
    fail "$label: $rows results for $block.0/26, expected $((HOSTS * ${#PORTS[@]}))"
  else
    pass
  fi
}

# 1. Both networks in one run: the fast block's round trips must not make the slow block's
#    answers look like silence.
probe "both networks" "$WORK/both.json" "$SLOW_BLOCK.0/26" "$FAST_BLOCK.0/26"
check_block "both networks" "$WORK/both.json" "$SLOW_BLOCK" slow
check_block "both networks" "$WORK/both.json" "$FAST_BLOCK" fast
if [ "$(jq '.results | length' "$WORK/both.json" 2>/dev/null)" = $((2 * HOSTS * ${#PORTS[@]})) ]; then
  pass
else
  fail "both networks: $(jq '.results | length' "$WORK/both.json" 2>/dev/null) results, expected $((2 * HOSTS * ${#PORTS[@]}))"
fi

# 2. The slow network alone: every round trip measured is a slow one.
probe "slow network alone" "$WORK/slow.json" "$SLOW_BLOCK.0/26"
check_block "slow network alone" "$WORK/slow.json" "$SLOW_BLOCK" slow

# The kernel dropped nothing at the queue (full queue: queue_dropped; undeliverable to
# delay_queue: user_dropped), so no answer was lost instead of late.
queue_stats=$(ip netns exec "$R" awk -v q="$QUEUE" '$1 == q { print $6, $7 }' /proc/net/netfilter/nfnetlink_queue)
if [ "$queue_stats" = "0 0" ]; then
  pass
else
  fail "queue $QUEUE: queue_dropped and user_dropped are '$queue_stats', expected '0 0'"
fi

# delay_queue held packets and lost none of its queue's messages (a lost one would still be
# released, by the next batch verdict, but perhaps early).
kill -TERM "$delay_queue_pid" 2>/dev/null
wait "$delay_queue_pid" 2>/dev/null
summary=$(grep '^accepted' "$WORK/delay_queue.out")
if [[ "$summary" =~ ^accepted\ ([0-9]+)\ packets.*\;\ 0\ queue\ messages\ lost$ ]] && [ "${BASH_REMATCH[1]}" -gt 0 ]; then
  pass
else
  fail "delay_queue: '$summary'"
  cat "$WORK/delay_queue.out"
fi
echo "delay_queue ($queued_by): $summary ($(($(date +%s) - started)) s in all)"

finish
