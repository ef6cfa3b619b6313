#!/usr/bin/env bash
# Squid is the checker of the squid target: every squid golden (tests/golden/render/squid/*.proxy)
# and what `portolan render -t squid` writes must pass `squid -k parse` on its own after a minimal
# configuration and as a conf.d file of Debian's squid.conf: exit 0, and no FATAL, ERROR or
# WARNING line (Squid only warns when a predefined ACL such as `all` is redefined). Seeded
# mistakes show the check can fail. The command line's proxy-mode errors are checked too.
#
# Usage: squid_parse_test.sh PORTOLAN SOURCE_DIR. Exits 77 (skipped, with the reason) without
# squid. Everything it writes stays in a temporary directory; squid -k parse starts no daemon.
set -uo pipefail

PORTOLAN=$1
SOURCE=$2
# shellcheck source=../support/harness.sh
source "$(dirname "${BASH_SOURCE[0]}")/../support/harness.sh"
harness_init "squid parse"

SQUID=$(command -v squid || echo /usr/sbin/squid)
[ -x "$SQUID" ] || skip "squid not installed (Debian: apt-get install squid)"

# The minimal configuration a fragment is appended to: nothing outside $WORK, no http_access.
standalone() {
  cat <<EOF
http_port 127.0.0.1:3128
pid_filename none
cache_log stdio:$WORK/cache.log
access_log none
netdb_filename none
pinger_enable off
coredump_dir $WORK
include $1
EOF
}

# Debian's own squid.conf with the fragment where conf.d/*.conf is included.
debian() {
  sed "s|^include /etc/squid/conf.d/\*\.conf|include $1|" /etc/squid/squid.conf
  echo "pid_filename none"
  echo "cache_log stdio:$WORK/cache.log"
}

# parses WRAPPER FRAGMENT: squid -k parse of the wrapped fragment is clean (output in $WORK/parse).
parses() {
  local conf="$WORK/wrapped.conf"
  "$1" "$2" >"$conf"
  "$SQUID" -k parse -f "$conf" >"$WORK/parse" 2>&1 || return 1
  ! grep -E 'FATAL|ERROR|WARNING|Bungled' "$WORK/parse" >/dev/null
}

# check_fragment NAME FILE: parses standalone and in Debian's squid.conf; redefines no
# predefined ACL (Squid 5: all, manager, localhost, to_localhost, CONNECT).
check_fragment() {
  local name=$1 file=$2
  if parses standalone "$file"; then pass; else
    fail "$name: squid -k parse (standalone): $(grep -E 'FATAL|ERROR|WARNING|Bungled' "$WORK/parse" | head -3)"
  fi
  if [ -f /etc/squid/squid.conf ]; then
    if parses debian "$file"; then pass; else
      fail "$name: squid -k parse (Debian conf.d): $(grep -E 'FATAL|ERROR|WARNING|Bungled' "$WORK/parse" | head -3)"
    fi
  fi
  if grep -Eq '^acl[[:space:]]+(all|manager|localhost|to_localhost|CONNECT)[[:space:]]' "$file"; then
    fail "$name redefines a predefined ACL"
  else
    pass
  fi
  grep -q '^http_access ' "$file" && pass || fail "$name has no http_access line"
}

# split GOLDEN DIR: the "==> NAME <==" sections of a golden file, one file each.
split_golden() {
  awk -v dir="$2" '/^==> .* <==$/ { out = dir "/" $2; next } out { print > out }' "$1"
}

# --- 1. Every golden ---------------------------------------------------------------------------
goldens=0
for golden in "$SOURCE"/tests/golden/render/squid/*.proxy; do
  [ -e "$golden" ] || continue
  dir="$WORK/golden/$(basename "$golden")"
  mkdir -p "$dir"
  split_golden "$golden" "$dir"
  for file in "$dir"/*.squid.conf; do
    [ -e "$file" ] || { fail "$golden has no squid.conf section"; continue; }
    check_fragment "$(basename "$golden"):$(basename "$file")" "$file"
    goldens=$((goldens + 1))
  done
done
[ "$goldens" -ge 3 ] && pass || fail "only $goldens squid goldens found"

# --- 2. What the command writes ----------------------------------------------------------------
proxied="$SOURCE/examples/sms2003-proxied-site.yaml"
pair="$SOURCE/tests/data/inventories/proxy-pair.yaml"
check_exit "render -t squid, the only proxy" 0 "$PORTOLAN" render -q -i "$proxied" -t squid -o "$WORK/one.conf"
check_fragment "render proxied" "$WORK/one.conf"
for variant in "" --no-default-deny "--family ipv6" "--host PROXY02"; do
  out="$WORK/out${variant// /}"
  # shellcheck disable=SC2086 # the variant's words
  check_exit "render proxy-pair $variant" 0 "$PORTOLAN" render -q -i "$pair" -t squid $variant --out "$out"
  for file in "$out"/*; do check_fragment "render proxy-pair $variant: $(basename "$file")" "$file"; done
done
[ -f "$WORK/out/PROXY01.squid.conf" ] && [ -f "$WORK/out/PROXY02.squid.conf" ] && pass ||
  fail "--out without --host writes one file per proxy"
[ "$(ls "$WORK/out--hostPROXY02")" = PROXY02.squid.conf ] && pass || fail "--host PROXY02 writes its file only"

# Proxy mode's errors: exit 2, nothing written, a message that says what to do.
check_exit "several proxies, no --host, no --out" 2 "$PORTOLAN" render -q -i "$pair" -t squid
grep -q 'PROXY01, PROXY02' "$WORK/stderr" && pass || fail "the error names the proxies: $(cat "$WORK/stderr")"
check_exit "--host that is not a proxy" 2 "$PORTOLAN" render -q -i "$pair" -t squid --host SMS01
grep -q 'SMS01 is not one' "$WORK/stderr" && pass || fail "the error says SMS01 is no proxy: $(cat "$WORK/stderr")"
check_exit "an inventory without a proxy" 2 "$PORTOLAN" render -q -i "$SOURCE/examples/sms2003-site.yaml" -t squid
check_exit "squid in host mode" 2 "$PORTOLAN" render -q -i "$pair" -t squid --mode host --host SMS01 -o "$WORK/never"
check_exit "a firewall in proxy mode" 2 "$PORTOLAN" render -q -i "$pair" -t nftables --mode proxy --host PROXY02 \
  -o "$WORK/never"
grep -q 'proxy mode' "$WORK/stderr" && pass || fail "the refusal names proxy mode: $(cat "$WORK/stderr")"
[ ! -e "$WORK/never" ] && pass || fail "a refusal wrote a file"
check_exit "render --help lists squid and proxy mode" 0 "$PORTOLAN" render --help
grep -q '^  squid ' "$WORK/stdout" && grep -q 'proxy' "$WORK/stdout" && pass || fail "--help lacks squid or proxy"

# --- 3. Seeded mistakes: the checker is not vacuous ----------------------------------------------
seed() {
  cp "$WORK/one.conf" "$WORK/seeded.conf"
  echo "$1" >>"$WORK/seeded.conf"
  if parses standalone "$WORK/seeded.conf"; then fail "seeded mistake not caught: $1"; else pass; fi
}
seed "acl portolan_broken prot 80"                    # an ACL type that does not exist
seed "http_access allow portolan_undefined"           # an ACL that was never defined
seed "acl all src 10.0.0.0/8"                         # a predefined ACL redefined: only a WARNING
seed "acl $(printf 'x%.0s' {1..64}) src 10.0.0.0/8"   # a name longer than 63 characters
grep -q 'Bungled' "$WORK/parse" && pass || fail "squid did not say Bungled for the last seeded mistake"

finish
