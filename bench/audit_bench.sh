#!/usr/bin/env bash
# The audit benchmark of docs/benchmarks.md: generated iptables-save rulesets (bench/gen_iptables.py:
# user chains, multiport, conntrack, an ipset blocklist, unmodelled -m limit) of 1k, 10k and 100k
# rules, audited against the example plan in network mode; wall time and peak memory per size.
#
#   bash bench/audit_bench.sh            1,000 / 10,000 / 100,000 rules
#   bash bench/audit_bench.sh --smoke    1,000 rules only, for CI (a second)
#
# PORTOLAN_BUILD_DIR picks another build directory (default: build/).
set -euo pipefail

sizes=(1000 10000 100000)
[[ "${1:-}" == "--smoke" ]] && sizes=(1000)
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
portolan="${PORTOLAN_BUILD_DIR:-$root/build}/portolan"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

printf '%-8s %10s %12s %s\n' RULES SECONDS PEAK_MB REPORT
for n in "${sizes[@]}"; do
  python3 "$root/bench/gen_iptables.py" "$n" "$work/r.rules" "$work/r.ipset"
  status=0
  /usr/bin/time -f '%e %M' -o "$work/time" "$portolan" audit -i "$root/examples/sms2003-site.yaml" \
    --ruleset "$work/r.rules" --ipset "$work/r.ipset" -f json -o "$work/report.json" || status=$?
  # Exit 1 is a finding (the generated ruleset blocks required flows), not a failure.
  [[ $status -le 1 ]] || { echo "audit_bench: portolan audit failed (exit $status)" >&2; exit 1; }
  read -r seconds kb < <(tail -n 1 "$work/time")
  summary=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["summary"])' "$work/report.json")
  printf '%-8s %10s %12s %s\n' "$n" "$seconds" "$((kb / 1024))" "$summary"
done
