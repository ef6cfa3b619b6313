#!/usr/bin/env bash
# Installs the dependencies (Debian packages) and builds portolan with the default preset.
# Usage: build.sh [TARGET...]: only those targets (e.g. `portolan`, as run-example.sh does), or
# with none every target: the binary, the tests, the benchmarks' tools.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
cmake --preset default >/dev/null
targets=()
for target in "$@"; do targets+=(--target "$target"); done
cmake --build --preset default -j "$(nproc)" "${targets[@]}"
