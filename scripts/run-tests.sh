#!/usr/bin/env bash
# Every test: install, build, lint the catalogs, check formatting, include directions and
# clang-tidy, run the unit, golden and command-line tests, the Windows build and its tests under
# wine, a short benchmark smoke run and a bounded fuzzing run. Exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh

echo "== catalog lint"
build/portolan catalog lint catalogs/*.yaml

echo "== format check (clang-format)"
git ls-files '*.cpp' '*.hpp' | xargs clang-format --dry-run -Werror

echo "== include directions (a stage includes only the stages below it)"
python3 scripts/check-includes.py

echo "== static analysis (clang-tidy)"
bash scripts/run-clang-tidy.sh build

echo "== unit, golden and command-line tests"
ctest --preset default

echo "== Windows: portolan.exe cross-built (mingw-w64) and the release archive"
bash scripts/package-windows.sh
echo "== Windows: under wine, the offline commands, the unit and golden tests and the command-line tests"
bash scripts/build-windows.sh --tests
bash tests/windows/run.sh build-windows "$PWD"

echo "== benchmark smoke run"
bash bench/run.sh --smoke

if [ -f fuzz/run.sh ]; then
  echo "== fuzzing (${PORTOLAN_FUZZ_SECONDS:-20} s per target)"
  bash fuzz/run.sh "${PORTOLAN_FUZZ_SECONDS:-20}"
fi
echo "all tests passed"
