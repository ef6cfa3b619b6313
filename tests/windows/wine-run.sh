#!/usr/bin/env bash
# wine-run.sh PROGRAM.exe ARGS...: runs a Windows program under wine the way every test does, so
# that wine can never hold a run: a private prefix ($PORTOLAN_WINEPREFIX, made once by wineboot),
# a warm wineserver (started if none runs; it stays $PORTOLAN_WINE_PERSIST seconds after its last
# program, default 60, unless tests/windows/run.sh keeps one for the whole run), and a time limit
# on the program ($PORTOLAN_WINE_TIMEOUT seconds, default 120). A program that overruns it is
# killed with the prefix's wineserver, and run once more; a second overrun exits 124.
#
# The exit code is the program's. Standard input is passed through; standard output and error
# are passed through once the program has ended (so that a retried run's output is not doubled,
# and so that no wine helper process ever holds the caller's pipes open). CMake uses it as the
# CROSSCOMPILING_EMULATOR of the Windows tests, and tests/windows/portolan-wine.sh runs
# portolan.exe through it for the command-line tests.
set -u

if [ $# -lt 1 ]; then
  echo "usage: wine-run.sh PROGRAM.exe [ARGS...]" >&2
  exit 2
fi
export WINEDEBUG=${WINEDEBUG:--all}
# No Mono or Gecko installer dialogs while a prefix is made.
export WINEDLLOVERRIDES=${WINEDLLOVERRIDES:-mscoree,mshtml=}
export WINEPREFIX=${PORTOLAN_WINEPREFIX:-${XDG_CACHE_HOME:-$HOME/.cache}/portolan/wineprefix}
limit=${PORTOLAN_WINE_TIMEOUT:-120}

# Beside the prefix: the lock of its making, and its epoch, rewritten whenever a call kills the
# prefix's wineserver. Wine programs whose wineserver goes away end with exit code 0, so a call
# that saw the epoch change while its program ran cannot trust its result and runs it again.
state="$(dirname "$WINEPREFIX")/.$(basename "$WINEPREFIX")"
epoch() { cat "$state.epoch" 2>/dev/null; }

# wine_up: this prefix's wineserver running (one that runs already is kept: a second one exits at
# once) and the prefix made, once, under a lock, with no descriptor of ours inherited.
wine_up() {
  mkdir -p "$WINEPREFIX" || return 1
  setsid wineserver -p"${PORTOLAN_WINE_PERSIST:-60}" </dev/null >/dev/null 2>&1
  [ -f "$WINEPREFIX/.portolan-ready" ] && return 0
  (
    flock 9
    [ -f "$WINEPREFIX/.portolan-ready" ] && exit 0
    timeout -k 5 300 setsid wineboot -i </dev/null >/dev/null 2>&1 || exit 1
    touch "$WINEPREFIX/.portolan-ready"
  ) 9>"$state.lock"
}
# wine_down: the prefix's wineserver and every program of it killed, and the epoch moved on.
wine_down() {
  date +%s.%N.$$ >"$state.epoch"
  timeout -k 5 20 wineserver -k >/dev/null 2>&1
}

out=$(mktemp) || exit 1
err=$(mktemp) || exit 1
trap 'rm -f "$out" "$err"' EXIT
trap 'exit 130' INT TERM

# Wine opens a program's sockets in its wineserver's process, so in the network namespace the
# wineserver started in, not the caller's: a probe run with `ip netns exec` through a wineserver
# started outside would send its packets from the machine's own namespace. A prefix is therefore
# bound to the namespace of its first call, and a call from any other is refused.
netns=$(stat -L -c %i /proc/self/ns/net 2>/dev/null || echo unknown)
mkdir -p "$WINEPREFIX" || exit 1
if [ -f "$WINEPREFIX/.portolan-netns" ]; then
  if [ "$(cat "$WINEPREFIX/.portolan-netns")" != "$netns" ]; then
    echo "wine-run: refused: $WINEPREFIX belongs to another network namespace (wine would open this" \
      "program's sockets there, not in the caller's); use a prefix of its own" >&2
    exit 2
  fi
else
  echo "$netns" >"$WINEPREFIX/.portolan-netns"
fi
wine_up || echo "wine-run: could not start wine in $WINEPREFIX" >&2
for attempt in 1 2; do
  before=$(epoch)
  timeout -k 5 "$limit" wine "$@" >"$out" 2>"$err"
  status=$?
  # 124: the time limit; 137: killed (by that limit's KILL, or with the wineserver).
  if [ "$status" -eq 124 ] || [ "$status" -eq 137 ]; then
    why="did not end within ${limit} s (exit $status)"
    wine_down
  elif [ "$(epoch)" != "$before" ]; then
    why="ran while another call killed the wineserver (exit $status)"
    status=124
  else
    break
  fi
  if [ "$attempt" -eq 1 ]; then
    echo "wine-run: $(basename "$1") $why; running it again" >&2
    wine_up
  else
    echo "wine-run: $(basename "$1") $why, again; giving up" >&2
    status=124
  fi
done
cat "$out"
cat "$err" >&2
exit "$status"
