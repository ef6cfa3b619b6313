#!/usr/bin/env bash
# The scale benchmark of docs/benchmarks.md: times `portolan plan` as a user runs it on the
# generated 500-site inventory, then the in-process phases with plan_bench (and, with --smoke,
# the smoke runs of bench/probe_bench.sh, bench/respond_bench.sh, bench/audit_bench.sh and
# bench/report_bench.sh, the probe, responder, audit and report benchmarks).
#
#   bash bench/run.sh            the full run (500 sites, 10,000 hosts, 2,000 client networks)
#   bash bench/run.sh --smoke    a small shape and short benchmark times, for CI (a few seconds)
#
# PORTOLAN_BUILD_DIR picks another build directory (default: build/, built with the default
# preset when its binaries are missing). Exits non-zero when any command fails.
set -euo pipefail

smoke=0
runs=5
while [[ $# -gt 0 ]]; do
  case "$1" in
    --smoke) smoke=1 ;;
    --runs) runs="${2:?--runs needs a number}"; shift ;;
    -h|--help) sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "run.sh: unknown argument '$1' (expected --smoke or --runs N)" >&2; exit 2 ;;
  esac
  shift
done

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${PORTOLAN_BUILD_DIR:-$root/build}"
portolan="$build/portolan"
generator="$build/bench/portolan_gen_inventory"
plan_bench="$build/bench/plan_bench"

# Seed 2 gives global catalogs, WINS and the default RPC range; plan_bench uses the same.
seed=2
if [[ $smoke -eq 1 ]]; then
  sites=20 hosts=200 clients=40 runs=3
  bench_args=(--benchmark_filter=small --benchmark_min_time=0.01)
else
  sites=500 hosts=10000 clients=2000
  bench_args=()
fi
goal_seconds=1
goal_kb=$((500 * 1024))

if [[ ! -x /usr/bin/time ]]; then
  echo "run.sh: /usr/bin/time is missing (Debian/Ubuntu: apt-get install time)" >&2
  exit 1
fi
if [[ ! -x "$portolan" || ! -x "$generator" || ! -x "$plan_bench" ]]; then
  if [[ -n "${PORTOLAN_BUILD_DIR:-}" && ! -f "$build/build.ninja" ]]; then
    echo "run.sh: $build is not a configured build directory" >&2
    exit 1
  fi
  echo "== building (binaries missing in $build)"
  (cd "$root" && { [[ -f "$build/build.ninja" ]] || cmake --preset default; } && cmake --build "$build")
fi
if [[ ! -x "$plan_bench" ]]; then
  echo "run.sh: $plan_bench was not built (is Google Benchmark installed? libbenchmark-dev)" >&2
  exit 1
fi

tmp="$(mktemp -d "${TMPDIR:-/tmp}/portolan-bench.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT

median() { sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.2f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
maximum() { sort -n | tail -n 1; }

echo "== machine"
echo "cpu:    $(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -n 1), $(nproc) cores (nproc)"
echo "memory: $(free -h | awk '/^Mem:/ { print $2 " total, " $7 " available" }') (free -h)"
if commit="$(git -C "$root" rev-parse --short HEAD 2>/dev/null)"; then
  git -C "$root" diff --quiet HEAD -- src CMakeLists.txt || commit+=" (with uncommitted changes in src/)"
  echo "commit: $commit"
fi

inventory="$tmp/inventory.yaml"
echo
echo "== inventory: $sites sites, $hosts hosts, $clients client networks, seed $seed"
"$generator" --sites "$sites" --hosts "$hosts" --clients "$clients" --seed "$seed" -o "$inventory"
echo "$(wc -c < "$inventory") bytes of YAML"

summary=()
for format in json table; do
  echo
  echo "== portolan plan -i inventory.yaml --format $format > /dev/null ($runs runs after a warm-up)"
  # The warm-up fills the page cache and measures the output size; it is not timed.
  bytes="$("$portolan" plan -i "$inventory" --format "$format" | wc -c)"
  : > "$tmp/times"
  for ((run = 1; run <= runs; run++)); do
    /usr/bin/time -f '%e %M' -o "$tmp/time" "$portolan" plan -i "$inventory" --format "$format" > /dev/null
    read -r seconds kb < <(tail -n 1 "$tmp/time")
    echo "run $run: $seconds s, $kb KB max RSS"
    echo "$seconds $kb" >> "$tmp/times"
  done
  wall="$(cut -d' ' -f1 "$tmp/times" | median)"
  rss="$(cut -d' ' -f2 "$tmp/times" | maximum)"
  verdict="$(awk -v s="$wall" -v k="$rss" -v gs="$goal_seconds" -v gk="$goal_kb" \
    'BEGIN { print (s < gs && k < gk) ? "meets" : "misses" }')"
  [[ $smoke -eq 0 ]] || verdict="(smoke shape; the goal is for the full run)"
  line="$(printf '%-5s median %6s s  max RSS %7d KB (%4d MB)  output %9d bytes  %s' \
    "$format" "$wall" "$rss" $((rss / 1024)) "$bytes" "$verdict")"
  [[ $smoke -eq 1 ]] || line+=" the goal (< $goal_seconds s, < $((goal_kb / 1024)) MB)"
  summary+=("$line")
done

echo
echo "== plan_bench ${bench_args[*]:-}"
"$plan_bench" "${bench_args[@]}"

echo
echo "== summary: $sites sites, $hosts hosts, $clients client networks (seed $seed), $runs runs each"
printf '%s\n' "${summary[@]}"

# The probe and responder benchmarks have shapes of their own (namespaces, nginx, nmap, socat):
# bench/probe_bench.sh and bench/respond_bench.sh.
if [[ $smoke -eq 1 ]]; then
  echo
  echo "== probe_bench --smoke"
  bash "$root/bench/probe_bench.sh" --smoke
  echo
  echo "== respond_bench --smoke"
  bash "$root/bench/respond_bench.sh" --smoke
fi

# The audit benchmark: generated iptables rulesets against the example plan (bench/audit_bench.sh).
if [[ $smoke -eq 1 ]]; then
  echo
  echo "== audit_bench --smoke"
  bash "$root/bench/audit_bench.sh" --smoke
fi

# The report benchmark: the page written and rendered in Chromium (bench/report_bench.sh).
if [[ $smoke -eq 1 ]]; then
  echo
  echo "== report_bench --smoke"
  bash "$root/bench/report_bench.sh" --smoke
fi
