#!/usr/bin/env bash
# `portolan probe` against the real servers Debian has, in network namespaces: Samba as an
# Active Directory domain controller (LDAP, CLDAP, LDAPS, global catalog, Kerberos UDP and TCP,
# the RPC endpoint mapper with follow-through, SMB2/3 and then SMB1 only, NetBIOS session and
# name service, DNS), nginx (HTTP) and pptpd (PPTP); then hostile peers (garbage, an endless
# stream, a trickle) that must end on time as WRONG_SERVICE.
#
# Usage: servers_test.sh PORTOLAN. Needs root and the servers (scripts/install-deps.sh);
# exits 77 (skipped, saying why) without them. Everything runs in namespaces this script
# creates, removed on exit with every process in them.
set -uo pipefail

PORTOLAN=$1
# shellcheck source=../support/harness.sh
source "$(dirname "${BASH_SOURCE[0]}")/../support/harness.sh"
harness_init "probe servers" "pls$$"

require_root
require_tools --hint "(scripts/install-deps.sh installs it)" samba samba-tool nginx pptpd dnsmasq socat

topology_pair 10.79.0.2/24 10.79.0.10/24 || exit 1

# wait_ports NS COUNT PATTERN: until COUNT listening TCP sockets match (bounded: 30 s).
wait_ports() {
  for _ in $(seq 300); do
    [ "$(ip netns exec "$1" ss -Hltn | grep -cE "$3")" -ge "$2" ] && return 0
    sleep 0.1
  done
  echo "probe servers: listeners did not come up: $3"
  ip netns exec "$1" ss -Hltn
  return 1
}

start_samba() {
  spawn ip netns exec "$S" samba -s "$WORK/dc/etc/smb.conf" -i >"$WORK/samba.log" 2>&1
  wait_ports "$S" 9 '10\.79\.0\.10:(53|88|135|139|389|445|636|3268|3269) ' || { tail -20 "$WORK/samba.log"; exit 1; }
}

# Samba as the domain controller of lab.example (DC01 at 10.79.0.10). Its namespace has no
# route anywhere else, so its DNS forwarder (itself) cannot send anything off the machine.
mkdir -p "$WORK/dc"
ip netns exec "$S" samba-tool domain provision --realm=LAB.EXAMPLE --domain=LAB --server-role=dc \
  --dns-backend=SAMBA_INTERNAL --adminpass='Portolan-Lab-1!' --targetdir="$WORK/dc" --host-ip=10.79.0.10 \
  --host-name=DC01 --option="interfaces=$S_IF" --option="bind interfaces only=yes" \
  --option="dns forwarder = 10.79.0.10" >"$WORK/provision.log" 2>&1 || { tail -20 "$WORK/provision.log"; exit 1; }
start_samba

# nginx on 80, pptpd on 1723.
mkdir -p "$WORK/nginx"
cat >"$WORK/nginx.conf" <<CONF
daemon off;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log;
events {}
http {
  access_log off;
  client_body_temp_path $WORK/nginx/body;
  proxy_temp_path $WORK/nginx/proxy;
  fastcgi_temp_path $WORK/nginx/fastcgi;
  uwsgi_temp_path $WORK/nginx/uwsgi;
  scgi_temp_path $WORK/nginx/scgi;
  server { listen 10.79.0.10:80; location / { return 200 "portolan lab\n"; } }
}
CONF
spawn ip netns exec "$S" nginx -c "$WORK/nginx.conf" >"$WORK/nginx.log" 2>&1
printf 'option %s/options.pptpd\nlocalip 192.168.240.1\nremoteip 192.168.240.2-3\n' "$WORK" >"$WORK/pptpd.conf"
: >"$WORK/options.pptpd"
spawn ip netns exec "$S" pptpd -f -c "$WORK/pptpd.conf" -l 10.79.0.10 >"$WORK/pptpd.log" 2>&1
# dnsmasq as the DHCP server only (--port=0: no DNS), answering DHCPINFORM for the lab subnet.
spawn ip netns exec "$S" dnsmasq --no-daemon --port=0 --interface="$S_IF" --bind-interfaces --leasefile-ro \
  --dhcp-range=10.79.0.100,10.79.0.200,255.255.255.0 --dhcp-option=6,10.79.0.10 --dhcp-option=15,lab.example \
  --pid-file="$WORK/dnsmasq.pid" >"$WORK/dnsmasq.log" 2>&1

# Hostile peers on the client's own loopback (127.0.0.2): garbage, an endless stream, a byte a second.
spawn ip netns exec "$C" socat TCP-LISTEN:389,bind=127.0.0.2,fork,reuseaddr SYSTEM:'head -c 300 /dev/urandom' 2>/dev/null
spawn ip netns exec "$C" socat TCP-LISTEN:445,bind=127.0.0.2,fork,reuseaddr SYSTEM:'cat /dev/zero' 2>/dev/null
spawn ip netns exec "$C" socat TCP-LISTEN:88,bind=127.0.0.2,fork,reuseaddr \
  SYSTEM:'for i in 1 2 3 4 5 6 7 8 9 10; do printf x; sleep 1; done' 2>/dev/null
wait_ports "$S" 2 '10\.79\.0\.10:(80|1723) ' || exit 1
wait_ports "$C" 3 '127\.0\.0\.2:(88|389|445) ' || exit 1

cat >"$WORK/lab.yaml" <<'YAML'
catalog: sms2003
domain: { name: lab.example, rpc_dynamic_ports: 49152-65535 }
sites:
  - code: LAB
    hosts:
      - { name: SMS01, address: 10.79.0.2, roles: [site-server, site-database, management-point] }
      - { name: DC01, address: 10.79.0.10, roles: [global-catalog, dns-server, wins-server] }
YAML

# expect FILE PORT/PROTO VERDICT [TEXT]
expect() {
  local line verdict
  line=$(grep -E "^(10\.79\.0\.10|127\.0\.0\.2),${2#*/},${2%/*}," "$1" | head -1)
  verdict=$(echo "$line" | cut -d, -f5)
  if [ "$verdict" != "$3" ]; then
    fail "$2: expected $3, got '$verdict' ($line)"
  elif [ -n "${4:-}" ] && ! grep -qF -- "$4" <<<"$line"; then
    fail "$2: the detail lacks '$4' ($line)"
  else
    pass
  fi
}
probe() {  # probe OUTPUT ARGS...
  local out=$1
  shift
  ip netns exec "$C" "$PORTOLAN" probe -q "$@" --timeout 3s -f csv -o "$out"
}

# 1. The planned flows of a site server to its domain controller, from the plan.
probe "$WORK/plan.csv" -i "$WORK/lab.yaml" --from SMS01
expect "$WORK/plan.csv" 389/udp VERIFIED "client site Default-First-Site-Name"
expect "$WORK/plan.csv" 389/tcp VERIFIED "Active Directory LDAP"
expect "$WORK/plan.csv" 3268/tcp VERIFIED "GC ready"
expect "$WORK/plan.csv" 636/tcp VERIFIED "TLS (subject"
expect "$WORK/plan.csv" 3269/tcp VERIFIED "TLS (subject"
expect "$WORK/plan.csv" 88/udp VERIFIED "KDC_ERR_C_PRINCIPAL_UNKNOWN"
expect "$WORK/plan.csv" 88/tcp VERIFIED "KDC_ERR_C_PRINCIPAL_UNKNOWN"
expect "$WORK/plan.csv" 135/tcp VERIFIED "EPM bound"
expect "$WORK/plan.csv" 53/udp VERIFIED "dc01.lab.example:389"
expect "$WORK/plan.csv" 53/tcp VERIFIED "dc01.lab.example:389"
expect "$WORK/plan.csv" 137/udp VERIFIED "node status"
expect "$WORK/plan.csv" 135/udp NOT_LISTENING "port unreachable"  # Samba has no connectionless EPM
follow=$(grep -c "advertised by the endpoint mapper" "$WORK/plan.csv")
outside=$(grep -c "OUTSIDE" "$WORK/plan.csv")
if [ "$follow" -ge 1 ] && [ "$outside" -eq 0 ]; then
  pass
else
  fail "endpoint mapper follow-through: $follow ports probed, $outside outside the range"
fi

# 2. SMB2/3, NetBIOS session, HTTP and PPTP, ad hoc.
probe "$WORK/adhoc.csv" 10.79.0.10 -p 445,139,80,1723
expect "$WORK/adhoc.csv" 445/tcp VERIFIED "SMB2 dialect"
expect "$WORK/adhoc.csv" 139/tcp VERIFIED "positive session response"
expect "$WORK/adhoc.csv" 80/tcp VERIFIED "HTTP/1.1 200"
expect "$WORK/adhoc.csv" 1723/tcp VERIFIED "PPTP Start-Control reply: result 1"

# DHCPINFORM, sent from port 68 (only when asked for, as here).
for _ in $(seq 50); do
  ip netns exec "$S" ss -Hlun | grep -q ':67 ' && break
  sleep 0.1
done
probe "$WORK/dhcp.csv" 10.79.0.10 -p 67/udp
expect "$WORK/dhcp.csv" 67/udp VERIFIED "DHCPACK to our DHCPINFORM"

# 3. The same domain controller speaking SMB1 only, like the servers of the SMS 2003 era.
stop_namespace_samba() {
  local pids
  pids=$(ip netns exec "$S" pgrep -x samba 2>/dev/null) || true
  for pid in $(ip netns pids "$S"); do
    [ "$(cat /proc/"$pid"/comm 2>/dev/null)" = samba ] && kill "$pid" 2>/dev/null
  done
  for _ in $(seq 50); do
    ip netns exec "$S" ss -Hltn | grep -q '10\.79\.0\.10:445 ' || return 0
    sleep 0.1
  done
}
stop_namespace_samba
sed -i 's/^\[global\]$/[global]\n\tserver min protocol = NT1\n\tserver max protocol = NT1/' "$WORK/dc/etc/smb.conf"
start_samba
probe "$WORK/smb1.csv" 10.79.0.10 -p 445
expect "$WORK/smb1.csv" 445/tcp VERIFIED "SMB1 dialect NT LM 0.12"

# 4. Hostile peers end on time, as a wrong service.
start=$(date +%s)
probe "$WORK/hostile.csv" 127.0.0.2 -p 389,445,88
elapsed=$(($(date +%s) - start))
expect "$WORK/hostile.csv" 389/tcp WRONG_SERVICE
expect "$WORK/hostile.csv" 445/tcp WRONG_SERVICE
expect "$WORK/hostile.csv" 88/tcp WRONG_SERVICE
if [ "$elapsed" -le 6 ]; then
  pass
else
  fail "the hostile peers held the probe for $elapsed s (timeout 3 s)"
fi

finish
