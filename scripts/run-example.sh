#!/usr/bin/env bash
# The main job on the bundled example: install, build, print every required flow of
# examples/sms2003-site.yaml, write the generated files (plan, LMHOSTS, scripts, and the
# firewall policy for every render target) into out/example/, then build the whole site in
# network namespaces behind its rendered nftables policy and prove that every required flow
# passes and nothing else does (portolan lab run; needs root). Then the same for the example with
# an HTTP proxy: its plan, its Squid policy, and the lab with Squid between clients and servers.
# Last, the HTML report (out/example/report.html), with the lab's evidence when run as root.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh portolan  # only the binary this script runs; run-tests.sh builds the rest
out=out/example
mkdir -p "$out"
portolan=build/portolan
"$portolan" plan -i examples/sms2003-site.yaml --out "$out"
"$portolan" lmhosts -i examples/sms2003-site.yaml -o "$out/lmhosts"
"$portolan" mp-script -i examples/sms2003-site.yaml --out "$out/mp-scripts"
# Firewall policy for every target: per host where the platform is a host firewall, and for
# the firewall between the sites where it is a router. What a target cannot express is left
# out and listed as a WARNING at the top of its files (--allow-partial).
render() {  # render TARGET MODE: keeps the warnings on stderr, drops the "wrote" lines
  "$portolan" render -q -i examples/sms2003-site.yaml -t "$1" --mode "$2" --allow-partial \
    --out "$out/render/$1-$2" 2>"$out/render.log"
  grep -v '^wrote ' "$out/render.log" >&2 || true
  rm -f "$out/render.log"
}
for target in windows-ps windows-netsh windows-legacy iptables nftables pf aws-sg; do render "$target" host; done
for target in iptables nftables cisco-ios cisco-asa pf; do render "$target" network; done
# The same hierarchy with an HTTP proxy (examples/sms2003-proxied-site.yaml): its plan, the
# proxy's own policy for Squid, and the firewall between the sites with the proxy's legs.
proxied=examples/sms2003-proxied-site.yaml
mkdir -p "$out/proxied"
"$portolan" plan -i "$proxied" --out "$out/proxied"
"$portolan" render -q -i "$proxied" -t squid -o "$out/proxied/PROXY01.squid.conf"
"$portolan" render -q -i "$proxied" -t nftables --mode network -o "$out/proxied/network.nft"
echo
echo "Generated files in $out/:"
find "$out" -type f | sort | sed 's/^/  /'
echo
if [ "$(id -u)" -eq 0 ]; then
  echo "The example site in network namespaces, behind its rendered firewall (portolan lab run):"
  "$portolan" lab run -i examples/sms2003-site.yaml --name example
  echo
  echo "The proxied example: Squid on PROXY01 with its rendered policy, nginx on the servers behind it:"
  "$portolan" lab run -i "$proxied" --name proxied
  echo
  # The report for the firewall team, with evidence from the lab: the example behind the hand-grown
  # broken firewall of examples/broken-iptables.rules, probed, verified and audited.
  bash scripts/report-evidence.sh "$out/evidence" --portolan "$portolan" >/dev/null
  evidence=(--lab "$out/evidence/lab.json" --audit "$out/evidence/audit.json")
  for probe in "$out"/evidence/probe-*.json; do evidence+=(--probe "$probe"); done
  "$portolan" report -i examples/sms2003-site.yaml "${evidence[@]}" -o "$out/report.html"
else
  echo "Skipped portolan lab run: it builds network namespaces and needs root (run this script as root)."
  "$portolan" report -i examples/sms2003-site.yaml -o "$out/report.html"
fi
echo "The report for the firewall team: $out/report.html (open it in a browser)"
