#!/usr/bin/env bash
# The real-world corpus (tests/data/audit/corpus/, origins in its SOURCES.md): every file of
# EXPECTED.tsv is audited against the example plan (a squid.conf: the proxied example's) with its
# format named, and must come out as the file says. audited: exit 0 or 1, a report that is JSON,
# under MAX_SECONDS. refused: exit 2, a first stderr line `FILE:LINE:COLUMN: error: ` that holds
# the expected words, and no report. Never a crash or a timeout.
#
#   bash tests/audit/corpus_test.sh PORTOLAN SOURCE_DIR
set -uo pipefail

portolan="${1:?usage: corpus_test.sh PORTOLAN SOURCE_DIR}"
source_dir="${2:?usage: corpus_test.sh PORTOLAN SOURCE_DIR}"
corpus="$source_dir/tests/data/audit/corpus"
inventory="$source_dir/examples/sms2003-site.yaml"
# A bound against a blow-up (a ruleset that sends the analysis exponential would take minutes),
# not a benchmark (bench/audit_bench measures speed): the largest file, TUM 2015, takes 3.5 to 4.8 s
# on the 2-core CI machine depending on the day, and a 5 s bound failed CI at 5.3 s.
readonly MAX_SECONDS=10
readonly TIMEOUT_SECONDS=20

# shellcheck source=../support/harness.sh
source "$(dirname "${BASH_SOURCE[0]}")/../support/harness.sh"
harness_init corpus

while IFS= read -r line || [[ -n "$line" ]]; do
  [[ -z "$line" || "$line" == \#* ]] && continue
  # Split on every tab (read with IFS=tab would merge the empty extra-args field).
  IFS=$'\x1f' read -r path outcome extra want <<<"${line//$'\t'/$'\x1f'}"
  file="$corpus/$path"
  format="${path%%/*}"
  # A squid.conf is an HTTP proxy's policy: audited against the example site that has one.
  site="$inventory"
  [[ "$format" == squid ]] && site="$source_dir/examples/sms2003-proxied-site.yaml"
  out="$WORK/report.json"
  rm -f "$out"
  read -r -a extra_args <<<"$extra"
  start=$(date +%s%N)
  status=0
  timeout "$TIMEOUT_SECONDS" "$portolan" audit -i "$site" --ruleset "$file" \
    --ruleset-format "$format" "${extra_args[@]}" -f json -o "$out" >/dev/null 2>"$WORK/stderr" || status=$?
  end=$(date +%s%N)
  seconds=$(awk -v ns=$((end - start)) 'BEGIN { printf "%.2f", ns / 1e9 }')
  first_error=$(head -n 1 "$WORK/stderr")
  why=""
  if [[ $status -eq 124 ]]; then
    why="timed out after ${TIMEOUT_SECONDS} s"
  elif [[ $status -gt 2 ]]; then
    why="crashed (exit $status)"
  elif [[ "$outcome" == audited ]]; then
    if [[ $status -eq 2 ]]; then
      why="refused"
    elif ! python3 -c 'import json, sys; json.load(open(sys.argv[1]))' "$out" 2>/dev/null; then
      why="the report is not JSON"
    elif awk -v s="$seconds" -v max="$MAX_SECONDS" 'BEGIN { exit !(s > max) }'; then
      why="slower than ${MAX_SECONDS} s"
    fi
  elif [[ "$outcome" == refused ]]; then
    if [[ $status -ne 2 ]]; then
      why="read (exit $status), expected a refusal"
    elif [[ -e "$out" ]]; then
      why="refused but wrote a report"
    elif [[ "${first_error:0:${#file}+1}" != "$file:" ]] ||
      ! [[ "${first_error:${#file}}" =~ ^:[0-9]+:[0-9]+:\ error:\  ]]; then
      why="the error is not FILE:LINE:COLUMN: error:"
    elif [[ "$first_error" != *"$want"* ]]; then
      why="the error does not say '$want'"
    fi
  else
    why="unknown outcome '$outcome' in EXPECTED.tsv"
  fi
  if [[ -z "$why" ]]; then
    pass
    printf 'PASS %6s  %-8s %s\n' "$seconds" "$outcome" "$path"
  else
    fail "$(printf '%6s  %-8s %s: %s%s' "$seconds" "$outcome" "$path" "$why" \
      "${first_error:+ | ${first_error#"$corpus/"}}")"
  fi
done <"$corpus/EXPECTED.tsv"

[[ $passed -gt 0 || $failed -gt 0 ]] || fail "EXPECTED.tsv lists no file"
finish
