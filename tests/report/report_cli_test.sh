#!/usr/bin/env bash
# portolan report from the command line: the page's structure against goldens (with and without
# evidence), and every kind of bad input refused with exit 2, file:line:column and what was
# expected, and no page written. The evidence in tests/data/report/ came from the lab
# (scripts/report-evidence.sh; report.lab_evidence makes it afresh as root).
# Usage: report_cli_test.sh PATH/TO/portolan SOURCE_DIR
# PORTOLAN_UPDATE_GOLDEN=1 rewrites tests/golden/report/*.outline.
set -u
portolan=$1
src=$2
# shellcheck source=../support/harness.sh
source "$(dirname "${BASH_SOURCE[0]}")/../support/harness.sh"
harness_init report.cli

cd "$src" || exit 1  # the evidence names the inventory as examples/sms2003-site.yaml
example=examples/sms2003-site.yaml
data=tests/data/report
golden=tests/golden/report
outline="python3 tests/report/html_outline.py"
evidence=(--probe "$data/probe-SMS01.json" --probe "$data/probe-SMS02.json" --probe "$data/probe-SMS03.json"
          --probe "$data/probe-hq-desktops.json" --lab "$data/lab.json" --audit "$data/audit.json")

contains() {  # contains NAME FILE TEXT
  if grep -qF -- "$3" "$2"; then pass; else fail "$1: $2 lacks '$3'"; head -5 "$2" | sed 's/^/  /'; fi
}

compare_golden() {  # compare_golden NAME PAGE
  $outline "$2" > "$WORK/$1.outline"
  if [ "${PORTOLAN_UPDATE_GOLDEN:-}" = 1 ]; then
    mkdir -p "$golden" && cp "$WORK/$1.outline" "$golden/$1.outline" && pass
  elif diff -u "$golden/$1.outline" "$WORK/$1.outline" > "$WORK/$1.diff"; then
    pass
  else
    fail "$1: the page's structure differs from $golden/$1.outline (PORTOLAN_UPDATE_GOLDEN=1 rewrites it)"
    head -30 "$WORK/$1.diff" | sed 's/^/  /'
  fi
}

# --- the page ------------------------------------------------------------------------------------
check_exit "plan only" 0 "$portolan" report -i "$example" -o "$WORK/plain.html"
compare_golden example "$WORK/plain.html"
check_exit "with evidence" 0 "$portolan" report -i "$example" "${evidence[@]}" -o "$WORK/evidence.html"
compare_golden example-evidence "$WORK/evidence.html"
flows=$("$portolan" plan -i "$example" -f json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["flows"]))')
[ "$(grep -o 'data-flow="F[0-9]*"' "$WORK/evidence.html" | sort -u | wc -l)" = "$flows" ] && pass ||
  fail "one data-flow element per flow of the plan ($flows)"
# Self-contained: nothing that would fetch from a network.
if grep -qiE '(src|href)="(https?:)?//|url\((https?:)?//|@import' "$WORK/evidence.html"; then
  fail "the page names a network resource"
else
  pass
fi
# Every test inventory (IPv6, RAS, proxies, one site, ...): a page with one flow element per flow.
for inventory_file in tests/data/inventories/*.yaml examples/sms2003-proxied-site.yaml; do
  name=$(basename "$inventory_file" .yaml)
  check_exit "$name" 0 "$portolan" report -q -i "$inventory_file" -o "$WORK/$name.html" || continue
  want=$("$portolan" plan -q -i "$inventory_file" -f json |
    python3 -c 'import json,sys; print(len(json.load(sys.stdin)["flows"]))')
  [ "$(grep -o 'data-flow="[^"]*"' "$WORK/$name.html" | sort -u | wc -l)" = "$want" ] && pass ||
    fail "$name: one data-flow element per flow of the plan ($want)"
done
check_exit "to standard output" 0 "$portolan" report -i "$example" --platform none
contains "standard output is the page" "$WORK/stdout" "<!DOCTYPE html>"
check_exit "--changes-csv" 0 "$portolan" report -i "$example" --changes-csv "$WORK/changes.csv" -o "$WORK/c.html"
contains "the CSV's header" "$WORK/changes.csv" "firewall,direction,flow,from,from_addresses"
# The statuses the lab's evidence gives (the broken ruleset of examples/broken-iptables.rules).
status_of() { grep -o "data-flow=\"$1\" data-status=\"[a-z-]*\"" "$WORK/evidence.html" | sed 's/.*data-status="//; s/"//'; }
[ "$(status_of F23)" = blocked ] && pass || fail "F23 (GRE, dropped by the FORWARD policy) is blocked: $(status_of F23)"
[ "$(status_of F02)" = failed ] && pass || fail "F02 (the lab finds the RPC range closed) is failed: $(status_of F02)"
[ "$(status_of F01)" = required-open ] && pass || fail "F01 (every pair probed) is required-open: $(status_of F01)"
check_exit "one probe only" 0 "$portolan" report -i "$example" --probe "$data/probe-SMS01.json" -o "$WORK/one.html"
grep -q 'data-flow="F01" data-status="partly-checked"' "$WORK/one.html" && pass ||
  fail "F01 probed from SMS01 only is partly-checked, not proven open"

# --- bad input: exit 2, the file and position, and no page --------------------------------------
refused() {  # refused NAME EXPECTED_TEXT ARGS...: exit 2, the text on stderr, and no page written
  local name=$1 text=$2
  shift 2
  rm -f "$WORK/out.html"
  check_exit "$name" 2 "$portolan" report -i "${inventory:-$example}" "$@" -o "$WORK/out.html"
  contains "$name: says" "$WORK/stderr" "$text"
  [ -e "$WORK/out.html" ] && fail "$name: a page was written" || pass
}
refused "missing file" "$WORK/none.json" --probe "$WORK/none.json"
printf '{"results": [\n  {"target": "10.0.0.1",, }\n]}\n' > "$WORK/syntax.json"
refused "not JSON" "$WORK/syntax.json:2:" --probe "$WORK/syntax.json"
refused "a lab result given as a probe" "$data/lab.json:" --probe "$data/lab.json"
python3 - "$data/probe-SMS01.json" "$WORK/adhoc.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1])); d.pop("inventory"); d.pop("from"); json.dump(d, open(sys.argv[2], "w"), indent=2)
PY
refused "an ad hoc probe (no fingerprint)" "$WORK/adhoc.json" --probe "$WORK/adhoc.json"
sed 's/"fingerprint": "sha256:[0-9a-f]*"/"fingerprint": "sha256:'"$(printf '0%.0s' {1..64})"'"/' \
  "$data/audit.json" > "$WORK/other.json"
refused "another inventory" "results of another inventory" --audit "$WORK/other.json"
sed 's/"from": "SMS01"/"from": "SMS99"/' "$data/probe-SMS01.json" > "$WORK/unknown-host.json"
refused "an unknown vantage point" "SMS99" --probe "$WORK/unknown-host.json"
python3 - "$data/probe-SMS01.json" "$WORK/unknown-flow.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1])); d["results"][0]["flows"] = ["F99"]; json.dump(d, open(sys.argv[2], "w"), indent=2)
PY
refused "an unknown flow" "F99" --probe "$WORK/unknown-flow.json"
python3 - "$data/probe-SMS01.json" "$WORK/bad-port.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1])); d["results"][0]["port"] = "x"; json.dump(d, open(sys.argv[2], "w"), indent=2)
PY
refused "a port that is not a number" "$WORK/bad-port.json:" --probe "$WORK/bad-port.json"
inventory=examples/sms2003-proxied-site.yaml refused "another inventory's lab" "results of another inventory" \
  --lab "$data/lab.json"
refused "an unknown platform" "--platform" --platform frobnicate
refused "a proxy's platform" "--platform" --platform squid
finish
