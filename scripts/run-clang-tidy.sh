#!/usr/bin/env bash
# clang-tidy over every source file of src/, with the checks of the root .clang-tidy, using the
# compile commands of a configured build directory (default build/). Exits 1 on any finding.
# Usage: run-clang-tidy.sh [BUILD_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
[ -f "$build/compile_commands.json" ] || { echo "run-clang-tidy: no $build/compile_commands.json (configure first)"; exit 2; }
# Only what src/ compiles: tests, benchmarks and fuzzers follow their own frameworks' idioms.
files=$(git ls-files 'src/*.cpp' | wc -l)
log=$(mktemp)
trap 'rm -f "$log"' EXIT
if run-clang-tidy -quiet -p "$build" -j "$(nproc)" "^$PWD/src/.*\.cpp$" >"$log" 2>&1; then
  echo "clang-tidy: $files files of src/, no finding"
  exit 0
fi
grep -E '(warning|error): ' "$log" | grep -v 'warnings generated' | sort -u
echo "clang-tidy: findings above (checks in .clang-tidy)"
exit 1
