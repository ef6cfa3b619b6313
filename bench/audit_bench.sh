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
#   bash bench/audit_bench.sh --corpus   instead: every file of the real-world corpus
#                                        (tests/data/audit/corpus/EXPECTED.tsv, with its format and
#                                        arguments), each bounded to 60 s: wall time, user time, peak
#                                        memory and outcome per file, the slowest ten and the totals
#
# PORTOLAN_BUILD_DIR picks another build directory (default: build/).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${PORTOLAN_BUILD_DIR:-$root/build}"
portolan="$build/portolan"
# shellcheck source=../tests/support/harness.sh
source "$root/tests/support/harness.sh"
harness_init audit_bench

cases=("example 1000" "example 10000" "example 100000" "wide 100000" "generated 1000" "generated 10000" "generated 100000")
engine=auto
corpus=false
while [[ $# -gt 0 ]]; do
  case "$1" in
    --smoke) cases=("example 1000"); shift ;;
    --corpus) corpus=true; shift ;;
    --engine) engine="$2"; shift 2 ;;
    *) echo "audit_bench: unknown option $1" >&2; exit 2 ;;
  esac
done

# The real-world corpus: one audit per file, as tests/audit/corpus_test.sh runs it, timed.
# Outcome: audited (exit 0 or 1), refused (exit 2), timeout (60 s), or crash (any other exit).
run_corpus() {
  local corpus_dir="$root/tests/data/audit/corpus" limit=60 results="$WORK/corpus.tsv"
  : >"$results"
  printf '%-60s %8s %8s %8s  %s\n' FILE SECONDS USER_S PEAK_MB OUTCOME
  local line path outcome extra want
  while IFS= read -r line || [[ -n "$line" ]]; do
    [[ -z "$line" || "$line" == \#* ]] && continue
    IFS=$'\x1f' read -r path outcome extra want <<<"${line//$'\t'/$'\x1f'}"
    local -a extra_args
    read -r -a extra_args <<<"$extra"
    local status=0
    /usr/bin/time -f '%e %U %M' -o "$WORK/time" timeout "$limit" "$portolan" audit \
      -i "$root/examples/sms2003-site.yaml" --ruleset "$corpus_dir/$path" --ruleset-format "${path%%/*}" \
      "${extra_args[@]}" --engine "$engine" -f json -o "$WORK/report.json" >/dev/null 2>&1 || status=$?
    local seconds user kb result
    read -r seconds user kb < <(tail -n 1 "$WORK/time")
    case $status in
      0 | 1) result=audited ;;
      2) result=refused ;;
      124) result=timeout ;;
      *) result="crash (exit $status)" ;;
    esac
    printf '%s\t%s\t%s\t%s\t%s\n' "$path" "$seconds" "$user" "$((kb / 1024))" "$result" >>"$results"
    printf '%-60s %8s %8s %8s  %s\n' "$path" "$seconds" "$user" "$((kb / 1024))" "$result"
  done <"$corpus_dir/EXPECTED.tsv"
  echo
  echo "slowest ten:"
  sort -t $'\t' -k2,2 -gr "$results" | head -n 10 | awk -F '\t' '{ printf "  %-58s %8s s %6s MB  %s\n", $1, $2, $4, $5 }'
  awk -F '\t' '{ n++; wall += $2; user += $3; if ($4 > peak) peak = $4; count[$5]++ }
    END { printf "totals: %d files, %.1f s wall, %.1f s user, largest peak %d MB;", n, wall, user, peak
          for (k in count) printf " %s %d", k, count[k]; printf "\n" }' "$results"
}

if [[ "$corpus" == true ]]; then
  run_corpus
  exit 0
fi

printf '%-10s %8s %10s %10s %10s  %s\n' PLAN RULES SECONDS USER_S PEAK_MB REPORT
for item in "${cases[@]}"; do
  read -r plan n <<<"$item"
  inventory="$root/examples/sms2003-site.yaml"
  if [[ "$plan" == generated ]]; then
    inventory="$WORK/generated.yaml"
    [[ -f "$inventory" ]] || "$build/bench/portolan_gen_inventory" --sites 1000 --hosts 20000 --clients 4000 -o "$inventory"
  fi
  python3 "$root/bench/gen_iptables.py" "$n" "$WORK/r.rules" "$WORK/r.ipset"
  if [[ "$plan" == wide ]]; then
    # The example plan, and one rule for a port open to all after every host rule (a common last
    # line): its hit is that port less all that came before.
    python3 - "$WORK/r.rules" <<'PY'
import sys
path = sys.argv[1]
lines = open(path).read().split("\n")
at = max(i for i, line in enumerate(lines) if line.startswith("-A FORWARD -d "))
lines.insert(at + 1, "-A FORWARD -p tcp --dport 443 -j ACCEPT")
open(path, "w").write("\n".join(lines))
PY
  fi
  status=0
  /usr/bin/time -f '%e %U %M' -o "$WORK/time" "$portolan" audit -i "$inventory" \
    --ruleset "$WORK/r.rules" --ipset "$WORK/r.ipset" --engine "$engine" -f json -o "$WORK/report.json" || status=$?
  # Exit 1 is a finding (the generated ruleset blocks required flows), not a failure.
  [[ $status -le 1 ]] || { echo "audit_bench: portolan audit failed (exit $status)" >&2; exit 1; }
  read -r seconds user kb < <(tail -n 1 "$WORK/time")
  summary=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["summary"])' "$WORK/report.json")
  printf '%-10s %8s %10s %10s %10s  %s\n' "$plan" "$n" "$seconds" "$user" "$((kb / 1024))" "$summary"
done
