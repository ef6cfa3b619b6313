#pragma once
// The site report: one self-contained HTML file for the network team, a change board and an
// auditor. What must be open and why (the plan), in a picture, a zone matrix and a change
// request per firewall; the rule each platform needs; and the evidence portolan gathered (probe,
// lab, audit) combined into one status per flow. docs/report.md describes the page.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "catalog/catalog.hpp"
#include "inventory/inventory.hpp"
#include "plan/flow.hpp"
#include "report/evidence.hpp"
#include "report/rule_samples.hpp"

namespace portolan::report {

// A flow's status, from the evidence given (strongest first).
enum class FlowState {
  kBlocked,        // an audited ruleset drops all of it (the rule is named)
  kPartlyBlocked,  // an audited ruleset drops part of it
  kFailed,         // a probe or the lab found it closed
  kOpen,           // probes or the lab proved it open for every source and destination, nothing says otherwise
  kUncertain,      // an audit could not decide (matches it cannot model)
  kPartlyChecked,  // open where probes or the lab checked it, but not every source and destination was
  kAllowed,        // an audited ruleset allows it; nothing proved it on the wire
  kUnchecked       // no evidence about it
};
std::string_view FlowStateId(FlowState state);    // "blocked", ..., "required-open", ..., "unchecked"
std::string_view FlowStateText(FlowState state);  // in words, for the page

struct SiteReportInput {
  const catalog::Catalog* catalog = nullptr;
  const inventory::Inventory* inventory = nullptr;
  const plan::Plan* plan = nullptr;
  std::vector<PlatformSamples> platforms;  // the rule of each flow, per platform shown
  // Said where the rules would be when none are shown although platforms exist (a large plan).
  std::string rules_note;
  std::vector<ProbeEvidence> probes;
  std::optional<LabEvidence> lab;
  std::vector<AuditEvidence> audits;
  std::string generated;  // when, in words ("2026-12-07 21:00 UTC"); "" leaves it out (goldens)
};

// Each flow's state from the evidence, by flow id (every flow of the plan has one).
std::vector<FlowState> CombineEvidence(const SiteReportInput& input);

// With changes_csv, also the change request as CSV (RFC 4180), every row with every name and
// address: the page carries it as a download link up to 4 MiB; `report --changes-csv` writes it.
std::string RenderSiteReport(const SiteReportInput& input, std::string* changes_csv = nullptr);

}  // namespace portolan::report
