#!/usr/bin/env bash
# Evidence for the HTML report from the lab (needs root): builds the example's site in network
# namespaces behind a firewall, and writes into OUTDIR what portolan report reads:
#   lab.json            portolan lab verify -f json
#   probe-HOST.json     portolan probe -i ... --from HOST -f json, run inside HOST's namespace
#   audit.json          portolan audit of the ruleset the lab's router loaded
# With --ruleset FILE (iptables-restore input) the router loads that ruleset; with --ruleset
# rendered, the policy portolan renders for it (iptables). The default is
# examples/broken-iptables.rules, a hand-grown firewall with the mistakes real ones have, so that
# the report has something to show.
#
# Usage: scripts/report-evidence.sh OUTDIR [--portolan BIN] [--inventory FILE] [--ruleset FILE|rendered]
# Probes go only to the lab's own namespaces: each runs inside its source host's namespace.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out="${1:?usage: scripts/report-evidence.sh OUTDIR [--portolan BIN] [--inventory FILE] [--ruleset FILE|rendered]}"
shift
portolan="$root/build/portolan"
inventory=examples/sms2003-site.yaml
ruleset=examples/broken-iptables.rules
while [[ $# -gt 0 ]]; do
  case "$1" in
    --portolan) portolan="$2"; shift 2 ;;
    --inventory) inventory="$2"; shift 2 ;;
    --ruleset) ruleset="$2"; shift 2 ;;
    *) echo "report-evidence.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
if [[ "$(id -u)" -ne 0 ]]; then
  echo "report-evidence.sh: the lab needs root" >&2
  exit 77
fi
cd "$root"  # evidence names the inventory as given: a path relative to the repository
mkdir -p "$out"
lab="rpt$$"
cleanup() { "$portolan" lab down --name "$lab" -q 2>/dev/null || true; }
trap cleanup EXIT

if [[ "$ruleset" == rendered ]]; then
  # iptables, which the audit reads as the router loads it (nft's text form it does not read).
  "$portolan" lab up -q -i "$inventory" --name "$lab" --target iptables
  "$portolan" render -q -i "$inventory" -t iptables --mode network --out "$out/router" 2> >(grep -v '^wrote ' >&2)
  rules=("$out/router/network.iptables.rules" "$out/router/network.ip6tables.rules")
else
  "$portolan" lab up -q -i "$inventory" --name "$lab" --target iptables --ruleset "$ruleset"
  rules=("$ruleset")
fi
# verify exits 1 when a check fails, which a broken ruleset makes happen: that is evidence too.
"$portolan" lab verify --name "$lab" -f json -o "$out/lab.json" || [[ $? -eq 1 ]]
ruleset_options=()
for file in "${rules[@]}"; do ruleset_options+=(--ruleset "$file"); done
"$portolan" audit -q -i "$inventory" "${ruleset_options[@]}" -f json -o "$out/audit.json" || [[ $? -eq 1 ]]

# Probes from a site server of each site and from a client of the central site, each from inside
# its own namespace (the names come from the lab's own report).
namespace_of() {
  python3 -c 'import json,sys
for e in json.load(open(sys.argv[1]))["endpoints"]:
    if e["name"] == sys.argv[2]: print(e["namespace"], e["addresses"][0])' "$out/lab.json" "$1"
}
for host in SMS01 SMS02 SMS03 hq-desktops; do
  read -r namespace address < <(namespace_of "$host")
  [[ -n "${namespace:-}" ]] || { echo "report-evidence.sh: $host is not in the lab" >&2; exit 1; }
  source=()
  # A client network probes from the address the lab gave its namespace.
  [[ "$host" == *-* ]] && source=(--source-address "${address%/*}")
  ip netns exec "$namespace" "$portolan" probe -q -i "$inventory" --from "$host" "${source[@]}" --timeout 1s \
    -f json -o "$out/probe-$host.json" || [[ $? -eq 1 ]]
done
echo "report-evidence.sh: wrote $(cd "$out" && echo *.json)"
