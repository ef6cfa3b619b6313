#!/usr/bin/env bash
# `portolan report`'s page in a real browser (Debian's chromium-headless-shell, driven by
# tests/report/browser.py over its debugging pipe): the example site's report, with the evidence
# of tests/data/report/ when there is some, and the proxied example's without any. Each page loads
# with no console errors and no request but file: and data:, holds one [data-flow] element per
# flow of `portolan plan`, its filters, matrix, CSV link and platform choice work, it meets basic
# accessibility (captions, header scopes, labels, names, contrast in both schemes, keyboard), it is
# complete without JavaScript and hides the filters in print. Screenshots (desktop and narrow,
# light and dark) and a PDF go to ${PORTOLAN_ARTIFACTS:-<build dir>/test-artifacts}/report/.
#
#   bash tests/report/browser_test.sh build/portolan .
#
# Without a browser this test FAILS, saying how to install one, so that CI cannot pass it by
# accident; PORTOLAN_SKIP_BROWSER=1 skips it (exit 77) instead. Evidence files: every
# tests/data/report/*.json (not its subfolders, which hold bad inputs) made from the example
# inventory, taken as --probe, --lab or --audit by what it holds ("from" and "results": a probe;
# a top-level "fingerprint": the lab; "firewall": an audit).
set -uo pipefail

PORTOLAN=$(realpath "$1")
SOURCE_DIR=$(realpath "$2")
# shellcheck source=../support/harness.sh
source "$(dirname "${BASH_SOURCE[0]}")/../support/harness.sh"
harness_init "report browser"

BROWSER_PY="$SOURCE_DIR/tests/report/browser.py"
ARTIFACTS="${PORTOLAN_ARTIFACTS:-$(dirname "$PORTOLAN")/test-artifacts}/report"

if [ "${PORTOLAN_SKIP_BROWSER:-}" = 1 ]; then
  skip "PORTOLAN_SKIP_BROWSER=1"
fi
if ! browser=$(python3 "$BROWSER_PY" which 2>&1); then
  fail "no browser: $browser; install it (scripts/install-deps.sh installs chromium-headless-shell)" \
    "or set PORTOLAN_SKIP_BROWSER=1 to skip this test"
  finish
fi
echo "browser: $browser"

# plan_flows INVENTORY: the plan's flow count, after checking the JSON's shape.
plan_flows() {
  if ! "$PORTOLAN" plan -q -i "$1" -f json >"$WORK/plan.json" 2>"$WORK/plan.err"; then
    sed 's/^/  plan: /' "$WORK/plan.err" | head -5 >&2
    return 1
  fi
  python3 - "$WORK/plan.json" <<'PY'
import json, sys
flows = json.load(open(sys.argv[1])).get("flows")
if not isinstance(flows, list) or not flows or not all(isinstance(f, dict) and "id" in f for f in flows):
    sys.exit("  plan: no list of flows with ids")
ids = [flow["id"] for flow in flows]
if len(set(ids)) != len(ids):
    sys.exit("  plan: flow ids repeat")
print(len(flows))
PY
}

# no_external_urls FILE: no http: or https: anywhere but an xmlns declaration, and no protocol-relative
# reference (src=, href=, url() starting with //). Called through `check`.
# shellcheck disable=SC2317
no_external_urls() {
  python3 - "$1" <<'PY'
import re, sys
text = re.sub(r'xmlns(:\w+)?="[^"]*"', "", open(sys.argv[1], encoding="utf-8").read())
found = re.findall(r"(?i)https?:[^\s\"'<>]{0,60}", text)
found += re.findall(r"""(?i)(?:src|href|action)\s*=\s*["']?//[^\s"'<>]{0,60}|url\(\s*["']?//[^)]{0,60}""", text)
for item in found[:5]:
    print("  external:", item)
sys.exit(1 if found else 0)
PY
}

# check_page NAME INVENTORY ARTIFACT_DIR [EVIDENCE_OPTION FILE]...: writes the report, runs browser.py.
check_page() {
  local name=$1 inventory=$2 artifacts=$3 flows
  shift 3
  local html="$WORK/$name.html"
  if ! flows=$(plan_flows "$inventory"); then
    fail "$name: portolan plan -f json gave no flow count"
    return
  fi
  check_exit "$name: portolan report writes the page" 0 \
    "$PORTOLAN" report -i "$inventory" "$@" -o "$html" || return
  check "$name: the page is a file" test -s "$html" || return
  check "$name: no http:, https: or //host URL in the page (xmlns aside)" no_external_urls "$html"
  rm -rf "$artifacts"
  mkdir -p "$artifacts"
  echo "== $name: browser.py check --flows $flows (artifacts in $artifacts)"
  python3 "$BROWSER_PY" check "$html" --flows "$flows" --artifacts "$artifacts" >"$WORK/$name.check" 2>&1
  local status=$?
  sed 's/^/  /' "$WORK/$name.check"
  if [ "$status" -eq 77 ]; then
    fail "$name: browser.py found no browser"
    return
  fi
  check_status "$name: every browser check passes" 0 "$status"
  for shot in desktop-light desktop-dark narrow-light narrow-dark; do
    check "$name: screenshot $shot.png" python3 -c \
      'import sys; sys.exit(open(sys.argv[1], "rb").read(8) != b"\x89PNG\r\n\x1a\n")' "$artifacts/$shot.png"
  done
}

example="$SOURCE_DIR/examples/sms2003-site.yaml"
mapfile -t evidence < <(python3 "$BROWSER_PY" evidence "$example" "$SOURCE_DIR/tests/data/report")
echo "evidence: ${evidence[*]:-(none in tests/data/report)}"
check_page site "$example" "$ARTIFACTS" "${evidence[@]}"
check_page proxied "$SOURCE_DIR/examples/sms2003-proxied-site.yaml" "$ARTIFACTS/proxied"

finish
