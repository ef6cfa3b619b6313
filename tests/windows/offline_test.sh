#!/usr/bin/env bash
# The Windows build's offline commands under wine: portolan.exe must write exactly the bytes the
# Linux golden files hold (plan in every format on every test inventory, LMHOSTS, the catalog),
# exit with the same codes (explain, audit, bad input), take '/'-paths as paths, and say that
# respond and lab need Linux. Every call goes through tests/windows/wine-run.sh: a private prefix,
# a warm wineserver, a time limit, and a hung wine killed and the call tried once more, so that
# wine can never hold the run. With PORTOLAN_WINEPREFIX set (tests/windows/run.sh) it uses that
# prefix and its wineserver; alone, a prefix of its own, its wineserver stopped at the end.
#
# Usage: offline_test.sh PORTOLAN_EXE SOURCE_DIR. Skips (exit 77) without wine.
set -uo pipefail

EXE=$1
SRC=$2
WINE_RUN="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/wine-run.sh"
# shellcheck source=../support/harness.sh
source "$(dirname "${BASH_SOURCE[0]}")/../support/harness.sh"
harness_init "windows offline" "pw$$"
require_tools --hint "(scripts/install-windows-deps.sh installs it)" wine wineserver

if [ -z "${PORTOLAN_WINEPREFIX:-}" ]; then
  export PORTOLAN_WINEPREFIX=$WORK/wineprefix
  stop_wine() { WINEPREFIX=$PORTOLAN_WINEPREFIX timeout -k 5 20 wineserver -k >/dev/null 2>&1 || true; }
  at_exit stop_wine
fi
# The prefix made and its wineserver warm before the first check.
"$WINE_RUN" "$EXE" --version >/dev/null 2>"$WORK/boot.err" || {
  fail "portolan.exe --version did not run under wine: $(head -3 "$WORK/boot.err")"
  finish
}

# portolan ARGS...: portolan.exe under wine (wine-run.sh: time limit, one retry).
portolan() {
  "$WINE_RUN" "$EXE" "$@"
}

cd "$SRC" || exit 1
# same NAME FILE ARGS...: the command's standard output must equal FILE byte for byte.
same() {
  local name=$1 golden=$2
  shift 2
  if portolan "$@" >"$WORK/out" 2>"$WORK/err" && cmp -s "$WORK/out" "$golden"; then
    pass
  else
    fail "$name: differs from $golden ($(cmp "$WORK/out" "$golden" 2>&1 | head -1); $(head -2 "$WORK/err"))"
  fi
}

inventories=(example:examples/sms2003-site.yaml)
for file in tests/data/inventories/*.yaml; do inventories+=("$(basename "$file" .yaml):$file"); done
for item in "${inventories[@]}"; do
  name=${item%%:*}
  file=${item#*:}
  for format in table:txt json:json csv:csv markdown:md; do
    same "plan $name ${format%%:*}" "tests/golden/plan/$name.${format#*:}" plan -q -i "$file" -f "${format%%:*}"
  done
  same "lmhosts $name" "tests/golden/lmhosts/$name.txt" lmhosts -q -i "$file"
done
same "catalog" tests/golden/catalog/sms2003.txt catalog
same "catalog json" tests/golden/catalog/sms2003.json catalog -f json
same "catalog markdown" tests/golden/catalog/sms2003.md catalog -f markdown

# Files written with -o and --out: the same bytes (LF), replaced in one step.
portolan plan -q -i examples/sms2003-site.yaml -f json -o "$WORK/plan.json" && cmp -s "$WORK/plan.json" \
  tests/golden/plan/example.json && pass || fail "plan -o: differs from the golden"
# (The render golden holds one "==> NAME <==" line before each file it holds.)
sed 1d tests/golden/render/squid/proxied.proxy >"$WORK/squid.golden"
portolan render -q -i examples/sms2003-proxied-site.yaml -t squid -o "$WORK/squid.conf" &&
  portolan render -q -i examples/sms2003-proxied-site.yaml -t squid -o "$WORK/squid.conf" &&
  cmp -s "$WORK/squid.conf" "$WORK/squid.golden" && pass ||
  fail "render -t squid -o (written twice): differs from tests/golden/render/squid/proxied.proxy"

# Exit codes as on Linux.
check_exit "explain required" 0 portolan explain -q -i examples/sms2003-site.yaml --from hq-desktops --to DC01 \
  --port 389/udp
check_exit "explain not required" 1 portolan explain -q -i examples/sms2003-site.yaml --from hq-desktops --to DP01 \
  --port 445/tcp
check_exit "audit of a broken ruleset" 1 portolan audit -q -i examples/sms2003-site.yaml \
  --ruleset examples/broken-iptables.rules
check_exit "audit of a broken squid.conf" 1 portolan audit -q -i examples/sms2003-proxied-site.yaml \
  --ruleset examples/broken-squid.conf
check_exit "bad inventory" 2 portolan plan -i tests/data/bad-inventories/"$(ls tests/data/bad-inventories | head -1)"
# An absolute path that starts with '/' is a path, not a Windows-style option.
check_exit "a /path argument" 0 portolan catalog lint "$SRC/catalogs/sms2003.yaml"
for command in respond lab; do
  check_exit "$command says it needs Linux" 2 portolan "$command"
  grep -q "Linux" "$WORK/stderr" && pass || fail "$command: no explanation"
done

finish
