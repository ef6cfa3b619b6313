#!/usr/bin/env python3
"""An oracle for the site report's statuses, written apart from the C++ from the rules in
docs/report.md: each flow's status from the evidence files alone (portolan's own -f json outputs)
and the plan (portolan plan -f json), checked against the page's data-status of every flow.

Usage: status_oracle.py PORTOLAN INVENTORY PAGE.html EVIDENCE.json...   exit 0 when every flow agrees.
The evidence must include a lab result: its endpoint list says which endpoint owns an address."""
import ipaddress
import json
import re
import subprocess
import sys

PASSES = ("VERIFIED", "LISTENING")


def main():
    portolan, inventory, page, files = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
    plan = json.loads(subprocess.run([portolan, "plan", "-q", "-i", inventory, "-f", "json"], check=True,
                                     capture_output=True, text=True).stdout)
    flows = {f["id"]: (f["source"]["hosts"] + f["source"]["networks"],
                       f["destination"]["hosts"] + f["destination"]["networks"]) for f in plan["flows"]}
    # Who owns an address: the lab's endpoints (hosts have their own), and the networks of plan
    # sides with a single endpoint (client networks).
    owners = []
    for flow in plan["flows"]:
        for side in ("source", "destination"):
            names = flow[side]["hosts"] + flow[side]["networks"]
            if len(names) == 1:
                owners += [(ipaddress.ip_network(a, strict=False), names[0]) for a in flow[side]["addresses"]]
    passed = {f: set() for f in flows}
    failed = {f: 0 for f in flows}
    audit = {f: set() for f in flows}
    probes = []
    for name in files:
        data = json.load(open(name))
        if "pairs" in data:  # lab verify
            for endpoint in data["endpoints"]:
                owners += [(ipaddress.ip_network(a, strict=False), endpoint["name"]) for a in endpoint["addresses"]]
            for pair in data["pairs"]:
                for check in pair["checks"]:
                    if not check["required"]:
                        continue
                    for flow in check["flows"]:
                        if check["pass"]:
                            passed[flow].add((pair["from"], pair["to"]))
                        else:
                            failed[flow] += 1
        elif "rulesets" in data:  # audit
            for flow in data["flows"]:
                audit[flow["flow"]].add(flow["verdict"])
        elif "results" in data:
            probes.append(data)
    for data in probes:
        for result in data["results"]:
            if result["verdict"] == "LISTENING_OR_FILTERED":
                continue  # silence on UDP proves nothing
            target = ipaddress.ip_address(result["target"])
            to = next((name for network, name in owners if target in network), None)
            for flow in result["flows"]:
                if flow not in flows:
                    continue
                if result["verdict"] not in PASSES:
                    failed[flow] += 1
                elif to:
                    passed[flow].add((data["from"], to))
    expected = {}
    for flow, (sources, destinations) in flows.items():
        pairs = {(s, d) for s in sources for d in destinations if s != d}
        verdicts = audit[flow]
        if "BLOCKED" in verdicts:
            expected[flow] = "blocked"
        elif "PARTIAL" in verdicts:
            expected[flow] = "partly-blocked"
        elif failed[flow]:
            expected[flow] = "failed"
        elif passed[flow] and pairs <= passed[flow]:
            expected[flow] = "required-open"
        elif "UNCERTAIN" in verdicts:
            expected[flow] = "uncertain"
        elif passed[flow]:
            expected[flow] = "partly-checked"
        elif "ALLOWED" in verdicts:
            expected[flow] = "allowed"
        else:
            expected[flow] = "unchecked"
    with open(page, encoding="utf-8") as html:
        shown = dict(re.findall(r'data-flow="([^"]+)" data-status="([^"]+)"', html.read()))
    wrong = [f"{flow}: the page says {shown.get(flow)}, the oracle {status}" for flow, status in expected.items()
             if shown.get(flow) != status]
    for line in wrong:
        print("status_oracle:", line)
    counts = {}
    for status in expected.values():
        counts[status] = counts.get(status, 0) + 1
    print("status_oracle:", len(expected), "flows:", ", ".join(f"{n} {s}" for s, n in sorted(counts.items())))
    return 1 if wrong or len(shown) != len(expected) else 0


if __name__ == "__main__":
    sys.exit(main())
