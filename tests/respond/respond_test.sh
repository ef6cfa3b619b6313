#!/usr/bin/env bash
# `portolan respond` in network namespaces: a server namespace with two addresses, a client
# namespace with two. The responder binds only what it is given, drops root before its pid
# file appears, answers probes (VERIFIED(responder), standing in for LDAP, CLDAP, LDAPS, ...),
# never answers UDP with more than the request, rate-limits per source, caps connections, closes
# idle ones, ends by --ttl or a signal with a summary naming the sources, and logs every contact.
#
# Usage: respond_test.sh PORTOLAN. Needs root (exit 77, skipped, without), python3 and socat.
# Traffic stays in the namespaces this script creates; they and every process it starts are
# removed by name and pid.
set -uo pipefail

PORTOLAN=$1
# shellcheck source=../support/harness.sh
source "$(dirname "${BASH_SOURCE[0]}")/../support/harness.sh"
harness_init "respond server" "rsp$$"
SERVER=10.78.1.1    # DC01's inventory address
OTHER=10.78.1.3     # also the server's, never bound
CLIENT=10.78.1.2    # SMS01
CLIENT2=10.78.1.4
chmod 755 "$WORK"   # the responder runs as nobody once ready: it writes its pid file in $WORK/run
mkdir "$WORK/run" && chmod 1777 "$WORK/run"

require_root
require_tools python3 socat ss

topology_pair "$CLIENT/24,$CLIENT2/24" "$SERVER/24,$OTHER/24" || exit 1
wait_ping "$C" "$SERVER"  # until duplicate address detection and the link are done

cat >"$WORK/lab.yaml" <<YAML
catalog: sms2003
domain: { name: lab.example, rpc_dynamic_ports: 49152-49160 }
sites:
  - code: LAB
    hosts:
      - { name: SMS01, address: $CLIENT, roles: [site-server, site-database, management-point] }
      - { name: DC01, address: $SERVER, roles: [global-catalog, dns-server, wins-server] }
YAML

# A python3 helper run in the client namespace, for what socat cannot show: exact datagram
# sizes, many datagrams at once, connections held open.
cat >"$WORK/peer.py" <<'PY'
import socket, sys, time
what, host, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
if what == "udp-size":  # send N bytes, print the size of the answer (or "none")
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(2)
    s.sendto(b"x" * int(sys.argv[4]), (host, port))
    try:
        print(len(s.recv(65536)))
    except socket.timeout:
        print("none")
elif what == "udp-burst":  # send N datagrams at once, print how many were answered
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(1)
    for _ in range(int(sys.argv[4])):
        s.sendto(b"probe-burst-request-of-some-size", (host, port))
    answers = 0
    try:
        while True:
            s.recv(65536)
            answers += 1
    except socket.timeout:
        pass
    print(answers)
elif what == "hold":  # open N connections, print how many were greeted and how many closed at once
    conns = []
    for _ in range(int(sys.argv[4])):
        c = socket.create_connection((host, port), timeout=2)
        conns.append(c)
        time.sleep(0.05)
    greeted = closed = 0
    for c in conns:
        try:
            data = c.recv(256)
        except socket.timeout:
            data = None
        if data and data.startswith(b"PORTOLAN-RESPONDER/1 "):
            greeted += 1
        elif data == b"" or data is None:
            closed += 1
    print(greeted, closed)
elif what == "idle":  # from SOURCE: the greeting, then how long until the responder closes (s)
    c = socket.create_connection((host, port), timeout=10, source_address=(sys.argv[4], 0))
    c.recv(256)
    start = time.time()
    data = c.recv(256)
    print("closed" if data == b"" else "data", round(time.time() - start, 1))
PY
peer() { ip netns exec "$C" python3 "$WORK/peer.py" "$@"; }
probe() {  # probe OUTPUT ARGS...
  local out=$1
  shift
  ip netns exec "$C" "$PORTOLAN" probe -q "$@" --timeout 2s -f csv -o "$out"
}
# expect FILE ADDRESS PORT/PROTO VERDICT [TEXT]
expect() {
  local line verdict
  line=$(grep -E "^$2,${3#*/},${3%/*}," "$1" | head -1)
  verdict=$(echo "$line" | cut -d, -f5)
  if [ "$verdict" != "$4" ]; then
    fail "$2 $3: expected $4, got '$verdict' ($line)"
  elif [ -n "${5:-}" ] && ! grep -qF -- "$5" <<<"$line"; then
    fail "$2 $3: the detail lacks '$5' ($line)"
  else
    pass
  fi
}
# start NAME ARGS...: a responder in the server namespace; its pid in $WORK/NAME.pid-of-start
start() {
  local name=$1
  shift
  spawn ip netns exec "$S" "$PORTOLAN" respond "$@" >"$WORK/$name.out" 2>"$WORK/$name.err"
  echo $! >"$WORK/$name.started"
}
wait_file() {  # wait_file PATH: up to 10 s
  for _ in $(seq 100); do
    [ -s "$1" ] && return 0
    sleep 0.1
  done
  return 1
}
stop() {  # stop NAME: SIGTERM, then wait for it; its exit code in $WORK/NAME.rc
  local pid
  pid=$(cat "$WORK/$1.started")
  kill -TERM "$pid" 2>/dev/null
  wait "$pid"
  echo $? >"$WORK/$1.rc"
}

# --- 1. DC01 from the inventory: its own address only, ready only when bound and root dropped --
# The pid file goes where only root may write, as in a lab: the responder forks, the child drops
# root and serves, the parent stays root to write and remove the pid file and holds no socket.
mkdir "$WORK/rootonly" && chmod 700 "$WORK/rootonly"
start dc -i "$WORK/lab.yaml" --host DC01 --token lab-7 --log "$WORK/dc.log" --summary-json "$WORK/dc.json" \
  --pid-file "$WORK/rootonly/dc.pid"
if wait_file "$WORK/rootonly/dc.pid"; then
  pass
  # At the moment the pid file exists, every socket is listening and root is gone.
  pid=$(cat "$WORK/rootonly/dc.pid")
  monitor=$(cat "$WORK/dc.started")
  check "the pid file names the server, a child of the process started" \
    [ "$(awk '/^PPid:/ { print $2 }' "/proc/$pid/status")" = "$monitor" ]
  listening_tcp=$(ip netns exec "$S" ss -Hltn | wc -l)
  listening_udp=$(ip netns exec "$S" ss -Hlun | wc -l)
  # DC01: tcp 53,88,135,389,636,3268,3269 and 49152-49160; udp 53,88,135,137,389.
  check "16 TCP listeners when ready (found $listening_tcp)" [ "$listening_tcp" -eq 16 ]
  check "5 UDP sockets when ready (found $listening_udp)" [ "$listening_udp" -eq 5 ]
  uids=$(awk '/^Uid:/ { print $2, $3, $4, $5 }' "/proc/$pid/status")
  nobody=$(id -u nobody)
  check "uid nobody when ready (found '$uids')" [ "$uids" = "$nobody $nobody $nobody $nobody" ]
  check "no supplementary groups but nogroup" [ "$(awk '/^Groups:/ { print $2 }' "/proc/$pid/status")" = "$(id -g nobody)" ]
  check "no capabilities left" [ "$(awk '/^CapEff:/ { print $2 }' "/proc/$pid/status")" = 0000000000000000 ]
  sockets_held=$(find "/proc/$monitor/fd" -lname 'socket:*' | wc -l)
  check "the root parent holds no socket ($sockets_held)" [ "$sockets_held" -eq 0 ]
  server_sockets=$(find "/proc/$pid/fd" -lname 'socket:*' | wc -l)
  check "the server holds the 21 sockets ($server_sockets)" [ "$server_sockets" -eq 21 ]
else
  fail "no pid file within 10 s: $(cat "$WORK/dc.err")"
fi
others=$(ip netns exec "$S" ss -Hltun | awk '{ print $5 }' | grep -vc "^$SERVER:")
check "every socket on $SERVER alone ($others elsewhere)" [ "$others" -eq 0 ]

# --- 2. probes from SMS01: every planned flow VERIFIED through the responder -------------------
probe "$WORK/plan.csv" -i "$WORK/lab.yaml" --from SMS01 --token lab-7
plan_status=$?
check "probe from the plan exits 0 (got $plan_status)" [ "$plan_status" -eq 0 ]
expect "$WORK/plan.csv" "$SERVER" 389/tcp VERIFIED "portolan responder (token lab-7, host DC01, port 389/tcp) standing in for ldap"
expect "$WORK/plan.csv" "$SERVER" 389/udp VERIFIED "standing in for cldap"
expect "$WORK/plan.csv" "$SERVER" 636/tcp VERIFIED "standing in for ldaps"
expect "$WORK/plan.csv" "$SERVER" 3269/tcp VERIFIED "standing in for ldaps"
expect "$WORK/plan.csv" "$SERVER" 88/udp VERIFIED "standing in for kerberos"
expect "$WORK/plan.csv" "$SERVER" 88/tcp VERIFIED "standing in for kerberos"
expect "$WORK/plan.csv" "$SERVER" 135/tcp VERIFIED "standing in for epmap"
expect "$WORK/plan.csv" "$SERVER" 53/udp VERIFIED "standing in for dns"
expect "$WORK/plan.csv" "$SERVER" 137/udp VERIFIED "standing in for netbios-ns"
expect "$WORK/plan.csv" "$SERVER" 49152/tcp LISTENING "connection accepted"
plan_probes=$(($(wc -l <"$WORK/plan.csv") - 1))

# The responder probe, on TCP and UDP, with the right and a wrong token.
probe "$WORK/responder.csv" "$SERVER" -p 389,389/udp --service responder --token lab-7
expect "$WORK/responder.csv" "$SERVER" 389/tcp VERIFIED "portolan responder (token lab-7, host DC01, port 389/tcp)"
expect "$WORK/responder.csv" "$SERVER" 389/udp VERIFIED "portolan responder (token lab-7, host DC01, port 389/udp)"
probe "$WORK/wrong.csv" "$SERVER" -p 389,389/udp,445 --token lab-8
wrong_status=$?
expect "$WORK/wrong.csv" "$SERVER" 389/tcp WRONG_SERVICE "a portolan responder with token lab-7, not lab-8"
expect "$WORK/wrong.csv" "$SERVER" 389/udp WRONG_SERVICE "with token lab-7, not lab-8"
expect "$WORK/wrong.csv" "$SERVER" 445/tcp NOT_LISTENING "connection refused"  # not DC01's port
check "a wrong token fails the probe (exit $wrong_status)" [ "$wrong_status" -eq 1 ]
# The server's other address has nothing bound.
probe "$WORK/other.csv" "$OTHER" -p 389,389/udp
expect "$WORK/other.csv" "$OTHER" 389/tcp NOT_LISTENING
expect "$WORK/other.csv" "$OTHER" 389/udp NOT_LISTENING "port unreachable"

# --- 3. no amplification: a UDP answer is never larger than the request ------------------------
for size in 5 0 1; do
  got=$(peer udp-size "$SERVER" 53 "$size")
  check "a $size-byte request gets a $size-byte answer (got $got)" [ "$got" = "$size" ]
done
got=$(peer udp-size "$SERVER" 53 1000)
check "a long request gets the whole greeting, no more (got $got)" [ "$got" = "$(printf 'PORTOLAN-RESPONDER/1 token=lab-7 host=DC01 port=53/udp\r\n' | wc -c)" ]
socat_answer=$(printf 'hello' | ip netns exec "$C" timeout 3 socat -T1 - "UDP:$SERVER:137" | od -An -c | tr -d ' \n')
check "socat's 5 bytes to 137/udp get 'PORTO' (got '$socat_answer')" [ "$socat_answer" = "PORTO" ]
contacts_made=$((plan_probes + 2 + 2 + 4 + 1))  # 445/tcp and the other address are no contacts

# --- 4. SIGTERM: the summary names the source, the log has a line per contact ------------------
stop dc
check "exit 0 after SIGTERM (got $(cat "$WORK/dc.rc"))" [ "$(cat "$WORK/dc.rc")" -eq 0 ]
check "the pid file is removed at exit" [ ! -e "$WORK/rootonly/dc.pid" ]
check "the server has ended too" [ ! -e "/proc/$pid" ]
check "the summary names the client" grep -qE "^389/tcp +[0-9]+ +1 +$CLIENT +$CLIENT " "$WORK/dc.out"
check "the summary says how it ended" grep -q "ended by SIGTERM" "$WORK/dc.out"
log_lines=$(wc -l <"$WORK/dc.log")
# Every probe is one contact, but a UDP probe may be sent again after silence; the log and the
# summary must agree with each other exactly, and with the contacts made at least.
summary_contacts=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["contacts"])' "$WORK/dc.json")
check "one log line per contact ($log_lines lines, $summary_contacts in the summary)" [ "$log_lines" -eq "$summary_contacts" ]
check "at least the $contacts_made contacts made are logged ($log_lines)" [ "$log_lines" -ge "$contacts_made" ]
bad_lines=$(python3 - "$WORK/dc.log" <<'PY'
import json, sys
bad = 0
for line in open(sys.argv[1]):
    record = json.loads(line)
    if set(record) - {"request_bytes", "answer_bytes"} != {"time", "protocol", "source", "source_port", "local", "local_port"}:
        bad += 1
    elif not record["time"].endswith("Z") or record["local"] != "10.78.1.1":
        bad += 1
    elif record["protocol"] == "udp" and record["answer_bytes"] > record["request_bytes"]:
        bad += 1
print(bad)
PY
)
check "every log line has the contact's fields ($bad_lines bad)" [ "$bad_lines" -eq 0 ]
check "the summary JSON lists the client for 389/tcp" python3 -c '
import json, sys
ports = {(p["port"], p["protocol"]): p for p in json.load(open(sys.argv[1]))["ports"]}
assert ports[(389, "tcp")]["source_addresses"] == [sys.argv[2]], ports[(389, "tcp")]' "$WORK/dc.json" "$CLIENT"

# --- 5. rate limit, connection cap, idle connections, --ttl ------------------------------------
start limits --ports 7000,7001/udp --bind "$SERVER" --rate-per-source 5 --max-connections 3 --idle 1s --ttl 8s \
  --summary-json "$WORK/limits.json" -q --pid-file "$WORK/run/limits.pid"
wait_file "$WORK/run/limits.pid" || fail "the second responder did not start: $(cat "$WORK/limits.err")"
# nobody may write in run/: one process, which wrote its own pid file as nobody.
check "a pid file nobody may write is the process started" [ "$(cat "$WORK/run/limits.pid")" = "$(cat "$WORK/limits.started")" ]
check "... owned by nobody" [ "$(stat -c %U "$WORK/run/limits.pid")" = nobody ]
started=$(date +%s)
answered=$(peer udp-burst "$SERVER" 7001 30)
check "5 of 30 datagrams answered at 5 per second (got $answered)" [ "$answered" -ge 5 -a "$answered" -le 6 ]
sleep 1.2  # the bucket fills up again
read -r greeted closed < <(peer hold "$SERVER" 7000 5)
check "3 connections greeted and 2 closed over the cap (got $greeted and $closed)" [ "$greeted" -eq 3 -a "$closed" -eq 2 ]
read -r outcome seconds < <(peer idle "$SERVER" 7000 "$CLIENT2")  # a source with tokens left
check "an idle connection is closed after about 1 s ($outcome after $seconds s)" \
  python3 -c "import sys; sys.exit(not ('$outcome' == 'closed' and 0.9 <= $seconds <= 2.5))"
pid=$(cat "$WORK/limits.started")
wait "$pid"
rc=$?
elapsed=$(($(date +%s) - started))
check "--ttl 8s ends it by itself with exit 0 (exit $rc after ${elapsed}s)" [ "$rc" -eq 0 -a "$elapsed" -le 10 ]
check "ended by --ttl" grep -q "ended by --ttl" "$WORK/limits.out"
check "the pid file is removed after --ttl" [ ! -e "$WORK/run/limits.pid" ]
check "the summary counts the drops" python3 -c '
import json, sys
s = json.load(open(sys.argv[1]))
ports = {(p["port"], p["protocol"]): p for p in s["ports"]}
assert ports[(7001, "udp")]["rate_limited"] >= 24, ports[(7001, "udp")]
assert ports[(7000, "tcp")]["over_capacity"] == 2, ports[(7000, "tcp")]
assert s["ended_by"] == "--ttl"' "$WORK/limits.json"

# --- 6. --skip-busy, and what is refused ----------------------------------------------------------
# The real service holds its connection a while after answering: had it closed at once, the
# probe's request would meet a closed socket, the kernel would reset the connection, and the
# answer could be lost with it (a flake seen under load).
spawn ip netns exec "$S" socat "TCP-LISTEN:7100,bind=$SERVER,reuseaddr,fork" SYSTEM:'echo real; sleep 2' 2>/dev/null
for _ in $(seq 50); do
  ip netns exec "$S" ss -Hltn "sport = :7100" | grep -q 7100 && break
  sleep 0.1
done
ip netns exec "$S" "$PORTOLAN" respond --ports 7100,7101 --bind "$SERVER" --ttl 1s -q >/dev/null 2>"$WORK/busy.err"
rc=$?
check "a busy port is an error (exit $rc)" [ "$rc" -eq 2 ]
check "the error names the port and why" grep -q "cannot bind $SERVER 7100/tcp: Address already in use" "$WORK/busy.err"
start skip --ports 7100,7101 --bind "$SERVER" --skip-busy --ttl 3s --pid-file "$WORK/run/skip.pid"
wait_file "$WORK/run/skip.pid" || fail "--skip-busy did not start: $(cat "$WORK/skip.err")"
check "--skip-busy warns about the busy port" grep -q "warning: $SERVER 7100/tcp (in use) skipped" "$WORK/skip.err"
probe "$WORK/skip.csv" "$SERVER" -p 7100,7101 --service responder
expect "$WORK/skip.csv" "$SERVER" 7100/tcp WRONG_SERVICE "real"   # the real service, left alone
expect "$WORK/skip.csv" "$SERVER" 7101/tcp VERIFIED "portolan responder"
wait "$(cat "$WORK/skip.started")"

# --- 7. every address: 0.0.0.0 and ::, each answer from the address the request reached ---------
addr_add "$S" "$S_IF" fd78::1/64
addr_add "$C" "$C_IF" fd78::2/64
start wild --ports 7300,7300/udp --bind 0.0.0.0 --bind :: --ttl 6s --log "$WORK/wild.log" --pid-file "$WORK/run/wild.pid"
wait_file "$WORK/run/wild.pid" || fail "the wildcard responder did not start: $(cat "$WORK/wild.err")"
wildcards=$(ip netns exec "$S" ss -Hltun "sport = :7300" | awk '{ print $5 }' | sort | tr '\n' ' ')
check "bound to 0.0.0.0 and [::] only (found $wildcards)" [ "$wildcards" = "0.0.0.0:7300 0.0.0.0:7300 [::]:7300 [::]:7300 " ]
# A connected UDP socket takes only answers from the address it sent to: VERIFIED on each
# address shows that every answer came from the address its request reached.
probe "$WORK/wild.csv" "$SERVER" "$OTHER" fd78::1 -p 7300,7300/udp --service responder
for address in "$SERVER" "$OTHER" fd78::1; do
  expect "$WORK/wild.csv" "$address" 7300/tcp VERIFIED "port 7300/tcp"
  expect "$WORK/wild.csv" "$address" 7300/udp VERIFIED "port 7300/udp"
done
wait "$(cat "$WORK/wild.started")"
locals=$(python3 -c 'import json, sys; print(" ".join(sorted({json.loads(l)["local"] for l in open(sys.argv[1])})))' "$WORK/wild.log")
check "the log names each address reached (found $locals)" [ "$locals" = "$SERVER $OTHER fd78::1" ]

# --- 8. stopping by the pid in the pid file, and a parent killed outright ------------------------
start bypid --ports 7400 --bind "$SERVER" --ttl 30s -q --pid-file "$WORK/rootonly/bypid.pid"
wait_file "$WORK/rootonly/bypid.pid" || fail "the responder did not start: $(cat "$WORK/bypid.err")"
kill -TERM "$(cat "$WORK/rootonly/bypid.pid")"
wait "$(cat "$WORK/bypid.started")"
rc=$?
check "SIGTERM to the pid in the pid file: exit 0 (got $rc)" [ "$rc" -eq 0 ]
check "... the summary, and the pid file removed" grep -q "ended by SIGTERM" "$WORK/bypid.out"
check "... the pid file removed" [ ! -e "$WORK/rootonly/bypid.pid" ]
start orphan --ports 7401 --bind "$SERVER" --ttl 30s -q --pid-file "$WORK/rootonly/orphan.pid"
wait_file "$WORK/rootonly/orphan.pid" || fail "the responder did not start: $(cat "$WORK/orphan.err")"
server=$(cat "$WORK/rootonly/orphan.pid")
kill -KILL "$(cat "$WORK/orphan.started")"
wait "$(cat "$WORK/orphan.started")" 2>/dev/null
for _ in $(seq 50); do
  [ -e "/proc/$server" ] || break
  sleep 0.1
done
check "a server whose parent is killed ends by itself" [ ! -e "/proc/$server" ]
check "... with its summary" grep -q "ended by SIGTERM" "$WORK/orphan.out"

ip netns exec "$S" "$PORTOLAN" respond --ports 7200 --bind 10.78.9.9 --ttl 1s 2>"$WORK/addr.err"
rc=$?
check "an address the machine does not have is an error (exit $rc)" [ "$rc" -eq 2 ]
check "the error says why" grep -q "cannot bind 10.78.9.9 7200/tcp: Cannot assign requested address" "$WORK/addr.err"

finish
