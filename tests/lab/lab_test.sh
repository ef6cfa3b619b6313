#!/usr/bin/env bash
# The lab must catch mistakes (issue 5): every test inventory passes behind its own rendered
# policy; a policy with one rule removed fails on exactly that rule's flows and names them; an
# over-broad rule is caught by the negative checks, which name the port; a lab left behind by a
# killed run is removed by `lab down --name`; Ctrl-C during `lab run` removes the lab; without
# root it says so in one line and exits 2.
#
# Usage: lab_test.sh PORTOLAN SOURCE_DIR. Needs root (exit 77, skipped, without). Every lab is
# named lt<pid><letter> and removed by that name; nothing else on the machine is touched.
set -uo pipefail

PORTOLAN=$1
SRC=$2
# shellcheck source=../support/harness.sh
source "$(dirname "${BASH_SOURCE[0]}")/../support/harness.sh"
harness_init lab "lt$$"
LABS=()

# name_lab SUFFIX: $lab becomes $TAG$SUFFIX, a name remembered for the exit.
name_lab() {
  lab="$TAG$1"
  LABS+=("$lab")
}
# down_labs: on exit, `lab down` of every lab this run named that `lab list` still shows.
# shellcheck disable=SC2317 # called by the harness on exit
down_labs() {
  local listed name
  for listed in $("$PORTOLAN" lab list 2>/dev/null); do
    for name in "${LABS[@]}"; do
      [ "$listed" = "$name" ] && "$PORTOLAN" lab down -q --name "$name"
    done
  done
}
at_exit down_labs

require_root
require_tools nft iptables-restore setpriv jq

# The namespaces of a lab that still exist.
leftovers() { ip netns list | awk '{print $1}' | grep -c "^pl-$1-" || true; }

# 1. Every test inventory passes behind its own rendered policy, in the time a user waits.
n=0
for inventory in "$SRC"/examples/sms2003-site.yaml "$SRC"/tests/data/inventories/*.yaml; do
  n=$((n + 1))
  name_lab "p$n"
  start=$(date +%s.%N)
  "$PORTOLAN" lab run -q -i "$inventory" --name "$lab" -f json -o "$WORK/run$n.json" 2>"$WORK/run$n.err"
  status=$?
  seconds=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
  if [ $status -eq 0 ] && [ "$(jq -r .passed "$WORK/run$n.json")" = true ] &&
    [ "$(jq '.summary.required_checks' "$WORK/run$n.json")" -gt 0 ]; then
    pass
    echo "lab run $(basename "$inventory"): passed in $seconds s ($(jq -c .summary "$WORK/run$n.json"))"
  else
    fail "lab run $(basename "$inventory"): exit $status"
    cat "$WORK/run$n.err"
    jq -c '.pairs[]?.checks[]? | select(.pass == false)' "$WORK/run$n.json" 2>/dev/null | head -10
  fi
  [ "$(leftovers "$lab")" -eq 0 ] && pass || fail "lab run left namespaces of $lab behind"
  # One zone has no firewall inside it: the negative checks need host firewalls there.
  if [ "$(jq '.summary.other_checks' "$WORK/run$n.json" 2>/dev/null)" = 0 ]; then
    LABS+=("${lab}h")
    if "$PORTOLAN" lab run -q -i "$inventory" --name "${lab}h" --host-firewall -f json -o "$WORK/run${n}h.json" \
      2>"$WORK/run${n}h.err" && [ "$(jq '.summary.other_checks' "$WORK/run${n}h.json")" -gt 0 ]; then
      pass
      echo "lab run $(basename "$inventory") --host-firewall: passed ($(jq -c .summary "$WORK/run${n}h.json"))"
    else
      fail "lab run $(basename "$inventory") --host-firewall"
      cat "$WORK/run${n}h.err"
    fi
  fi
done

# 2. With host firewalls, and with the iptables rendering in the router.
for variant in "--host-firewall" "--target iptables"; do
  name_lab "v$((++n))"
  # shellcheck disable=SC2086 # the variant is two words on purpose
  if "$PORTOLAN" lab run -q -i "$SRC/examples/sms2003-site.yaml" --name "$lab" $variant -f json \
    -o "$WORK/variant.json" 2>"$WORK/variant.err"; then
    pass
  else
    fail "lab run $variant"
    cat "$WORK/variant.err"
    jq -c '.pairs[]?.checks[]? | select(.pass == false)' "$WORK/variant.json" 2>/dev/null | head -10
  fi
done

# 3. One lab for the mistakes: its router gets edited copies of the rendered policy.
name_lab m
"$PORTOLAN" lab up -q -i "$SRC/examples/sms2003-site.yaml" --name "$lab" || { fail "lab up $lab"; finish; }
"$PORTOLAN" render -q -i "$SRC/examples/sms2003-site.yaml" -t nftables --mode network -o "$WORK/policy.nft"
verify() {  # verify OUTPUT: lab verify of the mistakes lab, JSON into OUTPUT; prints the exit code
  "$PORTOLAN" lab verify --name "$lab" -f json -o "$1" 2>"$WORK/verify.err"
  echo $?
}

# 3a. Remove one rule at a time: verify fails on exactly the flows that rule served, by name.
for flow in F02 F06 F08 F13 F17 F19; do
  grep -v "accept comment \"$flow " "$WORK/policy.nft" >"$WORK/without-$flow.nft"
  if cmp -s "$WORK/policy.nft" "$WORK/without-$flow.nft"; then
    fail "no rule of $flow in the rendered policy"
    continue
  fi
  "$PORTOLAN" lab load -q --name "$lab" --ruleset "$WORK/without-$flow.nft" || { fail "lab load without $flow"; continue; }
  status=$(verify "$WORK/without-$flow.json")
  named=$(jq -r '.summary.failed_flows | join(",")' "$WORK/without-$flow.json")
  wrong_negatives=$(jq '[.pairs[].checks[] | select(.pass == false and .required == false)] | length' \
    "$WORK/without-$flow.json")
  if [ "$status" -eq 1 ] && [ "$named" = "$flow" ] && [ "$wrong_negatives" -eq 0 ]; then
    pass
  else
    fail "without the rule of $flow: exit $status, failed flows '$named' (expected '$flow'), $wrong_negatives other failures"
  fi
done

# 3b. One over-broad rule (445 open to everyone): the negative checks catch it and name the port.
sed 's/^\( *\)counter drop comment/\1tcp dport 445 accept comment "too broad"\n&/' "$WORK/policy.nft" >"$WORK/broad.nft"
"$PORTOLAN" lab load -q --name "$lab" --ruleset "$WORK/broad.nft" || fail "lab load broad"
status=$(verify "$WORK/broad.json")
ports=$(jq -r '[.pairs[].checks[] | select(.pass == false) | "\(.protocol)/\(.port)"] | unique | join(",")' "$WORK/broad.json")
required_failed=$(jq -r '.summary.failed_flows | length' "$WORK/broad.json")
if [ "$status" -eq 1 ] && [ "$ports" = "tcp/445" ] && [ "$required_failed" -eq 0 ]; then
  pass
else
  fail "over-broad 445: exit $status, failing ports '$ports' (expected tcp/445), $required_failed required flows failed"
fi
"$PORTOLAN" lab verify --name "$lab" -f table >"$WORK/broad.txt" 2>&1
grep -q "tcp/445 .*FILTERED" "$WORK/broad.txt" && pass || fail "the table does not name tcp/445 as a failure"

# 3c. The rendered policy again: clean.
"$PORTOLAN" lab load -q --name "$lab" || fail "lab load (rendered)"
[ "$(verify "$WORK/again.json")" -eq 0 ] && pass || fail "the rendered policy loaded again does not pass"
"$PORTOLAN" lab down -q --name "$lab" || fail "lab down $lab"
[ "$(leftovers "$lab")" -eq 0 ] && pass || fail "lab down left namespaces of $lab behind"

# 4. A lab left behind by a killed run: lab down --name finds and removes all of it.
name_lab k
spawn "$PORTOLAN" lab up -q -i "$SRC/examples/sms2003-site.yaml" --name "$lab" >"$WORK/killed.out" 2>&1
up=$!
for _ in $(seq 100); do
  [ "$(leftovers "$lab")" -ge 5 ] && break
  sleep 0.05
done
kill -9 $up 2>/dev/null
wait $up 2>/dev/null
[ "$(leftovers "$lab")" -gt 0 ] && pass || fail "the killed lab up left nothing to clean (the test did not test)"
"$PORTOLAN" lab down -q --name "$lab" || fail "lab down after a killed lab up"
[ "$(leftovers "$lab")" -eq 0 ] && pass || fail "lab down left namespaces of the killed $lab behind"
# A complete lab whose command was killed: its responders are found by PID and stopped too.
"$PORTOLAN" lab up -q -i "$SRC/examples/sms2003-site.yaml" --name "$lab" || fail "lab up $lab again"
pids=$(jq -r '.processes[].pid' "/run/portolan/labs/$lab/state.json")
"$PORTOLAN" lab down -q --name "$lab" || fail "lab down $lab"
alive=0
for pid in $pids; do  # running: it exists and is not a zombie waiting for a parent that left
  state=$(awk '{ sub(/.*\) /, ""); print $1 }' "/proc/$pid/stat" 2>/dev/null)
  [ -n "$state" ] && [ "$state" != Z ] && alive=$((alive + 1))
done
[ -n "$pids" ] && [ $alive -eq 0 ] && pass || fail "responders still running after lab down: $alive"

# 5. Ctrl-C during lab run: the lab is removed and the exit code is 130.
name_lab i
spawn "$PORTOLAN" lab run -q -i "$SRC/examples/sms2003-site.yaml" --name "$lab" >/dev/null 2>"$WORK/int.err"
run=$!
for _ in $(seq 100); do
  [ "$(leftovers "$lab")" -ge 5 ] && break
  sleep 0.05
done
kill -INT $run
wait $run
status=$?
[ $status -eq 130 ] && pass || fail "interrupted lab run: exit $status, expected 130 ($(cat "$WORK/int.err"))"
[ "$(leftovers "$lab")" -eq 0 ] && pass || fail "the interrupted lab run left namespaces of $lab behind"

# 6. Without root: one line, exit 2, nothing built.
name_lab u
setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
  "$PORTOLAN" lab up -i "$SRC/examples/sms2003-site.yaml" --name "$lab" >"$WORK/noroot.out" 2>&1
status=$?
if [ $status -eq 2 ] && [ "$(wc -l <"$WORK/noroot.out")" -eq 1 ] && grep -q "needs root" "$WORK/noroot.out"; then
  pass
else
  fail "without root: exit $status, output: $(cat "$WORK/noroot.out")"
fi

# 7. --with-samba: the global catalog's services answer the real protocol probes through the
# rendered firewall (VERIFIED by LDAP, CLDAP, Kerberos, the endpoint mapper, SMB), from the
# site server next to it and from the child site's server across the router.
name_lab s
if "$PORTOLAN" lab run -q -i "$SRC/examples/sms2003-site.yaml" --name "$lab" --with-samba -f json \
  -o "$WORK/samba.json" 2>"$WORK/samba.err"; then
  pass
else
  fail "lab run --with-samba"
  tail -20 "$WORK/samba.err"
  jq -c '.pairs[]?.checks[]? | select(.pass == false)' "$WORK/samba.json" 2>/dev/null | head -10
fi
for from in SMS01 SMS02; do
  for check in tcp/389:ldap udp/389:cldap tcp/88:kerberos udp/88:kerberos tcp/135:epmap tcp/636:ldaps; do
    port=${check%%:*}
    service=${check#*:}
    got=$(jq -r --arg f "$from" --arg p "${port#*/}" --arg t "${port%/*}" \
      '.pairs[] | select(.from == $f and .to == "DC01") | .checks[] |
       select(.port == ($p | tonumber) and .protocol == $t and .required) | "\(.service) \(.verdict)"' \
      "$WORK/samba.json" | head -1)
    case "$got" in
      "$service"*" VERIFIED") pass ;;
      *) fail "--with-samba: $from -> DC01 $port: '$got', expected $service VERIFIED" ;;
    esac
  done
done
follow=$(jq '[.pairs[] | select(.to == "DC01") | .checks[] | select(.follow_through == true and .pass)] | length' \
  "$WORK/samba.json")
[ "$follow" -gt 0 ] && pass || fail "--with-samba: no RPC port handed out by the endpoint mapper was checked"
[ "$(leftovers "$lab")" -eq 0 ] && pass || fail "lab run --with-samba left namespaces behind"

finish
