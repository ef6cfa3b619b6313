#!/usr/bin/env bash
# Every test of the Windows build under wine, with one private prefix and one warm wineserver for
# the whole run (killed and the prefix removed at the end, whatever happens):
#   1. tests/windows/offline_test.sh: the offline commands' bytes against the Linux golden files;
#   2. ctest in BUILD_DIR: the unit and golden tests (portolan_tests.exe, one ctest entry a
#      GoogleTest suite) and the command-line tests (tests/cli/cli_test.sh,
#      tests/audit/cli_test.sh and tests/report/report_cli_test.sh against portolan.exe);
#   3. probe: tests/windows/probe_test.sh (listeners on 127.0.0.1, every protocol check against the
#      Linux build's responder, HTTP, DNS, TLS 1.0). Never in a network namespace of its own: wine
#      opens sockets in its wineserver's namespace, not the caller's (wine-run.sh refuses a call
#      from another namespace than the one its prefix started in).
# Every wine call goes through tests/windows/wine-run.sh: a time limit, a hung wine killed and the
# call tried once more. Exits non-zero if anything failed.
#
# Usage: run.sh BUILD_DIR [SOURCE_DIR [LINUX_PORTOLAN]]   (BUILD_DIR: the windows preset's, with
# the tests built: scripts/build-windows.sh --tests; LINUX_PORTOLAN: the Linux build, whose
# responder stands in for the services, default SOURCE_DIR/build/portolan)
set -uo pipefail
build=$(cd "$1" && pwd)
src=$(cd "${2:-$(dirname "$0")/../..}" && pwd)
here="$src/tests/windows"
linux_portolan=${3:-$src/build/portolan}
for tool in wine wineserver; do
  command -v "$tool" >/dev/null || {
    echo "windows tests: $tool not installed (scripts/install-windows-deps.sh installs it)" >&2
    exit 1
  }
done
for file in "$build/portolan.exe" "$build/tests/portolan_tests.exe"; do
  [ -f "$file" ] || {
    echo "windows tests: $file is not built (scripts/build-windows.sh --tests)" >&2
    exit 1
  }
done

root=$(mktemp -d)
export PORTOLAN_WINEPREFIX=$root/prefix
export WINEDEBUG=-all
stop_wine() {
  WINEPREFIX=$PORTOLAN_WINEPREFIX timeout -k 5 20 wineserver -k >/dev/null 2>&1
  rm -rf "$root"
}
trap stop_wine EXIT
trap 'exit 130' INT TERM

# The wineserver for the whole run (-p: it stays until killed), started apart from our output (a
# wine process that inherits a pipe keeps whoever reads it waiting), then the prefix made.
mkdir -p "$PORTOLAN_WINEPREFIX"
WINEPREFIX=$PORTOLAN_WINEPREFIX setsid wineserver -p </dev/null >/dev/null 2>&1
start=$SECONDS
if ! "$here/wine-run.sh" "$build/portolan.exe" --version >/dev/null; then
  echo "windows tests: portolan.exe --version does not run under wine" >&2
  exit 1
fi
echo "$(wine --version): a new prefix in $((SECONDS - start)) s"

status=0
start=$SECONDS
bash "$here/offline_test.sh" "$build/portolan.exe" "$src" || status=1
echo "(offline commands: $((SECONDS - start)) s)"
start=$SECONDS
ctest --test-dir "$build" -j "$(nproc)" --output-on-failure || status=1
echo "(unit, golden and command-line tests under wine: $((SECONDS - start)) s)"

start=$SECONDS
export PORTOLAN_EXE=$build/portolan.exe
bash "$here/probe_test.sh" "$here/portolan-wine.sh" "$linux_portolan" "$src" || status=1
echo "(probe under wine: $((SECONDS - start)) s)"
exit "$status"
