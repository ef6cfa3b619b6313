#!/usr/bin/env bash
# The report benchmark of docs/benchmarks.md: `portolan report` on the generated 500-site
# inventory with an audit and probe results, timed as a user runs it (the whole process: wall
# time, peak memory), then the page in headless Chromium (tests/report/browser.py time: navigation
# to DOMContentLoaded, to the load event, to the first frame painted after it). The issue's
# budgets: the file written in under 2 s, rendered in under 3 s. A benchmark, not a test: it
# prints PASS or OVER against them and fails only when a command fails.
#
#   bash bench/report_bench.sh            500 sites, 10,000 hosts, 2,000 client networks; 5 runs
#   bash bench/report_bench.sh --smoke    20 sites, 1 run, for CI (a few seconds)
#   bash bench/report_bench.sh --runs N   N timed runs of each
#
# The evidence is made, not measured: two rulesets (a router between two sites, a server's own
# firewall) rendered by `portolan render -t iptables`, every 10th accept rule removed and one rule
# nothing requires added, then `portolan audit -f json`; the probe results are written by this
# script in the shape of `portolan probe -i INVENTORY --from HOST -f json` (with the inventory's
# fingerprint), from a few hosts and a client network, no packet sent: the generated addresses
# are not ours to probe.
# PORTOLAN_BUILD_DIR picks another build directory (default: build/).
set -euo pipefail

smoke=0
runs=5
while [[ $# -gt 0 ]]; do
  case "$1" in
    --smoke) smoke=1 ;;
    --runs) runs="${2:?--runs needs a number}"; shift ;;
    -h|--help) sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "report_bench: unknown argument '$1' (expected --smoke or --runs N)" >&2; exit 2 ;;
  esac
  shift
done

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${PORTOLAN_BUILD_DIR:-$root/build}"
portolan="$build/portolan"
generator="$build/bench/portolan_gen_inventory"
browser_py="$root/tests/report/browser.py"

seed=2  # as bench/run.sh: global catalogs, WINS and the default RPC range
if [[ $smoke -eq 1 ]]; then
  sites=20 hosts=200 clients=40 runs=1 vantage_hosts=1
else
  sites=500 hosts=10000 clients=2000 vantage_hosts=3
fi
budget_written=2
budget_rendered=3

if [[ ! -x /usr/bin/time ]]; then
  echo "report_bench: /usr/bin/time is missing (Debian/Ubuntu: apt-get install time)" >&2
  exit 1
fi
if [[ ! -x "$portolan" || ! -x "$generator" ]]; then
  echo "== building (binaries missing in $build)"
  (cd "$root" && { [[ -f "$build/build.ninja" ]] || cmake --preset default; } &&
    cmake --build "$build" --target portolan portolan_gen_inventory)
fi

tmp="$(mktemp -d "${TMPDIR:-/tmp}/portolan-report-bench.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT

median() { sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.2f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
maximum() { sort -n | tail -n 1; }
# verdict VALUE BUDGET: PASS when VALUE < BUDGET, else OVER (the smoke shape has no budget).
verdict() {
  if [[ $smoke -eq 1 ]]; then echo "(smoke shape; the budget of < $2 s is for the full run)"; return; fi
  awk -v v="$1" -v b="$2" 'BEGIN { print ((v < b) ? "PASS" : "OVER") " (budget < " b " s)" }'
}

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
echo "$(wc -c <"$inventory") bytes of YAML"
"$portolan" plan -q -i "$inventory" -f json -o "$tmp/plan.json"

echo
# Two audits: the router between the central site and the first child site (network mode, two
# zones), and the central site server's own firewall (host mode). Each ruleset is rendered, then
# loses every 10th accept rule (blocked flows) and gains one rule nothing requires (excess).
# Not the router between all 500 sites: that ruleset has millions of rules.
central=$(sed -n 's/^  - code: *//p' "$inventory" | sed -n 1p)
child=$(sed -n 's/^  - code: *//p' "$inventory" | sed -n 2p)
server=$(sed -n 's/^      - name: *//p' "$inventory" | sed -n 1p)
echo
echo "== evidence: audits of the router between $central and $child and of $server's firewall;" \
  "probe results from the $vantage_hosts busiest host(s) and client network"
# audit NAME RENDER_AND_AUDIT_OPTIONS...: render, edit, audit into $tmp/audit-NAME.json.
audit() {
  local name=$1 rules status=0
  shift
  local rulesets=()
  "$portolan" render -q -i "$inventory" -t iptables "$@" --out "$tmp/$name" >/dev/null 2>&1
  for rules in "$tmp/$name"/*.rules; do
    awk '/^-A .* -j ACCEPT/ && !/ESTABLISHED/ && !/ -i lo / { if (++n % 10 == 0) next }
         { print }
         /--ctstate INVALID/ && !done { print "-A " $2 " -p tcp --dport 3389 -j ACCEPT"; done = 1 }' \
      "$rules" >"$rules.edited"
    rulesets+=(--ruleset "$rules.edited")
  done
  "$portolan" audit -q -i "$inventory" "$@" "${rulesets[@]}" -f json -o "$tmp/audit-$name.json" || status=$?
  # Exit 1 is a finding (the edited ruleset blocks flows), not a failure.
  [[ $status -le 1 ]] || { echo "report_bench: portolan audit ($name) failed (exit $status)" >&2; exit 1; }
  echo "audit-$name.json: $(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["summary"])' \
    "$tmp/audit-$name.json")"
}
audit router --mode network --zones "$central,$child"
audit host --mode host --host "$server"
python3 - "$inventory" "$tmp/plan.json" "$tmp" "$vantage_hosts" <<'PY'
import hashlib, json, pathlib, sys, zlib

inventory, plan_path, out, host_count = pathlib.Path(sys.argv[1]), sys.argv[2], pathlib.Path(sys.argv[3]), int(sys.argv[4])
# The inventory's fingerprint as portolan computes it: SHA-256 of the bytes, CRLF read as LF.
fingerprint = "sha256:" + hashlib.sha256(inventory.read_bytes().replace(b"\r\n", b"\n")).hexdigest()
flows = json.load(open(plan_path))["flows"]
SERVICES = {("tcp", 88): "kerberos", ("udp", 88): "kerberos", ("tcp", 135): "epmap", ("tcp", 389): "ldap",
            ("udp", 389): "cldap", ("tcp", 636): "ldaps", ("tcp", 445): "smb", ("tcp", 139): "netbios-ssn",
            ("udp", 137): "netbios-ns", ("udp", 138): "netbios-dgm", ("tcp", 1433): "ms-sql-s",
            ("udp", 1434): "ms-sql-m", ("tcp", 80): "http", ("tcp", 1723): "pptp", ("tcp", 53): "dns",
            ("udp", 53): "dns", ("tcp", 2701): "sms-remote-control"}
MAX_PORTS_PER_RANGE = 16  # probe/plan_specs.hpp kMaxPortsPerRange: wider ranges are not probed

def sources(kind):
    counts = {}
    for flow in flows:
        for name in flow["source"][kind]:
            counts[name] = counts.get(name, 0) + 1
    return sorted(counts, key=lambda name: (-counts[name], name))

def verdict(key):
    """A made-up verdict, the same for the same probe every run: mostly open, some not."""
    roll = zlib.crc32(key.encode()) % 100
    if roll < 84: return "VERIFIED", "the service answered as expected", ""
    if roll < 90: return "LISTENING", "connection accepted; no protocol check for this port", ""
    if roll < 97: return "FILTERED", "no answer (2 tries)", "10.255.0.1" if roll % 2 else ""
    return "NOT_LISTENING", "connection refused", ""

def probe_file(origin, kind):
    specs = {}
    for flow in flows:
        if origin not in flow["source"][kind] or flow["protocol"] not in ("tcp", "udp"):
            continue
        if origin in flow["destination"]["hosts"]:
            continue  # a host does not probe itself
        for address in flow["destination"]["addresses"]:
            if not (address.endswith("/32") or address.endswith("/128")):
                continue  # a client network: the probe names it in a note instead
            for item in flow["ports"]:
                low, _, high = item.partition("-")
                low, high = int(low), int(high or low)
                if high - low + 1 > MAX_PORTS_PER_RANGE:
                    continue
                for port in range(low, high + 1):
                    key = (address.rsplit("/", 1)[0], flow["protocol"], port)
                    specs.setdefault(key, []).append(flow["id"])
    results = []
    for (target, protocol, port), ids in specs.items():
        name, detail, icmp_from = verdict(f"{origin} {target} {protocol} {port}")
        result = {"target": target, "protocol": protocol, "port": port,
                  "service": SERVICES.get((protocol, port), "-"), "verdict": name, "detail": detail,
                  "rtt_ms": round(0.2 + zlib.crc32(target.encode()) % 400 / 10, 1), "flows": ids}
        if icmp_from:
            result["icmp_from"] = icmp_from
        results.append(result)
    document = {"inventory": {"file": str(inventory), "fingerprint": fingerprint}, "from": origin,
                "results": results}
    path = out / f"probe-{origin}.json"
    path.write_text(json.dumps(document, indent=2) + "\n")
    return path, len(results)

chosen = [(name, "hosts") for name in sources("hosts")[:host_count]] + [(name, "networks") for name in sources("networks")[:1]]
for origin, kind in chosen:
    path, count = probe_file(origin, kind)
    print(f"{path.name}: {count} results")
PY
evidence=()
for file in "$tmp"/probe-*.json; do evidence+=(--probe "$file"); done
for file in "$tmp"/audit-*.json; do evidence+=(--audit "$file"); done
echo "plan: $(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["flows"]))' "$tmp/plan.json") flows"

# time_report NAME ARGS...: the warm-up (not timed), then $runs timed runs of `portolan report ARGS`.
# Sets report_wall (median seconds), report_rss (largest KB) and report_bytes.
time_report() {
  local name=$1
  shift
  echo
  echo "== $name: portolan report $* ($runs runs after a warm-up)"
  # The warm-up shows what goes wrong; the timed runs are quiet.
  "$portolan" report "$@" >/dev/null || { echo "report_bench: portolan report failed (exit $?)" >&2; exit 1; }
  : >"$tmp/times"
  for ((run = 1; run <= runs; run++)); do
    /usr/bin/time -f '%e %M' -o "$tmp/time" "$portolan" report "$@" >/dev/null 2>&1
    read -r seconds kb < <(tail -n 1 "$tmp/time")
    echo "run $run: $seconds s, $kb KB max RSS"
    echo "$seconds $kb" >>"$tmp/times"
  done
  report_wall="$(cut -d' ' -f1 "$tmp/times" | median)"
  report_rss="$(cut -d' ' -f2 "$tmp/times" | maximum)"
}

time_report "with evidence (default options)" -i "$inventory" "${evidence[@]}" -o "$tmp/report.html"
written_wall=$report_wall written_rss=$report_rss
html_bytes=$(wc -c <"$tmp/report.html")
time_report "the plan alone" -i "$inventory" -o "$tmp/plain.html"
plain_wall=$report_wall plain_rss=$report_rss

echo
echo "== browser.py time report.html --runs $runs"
rendered="" loaded=""
status=0
python3 "$browser_py" time "$tmp/report.html" --runs "$runs" | tee "$tmp/browser.txt" || status=$?
if [[ $status -eq 77 ]]; then
  echo "(no Chromium: the render time is not measured; scripts/install-deps.sh installs it)"
elif [[ $status -ne 0 ]]; then
  echo "report_bench: browser.py time failed (exit $status)" >&2
  exit 1
else
  # "median of K: domcontentloaded A ms, load B ms, first frame after load C ms"
  loaded=$(sed -n 's/^median of .*, load \([0-9.]*\) ms,.*/\1/p' "$tmp/browser.txt")
  rendered=$(sed -n 's/^median of .*first frame after load \([0-9.]*\) ms.*/\1/p' "$tmp/browser.txt")
fi

echo
echo "== summary: $sites sites, $hosts hosts, $clients client networks (seed $seed), $runs runs each"
printf 'written, with evidence:  median %6s s  max RSS %4d MB  %9d bytes of HTML  %s\n' \
  "$written_wall" $((written_rss / 1024)) "$html_bytes" "$(verdict "$written_wall" "$budget_written")"
printf 'written, the plan alone: median %6s s  max RSS %4d MB\n' "$plain_wall" $((plain_rss / 1024))
if [[ -n "$rendered" ]]; then
  rendered_s=$(awk -v ms="$rendered" 'BEGIN { printf "%.2f", ms / 1000 }')
  loaded_s=$(awk -v ms="$loaded" 'BEGIN { printf "%.2f", ms / 1000 }')
  printf 'rendered in Chromium:    median %6s s to the first frame after load (load event %s s)  %s\n' \
    "$rendered_s" "$loaded_s" "$(verdict "$rendered_s" "$budget_rendered")"
else
  echo "rendered in Chromium:    not measured (no browser)"
fi
