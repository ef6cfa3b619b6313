#!/usr/bin/env bash
# `portolan respond` as a script sees it, without root: --help, exit 2 with a one-line error for
# every kind of bad input, and a short run on 127.0.0.1 that ends by --ttl with exit 0.
# Usage: cli_test.sh PATH/TO/portolan SOURCE_DIR
set -u
portolan=$1
src=$2
example="$src/examples/sms2003-site.yaml"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
passed=0
failed=0

# check NAME EXPECTED_EXIT EXPECTED_STDERR_TEXT ARGS...
check() {
  local name=$1 expected=$2 text=$3
  shift 3
  "$portolan" respond "$@" >"$work/stdout" 2>"$work/stderr"
  local actual=$?
  if [ "$actual" -ne "$expected" ]; then
    failed=$((failed + 1))
    echo "FAIL: $name: exit $actual, expected $expected"
    sed 's/^/  stderr: /' "$work/stderr" | head -5
  elif [ -n "$text" ] && ! grep -qF -- "$text" "$work/stderr"; then
    failed=$((failed + 1))
    echo "FAIL: $name: stderr lacks '$text'"
    sed 's/^/  stderr: /' "$work/stderr" | head -5
  elif [ "$expected" -eq 2 ] && [ "$(wc -l <"$work/stderr")" -ne 1 ]; then
    failed=$((failed + 1))
    echo "FAIL: $name: the error is not one line"
    sed 's/^/  stderr: /' "$work/stderr" | head -5
  else
    passed=$((passed + 1))
  fi
}

check "help" 0 "" --help
for option in --host --role --ports --bind --token --skip-busy --log --summary-json --rate-per-source \
  --max-connections --idle --ttl --user --pid-file --backlog; do
  if grep -q -- "$option" "$work/stdout"; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL: help lacks $option"; fi
done

check "unknown host" 2 "no host or client network named 'DC02' (did you mean 'DC01'?)" -i "$example" --host DC02
check "unknown role" 2 "no role 'global-catlog' (did you mean 'global-catalog'?)" -i "$example" --role global-catlog
check "no ports chosen" 2 "give exactly one of" --bind 127.0.0.1
check "two port choices" 2 "give exactly one of" -i "$example" --host DC01 --ports 80
check "host without inventory" 2 "--host needs an inventory" --host DC01
check "bad port list" 2 "empty item in '80,,81'" --ports 80,,81 --bind 127.0.0.1
check "bad protocol" 2 "the protocol must be tcp or udp" --ports 80/sctp --bind 127.0.0.1
check "port out of range" 2 "'70000'" --ports 70000 --bind 127.0.0.1
check "no address" 2 "--ports names no address" --ports 80
check "client network without --bind" 2 "'hq-desktops' is a client network (10.1.0.0/16)" -i "$example" --host hq-desktops
check "role without --bind" 2 "a role has no address of its own" -i "$example" --role dns-server
check "network as address" 2 "'10.0.0.0/8' is not an address" --ports 80 --bind 10.0.0.0/8
check "bad address" 2 "'nope' is not an address" --ports 80 --bind nope
check "nothing to serve" 2 "the plan asks 'ADMIN01' to accept no TCP or UDP port" -i "$example" --host ADMIN01 --bind 127.0.0.1
check "bad token" 2 "'a=b' is not a token" --ports 80 --bind 127.0.0.1 --token a=b
check "bad ttl" 2 "--ttl: error: '5x': unknown unit" --ports 80 --bind 127.0.0.1 --ttl 5x
check "bad idle" 2 "--idle: error: '0s' is out of range" --ports 80 --bind 127.0.0.1 --idle 0s
check "too many sockets" 2 "sockets to open, and the descriptor limit is" --ports 1-65535,1-65535/udp --bind 127.0.0.1
check "an address this machine lacks" 2 "cannot bind 192.0.2.1 40000/tcp: Cannot assign requested address" \
  --ports 40000 --bind 192.0.2.1
if [ "$(id -u)" -eq 0 ]; then
  check "unknown user" 2 "no user 'no-such-user-here'" --ports 80 --bind 127.0.0.1 --user no-such-user-here
  check "pid file where nobody cannot write" 2 "user nobody cannot write in" --ports 80 --bind 127.0.0.1 \
    --pid-file /root/portolan-respond-test.pid
fi

# A short run: a free port on 127.0.0.1, ended by --ttl, exit 0, the summary on stdout.
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
check "a run ended by --ttl" 0 "portolan respond: token t1, host -: tcp $port on 127.0.0.1 (1 socket)" \
  --ports "$port" --bind 127.0.0.1 --ttl 500ms --token t1 --summary-json "$work/summary.json"
if grep -q "ended by --ttl" "$work/stdout" && grep -q "\"ended_by\": \"--ttl\"" "$work/summary.json"; then
  passed=$((passed + 1))
else
  failed=$((failed + 1))
  echo "FAIL: the summary does not say it ended by --ttl"
  cat "$work/stdout" "$work/summary.json"
fi

echo "respond cli: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
