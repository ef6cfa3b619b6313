#!/usr/bin/env bash
# The audit benchmark of docs/benchmarks.md: generated iptables-save rulesets (bench/gen_iptables.py:
# user chains, multiport, conntrack, an ipset blocklist, unmodelled -m limit) audited in network
# mode against two plans: the example site (examples/sms2003-site.yaml) and a generated site of
# 1,000 sites, 20,000 hosts and 4,000 client networks (about 10,000 flows; bench/generator).
# Wall time, user time and peak memory per case.
#
#   bash bench/audit_bench.sh            example plan: 1k / 10k / 100k rules, and 100k with one rule
#                                        after them all for a port open to all ("wide");
#                                        generated plan: 1k / 10k / 100k
#   bash bench/audit_bench.sh --smoke    example plan, 1,000 rules only, for CI (a second)
#   bash bench/audit_bench.sh --engine bdd   the same with one engine (auto, cubes or bdd; default auto)
#
# PORTOLAN_BUILD_DIR picks another build directory (default: build/).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${PORTOLAN_BUILD_DIR:-$root/build}"
portolan="$build/portolan"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

cases=("example 1000" "example 10000" "example 100000" "wide 100000" "generated 1000" "generated 10000" "generated 100000")
engine=auto
while [[ $# -gt 0 ]]; do
  case "$1" in
    --smoke) cases=("example 1000"); shift ;;
    --engine) engine="$2"; shift 2 ;;
    *) echo "audit_bench: unknown option $1" >&2; exit 2 ;;
  esac
done

printf '%-10s %8s %10s %10s %10s  %s\n' PLAN RULES SECONDS USER_S PEAK_MB REPORT
for item in "${cases[@]}"; do
  read -r plan n <<<"$item"
  inventory="$root/examples/sms2003-site.yaml"
  if [[ "$plan" == generated ]]; then
    inventory="$work/generated.yaml"
    [[ -f "$inventory" ]] || "$build/bench/portolan_gen_inventory" --sites 1000 --hosts 20000 --clients 4000 -o "$inventory"
  fi
  python3 "$root/bench/gen_iptables.py" "$n" "$work/r.rules" "$work/r.ipset"
  if [[ "$plan" == wide ]]; then
    # The example plan, and one rule for a port open to all after every host rule (a common last
    # line): its hit is that port less all that came before.
    python3 - "$work/r.rules" <<'PY'
import sys
path = sys.argv[1]
lines = open(path).read().split("\n")
at = max(i for i, line in enumerate(lines) if line.startswith("-A FORWARD -d "))
lines.insert(at + 1, "-A FORWARD -p tcp --dport 443 -j ACCEPT")
open(path, "w").write("\n".join(lines))
PY
  fi
  status=0
  /usr/bin/time -f '%e %U %M' -o "$work/time" "$portolan" audit -i "$inventory" \
    --ruleset "$work/r.rules" --ipset "$work/r.ipset" --engine "$engine" -f json -o "$work/report.json" || status=$?
  # Exit 1 is a finding (the generated ruleset blocks required flows), not a failure.
  [[ $status -le 1 ]] || { echo "audit_bench: portolan audit failed (exit $status)" >&2; exit 1; }
  read -r seconds user kb < <(tail -n 1 "$work/time")
  summary=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["summary"])' "$work/report.json")
  printf '%-10s %8s %10s %10s %10s  %s\n' "$plan" "$n" "$seconds" "$user" "$((kb / 1024))" "$summary"
done
