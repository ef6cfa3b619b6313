#pragma once
// Probe results as a terminal table, JSON (the schema in docs/probe.md), CSV, or JUnit XML
// (one test case per flow and port, so that CI systems show which flow failed).

#include <string>
#include <vector>

#include "core/format.hpp"
#include "probe/spec.hpp"

namespace portolan::report {

struct ProbeReportOptions {
  bool colour = false;             // table: verdicts in colour (a terminal without NO_COLOR)
  std::vector<std::string> notes;  // table and JSON: what was not probed, and why
  // JSON, probes from an inventory (-i): the file as given, its fingerprint, and the endpoint
  // probed from as the inventory names it; an ad hoc probe leaves them empty.
  std::string inventory_file;
  std::string fingerprint;
  std::string from;
};

// Details quote servers; only printable ASCII is kept, so that no output format can break.
std::string Printable(std::string_view text);
// The id of the service a probe checked, "-" for a transport-only check; an HTTP check other than
// the plain GET after it ("http CCM_POST", "http BITS").
std::string ServiceId(const probe::ProbeResult& result);

std::string RenderProbeResults(const std::vector<probe::ProbeResult>& results, core::Format format,
                               const ProbeReportOptions& options = {});

}  // namespace portolan::report
