#!/usr/bin/env bash
# `portolan respond` as a script sees it, without root: --help, exit 2 with a one-line error for
# every kind of bad input, and a short run on 127.0.0.1 that ends by --ttl with exit 0.
# Usage: cli_test.sh PATH/TO/portolan SOURCE_DIR
set -u
portolan=$1
src=$2
example="$src/examples/sms2003-site.yaml"
# shellcheck source=../support/harness.sh
source "$(dirname "${BASH_SOURCE[0]}")/../support/harness.sh"
harness_init "respond cli"

# check_respond NAME EXPECTED_EXIT EXPECTED_STDERR_TEXT ARGS...: portolan respond ARGS; an error
# (exit 2) must be one line.
check_respond() {
  local name=$1 expected=$2 text=$3
  shift 3
  "$portolan" respond "$@" >"$WORK/stdout" 2>"$WORK/stderr"
  local actual=$?
  if [ "$actual" -ne "$expected" ]; then
    fail "$name: exit $actual, expected $expected"
    sed 's/^/  stderr: /' "$WORK/stderr" | head -5
  elif [ -n "$text" ] && ! grep -qF -- "$text" "$WORK/stderr"; then
    fail "$name: stderr lacks '$text'"
    sed 's/^/  stderr: /' "$WORK/stderr" | head -5
  elif [ "$expected" -eq 2 ] && [ "$(wc -l <"$WORK/stderr")" -ne 1 ]; then
    fail "$name: the error is not one line"
    sed 's/^/  stderr: /' "$WORK/stderr" | head -5
  else
    pass
  fi
}

check_respond "help" 0 "" --help
for option in --host --role --ports --bind --token --skip-busy --log --summary-json --rate-per-source \
  --max-connections --idle --ttl --user --pid-file --backlog; do
  if grep -q -- "$option" "$WORK/stdout"; then pass; else fail "help lacks $option"; fi
done

check_respond "unknown host" 2 "no host or client network named 'DC02' (did you mean 'DC01'?)" -i "$example" --host DC02
check_respond "unknown role" 2 "no role 'global-catlog' (did you mean 'global-catalog'?)" -i "$example" --role global-catlog
check_respond "no ports chosen" 2 "give exactly one of" --bind 127.0.0.1
check_respond "two port choices" 2 "give exactly one of" -i "$example" --host DC01 --ports 80
check_respond "host without inventory" 2 "--host needs an inventory" --host DC01
check_respond "bad port list" 2 "empty item in '80,,81'" --ports 80,,81 --bind 127.0.0.1
check_respond "bad protocol" 2 "the protocol must be tcp or udp" --ports 80/sctp --bind 127.0.0.1
check_respond "port out of range" 2 "'70000'" --ports 70000 --bind 127.0.0.1
check_respond "no address" 2 "--ports names no address" --ports 80
check_respond "client network without --bind" 2 "'hq-desktops' is a client network (10.1.0.0/16)" -i "$example" --host hq-desktops
check_respond "role without --bind" 2 "a role has no address of its own" -i "$example" --role dns-server
check_respond "network as address" 2 "'10.0.0.0/8' is not an address" --ports 80 --bind 10.0.0.0/8
check_respond "bad address" 2 "'nope' is not an address" --ports 80 --bind nope
check_respond "nothing to serve" 2 "the plan asks 'ADMIN01' to accept no TCP or UDP port" -i "$example" --host ADMIN01 --bind 127.0.0.1
check_respond "bad token" 2 "'a=b' is not a token" --ports 80 --bind 127.0.0.1 --token a=b
check_respond "bad ttl" 2 "--ttl: error: '5x': unknown unit" --ports 80 --bind 127.0.0.1 --ttl 5x
check_respond "bad idle" 2 "--idle: error: '0s' is out of range" --ports 80 --bind 127.0.0.1 --idle 0s
check_respond "too many sockets" 2 "sockets to open, and the descriptor limit is" --ports 1-65535,1-65535/udp --bind 127.0.0.1
check_respond "a pid file in a folder that does not exist" 2 "--pid-file: error: cannot write in $WORK/nope" \
  --ports 80 --bind 127.0.0.1 --pid-file "$WORK/nope/respond.pid"
check_respond "an address this machine lacks" 2 "cannot bind 192.0.2.1 40000/tcp: Cannot assign requested address" \
  --ports 40000 --bind 192.0.2.1
if [ "$(id -u)" -eq 0 ]; then
  check_respond "unknown user" 2 "no user 'no-such-user-here'" --ports 80 --bind 127.0.0.1 --user no-such-user-here
fi

# A short run: a free port on 127.0.0.1, ended by --ttl, exit 0, the summary on stdout.
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
check_respond "a run ended by --ttl" 0 "portolan respond: token t1, host -: tcp $port on 127.0.0.1 (1 socket)" \
  --ports "$port" --bind 127.0.0.1 --ttl 500ms --token t1 --summary-json "$WORK/summary.json"
if grep -q "ended by --ttl" "$WORK/stdout" && grep -q "\"ended_by\": \"--ttl\"" "$WORK/summary.json"; then
  pass
else
  fail "the summary does not say it ended by --ttl"
  cat "$WORK/stdout" "$WORK/summary.json"
fi

finish
