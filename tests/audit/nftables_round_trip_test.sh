#!/usr/bin/env bash
# audit(render nftables) is clean, through the kernel: portolan's nft text is not parsed by the
# audit; it is loaded with nft -f into a namespace and dumped with nft -j list ruleset, which is
# what the audit reads (as it would read any live firewall). For every test inventory, in network
# mode (all zones, two zones, an edge) and host mode (every endpoint, with and without --egress),
# the audit of the dump must find every flow ALLOWED, nothing excess (--strict exits 0), no rule
# that never matches and none unused.
#
# Usage: nftables_round_trip_test.sh PORTOLAN SOURCE_DIR. Needs root; exits 77 (skipped, with
# the reason) without it. It creates one namespace (aor<pid>-rt) and removes it on exit.
set -uo pipefail

PORTOLAN=$1
SOURCE=$2
# shellcheck source=../support/harness.sh
source "$(dirname "${BASH_SOURCE[0]}")/../support/harness.sh"
harness_init audit.nftables_round_trip "aor$$"
NS="$TAG-rt"
audits=0

require_root
require_tools nft python3
netns_add "$NS" 2>/dev/null || skip "cannot create network namespaces here"

# audit_case LABEL INVENTORY RENDERED_FILE AUDIT_OPTIONS...
audit_case() {
  local label=$1 inventory=$2 rendered=$3
  shift 3
  audits=$((audits + 1))
  ip netns exec "$NS" nft flush ruleset
  if ! ip netns exec "$NS" nft -f "$rendered" 2> "$WORK/load.err"; then
    fail "$label: nft -f: $(cat "$WORK/load.err")"
    return
  fi
  ip netns exec "$NS" nft -j list ruleset > "$WORK/dump.json"
  "$PORTOLAN" audit -q -i "$inventory" --ruleset "$WORK/dump.json" "$@" --strict -f json -o "$WORK/report.json"
  local rc=$?
  if [ "$rc" -ne 0 ] || ! python3 - "$WORK/report.json" <<'EOF'; then
import json, sys
report = json.load(open(sys.argv[1]))
assert all(flow["verdict"] == "ALLOWED" for flow in report["flows"]), "a flow is not ALLOWED"
assert not report["permitted_not_required"], "excess"
assert not report["never_match"], "rules that never match"
assert not report["unused"], "unused rules"
EOF
    fail "$label (exit $rc)"
    "$PORTOLAN" audit -q -i "$inventory" --ruleset "$WORK/dump.json" "$@" | sed 's/^/    /' | head -40
  else
    pass
  fi
}

for inventory in "$SOURCE/examples/sms2003-site.yaml" "$SOURCE"/tests/data/inventories/*.yaml; do
  name=$(basename "$inventory" .yaml)
  out="$WORK/$name"
  "$PORTOLAN" render -q -i "$inventory" -t nftables --mode network --out "$out/network" > /dev/null 2>&1 ||
    { fail "$name: render network"; continue; }
  audit_case "$name network" "$inventory" "$out/network/network.nft" --mode network
  read -r -a zones <<< "$(sed -n 's/^# Network mode: flows that cross between zones //p' "$out/network/network.nft" | tr -d ',')"
  if [ "${#zones[@]}" -ge 2 ]; then
    "$PORTOLAN" render -q -i "$inventory" -t nftables --mode network --zones "${zones[0]},${zones[1]}" \
      --out "$out/zones" > /dev/null 2>&1
    audit_case "$name zones ${zones[0]},${zones[1]}" "$inventory" "$out/zones/network.nft" --mode network \
      --zones "${zones[0]},${zones[1]}"
    "$PORTOLAN" render -q -i "$inventory" -t nftables --mode network --edge "${zones[0]}" --out "$out/edge" > /dev/null 2>&1
    audit_case "$name edge ${zones[0]}" "$inventory" "$out/edge/network.nft" --mode network --edge "${zones[0]}"
  fi
  for egress in "" --egress; do
    "$PORTOLAN" render -q -i "$inventory" -t nftables --mode host $egress --out "$out/host$egress" > /dev/null 2>&1 ||
      { fail "$name: render host $egress"; continue; }
    for rendered in "$out/host$egress"/*.nft; do
      host=$(basename "$rendered" .nft)
      audit_case "$name host $host $egress" "$inventory" "$rendered" --host "$host" $egress
    done
  done
done

[ "$audits" -gt 50 ] || fail "only $audits audits"
finish
