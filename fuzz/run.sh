#!/usr/bin/env bash
# Builds the libFuzzer targets (cmake --preset fuzz: clang, ASan, UBSan) and runs each one for a
# bounded time on a copy of its seed corpus, so the seeds in fuzz/corpus/ stay as they are.
# Exits non-zero on any crash, leak, timeout, out-of-memory or sanitizer report; the input that
# caused it is kept in build-fuzz/artifacts/.
#
# Usage: fuzz/run.sh [SECONDS_PER_TARGET]    (default 30)
set -euo pipefail

seconds=${1:-30}
if ! [[ $seconds =~ ^[0-9]+$ ]] || ((seconds < 1)); then
  echo "usage: $0 [SECONDS_PER_TARGET]  (a whole number of seconds, default 30)" >&2
  exit 2
fi

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

cmake --preset fuzz >/dev/null
cmake --build --preset fuzz

# Every fuzz/*_fuzzer.cpp, in name order.
targets=()
for source in fuzz/*_fuzzer.cpp; do targets+=("$(basename "$source" .cpp)"); done
artifacts="$root/build-fuzz/artifacts"
mkdir -p "$artifacts"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Sanitizer reports end the run with a stack trace; leaks are reported when an input finishes.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:symbolize=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

# Seeds that live elsewhere in the tree join the stored ones, so new examples and fixtures are
# fuzzed without being copied into fuzz/corpus/ first.
extra_seeds() {
  case $1 in
    inventory_fuzzer | render_fuzzer) ls examples/*.yaml tests/data/inventories/*.yaml tests/data/bad-inventories/*.yaml 2>/dev/null ;;
    catalog_fuzzer) ls catalogs/*.yaml tests/data/bad-catalogs/*.yaml 2>/dev/null ;;
    # The audit's hand-written rulesets and kernel dumps (the goldens' inputs).
    cisco_fuzzer) ls tests/golden/audit/cisco-*/*.cfg 2>/dev/null ;;
    ruleset_fuzzer) ls examples/*.rules 2>/dev/null ;;
    nftables_json_fuzzer) ls tests/golden/audit/nftables/*.nft.json tests/data/audit/*.json 2>/dev/null ;;
    aws_windows_fuzzer) ls tests/golden/audit/aws/*.sg.json tests/golden/audit/windows/*.rules 2>/dev/null ;;
    # portolan's own JSON outputs, read back as the HTML report's evidence.
    evidence_fuzzer) ls tests/golden/probe/*.json tests/golden/lab/*.json tests/golden/audit/*/broken-network.json 2>/dev/null ;;
    squid_fuzzer) ls tests/data/audit/squid/*.conf examples/*squid*.conf tests/data/audit/corpus/squid/*.conf 2>/dev/null ;;
    *) ;;
  esac
}

failed=()
for target in "${targets[@]}"; do
  corpus="$work/$target"
  mkdir -p "$corpus"
  if [[ -d fuzz/corpus/$target ]]; then cp "fuzz/corpus/$target"/* "$corpus"/; fi
  while read -r seed; do
    [[ -n $seed ]] && cp "$seed" "$corpus/extra-$(echo "$seed" | tr '/' '_')"
  done < <(extra_seeds "$target")

  options=(-max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1
           -artifact_prefix="$artifacts/$target-")
  [[ -f fuzz/corpus/$target.dict ]] && options+=(-dict="fuzz/corpus/$target.dict")

  log="$work/$target.log"
  echo "== $target: ${seconds}s on $(find "$corpus" -type f | wc -l) seeds"
  if "build-fuzz/fuzz/$target" "${options[@]}" "$corpus" >"$log" 2>&1; then
    grep -E '^stat::(number_of_executed_units|peak_rss_mb)|^Done' "$log" || true
  else
    failed+=("$target")
    echo "!! $target failed; the end of its log:"
    tail -n 80 "$log"
    echo "!! inputs that failed are in $artifacts/ (reproduce with: build-fuzz/fuzz/$target FILE)"
  fi
done

if ((${#failed[@]} > 0)); then
  echo "fuzzing found problems in: ${failed[*]}" >&2
  exit 1
fi
echo "fuzzing found nothing in ${#targets[@]} targets (${seconds}s each)"
