#!/usr/bin/env bash
# The kernel is the checker: every nftables and iptables output of `portolan render` must pass
# `nft -c -f` / `iptables-restore --test` and load in a fresh network namespace; then a packet
# test routes real connections through the network-mode policy of the example.
#
# Usage: kernel_test.sh PORTOLAN SOURCE_DIR. Needs root and `ip netns`; exits 77 (skipped,
# with the reason) without them. Traffic stays inside namespaces this script creates; every
# namespace and process it starts is removed by name or pid on exit.
set -uo pipefail

PORTOLAN=$1
SOURCE=$2
# shellcheck source=../support/harness.sh
source "$(dirname "${BASH_SOURCE[0]}")/../support/harness.sh"
harness_init kernel "plk$$"  # the tag starts every namespace this run creates

require_root
require_tools --hint "(scripts/install-deps.sh installs it)" nft iptables-restore socat
require_netns

# --- 1. Every output loads -------------------------------------------------------------------
# Each file goes through the checker and then into a fresh namespace; the comments must survive.
load_file() {
  local file=$1 ns="$TAG-load"
  netns_add "$ns"
  case "$file" in
    *.nft)
      if ! ip netns exec "$ns" nft -c -f "$file" >"$WORK/err" 2>&1; then
        fail "nft -c -f $file: $(head -3 "$WORK/err")"
      elif ! ip netns exec "$ns" nft -f "$file" >"$WORK/err" 2>&1; then
        fail "nft -f $file: $(head -3 "$WORK/err")"
      elif ! ip netns exec "$ns" nft list ruleset >"$WORK/listed" 2>&1; then
        fail "nft list ruleset after $file: $(head -3 "$WORK/listed")"
      elif grep -q 'comment "F' "$file" && ! grep -q 'comment "F' "$WORK/listed"; then
        fail "nft list ruleset after $file lost the rule comments"
      else
        pass
      fi
      ;;
    *.iptables.rules | *.ip6tables.rules)
      local tool=iptables
      [[ "$file" == *.ip6tables.rules ]] && tool=ip6tables
      if ! ip netns exec "$ns" "$tool-restore" --test "$file" >"$WORK/err" 2>&1; then
        fail "$tool-restore --test $file: $(head -3 "$WORK/err")"
      elif ! ip netns exec "$ns" "$tool-restore" "$file" >"$WORK/err" 2>&1; then
        fail "$tool-restore $file: $(head -3 "$WORK/err")"
      elif ! ip netns exec "$ns" "$tool-save" >"$WORK/listed" 2>&1; then
        fail "$tool-save after $file: $(head -3 "$WORK/listed")"
      elif grep -q -- '--comment "F' "$file" && ! grep -q -- '--comment "F' "$WORK/listed"; then
        fail "$tool-save after $file lost the rule comments"
      else
        pass
      fi
      ;;
  esac
  netns_del "$ns"
}

inventories=("$SOURCE/examples/sms2003-site.yaml" "$SOURCE"/tests/data/inventories/*.yaml)
variants=("" "--egress" "--no-default-deny")
for inventory in "${inventories[@]}"; do
  for target in nftables iptables; do
    for mode in host network; do
      for variant in "${variants[@]}"; do
        [ "$mode" = network ] && [ "$variant" = "--egress" ] && continue
        out="$WORK/out/$(basename "$inventory" .yaml)/$target-$mode${variant// /}"
        if ! "$PORTOLAN" render -q -i "$inventory" -t "$target" --mode "$mode" $variant --out "$out" 2>"$WORK/err"; then
          fail "render $inventory $target $mode $variant: $(cat "$WORK/err")"
          continue
        fi
        for file in "$out"/*; do load_file "$file"; done
      done
    done
  done
done
echo "kernel: loaded every nftables and iptables output ($passed files)"

# --- 2. Packets through the network-mode policy of the example ---------------------------------
# Zone AAA (SMS01 10.0.0.1, DC01 10.0.0.10) and zone BBB (SMS02 10.2.0.1) on either side of a
# router namespace that carries the rendered policy.
EXAMPLE="$SOURCE/examples/sms2003-site.yaml"
topology_routed 10.0.0.1/24,10.0.0.10/24 10.0.0.254/24 10.2.0.254/24 10.2.0.1/24 || exit 1
A=$C B=$S  # zone AAA on the client side, zone BBB on the server side

# Listeners answer "pong" on every port the checks use, on both sides.
listen() {  # ns proto address port
  local spec
  if [ "$2" = tcp ]; then spec="TCP-LISTEN:$4,bind=$3,fork,reuseaddr"; else spec="UDP-RECVFROM:$4,bind=$3,fork"; fi
  spawn ip netns exec "$1" socat "$spec" SYSTEM:'read -r line; echo pong' 2>/dev/null
}
for port in 80 445 1433; do listen "$B" tcp 10.2.0.1 "$port"; done
for port in 445 3389; do listen "$A" tcp 10.0.0.1 "$port"; done
for port in 389 1434; do listen "$A" udp 10.0.0.10 "$port"; done
# Wait (bounded) until all 7 listeners are up.
for _ in $(seq 50); do
  up=$(($(ip netns exec "$A" ss -Hltnu | wc -l) + $(ip netns exec "$B" ss -Hltnu | wc -l)))
  [ "$up" -ge 7 ] && break
  sleep 0.1
done

# send ns proto from to port: prints "pong" when the answer came back.
send() {
  local spec
  if [ "$2" = tcp ]; then spec="TCP:$4:$5,bind=$3,connect-timeout=2"; else spec="UDP:$4:$5,bind=$3"; fi
  echo ping | timeout 4 ip netns exec "$1" socat -T2 - "$spec" 2>/dev/null
}

# expect pass|block ns proto from-host from-address to-host to-address port
expect() {
  local want=$1 ns=$2 proto=$3 from=$4 from_address=$5 to=$6 to_address=$7 port=$8
  local needed=block
  "$PORTOLAN" explain -q -i "$EXAMPLE" --from "$from" --to "$to" --port "$port/$proto" >/dev/null 2>&1 && needed=pass
  if [ "$needed" != "$want" ]; then
    fail "the plan disagrees with the test: $from -> $to $port/$proto is '$needed', the test expects '$want'"
    return
  fi
  local got=block
  [ "$(send "$ns" "$proto" "$from_address" "$to_address" "$port")" = pong ] && got=pass
  if [ "$got" = "$want" ]; then
    pass
  else
    fail "$LABEL: $from ($from_address) -> $to ($to_address) $port/$proto: expected $want, got $got"
  fi
}

packet_checks() {
  expect pass "$A" tcp SMS01 10.0.0.1 SMS02 10.2.0.1 445     # F03 site to child site, SMB
  expect pass "$B" tcp SMS02 10.2.0.1 SMS01 10.0.0.1 445     # F04 child site to parent, SMB
  expect pass "$B" udp SMS02 10.2.0.1 DC01 10.0.0.10 389     # F01 CLDAP to the global catalog
  expect block "$A" tcp SMS01 10.0.0.1 SMS02 10.2.0.1 80     # nobody needs HTTP from SMS01 to SMS02
  expect block "$A" tcp SMS01 10.0.0.1 SMS02 10.2.0.1 1433   # SMS02 has its own database
  expect block "$A" tcp DC01 10.0.0.10 SMS02 10.2.0.1 445    # the right port from the wrong source
  expect block "$B" tcp SMS02 10.2.0.1 SMS01 10.0.0.1 3389   # no remote desktop in the plan
  expect block "$B" udp SMS02 10.2.0.1 DC01 10.0.0.10 1434   # no SQL browser on the DC
}

before=$passed
"$PORTOLAN" render -q -i "$EXAMPLE" -t nftables --mode network -o "$WORK/network.nft" || fail "render nftables"
ip netns exec "$R" nft -f "$WORK/network.nft" || fail "load nftables into the router"
LABEL=nftables packet_checks
ip netns exec "$R" nft flush ruleset

"$PORTOLAN" render -q -i "$EXAMPLE" -t iptables --mode network --family ipv4 -o "$WORK/network.rules" ||
  fail "render iptables"
ip netns exec "$R" iptables-restore "$WORK/network.rules" || fail "load iptables into the router"
LABEL=iptables packet_checks
echo "kernel: packet test through the router: $((passed - before)) checks passed"

# Without any policy the same blocked connections go through: the test can tell the difference.
ip netns exec "$R" iptables -P FORWARD ACCEPT
ip netns exec "$R" iptables -F FORWARD
if [ "$(send "$A" tcp 10.0.0.1 10.2.0.1 80)" = pong ]; then pass; else fail "the open router does not pass 80/tcp"; fi

finish
