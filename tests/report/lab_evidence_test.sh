#!/usr/bin/env bash
# portolan report on evidence made afresh in the lab (needs root): the example's site in network
# namespaces, first behind the hand-grown broken firewall (examples/broken-iptables.rules), then
# behind its own rendered policy; probes from inside the hosts' namespaces, the lab's verify, the
# audit of what the router loaded. Each flow's status in the page is checked against an oracle
# written here from the JSON files alone (tests/report/status_oracle.py), and with the rendered
# policy nothing may be blocked or failed.
# Usage: lab_evidence_test.sh PATH/TO/portolan SOURCE_DIR
set -u
portolan=$1
src=$2
# shellcheck source=../support/harness.sh
source "$(dirname "${BASH_SOURCE[0]}")/../support/harness.sh"
harness_init report.lab_evidence
require_root
require_netns
cd "$src" || exit 1
example=examples/sms2003-site.yaml

run_case() {  # run_case NAME RULESET
  local name=$1 dir="$WORK/$1"
  check "$name: evidence from the lab" bash scripts/report-evidence.sh "$dir" --portolan "$portolan" --ruleset "$2" ||
    return
  local args=(--lab "$dir/lab.json" --audit "$dir/audit.json")
  for probe in "$dir"/probe-*.json; do args+=(--probe "$probe"); done
  check_exit "$name: report" 0 "$portolan" report -i "$example" "${args[@]}" -o "$dir/site.html" || return
  check "$name: every status as the oracle has it" \
    python3 tests/report/status_oracle.py "$portolan" "$example" "$dir/site.html" "$dir"/*.json
}

run_case broken examples/broken-iptables.rules
grep -q 'data-status="blocked"' "$WORK/broken/site.html" && pass || fail "broken: something is blocked"
run_case rendered rendered
if grep -qE 'data-status="(blocked|partly-blocked|failed)"' "$WORK/rendered/site.html"; then
  fail "rendered: the rendered policy blocks or fails a flow"
  grep -oE 'data-flow="F[0-9]+" data-status="(blocked|partly-blocked|failed)"' "$WORK/rendered/site.html" | head
else
  pass
fi
finish
