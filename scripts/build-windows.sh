#!/usr/bin/env bash
# The Windows build: installs the cross toolchain and wine and builds the libraries Debian ships
# no Windows builds of (scripts/install-windows-deps.sh, cached by version), then cross-compiles
# build-windows/portolan.exe (x86_64, statically linked). Needs root the first time (apt-get).
# With --tests, also the Windows test binary build-windows/tests/portolan_tests.exe (in the same
# build folder, so the libraries are compiled once); tests/windows/run.sh runs it under wine.
set -euo pipefail
cd "$(dirname "$0")/.."
prefix=$(bash scripts/install-windows-deps.sh | tail -1)
PORTOLAN_WINDOWS_DEPS=$prefix cmake --preset windows >/dev/null
cmake --build --preset windows -j "$(nproc)"
echo "built build-windows/portolan.exe (dependencies from $prefix)"
if [ "${1:-}" = --tests ]; then
  cmake --build --preset windows-tests -j "$(nproc)"
  echo "built build-windows/tests/portolan_tests.exe"
fi
