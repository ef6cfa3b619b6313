#!/usr/bin/env bash
# portolan-wine.sh ARGS...: portolan.exe ARGS... under wine, through tests/windows/wine-run.sh (a
# private prefix, a warm wineserver, a time limit, a hung wine killed and the call tried once
# more), with the program's exit code, input and output: a stand-in for the Linux binary in the
# command-line tests, which take the program's path as their first argument. The program is
# $PORTOLAN_EXE, by default this checkout's build-windows/portolan.exe.
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
exec "$here/wine-run.sh" "${PORTOLAN_EXE:-$here/../../build-windows/portolan.exe}" "$@"
