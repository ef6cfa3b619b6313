#!/usr/bin/env bash
# The lab builds and proves the HTTP proxy (issue 16): on the proxied example, Squid runs on the
# proxy host with the rendered squid.conf fragment and nginx on the origin servers; lab verify
# passes and shows the requests through the proxy VERIFIED and the ones nobody asks for
# PROXY_DENIED. Then each proxy mistake, loaded with `lab load --proxy-ruleset`, fails verify
# with its own verdict and nothing else: Range stripped (RANGE_IGNORED), Content-Range stripped
# (CONTENT_RANGE_STRIPPED), authentication demanded (PROXY_AUTH_REQUIRED), CCM_POST missing from
# the method list (PROXY_DENIED for CCM_POST only), the client network missing (PROXY_DENIED). A
# configuration Squid refuses changes nothing; `lab down` leaves no process and no shared memory.
#
# Usage: proxy_lab_test.sh PORTOLAN SOURCE_DIR. Needs root, Squid and nginx (exit 77, skipped,
# without). Its lab is named lp<pid> and removed by that name; nothing else is touched.
set -uo pipefail

PORTOLAN=$1
SRC=$2
# shellcheck source=../support/harness.sh
source "$(dirname "${BASH_SOURCE[0]}")/../support/harness.sh"
harness_init lab.proxy "lp$$"
INVENTORY=$SRC/examples/sms2003-proxied-site.yaml
lab=$TAG

# down_lab: on exit, `lab down` of this run's lab when `lab list` still shows it.
# shellcheck disable=SC2317 # called by the harness on exit
down_lab() {
  local listed
  for listed in $("$PORTOLAN" lab list 2>/dev/null); do
    [ "$listed" = "$lab" ] && "$PORTOLAN" lab down -q --name "$lab"
  done
}
at_exit down_lab

require_root
require_tools nft setpriv jq
[ -x /usr/sbin/squid ] || skip "squid not installed (apt-get install squid)"
[ -x /usr/sbin/nginx ] || skip "nginx not installed (apt-get install nginx-light)"

# verify OUTPUT: lab verify as JSON into OUTPUT; prints the exit code.
verify() {
  "$PORTOLAN" lab verify --name "$lab" -f json -o "$1" 2>"$WORK/verify.err"
  echo $?
}
# failed_checks JSON: every failed check, one line each: "proxy-check verdict" or "port verdict".
failed_checks() {
  jq -r '.pairs[].checks[] | select(.pass == false) |
         if .proxy then "\(.proxy.check) \(.verdict)" else "\(.protocol)/\(.port) \(.verdict)" end' "$1" | sort -u
}
# expect_mistake NAME FRAGMENT EXPECTED: loads FRAGMENT into Squid; verify must exit 1 and its
# failed checks (failed_checks, joined by ",") must be exactly EXPECTED.
expect_mistake() {
  local name=$1 fragment=$2 expected=$3 status got
  if ! "$PORTOLAN" lab load -q --name "$lab" --proxy-ruleset "$fragment" 2>"$WORK/load.err"; then
    fail "$name: lab load --proxy-ruleset: $(head -3 "$WORK/load.err")"
    return
  fi
  status=$(verify "$WORK/$name.json")
  got=$(failed_checks "$WORK/$name.json" | paste -sd, -)
  if [ "$status" -eq 1 ] && [ "$got" = "$expected" ]; then
    pass
    echo "$name: verify exit 1, failed: $got"
  else
    fail "$name: verify exit $status, failed checks '$got', expected '$expected'"
    head -5 "$WORK/verify.err"
  fi
}

# 1. The rendered proxy: verify passes, and the report shows the checks through the proxy.
start=$(date +%s)
check_exit "lab up $(basename "$INVENTORY")" 0 "$PORTOLAN" lab up -q -i "$INVENTORY" --name "$lab" || {
  cat "$WORK/stderr"
  finish
}
echo "lab up: $(($(date +%s) - start)) s"
status=$(verify "$WORK/good.json")
if [ "$status" -eq 0 ] && [ "$(jq -r .passed "$WORK/good.json")" = true ]; then
  pass
else
  fail "verify with the rendered proxy policy: exit $status"
  failed_checks "$WORK/good.json" | head -10
  head -5 "$WORK/verify.err"
fi
echo "verify: $(jq -c .summary "$WORK/good.json")"
# proxied CHECK TO [EXPECTED]: the verdict of the check CHECK (GET, BITS, CCM_POST, ...) from
# hq-desktops through PROXY01 to TO; it must be EXPECTED (VERIFIED when not given).
proxied() {
  local got
  got=$(jq -r --arg c "$1" --arg t "$2" '.pairs[] | select(.from == "hq-desktops" and .to == $t) | .checks[] |
         select(.proxy.check == $c and .proxy.via == "PROXY01") | "\(.port) \(.verdict) \(.proxy.request)"' \
    "$WORK/good.json" | paste -sd, -)
  case "$got" in
    *" ${3:-VERIFIED} P0"*) pass ;;
    *) fail "hq-desktops -> $2 via PROXY01, $1: '$got', expected ${3:-VERIFIED}" ;;
  esac
}
proxied GET SMS01
for method in CCM_POST BITS_POST PROPFIND; do proxied "$method" SMS01; done
proxied BITS DP01
proxied PROPFIND DP01
proxied CCM_POST DP01 PROXY_DENIED # not a method of DP01's request
proxied GET SQL01 PROXY_DENIED     # not a server of any request through PROXY01
proxied OPTIONS SMS01 PROXY_DENIED # a method no SMS flow needs
other_port=$(jq -r '[.pairs[] | select(.from == "hq-desktops" and .to == "SMS01") | .checks[] |
  select(.proxy and .port == 8080) | .verdict] | join(",")' "$WORK/good.json")
[ "$other_port" = PROXY_DENIED ] && pass || fail "hq-desktops -> SMS01:8080 via PROXY01: '$other_port'"
# The firewall checks of the proxy's two legs pass with Squid and nginx answering.
legs=$(jq -r '[.pairs[] | select((.from == "hq-desktops" and .to == "PROXY01") or
  (.from == "PROXY01" and (.to == "SMS01" or .to == "DP01"))) | .checks[] | select(.required and (.proxy | not)) |
  "\(.port):\(.verdict)"] | unique | join(",")' "$WORK/good.json")
[ "$legs" = "3128:VERIFIED,80:VERIFIED" ] && pass || fail "the proxy's firewall legs: '$legs'"
"$PORTOLAN" lab verify --name "$lab" --all >"$WORK/good.txt" 2>&1
if grep -q "tcp/80 via PROXY01 CCM_POST .*VERIFIED" "$WORK/good.txt" &&
  grep -q "^Proxy policy: Squid on PROXY01" "$WORK/good.txt"; then
  pass
else
  fail "the table does not show the checks through PROXY01"
fi

# The plan-driven probe from inside hq-desktops' namespace (the lab's, so its 10.x addresses
# exist): the management point and the distribution point through PROXY01, never directly.
client_ns=$(jq -r '.endpoints[] | select(.name == "hq-desktops") | .namespace' "$WORK/good.json")
client_address=$(jq -r '.endpoints[] | select(.name == "hq-desktops") | .addresses[0]' "$WORK/good.json")
if [ -n "$client_ns" ] && [ "$client_ns" != null ]; then
  ip netns exec "$client_ns" "$PORTOLAN" probe -q -i "$INVENTORY" --from hq-desktops --source-address \
    "${client_address%/*}" --timeout 1s -f json >"$WORK/probe.json" 2>"$WORK/probe.err"
  via=$(jq '[.results[] | select(.proxy == "10.0.0.8:3128")] | length' "$WORK/probe.json")
  verified=$(jq '[.results[] | select(.proxy == "10.0.0.8:3128" and .verdict == "VERIFIED")] | length' \
    "$WORK/probe.json")
  direct_80=$(jq '[.results[] | select((.proxy | not) and .port == 80 and
    (.target == "10.0.0.1" or .target == "10.0.0.6"))] | length' "$WORK/probe.json")
  if [ "$via" = 6 ] && [ "$verified" = 6 ] && [ "$direct_80" = 0 ]; then
    pass
  else
    fail "probe -i --from hq-desktops: $verified of $via probes through PROXY01 VERIFIED (expected 6 of 6), \
$direct_80 direct to port 80 (expected 0)"
    jq -c '.results[] | select(.port == 80)' "$WORK/probe.json" | head -8
    head -3 "$WORK/probe.err"
  fi
else
  fail "no namespace of hq-desktops in the lab's report"
fi

# 2. The mistakes, each on the rendered fragment.
"$PORTOLAN" render -q -i "$INVENTORY" -t squid >"$WORK/good.conf" || fail "render -t squid"
{
  echo "request_header_access Range deny all"
  cat "$WORK/good.conf"
} >"$WORK/no-range.conf"
expect_mistake strip-range "$WORK/no-range.conf" "BITS RANGE_IGNORED"
{
  echo "reply_header_access Content-Range deny all"
  cat "$WORK/good.conf"
} >"$WORK/no-content-range.conf"
expect_mistake strip-content-range "$WORK/no-content-range.conf" "BITS CONTENT_RANGE_STRIPPED"
# A Basic helper that refuses everyone; Squid (as user proxy) must reach it.
chmod 755 "$WORK"
printf '#!/bin/sh\nwhile read -r line; do echo ERR; done\n' >"$WORK/refuse-all.sh"
chmod 755 "$WORK/refuse-all.sh"
{
  echo "auth_param basic program $WORK/refuse-all.sh"
  echo "auth_param basic realm portolan-lab"
  echo "acl portolan_auth proxy_auth REQUIRED"
  echo "http_access deny !portolan_auth"
  cat "$WORK/good.conf"
} >"$WORK/auth.conf"
expected_auth=$(printf '%s PROXY_AUTH_REQUIRED\n' BITS BITS_POST CCM_POST GET OPTIONS PROPFIND | sort | paste -sd, -)
expect_mistake auth "$WORK/auth.conf" "$expected_auth"
sed '/method/s/ CCM_POST//' "$WORK/good.conf" >"$WORK/no-ccm-post.conf"
cmp -s "$WORK/good.conf" "$WORK/no-ccm-post.conf" && fail "no method list with CCM_POST in the rendered fragment"
expect_mistake no-ccm-post "$WORK/no-ccm-post.conf" "CCM_POST PROXY_DENIED"
sed '/ src /s#10\.1\.0\.0/16#10.200.0.0/16#' "$WORK/good.conf" >"$WORK/no-client.conf"
cmp -s "$WORK/good.conf" "$WORK/no-client.conf" && fail "no src acl of hq-desktops in the rendered fragment"
expected_client=$(printf '%s PROXY_DENIED\n' BITS BITS_POST CCM_POST GET PROPFIND | sort | paste -sd, -)
expect_mistake no-client-network "$WORK/no-client.conf" "$expected_client"

# 3. A fragment Squid refuses changes nothing: the Squid running keeps its policy.
{
  cat "$WORK/good.conf"
  echo "acl portolan_broken no_such_type 1"
} >"$WORK/broken.conf"
check_exit "lab load --proxy-ruleset of a broken fragment" 2 "$PORTOLAN" lab load -q --name "$lab" \
  --proxy-ruleset "$WORK/broken.conf"
grep -q "Squid refuses" "$WORK/stderr" && pass || fail "the broken fragment's error: $(head -3 "$WORK/stderr")"

# 4. The rendered policies again (router and proxies): clean.
"$PORTOLAN" lab load -q --name "$lab" || fail "lab load (rendered)"
[ "$(verify "$WORK/again.json")" -eq 0 ] && pass || fail "the rendered policies loaded again do not pass"

# 5. lab down: no namespace, no Squid, no nginx, no shared memory of the lab's Squid left.
pids=$(jq -r '.processes[] | select(.what | test("^(squid|nginx)-")) | .pid' "/run/portolan/labs/$lab/state.json")
token=$(jq -r '.token' "/run/portolan/labs/$lab/state.json")
check "lab down" "$PORTOLAN" lab down -q --name "$lab"
[ "$(ip netns list | awk '{print $1}' | grep -c "^pl-$lab-")" -eq 0 ] && pass || fail "lab down left namespaces"
alive=0
for pid in $pids; do
  state=$(awk '{ sub(/.*\) /, ""); print $1 }' "/proc/$pid/stat" 2>/dev/null)
  [ -n "$state" ] && [ "$state" != Z ] && alive=$((alive + 1))
done
[ -n "$pids" ] && [ $alive -eq 0 ] && pass || fail "Squid or nginx still running after lab down: $alive"
leftover_shm=$(find /dev/shm -maxdepth 1 -name "portolan${token##*-}p*" | wc -l)
[ "$leftover_shm" -eq 0 ] && pass || fail "lab down left $leftover_shm shared memory segments of Squid"
echo "total: $(($(date +%s) - start)) s"

finish
