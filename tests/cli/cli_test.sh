#!/usr/bin/env bash
# The command line as a user and a script see it: exit codes (0 ok, 1 findings, 2 bad
# input), errors with file:line:column on stderr, no half-written output files, help and
# version. Usage: cli_test.sh PATH/TO/portolan SOURCE_DIR
# With PORTOLAN_PLATFORM=windows (portolan.exe under wine, tests/windows/tests.cmake), the checks of
# the Linux-only commands (respond, lab) are skipped and counted, and those commands must say
# instead that they need Linux, with exit 2.
set -u
portolan=$1
src=$2
platform=${PORTOLAN_PLATFORM:-linux}
# shellcheck source=../support/harness.sh
source "$(dirname "${BASH_SOURCE[0]}")/../support/harness.sh"
harness_init cli

contains() {  # contains NAME FILE TEXT
  if grep -qF -- "$3" "$2"; then
    pass
  else
    fail "$1: $2 lacks '$3'"
    head -5 "$2" | sed 's/^/  /'
  fi
}

example="$src/examples/sms2003-site.yaml"

check_exit "version" 0 "$portolan" --version
contains "version text" "$WORK/stdout" "portolan "
check_exit "no command" 2 "$portolan"
check_exit "unknown command" 2 "$portolan" frobnicate
check_exit "top help" 0 "$portolan" --help
contains "help lists plan" "$WORK/stdout" "plan"
for command in catalog plan explain lmhosts mp-script render probe "catalog lint"; do
  # shellcheck disable=SC2086
  check_exit "help of $command" 0 "$portolan" $command --help
done
# The Linux-only commands.
if [ "$platform" = windows ]; then
  for name in "help of respond" "respond help lists --host" "help of lab" "lab help lists run"; do
    skip_check "$name" "respond and lab are Linux-only"
  done
  for command in respond lab; do
    check_exit "$command on Windows" 2 "$portolan" "$command"
    contains "$command on Windows says it needs Linux" "$WORK/stderr" "Linux"
  done
else
  check_exit "help of respond" 0 "$portolan" respond --help
  contains "respond help lists --host" "$WORK/stdout" "--host NAME"
  check_exit "help of lab" 0 "$portolan" lab --help
  contains "lab help lists run" "$WORK/stdout" "lab up, lab verify, lab down"
fi

check_exit "plan example" 0 "$portolan" plan -i "$example"
contains "plan table" "$WORK/stdout" "F01"
for format in json csv markdown table; do
  check_exit "plan --format $format" 0 "$portolan" plan -i "$example" --format "$format"
done
check_exit "plan bad format" 2 "$portolan" plan -i "$example" --format xml
check_exit "plan missing inventory option" 2 "$portolan" plan
check_exit "plan missing file" 2 "$portolan" plan -i "$WORK/nope.yaml"
contains "missing file named" "$WORK/stderr" "nope.yaml"

# Bad input: exit 2, file:line:column, and the output file is neither created nor touched.
cat >"$WORK/bad.yaml" <<'YAML'
catalog: sms2003
domain: {name: corp.example}
sites:
  - code: AAA
    hosts:
      - name: SMS01
        address: 10.0.0.300
        roles: [site-server, site-databse]
YAML
check_exit "plan bad inventory" 2 "$portolan" plan -i "$WORK/bad.yaml" -o "$WORK/plan.json" --format json
contains "bad address located" "$WORK/stderr" "bad.yaml:7:18: error:"
contains "unknown role hint" "$WORK/stderr" "did you mean 'site-database'"
[ ! -e "$WORK/plan.json" ] && pass || fail "output written on bad input"
echo "previous" >"$WORK/keep.json"
check_exit "plan bad inventory keeps old output" 2 "$portolan" plan -i "$WORK/bad.yaml" -o "$WORK/keep.json"
contains "old output intact" "$WORK/keep.json" "previous"

check_exit "plan -o" 0 "$portolan" plan -i "$example" --format json -o "$WORK/plan.json"
contains "plan json written" "$WORK/plan.json" '"flows"'
check_exit "plan --out" 0 "$portolan" plan -i "$example" --out "$WORK/out"
for file in plan.txt plan.json plan.csv plan.md; do
  [ -s "$WORK/out/$file" ] && pass || fail "--out did not write $file"
done
ls -a "$WORK/out" | grep -q '^\.plan' && fail "temporary file left in --out" || pass

check_exit "explain required" 0 "$portolan" explain -i "$example" --from hq-desktops --to DC01 --port 389/udp
contains "explain names entry" "$WORK/stdout" "client-cldap"
check_exit "explain by address" 0 "$portolan" explain -i "$example" --from 10.1.2.3 --to 10.0.0.6
check_exit "explain not required" 1 "$portolan" explain -i "$example" --from hq-desktops --to DP01 --port 445/tcp
contains "explain why not" "$WORK/stdout" "not BITS-enabled"
check_exit "explain json" 1 "$portolan" explain -i "$example" --from hq-desktops --to DP01 --port 445/tcp --format json
contains "explain json field" "$WORK/stdout" '"required": false'
check_exit "explain unknown host" 2 "$portolan" explain -i "$example" --from SMS99 --to DC01
contains "explain unknown host hint" "$WORK/stderr" "SMS99"
check_exit "explain bad port" 2 "$portolan" explain -i "$example" --from SMS01 --to DC01 --port 99999/tcp

check_exit "catalog" 0 "$portolan" catalog
contains "catalog lists errata" "$WORK/stdout" "erratum"
check_exit "catalog json" 0 "$portolan" catalog --format json --show entries
check_exit "catalog unknown built-in" 2 "$portolan" catalog --name sms2007
check_exit "catalog lint clean" 0 "$portolan" catalog lint "$src/catalogs/sms2003.yaml"
sed 's/to: global-catalog/to: global-catalogue/' "$src/catalogs/sms2003.yaml" >"$WORK/bad-catalog.yaml"
check_exit "catalog lint finds errors" 1 "$portolan" catalog lint "$WORK/bad-catalog.yaml"
contains "lint names role" "$WORK/stdout" "unknown role 'global-catalogue'"
check_exit "catalog lint missing file" 2 "$portolan" catalog lint "$WORK/none.yaml"
check_exit "plan with --catalog" 0 "$portolan" plan -i "$example" --catalog "$src/catalogs/sms2003.yaml"
check_exit "plan with bad --catalog" 2 "$portolan" plan -i "$example" --catalog "$WORK/bad-catalog.yaml"

check_exit "lmhosts" 0 "$portolan" lmhosts -i "$example"
contains "lmhosts padded" "$WORK/stdout" '"MP_AAA         \0x1A" #PRE'
check_exit "mp-script needs a site" 2 "$portolan" mp-script -i "$example"
check_exit "mp-script unknown site" 2 "$portolan" mp-script -i "$example" --site ZZZ
check_exit "mp-script" 0 "$portolan" mp-script -i "$example" --site BBB --lang powershell
contains "mp-script names MP" "$WORK/stdout" "SetCurrentManagementPoint('SMS02', 0)"
check_exit "mp-script --out" 0 "$portolan" mp-script -i "$example" --out "$WORK/scripts"
[ -s "$WORK/scripts/set-mp-AAA.vbs" ] && pass || fail "set-mp-AAA.vbs"

# render: targets in --help, refusals are exit 2 with nothing written, files land in --out.
check_exit "render help" 0 "$portolan" render --help
for target in windows-ps windows-netsh windows-legacy iptables nftables cisco-ios cisco-asa pf aws-sg; do
  contains "render help lists $target" "$WORK/stdout" "$target"
done
contains "render help says what a target cannot express" "$WORK/stdout" "cannot:"
check_exit "render one host" 0 "$portolan" render -i "$example" -t nftables --host DC01
contains "render comments name flows" "$WORK/stdout" 'comment "F01 '
check_exit "render unknown target" 2 "$portolan" render -i "$example" -t checkpoint --host DC01
check_exit "render unknown host" 2 "$portolan" render -i "$example" -t nftables --host DC99
contains "render unknown host hint" "$WORK/stderr" "did you mean"
check_exit "render host mode needs a host or a directory" 2 "$portolan" render -i "$example" -t nftables
check_exit "render two files need --out" 2 "$portolan" render -i "$example" -t iptables --mode network
contains "render two files named" "$WORK/stderr" "ip6tables.rules"
check_exit "render one family to stdout" 0 "$portolan" render -i "$example" -t iptables --mode network --family ipv4
contains "render iptables" "$WORK/stdout" "*filter"
check_exit "render unknown zone" 2 "$portolan" render -i "$example" -t nftables --mode network --zones AAA,ZZZ
check_exit "render zones" 0 "$portolan" render -i "$example" -t nftables --mode network --zones AAA,BBB
contains "render zones header" "$WORK/stdout" "between zones AAA, BBB"
if grep -q "10.3.0.1" "$WORK/stdout"; then  # SMS03 is in zone CCC
  fail "--zones AAA,BBB still renders flows of zone CCC"
else
  pass
fi
check_exit "render edge" 0 "$portolan" render -i "$example" -t cisco-asa --mode network --edge CCC
contains "render edge ACL" "$WORK/stdout" "PORTOLAN-FROM-outside"
check_exit "render edge unknown zone" 2 "$portolan" render -i "$example" -t cisco-asa --mode network --edge CC
contains "render edge hint" "$WORK/stderr" "did you mean 'CCC'"
check_exit "render network mode on a host firewall" 2 "$portolan" render -i "$example" -t windows-ps --mode network -o "$WORK/never.ps1"
contains "render refusal says why" "$WORK/stderr" "cannot express"
[ ! -e "$WORK/never.ps1" ] && pass || fail "refused render wrote a file"
check_exit "render --out every host" 0 "$portolan" render -i "$example" -t nftables --out "$WORK/nft"
# A folder that cannot be created (under a file): our words and the system's reason, exit 2.
touch "$WORK/a-file"
check_exit "render --out under a file" 2 "$portolan" render -i "$example" -t nftables --out "$WORK/a-file/nft"
grep -q "cannot create the folder .*a-file" "$WORK/stderr" && pass || fail "render --out under a file: $(cat "$WORK/stderr")"
check_exit "plan --out under a file" 2 "$portolan" plan -i "$example" --out "$WORK/a-file/plan"
grep -q "cannot create the folder .*a-file" "$WORK/stderr" && pass || fail "plan --out under a file: $(cat "$WORK/stderr")"
[ -s "$WORK/nft/SMS01.nft" ] && [ -s "$WORK/nft/hq-desktops.nft" ] && pass ||
  fail "render --out did not write SMS01.nft and hq-desktops.nft"
"$portolan" render -i "$example" -t nftables --mode network -o "$WORK/a.nft" 2>/dev/null
"$portolan" render -i "$example" -t nftables --mode network -o "$WORK/b.nft" 2>/dev/null
cmp -s "$WORK/a.nft" "$WORK/b.nft" && pass || fail "render is not byte-identical"

# probe: only this machine's own loopback is probed here (nothing listens on 127.0.0.1:1).
check_exit "probe needs targets" 2 "$portolan" probe -p 445
check_exit "probe needs ports" 2 "$portolan" probe 127.0.0.1
check_exit "probe bad port" 2 "$portolan" probe 127.0.0.1 -p 70000
contains "probe bad port says why" "$WORK/stderr" "70000"
check_exit "probe bad protocol" 2 "$portolan" probe 127.0.0.1 -p 445/sctp
check_exit "probe bad timeout" 2 "$portolan" probe 127.0.0.1 -p 445 --timeout 2h
check_exit "probe bad min-timeout" 2 "$portolan" probe 127.0.0.1 -p 445 --min-timeout 0s
check_exit "probe bad target" 2 "$portolan" probe 127.0.0.300 -p 445
check_exit "probe too many targets" 2 "$portolan" probe 10.0.0.0/8 -p 445
check_exit "probe --from without inventory" 2 "$portolan" probe 127.0.0.1 -p 1 --from SMS01
check_exit "probe unknown --from" 2 "$portolan" probe -i "$example" --from SMS99
contains "probe unknown --from hint" "$WORK/stderr" "did you mean"
check_exit "probe client network needs a source" 2 "$portolan" probe -i "$example" --from hq-desktops
check_exit "probe closed port" 1 "$portolan" probe 127.0.0.1 -p 1 --timeout 1s -f json
contains "probe json verdict" "$WORK/stdout" '"verdict": "NOT_LISTENING"'
contains "probe json schema" "$WORK/stdout" '"rtt_ms": '
check_exit "probe junit" 1 "$portolan" probe 127.0.0.1 -p 1 --timeout 1s -f junit
contains "probe junit failure" "$WORK/stdout" '<failure message="NOT_LISTENING"'
check_exit "probe csv" 1 "$portolan" probe 127.0.0.1 -p 1/udp --timeout 1s -f csv
contains "probe csv row" "$WORK/stdout" "127.0.0.1,udp,1,-,NOT_LISTENING"

finish
