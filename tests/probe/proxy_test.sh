#!/usr/bin/env bash
# `portolan probe --proxy` through a real Squid, and the BITS download check (--bits-file), in
# network namespaces: a client, the proxy (which also routes, so that the client reaches the
# origin directly too) and nginx as the origin (an MP stand-in answering the MP list, a 1 MiB
# package file, an SSI page without Content-Length). One Squid, run unprivileged, listens on
# one port per behaviour: 3128 allows (but denies the destination 10.80.2.3), 3129 denies the
# BITS_POST method, 3130 wants credentials (NTLM and Basic), 3131 strips Range from requests,
# 3132 strips Content-Range from replies. Then hostile "proxies" (garbage, endless headers, a
# byte a second) must end on time.
#
# Usage: proxy_test.sh PORTOLAN. Needs root, squid, nginx and socat (scripts/install-deps.sh);
# exits 77 (skipped, saying why) without them. Everything runs in namespaces this script
# creates, removed on exit with every process in them.
set -uo pipefail

PORTOLAN=$1
# shellcheck source=../support/harness.sh
source "$(dirname "${BASH_SOURCE[0]}")/../support/harness.sh"
harness_init "probe proxy" "ppx$$"

require_root
require_tools --hint "(scripts/install-deps.sh installs it)" squid nginx socat setpriv
for helper in basic_fake_auth ntlm_fake_auth; do
  [ -x "/usr/lib/squid/$helper" ] || skip "/usr/lib/squid/$helper not installed (package squid)"
done

# client 10.80.1.2 - proxy 10.80.1.1 | 10.80.2.1 (routes too) - origin 10.80.2.2 and 10.80.2.3.
topology_routed 10.80.1.2/24 10.80.1.1/24 10.80.2.1/24 10.80.2.2/24,10.80.2.3/24 || exit 1
P=$R
chmod 711 "$WORK"  # the unprivileged Squid and nginx's workers reach their own directories below

# wait_ports NS COUNT PATTERN: until COUNT listening TCP sockets match (bounded: 20 s).
wait_ports() {
  for _ in $(seq 200); do
    [ "$(ip netns exec "$1" ss -Hltn | grep -cE "$3")" -ge "$2" ] && return 0
    sleep 0.1
  done
  echo "probe proxy: listeners did not come up: $3"
  ip netns exec "$1" ss -Hltn
  return 1
}

# The origin: nginx, the MP list, a 1 MiB file, and an SSI page (no Content-Length, even to HEAD).
mkdir -p "$WORK/nginx" "$WORK/www/pkg"
head -c 1048576 /dev/urandom >"$WORK/www/pkg/file.bin"
echo '<p><!--# echo var="date_local" --></p>' >"$WORK/www/dynamic.html"
echo 'portolan lab' >"$WORK/www/index.html"
chmod -R a+rX "$WORK/www"
cat >"$WORK/nginx.conf" <<CONF
daemon off;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log;
events {}
http {
  access_log $WORK/nginx/access.log;
  client_body_temp_path $WORK/nginx/body;
  proxy_temp_path $WORK/nginx/proxy;
  fastcgi_temp_path $WORK/nginx/fastcgi;
  uwsgi_temp_path $WORK/nginx/uwsgi;
  scgi_temp_path $WORK/nginx/scgi;
  server {
    listen 10.80.2.2:80;
    listen 10.80.2.3:80;
    root $WORK/www;
    location = /sms_mp/.sms_aut {
      default_type text/plain;
      return 200 '<MPList><MP Name="SMS01" FQDN="sms01.lab.example"/></MPList>';
    }
    location = /dynamic.html { ssi on; }
  }
}
CONF
spawn ip netns exec "$S" nginx -c "$WORK/nginx.conf" >"$WORK/nginx.log" 2>&1

# The proxy: one unprivileged Squid, memory only, nothing written outside $WORK/squid.
SQ=$WORK/squid
mkdir -p "$SQ"
echo "10.80.2.2 sms01.lab.example" >"$SQ/hosts"
cat >"$SQ/squid.conf" <<CONF
http_port 10.80.1.1:3128
http_port 10.80.1.1:3129
http_port 10.80.1.1:3130
http_port 10.80.1.1:3131
http_port 10.80.1.1:3132
visible_hostname portolan-proxy
pid_filename none
cache_log stdio:$SQ/cache.log
access_log stdio:$SQ/access.log squid
netdb_filename none
pinger_enable off
coredump_dir $SQ
shutdown_lifetime 1 second
dns_nameservers 127.0.0.1
hosts_file $SQ/hosts
cache deny all
acl port_methods localport 3129
acl port_auth localport 3130
acl port_no_range localport 3131
acl port_no_content_range localport 3132
acl bits_post method BITS_POST
acl denied_destination dst 10.80.2.3
auth_param ntlm program /usr/lib/squid/ntlm_fake_auth
auth_param basic program /usr/lib/squid/basic_fake_auth
auth_param basic realm portolan-lab
acl authenticated proxy_auth REQUIRED
http_access deny denied_destination
http_access deny port_methods bits_post
http_access deny port_auth !authenticated
http_access allow all
request_header_access Range deny port_no_range
reply_header_access Content-Range deny port_no_content_range
CONF
chown -R nobody:nogroup "$SQ"
# A service name of our own (-n): Squid names its shared memory segments after it, and a Squid
# killed before it cleans up leaves them in /dev/shm, where they would stop the next default Squid.
SQUID_SERVICE="portolanprobe$$"
remove_squid_segments() {
  local segment
  for segment in metadata queues readers; do rm -f "/dev/shm/$SQUID_SERVICE-cf__$segment.shm"; done
}
at_exit remove_squid_segments
spawn ip netns exec "$P" setpriv --reuid=nobody --regid=nogroup --clear-groups /usr/sbin/squid -N -n "$SQUID_SERVICE" \
  -f "$SQ/squid.conf" >"$WORK/squid.log" 2>&1

# Hostile "proxies" on the client's own loopback: garbage, endless header lines, a byte a second.
spawn ip netns exec "$C" socat TCP-LISTEN:3140,bind=127.0.0.2,fork,reuseaddr SYSTEM:'head -c 300 /dev/urandom' 2>/dev/null
printf '%s\n' 'printf "HTTP/1.1 200 OK\r\n"' 'yes "X-Filler: aaaaaaaaaaaaaaaa"' >"$WORK/endless.sh"
# shellcheck disable=SC2016 # the script is written as is, to be run by sh
printf '%s\n' 'for c in H T T P / 1 . 1 " " 2 0 0; do printf %s "$c"; sleep 1; done' >"$WORK/trickle.sh"
spawn ip netns exec "$C" socat TCP-LISTEN:3141,bind=127.0.0.2,fork,reuseaddr EXEC:"sh $WORK/endless.sh" 2>/dev/null
spawn ip netns exec "$C" socat TCP-LISTEN:3142,bind=127.0.0.2,fork,reuseaddr EXEC:"sh $WORK/trickle.sh" 2>/dev/null

wait_ports "$S" 2 '10\.80\.2\.[23]:80 ' || { tail -5 "$WORK/nginx.log" "$WORK/nginx/error.log"; exit 1; }
wait_ports "$P" 5 '10\.80\.1\.1:313[0-2]|10\.80\.1\.1:312[89]' || { tail -20 "$WORK/squid.log" "$SQ/cache.log"; exit 1; }
wait_ports "$C" 3 '127\.0\.0\.2:314[0-2] ' || exit 1

# expect FILE ADDRESS PORT SERVICE VERDICT [TEXT]: the CSV row of that target, port and service.
expect() {
  local line verdict
  line=$(grep -E "^$2,tcp,$3,$4," "$1" | head -1)
  verdict=$(echo "$line" | cut -d, -f5)
  if [ "$verdict" != "$5" ]; then
    fail "$2:$3 $4: expected $5, got '$verdict' ($line)"
  elif [ -n "${6:-}" ] && ! grep -qF -- "$6" <<<"$line"; then
    fail "$2:$3 $4: the detail lacks '$6' ($line)"
  else
    pass
  fi
}
# probe NAME EXPECTED_EXIT ARGS...: a probe from the client, its CSV in $WORK/NAME.csv.
probe() {
  local name=$1 status=$2
  shift 2
  ip netns exec "$C" "$PORTOLAN" probe -q "$@" --timeout 2s -f csv -o "$WORK/$name.csv"
  check_status "$name" "$status" $?
}
ORIGIN=10.80.2.2
PROXY=10.80.1.1

# 1. A management point through the proxy: the MP list relayed (Via), and the three methods reach
#    nginx, which answers them 405 itself.
probe mp 0 "$ORIGIN" -p 80 --http-checks mp --proxy "$PROXY:3128"
expect "$WORK/mp.csv" "$ORIGIN" 80 http VERIFIED "MP list returned"
expect "$WORK/mp.csv" "$ORIGIN" 80 http VERIFIED "Via: 1.1 portolan-proxy (squid/5"
expect "$WORK/mp.csv" "$ORIGIN" 80 http VERIFIED "through proxy $PROXY:3128: HTTP/1.1 200 OK; origin Server: nginx"
expect "$WORK/mp.csv" "$ORIGIN" 80 "http CCM_POST" VERIFIED "CCM_POST reached the origin: HTTP/1.1 405"
expect "$WORK/mp.csv" "$ORIGIN" 80 "http BITS_POST" VERIFIED "BITS_POST reached the origin: HTTP/1.1 405"
expect "$WORK/mp.csv" "$ORIGIN" 80 "http PROPFIND" VERIFIED "PROPFIND reached the origin: HTTP/1.1 405"

# 2. A proxy that denies one method: PROXY_DENIED for that method only.
probe methods 1 "$ORIGIN" -p 80 --http-checks mp --proxy "$PROXY:3129"
expect "$WORK/methods.csv" "$ORIGIN" 80 http VERIFIED "MP list returned"
expect "$WORK/methods.csv" "$ORIGIN" 80 "http CCM_POST" VERIFIED "reached the origin"
expect "$WORK/methods.csv" "$ORIGIN" 80 "http BITS_POST" PROXY_DENIED "X-Squid-Error: ERR_ACCESS_DENIED"
expect "$WORK/methods.csv" "$ORIGIN" 80 "http PROPFIND" VERIFIED "reached the origin"

# 3. A destination the proxy denies; a closed port behind it; a proxy port that is closed.
probe denied 1 10.80.2.3 -p 80 --proxy "$PROXY:3128"
expect "$WORK/denied.csv" 10.80.2.3 80 http PROXY_DENIED "refused by the proxy itself: HTTP/1.1 403 Forbidden"
probe upstream 1 "$ORIGIN" -p 81 --service http --proxy "$PROXY:3128"
expect "$WORK/upstream.csv" "$ORIGIN" 81 http UPSTREAM_FAILED "ERR_CONNECT_FAIL 111"
probe closed_proxy 1 "$ORIGIN" -p 80 --proxy "$PROXY:3999"
expect "$WORK/closed_proxy.csv" "$ORIGIN" 80 http NOT_LISTENING "proxy $PROXY:3999: connection refused"

# 4. Authentication: the challenges offered; then Basic credentials (the fake helper takes any).
probe auth 1 "$ORIGIN" -p 80 --proxy "$PROXY:3130"
expect "$WORK/auth.csv" "$ORIGIN" 80 http PROXY_AUTH_REQUIRED 'it offers NTLM, Basic realm=""portolan-lab""'
probe auth_user 0 "$ORIGIN" -p 80 --proxy "$PROXY:3130" --proxy-user probe:secret
expect "$WORK/auth_user.csv" "$ORIGIN" 80 http VERIFIED "ranges served (206"

# 5. BITS: directly; through the proxy (the same bytes as directly); through proxies that strip
#    Range or Content-Range; a page without Content-Length.
probe bits_direct 0 "$ORIGIN" -p 80 --bits-file /pkg/file.bin
expect "$WORK/bits_direct.csv" "$ORIGIN" 80 "http BITS" VERIFIED \
  "BITS can download /pkg/file.bin: size 1048576, ranges served (bytes 0-0 and 524288-525287"
probe bits_proxy 0 "$ORIGIN" -p 80 --bits-file /pkg/file.bin --proxy "$PROXY:3128"
expect "$WORK/bits_proxy.csv" "$ORIGIN" 80 "http BITS" VERIFIED "the same bytes as a direct fetch"
probe no_range 1 "$ORIGIN" -p 80 --bits-file /pkg/file.bin --proxy "$PROXY:3131"
expect "$WORK/no_range.csv" "$ORIGIN" 80 "http BITS" RANGE_IGNORED "directly BITS can download: the proxy is at fault"
probe no_content_range 1 "$ORIGIN" -p 80 --bits-file /pkg/file.bin --proxy "$PROXY:3132"
expect "$WORK/no_content_range.csv" "$ORIGIN" 80 "http BITS" CONTENT_RANGE_STRIPPED "BG_E_INSUFFICIENT_RANGE_SUPPORT"
probe no_length 1 "$ORIGIN" -p 80 --bits-file /dynamic.html
expect "$WORK/no_length.csv" "$ORIGIN" 80 "http BITS" NO_LENGTH "BG_E_MISSING_FILE_SIZE (0x80200011)"

# 6. The direct probe's GET with a range (no HEAD): nginx serves the range of its index page.
probe direct 0 "$ORIGIN" -p 80
expect "$WORK/direct.csv" "$ORIGIN" 80 http VERIFIED "ranges served (206, Content-Range: bytes 0-0/13)"
if grep -q '"HEAD / ' "$WORK/nginx/access.log"; then fail "a HEAD / reached the origin"; else pass; fi
grep -q '"CCM_POST /ccm_system/request HTTP/1.1" 405' "$WORK/nginx/access.log" && pass ||
  fail "CCM_POST did not reach the origin's log"

# 7. A proxy carries HTTP only: other ports with --proxy are refused (nothing is sent).
check_exit "--proxy with a non-HTTP port" 2 ip netns exec "$C" "$PORTOLAN" probe "$ORIGIN" -p 80,445 --proxy "$PROXY:3128"
grep -qF "a web proxy carries HTTP only, not 445/tcp" "$WORK/stderr" && pass || fail "the refusal does not say why"
check_exit "--proxy that is not HOST:PORT" 2 ip netns exec "$C" "$PORTOLAN" probe "$ORIGIN" -p 80 --proxy "$PROXY"

# 8. Hostile proxies end within the timeout, as a wrong service.
start=$(date +%s)
hostile=()
for port in 3140 3141 3142; do
  ip netns exec "$C" "$PORTOLAN" probe -q "$ORIGIN" -p 80 --http-checks mp --proxy 127.0.0.2:$port --timeout 2s \
    -f csv -o "$WORK/hostile$port.csv" &
  hostile+=("$!")
done
wait "${hostile[@]}"  # these three only: the servers are children of this shell too
elapsed=$(($(date +%s) - start))
# (garbage: "not HTTP", or "closed without an answer" when its close resets our request first)
expect "$WORK/hostile3140.csv" "$ORIGIN" 80 http WRONG_SERVICE "127.0.0.2:3140: "
expect "$WORK/hostile3141.csv" "$ORIGIN" 80 http WRONG_SERVICE "header section longer than 16 KiB"
expect "$WORK/hostile3142.csv" "$ORIGIN" 80 http WRONG_SERVICE "proxy 127.0.0.2:3142: connection accepted, but no http answer"
if [ "$elapsed" -le 5 ]; then
  pass
else
  fail "the hostile proxies held the probe for $elapsed s (timeout 2 s)"
fi

finish
