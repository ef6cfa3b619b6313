#!/usr/bin/env bash
# Regenerates docs/images/report.png, the README's picture of a report: the example site
# (examples/sms2003-site.yaml) with the evidence of tests/data/report/*.json made from it, as
# `portolan report` writes it, the top of the page at desktop width (1366x1700: summary, the site, the zone matrix) in the light scheme,
# taken by headless Chromium (tests/report/browser.py screenshot). Review the image before
# committing it.
#
#   bash scripts/report-screenshot.sh [PORTOLAN]     PORTOLAN defaults to build/portolan
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
portolan="$(realpath "${1:-$root/build/portolan}")"
inventory="$root/examples/sms2003-site.yaml"
out="$root/docs/images/report.png"

if [[ ! -x "$portolan" ]]; then
  echo "report-screenshot: $portolan is not built (cmake --preset default && cmake --build build)" >&2
  exit 2
fi
if ! python3 "$root/tests/report/browser.py" which >/dev/null; then
  echo "report-screenshot: no Chromium (scripts/install-deps.sh installs chromium-headless-shell)" >&2
  exit 2
fi

tmp="$(mktemp -d "${TMPDIR:-/tmp}/portolan-screenshot.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT

# The evidence files made from the example, each as what it is (--probe, --lab or --audit).
mapfile -t evidence < <(python3 "$root/tests/report/browser.py" evidence "$inventory" "$root/tests/data/report")
echo "report-screenshot: evidence ${evidence[*]:-(none: tests/data/report/ has no results of the example)}"

# Paths in the page are written as given: relative ones, from the repository's root, read well.
(cd "$root" && "$portolan" report -i "examples/sms2003-site.yaml" "${evidence[@]/#$root\//}" -o "$tmp/report.html")
mkdir -p "$(dirname "$out")"
python3 "$root/tests/report/browser.py" screenshot "$tmp/report.html" "$tmp/report.png" --width 1366 --height 1700
mv "$tmp/report.png" "$out"
echo "report-screenshot: wrote ${out#"$root"/} ($(wc -c <"$out") bytes); look at it before committing"
