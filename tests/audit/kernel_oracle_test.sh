#!/usr/bin/env bash
# The kernel is the audit's oracle. Hand-written, realistic rulesets (user chains, multiport,
# negation, RETURN and goto, ipsets; nft sets, concatenations, verdict maps, two base chains on
# one hook) are loaded with iptables-restore and nft -f into a router namespace, dumped back with
# iptables-save and nft -j list ruleset, and audited (portolan audit -f json). Then a few hundred
# (source, destination, protocol, port) samples are sent as real connections from a client
# namespace through the router to a server namespace that answers on every port, and each
# outcome must equal the audit's verdict for that packet (portolan_verdict_query). The same for
# IPv6: an ip6tables ruleset and an nftables one (inet and ip6 tables, and an ip table that IPv6
# passes by) through the same namespaces, dual-stack.
#
# Usage: kernel_oracle_test.sh PORTOLAN VERDICT_QUERY SOURCE_DIR. Needs root; exits 77 (skipped,
# with the reason) without it. Traffic stays in the namespaces this script creates (aor<pid>-*, or
# $AUDIT_ORACLE_TAG-* when set); they and the processes it starts are removed by name and pid on exit.
set -uo pipefail

PORTOLAN=$1
QUERY=$2
SOURCE=$3
# shellcheck source=../support/harness.sh
source "$(dirname "${BASH_SOURCE[0]}")/../support/harness.sh"
harness_init audit.kernel_oracle "${AUDIT_ORACLE_TAG:-aor$$}"

require_root
require_tools --hint "(scripts/install-deps.sh installs it)" nft iptables-restore iptables-save ip6tables-restore \
  ip6tables-save ipset python3
require_netns

# --- the three namespaces --------------------------------------------------------------------
# The client $C holds every sample's source address; the router $R carries the ruleset under test,
# on FORWARD from lan0 to dmz0; the server $S answers TCP and UDP on every port of 10.9.0.0/16 and
# 2001:db8:9::/48. Every side has its IPv4 and its IPv6 addresses.
CLIENTS=(10.1.0.2 10.1.0.3 10.1.5.7 10.1.9.9 10.1.200.1)
CLIENTS6=(2001:db8:1::2 2001:db8:1::3 2001:db8:1:5::7 2001:db8:1:9::9 2001:db8:1:c8::1)
client_addresses=$(printf '%s/16,' "${CLIENTS[@]}")$(printf '%s/48,' "${CLIENTS6[@]}")
topology_routed --interfaces eth0 lan0 dmz0 eth0 "${client_addresses%,}" 10.1.255.254/16,2001:db8:1::ffff/48 \
  10.2.0.1/24,2001:db8:2::1/64 10.2.0.2/24,2001:db8:2::2/64 || exit 1
ip -n "$R" route add 10.9.0.0/16 via 10.2.0.2
ip -n "$R" -6 route add 2001:db8:9::/48 via 2001:db8:2::2
ip -n "$S" route add local 10.9.0.0/16 dev lo
ip -n "$S" -6 route add local 2001:db8:9::/48 dev lo
# Every port of every server address leads to one listener (the NAT is the server's own, after
# the router has decided).
ip netns exec "$S" nft -f - <<'EOF'
table ip answer {
  chain prerouting {
    type nat hook prerouting priority dstnat; policy accept;
    ip daddr 10.9.0.0/16 meta l4proto { tcp, udp } redirect to :7777
  }
}
table ip6 answer6 {
  chain prerouting {
    type nat hook prerouting priority dstnat; policy accept;
    ip6 daddr 2001:db8:9::/48 meta l4proto { tcp, udp } redirect to :7777
  }
}
EOF
cat > "$WORK/server.py" <<'EOF'
import select, socket
listeners, answerers = [], []
for family, anywhere in ((socket.AF_INET, "0.0.0.0"), (socket.AF_INET6, "::")):
    tcp = socket.socket(family, socket.SOCK_STREAM)
    udp = socket.socket(family, socket.SOCK_DGRAM)
    for s in (tcp, udp):
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if family == socket.AF_INET6:
            s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        s.bind((anywhere, 7777))
    tcp.listen(1024)
    listeners.append(tcp)
    answerers.append(udp)
while True:
    for ready in select.select(listeners + answerers, [], [])[0]:
        if ready in listeners:
            ready.accept()[0].close()
        else:
            data, peer = ready.recvfrom(512)
            ready.sendto(data, peer)
EOF
spawn ip netns exec "$S" python3 "$WORK/server.py"

# The client: every sample at once, non-blocking; a TCP connect that completes or a UDP answer
# that comes back is "accept", anything else (reset, ICMP error, silence for 2 s) is "drop".
cat > "$WORK/client.py" <<'EOF'
import errno, select, socket, sys, time
samples = [line.split() for line in open(sys.argv[1]) if line.strip()]
socks, result = {}, ["drop"] * len(samples)
for i, (hook, src, dst, proto, port, *rest) in enumerate(samples):
    src, dst = src.split("/")[0], dst.split("/")[0]
    kind = socket.SOCK_STREAM if proto == "tcp" else socket.SOCK_DGRAM
    s = socket.socket(socket.AF_INET6 if ":" in src else socket.AF_INET, kind)
    s.setblocking(False)
    s.bind((src, 0))
    if proto == "tcp":
        if s.connect_ex((dst, int(port))) not in (0, errno.EINPROGRESS):
            s.close()
            continue
    else:
        s.connect((dst, int(port)))
        s.send(b"portolan-oracle")
    socks[s] = (i, proto)
deadline = time.time() + 2.0
while socks and time.time() < deadline:
    tcp = [s for s, (_, p) in socks.items() if p == "tcp"]
    udp = [s for s, (_, p) in socks.items() if p == "udp"]
    readable, writable, _ = select.select(udp, tcp, [], max(0.0, deadline - time.time()))
    for s in writable:
        i, _ = socks.pop(s)
        if s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) == 0:
            result[i] = "accept"
        s.close()
    for s in readable:
        i, _ = socks.pop(s)
        try:
            if s.recv(512):
                result[i] = "accept"
        except OSError:
            pass
        s.close()
print("\n".join(result))
EOF

# --- samples ------------------------------------------------------------------------------------
# The servers are 10.9.N.H (IPv4) and 2001:db8:9:N::H (IPv6), H written the same in both.
cat > "$WORK/samples.py" <<'EOF'
import random, sys
rng = random.Random(826852)
family, clients = sys.argv[1], sys.argv[2:]
hosts = [(1, 5), (1, 7), (2, 3), (3, 15), (3, 30), (4, 4), (5, 5), (6, 6), (7, 7), (8, 8)]
servers = [f"10.9.{n}.{h}" if family == "4" else f"2001:db8:9:{n}::{h}" for n, h in hosts]
length = 32 if family == "4" else 128
tcp = [22, 23, 25, 80, 443, 999, 1000, 1500, 2000, 2001, 3389, 8000, 8005, 8010, 8011, 8080, 9050]
udp = [53, 123, 500, 550, 999, 1001, 5000]
everything = [(s, d, "tcp", p) for s in clients for d in servers for p in tcp]
everything += [(s, d, "udp", p) for s in clients for d in servers for p in udp]
for s, d, proto, p in sorted(rng.sample(everything, 300)):
    print(f"forward {s}/{length} {d}/{length} {proto} {p} lan0 dmz0")
EOF
python3 "$WORK/samples.py" 4 "${CLIENTS[@]}" > "$WORK/samples4.txt"
python3 "$WORK/samples.py" 6 "${CLIENTS6[@]}" > "$WORK/samples6.txt"

cat > "$WORK/site.yaml" <<'EOF'
# The oracle's topology as an inventory, so that the dumps go through portolan audit too.
catalog: sms2003
domain:
  name: oracle.example
  rpc_dynamic_ports: 1025-5000
sites:
  - code: ORA
    hosts:
      - name: SRV1
        address: 10.9.1.5
        roles: [site-server, site-database, management-point, distribution-point]
  - code: BRA
    parent: ORA
    type: secondary
    hosts:
      - name: SRV2
        address: 10.1.200.1
        roles: [site-server, proxy-management-point]
    clients:
      - name: clients
        network: 10.1.0.0/17
EOF
sed -e 's/oracle.example/oracle6.example/' -e 's/10.9.1.5/"2001:db8:9:1::5"/' -e 's/10.1.200.1/"2001:db8:1:c8::1"/' \
  -e 's#10.1.0.0/17#"2001:db8:1::/60"#' "$WORK/site.yaml" > "$WORK/site6.yaml"

# run_case NAME FAMILY DUMP [QUERY ARGS...]: the audit end to end (against the inventory of that
# family), then the sampled verdicts against the kernel.
run_case() {
  local name=$1 family=$2 dump=$3
  local site="$WORK/site.yaml" samples="$WORK/samples$family.txt"
  [ "$family" = 4 ] || site="$WORK/site$family.yaml"
  shift 3
  "$PORTOLAN" audit -i "$site" --ruleset "$dump" "$@" -f json -o "$WORK/$name.audit.json"
  local rc=$?
  if [ "$rc" -gt 1 ]; then
    fail "$name: portolan audit exit $rc"
  elif ! python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); assert r["flows"]' "$WORK/$name.audit.json"; then
    fail "$name: the audit's JSON report has no flows"
  else
    pass
  fi
  if ! "$QUERY" "$@" "$dump" < "$samples" > "$WORK/$name.audit.txt"; then
    fail "$name: the verdict query failed"
    return
  fi
  ip netns exec "$C" python3 "$WORK/client.py" "$samples" > "$WORK/$name.kernel.txt"
  local total agree accepted
  total=$(wc -l < "$samples")
  agree=$(paste -d' ' "$WORK/$name.audit.txt" "$WORK/$name.kernel.txt" | awk '$1 == $2' | wc -l)
  accepted=$(grep -c '^accept$' "$WORK/$name.kernel.txt")
  echo "$name: $agree of $total samples agree with the kernel ($accepted accepted by the kernel)"
  if [ "$agree" != "$total" ]; then
    fail "$name: $((total - agree)) samples disagree (the first 20 follow)"
    paste -d' ' "$WORK/$name.audit.txt" "$WORK/$name.kernel.txt" "$samples" | awk '$1 != $2' | head -20 |
      while read -r audit kernel sample; do echo "  $sample: audit $audit, kernel $kernel"; done
  else
    pass
  fi
  # Both outcomes must be exercised, or the comparison proves little.
  if [ "$accepted" -lt 30 ] || [ "$accepted" -gt $((total - 30)) ]; then
    fail "$name: only $accepted of $total samples accepted: the samples do not exercise the ruleset"
  else
    pass
  fi
}

# --- iptables: user chains, multiport, negation, RETURN, goto, iprange, an ipset, REJECT ---------
cat > "$WORK/sets.ipset" <<'EOF'
create admins hash:net family inet hashsize 1024 maxelem 65536
add admins 10.1.0.3
add admins 10.1.5.0/24
add admins 10.1.5.7 nomatch
EOF
cat > "$WORK/fw.rules" <<'EOF'
*filter
:INPUT ACCEPT [0:0]
:FORWARD DROP [0:0]
:OUTPUT ACCEPT [0:0]
:WEB - [0:0]
:ADMIN - [0:0]
:BLOCKLIST - [0:0]
-A FORWARD -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
-A FORWARD -m conntrack --ctstate INVALID -j DROP
-A FORWARD -j BLOCKLIST
-A FORWARD -i lan0 -o dmz0 -d 10.9.1.0/24 -p tcp -m multiport --dports 80,443,8000:8010 -j WEB
-A FORWARD -i lan0 ! -s 10.1.5.0/24 -p tcp --dport 22 -j ADMIN
-A FORWARD -d 10.9.2.0/24 -p udp -m multiport --dports 53,123 -j ACCEPT
-A FORWARD -p tcp -m set --match-set admins src --dport 3389 -j ACCEPT
-A FORWARD -p tcp -m iprange --dst-range 10.9.3.10-10.9.3.20 --dport 1000:2000 -j ACCEPT
-A FORWARD -p tcp --dport 25 -j REJECT --reject-with tcp-reset
-A FORWARD -d 10.9.4.0/24 -p udp ! --dport 1:1000 -j ACCEPT
-A FORWARD -p tcp --dport 9000:9100 -g ADMIN
-A FORWARD -d 10.9.6.0/24 -p tcp -m comment --comment "a whole subnet" -j ACCEPT
-A WEB -s 10.1.9.0/24 -j RETURN
-A WEB -p tcp --dport 8005 -j DROP
-A WEB -j ACCEPT
-A ADMIN -d 10.9.1.5/32 -j ACCEPT
-A ADMIN -d 10.9.2.0/24 -j RETURN
-A ADMIN ! -d 10.9.8.0/24 -j ACCEPT
-A BLOCKLIST -s 10.1.200.0/24 -p tcp --dport 443 -j DROP
-A BLOCKLIST -d 10.9.5.0/24 -j REJECT --reject-with icmp-port-unreachable
-A BLOCKLIST -d 10.9.6.0/24 -p tcp --dport 23 -j DROP
COMMIT
EOF
if ip netns exec "$R" ipset restore < "$WORK/sets.ipset" && ip netns exec "$R" iptables-restore < "$WORK/fw.rules"; then
  ip netns exec "$R" iptables-save > "$WORK/dump.rules"
  ip netns exec "$R" ipset save > "$WORK/dump.ipset"
  run_case iptables 4 "$WORK/dump.rules" --ipset "$WORK/dump.ipset"
else
  fail "iptables: the ruleset does not load"
fi
ip netns exec "$R" iptables -F
ip netns exec "$R" iptables -X
ip netns exec "$R" iptables -P FORWARD ACCEPT
ip netns exec "$R" nft flush ruleset
ip netns exec "$R" ipset destroy

# --- nftables: sets, concatenations, verdict maps, jump/goto/return, negation, priorities ---------
cat > "$WORK/fw.nft" <<'EOF'
table inet fw {
  set admins {
    type ipv4_addr
    flags interval
    elements = { 10.1.0.3, 10.1.5.0/24 }
  }
  set svc {
    type ipv4_addr . inet_service
    flags interval
    elements = { 10.9.1.0/24 . 8080, 10.9.3.10-10.9.3.20 . 1000-2000 }
  }
  map web_ports {
    type inet_service : verdict
    flags interval
    elements = { 80 : jump web, 443 : jump web, 8000-8010 : jump web, 23 : drop }
  }
  chain web {
    ip saddr 10.1.9.0/24 return
    tcp dport 8005 drop
    accept
  }
  chain admin {
    ip daddr 10.9.1.5 accept
    ip daddr 10.9.2.0/24 return
    ip daddr != 10.9.8.0/24 accept
  }
  chain guard {
    type filter hook forward priority -10; policy accept;
    ip saddr 10.1.200.0/24 tcp dport 443 drop
    ip daddr 10.9.5.0/24 reject
    ip daddr 10.9.6.0/24 tcp dport { 1-1023 } accept comment "accepted here, but the next chain still decides"
  }
  chain forward {
    type filter hook forward priority filter; policy drop;
    ct state established,related accept
    ct state invalid drop
    ip daddr . tcp dport @svc accept
    tcp dport 25 reject with tcp reset
    iifname "lan0" oifname "dmz0" ip daddr 10.9.1.0/24 tcp dport vmap @web_ports
    tcp dport 22 ip saddr != 10.1.5.0/24 jump admin
    ip saddr @admins tcp dport 3389 accept
    ip daddr 10.9.2.0/24 udp dport { 53, 123 } accept
    meta l4proto udp ip daddr 10.9.4.0/24 udp dport != 1-1000 accept
    tcp dport 9000-9100 goto admin
    ip daddr . meta l4proto { 10.9.7.7 . udp, 10.9.3.30 . tcp } accept
    udp dport vmap { 500-600 : accept, 999 : drop }
  }
}
table ip late {
  chain forward {
    type filter hook forward priority 10; policy accept;
    ip daddr 10.9.7.0/24 udp dport 550 drop
  }
}
EOF
if ip netns exec "$R" nft -f "$WORK/fw.nft"; then
  ip netns exec "$R" nft -j list ruleset > "$WORK/dump.json"
  run_case nftables 4 "$WORK/dump.json"
else
  fail "nftables: the ruleset does not load"
fi
ip netns exec "$R" nft flush ruleset

# --- IPv6, ip6tables: user chains, multiport, negation, RETURN, goto, iprange, REJECT -------------
cat > "$WORK/fw6.rules" <<'EOF'
*filter
:INPUT ACCEPT [0:0]
:FORWARD DROP [0:0]
:OUTPUT ACCEPT [0:0]
:WEB - [0:0]
:ADMIN - [0:0]
:BLOCKLIST - [0:0]
-A FORWARD -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
-A FORWARD -m conntrack --ctstate INVALID -j DROP
-A FORWARD -j BLOCKLIST
-A FORWARD -i lan0 -o dmz0 -d 2001:db8:9:1::/64 -p tcp -m multiport --dports 80,443,8000:8010 -j WEB
-A FORWARD -i lan0 ! -s 2001:db8:1:5::/64 -p tcp --dport 22 -j ADMIN
-A FORWARD -d 2001:db8:9:2::/64 -p udp -m multiport --dports 53,123 -j ACCEPT
-A FORWARD -s 2001:db8:1::3/128 -p tcp --dport 3389 -j ACCEPT
-A FORWARD -s 2001:db8:1:5::/64 ! -d 2001:db8:9:4::/63 -p tcp --dport 3389 -j ACCEPT
-A FORWARD -p tcp -m iprange --dst-range 2001:db8:9:3::10-2001:db8:9:3::20 --dport 1000:2000 -j ACCEPT
-A FORWARD -p tcp --dport 25 -j REJECT --reject-with tcp-reset
-A FORWARD -d 2001:db8:9:4::/64 -p udp ! --dport 1:1000 -j ACCEPT
-A FORWARD -p tcp --dport 9000:9100 -g ADMIN
-A FORWARD -d 2001:db8:9:6::/64 -p tcp -m comment --comment "a whole subnet" -j ACCEPT
-A FORWARD -d 2001:db8:9:7::7/128 -p udp -j ACCEPT
-A WEB -s 2001:db8:1:9::/64 -j RETURN
-A WEB -p tcp --dport 8005 -j DROP
-A WEB -j ACCEPT
-A ADMIN -d 2001:db8:9:1::5/128 -j ACCEPT
-A ADMIN -d 2001:db8:9:2::/64 -j RETURN
-A ADMIN ! -d 2001:db8:9:8::/64 -j ACCEPT
-A BLOCKLIST -s 2001:db8:1:c8::/64 -p tcp --dport 443 -j DROP
-A BLOCKLIST -d 2001:db8:9:5::/64 -j REJECT --reject-with icmp6-adm-prohibited
-A BLOCKLIST -d 2001:db8:9:6::/64 -p tcp --dport 23 -j DROP
COMMIT
EOF
if ip netns exec "$R" ip6tables-restore < "$WORK/fw6.rules"; then
  ip netns exec "$R" ip6tables-save > "$WORK/dump6.rules"
  run_case ip6tables 6 "$WORK/dump6.rules"
else
  fail "ip6tables: the ruleset does not load"
fi
ip netns exec "$R" ip6tables -F
ip netns exec "$R" ip6tables -X
ip netns exec "$R" ip6tables -P FORWARD ACCEPT
ip netns exec "$R" nft flush ruleset

# --- IPv6, nftables: inet and ip6 tables, sets, concatenations, verdict maps, priorities, and an ip
# table whose drop policy IPv6 passes by ------------------------------------------------------------
cat > "$WORK/fw6.nft" <<'EOF'
table inet fw {
  set admins {
    type ipv6_addr
    flags interval
    elements = { 2001:db8:1::3, 2001:db8:1:5::/64 }
  }
  set svc {
    type ipv6_addr . inet_service
    flags interval
    elements = { 2001:db8:9:1::/64 . 8080, 2001:db8:9:3::10-2001:db8:9:3::20 . 1000-2000 }
  }
  map web_ports {
    type inet_service : verdict
    flags interval
    elements = { 80 : jump web, 443 : jump web, 8000-8010 : jump web, 23 : drop }
  }
  chain web {
    ip6 saddr 2001:db8:1:9::/64 return
    tcp dport 8005 drop
    accept
  }
  chain admin {
    ip6 daddr 2001:db8:9:1::5 accept
    ip6 daddr 2001:db8:9:2::/64 return
    ip6 daddr != 2001:db8:9:8::/64 accept
  }
  chain guard {
    type filter hook forward priority -10; policy accept;
    ip6 saddr 2001:db8:1:c8::/64 tcp dport 443 drop
    ip6 daddr 2001:db8:9:5::/64 reject
  }
  chain forward {
    type filter hook forward priority filter; policy drop;
    ct state established,related accept
    ct state invalid drop
    ip6 daddr . tcp dport @svc accept
    tcp dport 25 reject with tcp reset
    iifname "lan0" oifname "dmz0" ip6 daddr 2001:db8:9:1::/64 tcp dport vmap @web_ports
    tcp dport 22 ip6 saddr != 2001:db8:1:5::/64 jump admin
    ip6 saddr @admins tcp dport 3389 accept
    ip6 daddr 2001:db8:9:2::/64 udp dport { 53, 123 } accept
    meta l4proto udp ip6 daddr 2001:db8:9:4::/64 udp dport != 1-1000 accept
    tcp dport 9000-9100 goto admin
    ip6 daddr . meta l4proto { 2001:db8:9:7::7 . udp, 2001:db8:9:3::30 . tcp } accept
    ip6 nexthdr tcp ip6 daddr 2001:db8:9:6::/64 accept
    udp dport vmap { 500-600 : accept, 999 : drop }
  }
}
table ip6 late {
  chain forward {
    type filter hook forward priority 10; policy accept;
    ip6 daddr 2001:db8:9:7::/64 udp dport 550 drop
  }
}
table ip v4only {
  chain forward {
    type filter hook forward priority 5; policy drop;
  }
}
EOF
if ip netns exec "$R" nft -f "$WORK/fw6.nft"; then
  ip netns exec "$R" nft -j list ruleset > "$WORK/dump6.json"
  run_case nftables-ipv6 6 "$WORK/dump6.json"
else
  fail "nftables (IPv6): the ruleset does not load"
fi

[ "$failed" -eq 0 ] && echo "audit.kernel_oracle: every sampled verdict of the audit equals the kernel's"
finish
