#!/usr/bin/env bash
# portolan audit as a user runs it, on iptables, AWS security groups, Windows Firewall rules and squid.conf:
# exit codes 0, 1 (blocked; --strict: excess), 2 (bad input, nothing written), file:line:column
# errors, format detection (and --ruleset-format), --engine and --help.
set -uo pipefail
PORTOLAN=$1
SRC=$2
# shellcheck source=../support/harness.sh
source "$(dirname "${BASH_SOURCE[0]}")/../support/harness.sh"
harness_init "audit cli"
INV="$SRC/examples/sms2003-site.yaml"

"$PORTOLAN" render -i "$INV" -t iptables --mode network --out "$WORK/net" 2>/dev/null
"$PORTOLAN" audit -i "$INV" --ruleset "$WORK/net/network.iptables.rules" --ruleset "$WORK/net/network.ip6tables.rules" > "$WORK/out.txt"
check_status "rendered network policy is clean" 0 $?
grep -q "17 required flows (17 ALLOWED)" "$WORK/out.txt" && pass || fail "summary"

"$PORTOLAN" audit -i "$INV" --ruleset "$SRC/examples/broken-iptables.rules" > /dev/null
check_status "broken ruleset: blocked flows" 1 $?

# Excess only: the rendered policy plus one wide rule; exit 0, with --strict 1.
sed 's/^-A FORWARD -m comment --comment "portolan default deny.*/-A FORWARD -p tcp --dport 22 -j ACCEPT\n&/' \
  "$WORK/net/network.iptables.rules" > "$WORK/wide.rules"
"$PORTOLAN" audit -i "$INV" --ruleset "$WORK/wide.rules" -f json -o "$WORK/wide.json"
check_status "excess without --strict" 0 $?
"$PORTOLAN" audit -i "$INV" --ruleset "$WORK/wide.rules" --strict -f csv > "$WORK/wide.csv"
check_status "excess with --strict" 1 $?
grep -q '"ports": "22"' "$WORK/wide.json" && pass || fail "json excess"
grep -q '^excess,,forward,' "$WORK/wide.csv" && pass || fail "csv excess"

printf '*filter\n:FORWARD DROP [0:0]\n-A FORWARD -p tcp --dport 70000 -j ACCEPT\nCOMMIT\n' > "$WORK/bad.rules"
"$PORTOLAN" audit -i "$INV" --ruleset "$WORK/bad.rules" -o "$WORK/never.txt" 2> "$WORK/err.txt"
check_status "malformed ruleset" 2 $?
grep -q "bad.rules:3:27: error: '70000' is not a port" "$WORK/err.txt" && pass || fail "error text: $(cat "$WORK/err.txt")"
[ ! -e "$WORK/never.txt" ] && pass || fail "wrote output on bad input"

# AWS security groups: detected from the content, or named with --ruleset-format aws-sg.
"$PORTOLAN" render -i "$INV" -t aws-sg --host SMS01 --out "$WORK/aws" 2>/dev/null
"$PORTOLAN" audit -i "$INV" --host SMS01 --ruleset "$WORK/aws/SMS01.aws-sg.json" > "$WORK/aws.txt"
check_status "aws-sg: rendered groups are clean (detected)" 0 $?
grep -q "(aws-sg, " "$WORK/aws.txt" && pass || fail "aws-sg not detected: $(sed -n 2p "$WORK/aws.txt")"
"$PORTOLAN" audit -i "$INV" --host SMS01 --ruleset-format aws-sg --ruleset "$WORK/aws/SMS01.aws-sg.json" > /dev/null
check_status "aws-sg: rendered groups are clean (--ruleset-format aws-sg)" 0 $?
"$PORTOLAN" audit -i "$INV" --host SMS01 --ruleset-format aws-sg \
  --ruleset "$SRC/tests/golden/audit/aws/broken-host.sg.json" -f json -o "$WORK/aws-broken.json"
check_status "aws-sg: a CIDR too narrow blocks part of F10" 1 $?
grep -q '"verdict": "PARTIAL"' "$WORK/aws-broken.json" && pass || fail "aws-sg json verdict"
sed '0,/"CidrIp": "[^"]*"/s//"CidrIp": "10.2.0.300\/32"/' "$WORK/aws/SMS01.aws-sg.json" > "$WORK/bad-sg.json"
"$PORTOLAN" audit -i "$INV" --host SMS01 --ruleset-format aws-sg --ruleset "$WORK/bad-sg.json" -o "$WORK/never-sg.txt" \
  2> "$WORK/err.txt"
check_status "aws-sg: malformed CIDR" 2 $?
grep -Eq "bad-sg.json:[0-9]+:[0-9]+: error: .*'10.2.0.300/32' is not an IPv4 CIDR block" "$WORK/err.txt" && pass ||
  fail "aws-sg error text: $(cat "$WORK/err.txt")"
[ ! -e "$WORK/never-sg.txt" ] && pass || fail "aws-sg: wrote output on bad input"

# Windows Firewall rule strings and a Get-NetFirewallRule JSON export, for SMS01's required
# inbound flows (F04 SMB from SMS02, F10 HTTP from hq-desktops, F20 the console from ADMIN01).
cat > "$WORK/fw-clean.txt" <<'EOF'
v2.10|Action=Allow|Active=TRUE|Dir=In|Protocol=6|LPort=445|RA4=10.2.0.1|Name=smb-from-parent|
v2.10|Action=Allow|Active=TRUE|Dir=In|Protocol=6|LPort=80|RA4=10.1.0.0/255.255.0.0|RA4=10.0.0.20|Name=http|
v2.10|Action=Allow|Active=TRUE|Dir=In|Protocol=6|LPort=135|LPort=1025-5000|RA4=10.0.0.20|Name=console|
EOF
"$PORTOLAN" audit -i "$INV" --host SMS01 --ruleset "$WORK/fw-clean.txt" --strict > "$WORK/win.txt"
check_status "windows: rule strings cover every flow, nothing more (detected, --strict)" 0 $?
grep -q "(windows, " "$WORK/win.txt" && pass || fail "windows not detected: $(sed -n 2p "$WORK/win.txt")"
grep -v 'Name=console|' "$WORK/fw-clean.txt" > "$WORK/fw-noconsole.txt"
"$PORTOLAN" audit -i "$INV" --host SMS01 --ruleset-format windows --ruleset "$WORK/fw-noconsole.txt" -f csv > "$WORK/win.csv"
check_status "windows: the console's RPC missing" 1 $?
grep -q '^flow,F20,.*,PARTIAL,' "$WORK/win.csv" && pass || fail "windows csv: $(grep F20 "$WORK/win.csv")"
cat > "$WORK/fw.json" <<'EOF'
[
  {"Name": "smb-from-parent", "DisplayName": "SMB from the parent site", "Enabled": 1, "Direction": 1, "Action": 2,
   "Profile": 0, "Protocol": "TCP", "LocalPort": "445", "RemotePort": "Any", "LocalAddress": "Any",
   "RemoteAddress": "10.2.0.1"},
  {"Name": "http", "DisplayName": "Management point", "Enabled": 1, "Direction": 1, "Action": 2, "Profile": 0,
   "Protocol": "TCP", "LocalPort": "80", "RemotePort": "Any", "LocalAddress": "Any",
   "RemoteAddress": ["10.1.0.0/255.255.0.0", "10.0.0.20"]},
  {"Name": "console", "DisplayName": "SMS Administrator console", "Enabled": 1, "Direction": 1, "Action": 2,
   "Profile": 0, "Protocol": "TCP", "LocalPort": ["135", "1025-5000"], "RemotePort": "Any", "LocalAddress": "Any",
   "RemoteAddress": "10.0.0.20"}
]
EOF
"$PORTOLAN" audit -i "$INV" --host SMS01 --ruleset "$WORK/fw.json" --strict > "$WORK/win-json.txt"
check_status "windows: Get-NetFirewallRule JSON, clean (detected, --strict)" 0 $?
grep -q "(windows, " "$WORK/win-json.txt" && pass || fail "windows JSON not detected"
sed 's/RA4=10.0.0.20|Name=console/RA4=10.0.0.300|Name=console/' "$WORK/fw-clean.txt" > "$WORK/fw-bad.txt"
"$PORTOLAN" audit -i "$INV" --host SMS01 --ruleset-format windows --ruleset "$WORK/fw-bad.txt" -o "$WORK/never-win.txt" \
  2> "$WORK/err.txt"
check_status "windows: malformed address" 2 $?
grep -q "fw-bad.txt:3:76: error: RA4=10.0.0.300: not an IPv4 address, subnet or range" "$WORK/err.txt" && pass ||
  fail "windows error text: $(cat "$WORK/err.txt")"
[ ! -e "$WORK/never-win.txt" ] && pass || fail "windows: wrote output on bad input"
sed 's/"Direction": 1, "Action": 2,$/"Direction": 7, "Action": 2,/' "$WORK/fw.json" > "$WORK/fw-bad.json"
"$PORTOLAN" audit -i "$INV" --host SMS01 --ruleset "$WORK/fw-bad.json" -o "$WORK/never-win.txt" 2> "$WORK/err.txt"
check_status "windows: JSON with a bad Direction" 2 $?
grep -Eq "fw-bad.json:[0-9]+:[0-9]+: error: " "$WORK/err.txt" && pass ||
  fail "windows JSON error text: $(cat "$WORK/err.txt")"
[ ! -e "$WORK/never-win.txt" ] && pass || fail "windows JSON: wrote output on bad input"

# The two engines give the same report, byte for byte; --engine cubes refuses what it cannot do.
for engine in bdd cubes; do
  "$PORTOLAN" audit -i "$INV" --ruleset "$SRC/examples/broken-iptables.rules" --engine "$engine" -f json \
    -o "$WORK/engine-$engine.json"
  check_status "--engine $engine: broken ruleset" 1 $?
done
cmp -s "$WORK/engine-bdd.json" "$WORK/engine-cubes.json" && pass || fail "the engines' reports differ"
"$PORTOLAN" audit -i "$INV" --ruleset "$WORK/net/network.iptables.rules" --engine quick 2> "$WORK/err.txt"
check_status "--engine with an unknown engine" 2 $?

echo "not a ruleset" > "$WORK/unknown.txt"
"$PORTOLAN" audit -i "$INV" --ruleset "$WORK/unknown.txt" 2> "$WORK/err.txt"
check_status "undetectable format" 2 $?
"$PORTOLAN" audit -i "$INV" --ruleset "$WORK/net/network.iptables.rules" --host NOSUCH 2> /dev/null
check_status "unknown host" 2 $?
"$PORTOLAN" audit -i "$INV" --ruleset "$WORK/net/network.iptables.rules" --mode host 2> /dev/null
check_status "host mode without --host" 2 $?
"$PORTOLAN" audit --help | grep -q -- "--ruleset-format"
check_status "--help lists the formats option" 0 $?

# Host firewalls (security groups, Windows Firewall) in network mode check nothing: a usage error
# that says to give --host, never exit 0.
"$PORTOLAN" audit -i "$INV" --ruleset "$WORK/aws/SMS01.aws-sg.json" -o "$WORK/never-net.txt" 2> "$WORK/err.txt"
check_status "aws-sg in network mode is refused" 2 $?
grep -q "SMS01.aws-sg.json:1:1: error: aws-sg is a host's own firewall.*--host NAME" "$WORK/err.txt" && pass ||
  fail "aws-sg network-mode error: $(cat "$WORK/err.txt")"
[ ! -e "$WORK/never-net.txt" ] && pass || fail "aws-sg network mode wrote output"
"$PORTOLAN" audit -i "$INV" --ruleset-format windows --ruleset "$SRC/tests/golden/audit/windows/precedence-host.rules" \
  2> "$WORK/err.txt" > /dev/null
check_status "windows in network mode is refused" 2 $?
grep -q "error: windows is a host's own firewall" "$WORK/err.txt" && pass ||
  fail "windows network-mode error: $(cat "$WORK/err.txt")"

# A family without a ruleset is NOT-AUDITED, and that is not a pass: the dual-stack test site
# audited with its IPv4 ruleset alone exits 1.
INV6="$SRC/tests/data/inventories/ipv6.yaml"
"$PORTOLAN" render -i "$INV6" -t iptables --mode network --out "$WORK/net6" 2>/dev/null
"$PORTOLAN" audit -i "$INV6" --ruleset "$WORK/net6/network.iptables.rules" > "$WORK/v4only.txt"
check_status "IPv4 ruleset alone on a dual-stack site: NOT-AUDITED flows exit 1" 1 $?
grep -q "NOT-AUDITED" "$WORK/v4only.txt" && pass || fail "no NOT-AUDITED verdict"
"$PORTOLAN" audit -i "$INV6" --ruleset "$WORK/net6/network.iptables.rules" \
  --ruleset "$WORK/net6/network.ip6tables.rules" > /dev/null
check_status "both families given: clean" 0 $?

# squid.conf: an HTTP proxy's policy, audited against the requests PROXY01 of the proxied example
# carries (the inventory's only http-proxy host, or --host PROXY01).
PINV="$SRC/examples/sms2003-proxied-site.yaml"
SQUID="$SRC/tests/data/audit/squid"
"$PORTOLAN" audit -i "$PINV" --ruleset "$SQUID/correct.conf" --strict > "$WORK/squid.txt"
check_status "squid: the correct policy is clean (detected, --strict)" 0 $?
grep -q "(squid, " "$WORK/squid.txt" && pass || fail "squid not detected: $(sed -n 2p "$WORK/squid.txt")"
"$PORTOLAN" audit -i "$PINV" --host PROXY01 --ruleset-format squid --ruleset "$SRC/examples/broken-squid.conf" \
  -f json -o "$WORK/squid.json"
check_status "squid: the broken example denies the MP's uploads" 1 $?
grep -q '"example": "10.1.0.0 -> 10.0.0.1:80 CCM_POST"' "$WORK/squid.json" && pass ||
  fail "squid: no CCM_POST example in $(grep -m3 '"example"' "$WORK/squid.json")"
"$PORTOLAN" render -i "$PINV" -t squid --out "$WORK/squid-render" > /dev/null 2>&1
rendered=$(find "$WORK/squid-render" -type f -name '*squid*' 2>/dev/null | head -n 1)
if [[ -n "$rendered" ]]; then
  "$PORTOLAN" audit -i "$PINV" --ruleset "$rendered" --strict > "$WORK/squid-rendered.txt"
  check_status "squid: render -t squid audits clean (--strict)" 0 $?
else
  fail "render -t squid wrote no file to audit"
fi
"$PORTOLAN" audit -i "$PINV" --host SMS01 --ruleset "$SQUID/correct.conf" -o "$WORK/never-squid.txt" 2> "$WORK/err.txt"
check_status "squid: --host names no http-proxy host" 2 $?
grep -q "'SMS01' is not an http-proxy host" "$WORK/err.txt" && pass || fail "squid --host error: $(cat "$WORK/err.txt")"
[ ! -e "$WORK/never-squid.txt" ] && pass || fail "squid: wrote output on a usage error"
"$PORTOLAN" audit -i "$INV" --ruleset "$SQUID/correct.conf" 2> "$WORK/err.txt" > /dev/null
check_status "squid: an inventory without an http-proxy host" 2 $?
"$PORTOLAN" audit -i "$PINV" --ruleset "$SQUID/undefined-acl.conf" -o "$WORK/never-squid.txt" 2> "$WORK/err.txt"
check_status "squid: an undefined ACL" 2 $?
grep -q "undefined-acl.conf:3:22: error: ACL 'sms_servers' is not defined" "$WORK/err.txt" && pass ||
  fail "squid error text: $(cat "$WORK/err.txt")"
[ ! -e "$WORK/never-squid.txt" ] && pass || fail "squid: wrote output on bad input"

finish
