#!/usr/bin/env bash
# portolan audit as a user runs it: exit codes 0, 1 (blocked; --strict: excess), 2 (bad input,
# nothing written), file:line:column errors, format detection and --help.
set -uo pipefail
PORTOLAN=$1
SRC=$2
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
INV="$SRC/examples/sms2003-site.yaml"
failures=0
check() {  # check NAME EXPECTED_EXIT ACTUAL_EXIT
  if [ "$2" != "$3" ]; then echo "FAIL: $1: exit $3, expected $2"; failures=$((failures + 1)); else echo "ok: $1"; fi
}

"$PORTOLAN" render -i "$INV" -t iptables --mode network --out "$WORK/net" 2>/dev/null
"$PORTOLAN" audit -i "$INV" --ruleset "$WORK/net/network.iptables.rules" --ruleset "$WORK/net/network.ip6tables.rules" > "$WORK/out.txt"
check "rendered network policy is clean" 0 $?
grep -q "18 required flows (18 ALLOWED)" "$WORK/out.txt" || { echo "FAIL: summary"; failures=$((failures + 1)); }

"$PORTOLAN" audit -i "$INV" --ruleset "$SRC/examples/broken-iptables.rules" > /dev/null
check "broken ruleset: blocked flows" 1 $?

# Excess only: the rendered policy plus one wide rule; exit 0, with --strict 1.
sed 's/^-A FORWARD -m comment --comment "portolan default deny.*/-A FORWARD -p tcp --dport 22 -j ACCEPT\n&/' \
  "$WORK/net/network.iptables.rules" > "$WORK/wide.rules"
"$PORTOLAN" audit -i "$INV" --ruleset "$WORK/wide.rules" -f json -o "$WORK/wide.json"
check "excess without --strict" 0 $?
"$PORTOLAN" audit -i "$INV" --ruleset "$WORK/wide.rules" --strict -f csv > "$WORK/wide.csv"
check "excess with --strict" 1 $?
grep -q '"ports": "22"' "$WORK/wide.json" || { echo "FAIL: json excess"; failures=$((failures + 1)); }
grep -q '^excess,,forward,' "$WORK/wide.csv" || { echo "FAIL: csv excess"; failures=$((failures + 1)); }

printf '*filter\n:FORWARD DROP [0:0]\n-A FORWARD -p tcp --dport 70000 -j ACCEPT\nCOMMIT\n' > "$WORK/bad.rules"
"$PORTOLAN" audit -i "$INV" --ruleset "$WORK/bad.rules" -o "$WORK/never.txt" 2> "$WORK/err.txt"
check "malformed ruleset" 2 $?
grep -q "bad.rules:3:27: error: '70000' is not a port" "$WORK/err.txt" || { echo "FAIL: error text: $(cat "$WORK/err.txt")"; failures=$((failures + 1)); }
[ ! -e "$WORK/never.txt" ] || { echo "FAIL: wrote output on bad input"; failures=$((failures + 1)); }

echo "not a ruleset" > "$WORK/unknown.txt"
"$PORTOLAN" audit -i "$INV" --ruleset "$WORK/unknown.txt" 2> "$WORK/err.txt"
check "undetectable format" 2 $?
"$PORTOLAN" audit -i "$INV" --ruleset "$WORK/net/network.iptables.rules" --host NOSUCH 2> /dev/null
check "unknown host" 2 $?
"$PORTOLAN" audit -i "$INV" --ruleset "$WORK/net/network.iptables.rules" --mode host 2> /dev/null
check "host mode without --host" 2 $?
"$PORTOLAN" audit --help | grep -q -- "--ruleset-format"
check "--help lists the formats option" 0 $?

[ "$failures" -eq 0 ] || { echo "$failures failures"; exit 1; }
echo "all audit CLI checks passed"
