#!/usr/bin/env bash
# The Windows build: installs the cross toolchain and wine and builds the libraries Debian ships
# no Windows builds of (scripts/install-windows-deps.sh, cached by version), then cross-compiles
# build-windows/portolan.exe (x86_64, statically linked; the offline commands: catalog, plan,
# explain, lmhosts, mp-script, render, audit). Needs root the first time (apt-get).
set -euo pipefail
cd "$(dirname "$0")/.."
prefix=$(bash scripts/install-windows-deps.sh | tail -1)
PORTOLAN_WINDOWS_DEPS=$prefix cmake --preset windows >/dev/null
cmake --build --preset windows -j "$(nproc)"
echo "built build-windows/portolan.exe (dependencies from $prefix)"
