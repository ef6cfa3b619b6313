#!/usr/bin/env bash
# The command line as a user and a script see it: exit codes (0 ok, 1 findings, 2 bad
# input), errors with file:line:column on stderr, no half-written output files, help and
# version. Usage: cli_test.sh PATH/TO/portolan SOURCE_DIR
set -u
portolan=$1
src=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
passed=0
failed=0

check() {  # check NAME EXPECTED_EXIT COMMAND...
  local name=$1 expected=$2
  shift 2
  "$@" >"$work/stdout" 2>"$work/stderr"
  local actual=$?
  if [ "$actual" -eq "$expected" ]; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    echo "FAIL: $name: exit $actual, expected $expected"
    sed 's/^/  stderr: /' "$work/stderr" | head -5
  fi
}

contains() {  # contains NAME FILE TEXT
  if grep -qF -- "$3" "$2"; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    echo "FAIL: $1: $2 lacks '$3'"
    head -5 "$2" | sed 's/^/  /'
  fi
}

example="$src/examples/sms2003-site.yaml"

check "version" 0 "$portolan" --version
contains "version text" "$work/stdout" "portolan "
check "no command" 2 "$portolan"
check "unknown command" 2 "$portolan" frobnicate
check "top help" 0 "$portolan" --help
contains "help lists plan" "$work/stdout" "plan"
for command in catalog plan explain lmhosts mp-script render probe "catalog lint"; do
  # shellcheck disable=SC2086
  check "help of $command" 0 "$portolan" $command --help
done

check "plan example" 0 "$portolan" plan -i "$example"
contains "plan table" "$work/stdout" "F01"
for format in json csv markdown table; do
  check "plan --format $format" 0 "$portolan" plan -i "$example" --format "$format"
done
check "plan bad format" 2 "$portolan" plan -i "$example" --format xml
check "plan missing inventory option" 2 "$portolan" plan
check "plan missing file" 2 "$portolan" plan -i "$work/nope.yaml"
contains "missing file named" "$work/stderr" "nope.yaml"

# Bad input: exit 2, file:line:column, and the output file is neither created nor touched.
cat >"$work/bad.yaml" <<'YAML'
catalog: sms2003
domain: {name: corp.example}
sites:
  - code: AAA
    hosts:
      - name: SMS01
        address: 10.0.0.300
        roles: [site-server, site-databse]
YAML
check "plan bad inventory" 2 "$portolan" plan -i "$work/bad.yaml" -o "$work/plan.json" --format json
contains "bad address located" "$work/stderr" "bad.yaml:7:18: error:"
contains "unknown role hint" "$work/stderr" "did you mean 'site-database'"
[ ! -e "$work/plan.json" ] && passed=$((passed + 1)) || { failed=$((failed + 1)); echo "FAIL: output written on bad input"; }
echo "previous" >"$work/keep.json"
check "plan bad inventory keeps old output" 2 "$portolan" plan -i "$work/bad.yaml" -o "$work/keep.json"
contains "old output intact" "$work/keep.json" "previous"

check "plan -o" 0 "$portolan" plan -i "$example" --format json -o "$work/plan.json"
contains "plan json written" "$work/plan.json" '"flows"'
check "plan --out" 0 "$portolan" plan -i "$example" --out "$work/out"
for file in plan.txt plan.json plan.csv plan.md; do
  [ -s "$work/out/$file" ] && passed=$((passed + 1)) || { failed=$((failed + 1)); echo "FAIL: --out did not write $file"; }
done
ls -a "$work/out" | grep -q '^\.plan' && { failed=$((failed + 1)); echo "FAIL: temporary file left in --out"; } || passed=$((passed + 1))

check "explain required" 0 "$portolan" explain -i "$example" --from hq-desktops --to DC01 --port 389/udp
contains "explain names entry" "$work/stdout" "client-cldap"
check "explain by address" 0 "$portolan" explain -i "$example" --from 10.1.2.3 --to 10.0.0.6
check "explain not required" 1 "$portolan" explain -i "$example" --from hq-desktops --to DP01 --port 445/tcp
contains "explain why not" "$work/stdout" "not BITS-enabled"
check "explain json" 1 "$portolan" explain -i "$example" --from hq-desktops --to DP01 --port 445/tcp --format json
contains "explain json field" "$work/stdout" '"required": false'
check "explain unknown host" 2 "$portolan" explain -i "$example" --from SMS99 --to DC01
contains "explain unknown host hint" "$work/stderr" "SMS99"
check "explain bad port" 2 "$portolan" explain -i "$example" --from SMS01 --to DC01 --port 99999/tcp

check "catalog" 0 "$portolan" catalog
contains "catalog lists errata" "$work/stdout" "erratum"
check "catalog json" 0 "$portolan" catalog --format json --show entries
check "catalog unknown built-in" 2 "$portolan" catalog --name sms2007
check "catalog lint clean" 0 "$portolan" catalog lint "$src/catalogs/sms2003.yaml"
sed 's/to: global-catalog/to: global-catalogue/' "$src/catalogs/sms2003.yaml" >"$work/bad-catalog.yaml"
check "catalog lint finds errors" 1 "$portolan" catalog lint "$work/bad-catalog.yaml"
contains "lint names role" "$work/stdout" "unknown role 'global-catalogue'"
check "catalog lint missing file" 2 "$portolan" catalog lint "$work/none.yaml"
check "plan with --catalog" 0 "$portolan" plan -i "$example" --catalog "$src/catalogs/sms2003.yaml"
check "plan with bad --catalog" 2 "$portolan" plan -i "$example" --catalog "$work/bad-catalog.yaml"

check "lmhosts" 0 "$portolan" lmhosts -i "$example"
contains "lmhosts padded" "$work/stdout" '"MP_AAA         \0x1A" #PRE'
check "mp-script needs a site" 2 "$portolan" mp-script -i "$example"
check "mp-script unknown site" 2 "$portolan" mp-script -i "$example" --site ZZZ
check "mp-script" 0 "$portolan" mp-script -i "$example" --site BBB --lang powershell
contains "mp-script names MP" "$work/stdout" "SetCurrentManagementPoint('SMS02', 0)"
check "mp-script --out" 0 "$portolan" mp-script -i "$example" --out "$work/scripts"
[ -s "$work/scripts/set-mp-AAA.vbs" ] && passed=$((passed + 1)) || { failed=$((failed + 1)); echo "FAIL: set-mp-AAA.vbs"; }

# render: targets in --help, refusals are exit 2 with nothing written, files land in --out.
check "render help" 0 "$portolan" render --help
for target in windows-ps windows-netsh windows-legacy iptables nftables cisco-ios cisco-asa pf aws-sg; do
  contains "render help lists $target" "$work/stdout" "$target"
done
contains "render help says what a target cannot express" "$work/stdout" "cannot:"
check "render one host" 0 "$portolan" render -i "$example" -t nftables --host DC01
contains "render comments name flows" "$work/stdout" 'comment "F01 '
check "render unknown target" 2 "$portolan" render -i "$example" -t checkpoint --host DC01
check "render unknown host" 2 "$portolan" render -i "$example" -t nftables --host DC99
contains "render unknown host hint" "$work/stderr" "did you mean"
check "render host mode needs a host or a directory" 2 "$portolan" render -i "$example" -t nftables
check "render two files need --out" 2 "$portolan" render -i "$example" -t iptables --mode network
contains "render two files named" "$work/stderr" "ip6tables.rules"
check "render one family to stdout" 0 "$portolan" render -i "$example" -t iptables --mode network --family ipv4
contains "render iptables" "$work/stdout" "*filter"
check "render unknown zone" 2 "$portolan" render -i "$example" -t nftables --mode network --zones AAA,ZZZ
check "render zones" 0 "$portolan" render -i "$example" -t nftables --mode network --zones AAA,BBB
contains "render zones header" "$work/stdout" "between zones AAA, BBB"
if grep -q "10.3.0.1" "$work/stdout"; then  # SMS03 is in zone CCC
  failed=$((failed + 1)); echo "FAIL: --zones AAA,BBB still renders flows of zone CCC"
else
  passed=$((passed + 1))
fi
check "render edge" 0 "$portolan" render -i "$example" -t cisco-asa --mode network --edge CCC
contains "render edge ACL" "$work/stdout" "PORTOLAN-FROM-outside"
check "render edge unknown zone" 2 "$portolan" render -i "$example" -t cisco-asa --mode network --edge CC
contains "render edge hint" "$work/stderr" "did you mean 'CCC'"
check "render network mode on a host firewall" 2 "$portolan" render -i "$example" -t windows-ps --mode network -o "$work/never.ps1"
contains "render refusal says why" "$work/stderr" "cannot express"
[ ! -e "$work/never.ps1" ] && passed=$((passed + 1)) || { failed=$((failed + 1)); echo "FAIL: refused render wrote a file"; }
check "render --out every host" 0 "$portolan" render -i "$example" -t nftables --out "$work/nft"
[ -s "$work/nft/SMS01.nft" ] && [ -s "$work/nft/hq-desktops.nft" ] && passed=$((passed + 1)) ||
  { failed=$((failed + 1)); echo "FAIL: render --out did not write SMS01.nft and hq-desktops.nft"; }
"$portolan" render -i "$example" -t nftables --mode network -o "$work/a.nft" 2>/dev/null
"$portolan" render -i "$example" -t nftables --mode network -o "$work/b.nft" 2>/dev/null
cmp -s "$work/a.nft" "$work/b.nft" && passed=$((passed + 1)) || { failed=$((failed + 1)); echo "FAIL: render is not byte-identical"; }

# probe: only this machine's own loopback is probed here (nothing listens on 127.0.0.1:1).
check "probe needs targets" 2 "$portolan" probe -p 445
check "probe needs ports" 2 "$portolan" probe 127.0.0.1
check "probe bad port" 2 "$portolan" probe 127.0.0.1 -p 70000
contains "probe bad port says why" "$work/stderr" "70000"
check "probe bad protocol" 2 "$portolan" probe 127.0.0.1 -p 445/sctp
check "probe bad timeout" 2 "$portolan" probe 127.0.0.1 -p 445 --timeout 2h
check "probe bad min-timeout" 2 "$portolan" probe 127.0.0.1 -p 445 --min-timeout 0s
check "probe bad target" 2 "$portolan" probe 127.0.0.300 -p 445
check "probe too many targets" 2 "$portolan" probe 10.0.0.0/8 -p 445
check "probe --from without inventory" 2 "$portolan" probe 127.0.0.1 -p 1 --from SMS01
check "probe unknown --from" 2 "$portolan" probe -i "$example" --from SMS99
contains "probe unknown --from hint" "$work/stderr" "did you mean"
check "probe client network needs a source" 2 "$portolan" probe -i "$example" --from hq-desktops
check "probe closed port" 1 "$portolan" probe 127.0.0.1 -p 1 --timeout 1s -f json
contains "probe json verdict" "$work/stdout" '"verdict": "NOT_LISTENING"'
contains "probe json schema" "$work/stdout" '"rtt_ms": '
check "probe junit" 1 "$portolan" probe 127.0.0.1 -p 1 --timeout 1s -f junit
contains "probe junit failure" "$work/stdout" '<failure message="NOT_LISTENING"'
check "probe csv" 1 "$portolan" probe 127.0.0.1 -p 1/udp --timeout 1s -f csv
contains "probe csv row" "$work/stdout" "127.0.0.1,udp,1,-,NOT_LISTENING"

echo "cli: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
