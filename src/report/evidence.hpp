#pragma once
// portolan's own JSON outputs (probe, lab verify/run and audit, each with -f json) read back as
// evidence for the site report. The files are untrusted: size and nesting are bounded, every value
// is checked, and every problem is a core::InputError with the file:line:column of the value.

#include <string>
#include <string_view>
#include <vector>

#include "core/diagnostics.hpp"
#include "inventory/inventory.hpp"
#include "plan/flow.hpp"

namespace portolan::report {

// Larger evidence files are refused before they are read (the 500-site audit is far smaller).
inline constexpr std::size_t kMaxEvidenceBytes = std::size_t{256} << 20;

// `portolan probe -i site.yaml --from HOST -f json`.
struct ProbeEvidence {
  std::string file;                 // this evidence file, as given
  std::string inventory_file;       // the inventory the probe read ("inventory"."file"); "" for an ad hoc probe
  std::string fingerprint;          // that inventory's fingerprint, "sha256:<64 hex>"; "" for an ad hoc probe
  std::string from;                 // the endpoint probed from, as the inventory names it; "" for an ad hoc probe
  core::SourceLocation from_where;  // where "from" is in this file (for errors about it)
  struct Result {
    std::string target;              // the address probed
    std::string protocol;            // "tcp" or "udp"
    int port = 0;                    // 0 to 65535
    std::string service;             // the service checked ("ldap", "http CCM_POST"); "-" for a transport-only check
    std::string proxy;               // the web proxy asked ("10.0.0.5:3128"); "" for a direct probe
    std::string verdict;             // a probe verdict name: VERIFIED, LISTENING, FILTERED, ... (probe/verdict.hpp)
    bool passes = false;             // the verdict is a pass (VERIFIED or LISTENING)
    std::string detail;              // what answered, one line of printable ASCII
    std::string icmp_from;           // the router whose ICMP error answered; "" when none did
    double rtt_ms = 0;               // the round trip, in milliseconds
    std::vector<std::string> flows;  // ids of the plan's flows (and proxy requests) this probe checks
    core::SourceLocation where;      // the result's object in this file
  };
  std::vector<Result> results;     // in file order
  std::vector<std::string> notes;  // what the probe did not check, and why
};

// `portolan lab verify|run -f json`: one check per source, destination and port.
struct LabEvidence {
  std::string file;            // this evidence file, as given
  std::string lab;             // the lab's name
  std::string inventory_file;  // the inventory the lab was built from, as `lab up` was given it
  std::string fingerprint;     // the fingerprint of the lab's copy of it, "sha256:<64 hex>"
  std::string policy;          // what the lab's router loaded, in words
  bool passed = false;         // every check came out as the plan expects
  struct Check {
    std::string from;                 // the source endpoint, as the inventory names it
    std::string to;                   // the destination endpoint
    std::string address;              // the destination's address in the lab
    std::string protocol;             // "tcp" or "udp"
    int port = 0;                     // 0 to 65535
    bool required = false;            // the plan requires this port to pass; otherwise it must be FILTERED
    std::vector<std::string> flows;   // required checks: the plan's flow ids it serves; else empty
    std::string why;                  // checks that are not required, and proxy checks: why it was made
    std::string service;              // the service checked; "-" for transport only
    std::string verdict;              // the probe's verdict name
    std::string detail;               // what answered, one line of printable ASCII
    std::string via;                  // a check through a web proxy: the proxy endpoint's name; else ""
    std::string expected;             // a check through a web proxy: the verdict expected; else ""
    bool pass = false;                // it came out as the plan expects
    bool follow_through = false;      // a port the RPC endpoint mapper handed out, probed after it
    core::SourceLocation where;       // the check's object in this file
    core::SourceLocation pair_where;  // the object of its pair, which holds "from" and "to"
  };
  std::vector<Check> checks;       // pair by pair, in file order
  std::vector<std::string> notes;  // what the lab did not check, and why
};

// `portolan audit -i site.yaml --ruleset FILE... -f json`.
struct AuditEvidence {
  std::string file;            // this evidence file, as given
  std::string inventory_file;  // the inventory the audit read ("inventory"."file")
  std::string fingerprint;     // that inventory's fingerprint, "sha256:<64 hex>"
  std::string firewall;        // which firewall, in words: "the router between zones", "host SMS01's own firewall"
  std::string mode;            // the audit's mode line: "network, between all zones", "host SMS01 (inbound)"
  std::string summary;         // the audit's one-line summary
  std::vector<std::string> rulesets;  // "file (format, family)", one per ruleset audited
  struct Rule {
    std::string file;                     // the ruleset file
    int line = 0;                         // 1-based; 0 for a rule with no line (a chain's policy)
    int column = 0;                       // 1-based; 0 when the reader does not locate rules within a line
    std::string chain;                    // the chain (or section) it is in
    std::string text;                     // the rule as the ruleset writes it
    bool policy = false;                  // the chain's default policy rather than a rule
    std::vector<std::string> unmodelled;  // matches the audit could not model
  };
  struct Blocked {
    std::string example;     // an example packet (or a proxy's request) that is dropped
    bool uncertain = false;  // it may be dropped: the rule has matches the audit cannot model
    Rule rule;               // the rule that drops it
  };
  struct Flow {
    std::string flow;                     // the plan's flow id (or proxy request id)
    std::string direction;                // "inbound", "outbound" or "forward"
    std::string family;                   // "ipv4" or "ipv6"
    std::string from;                     // the sources, in words
    std::string to;                       // the destinations, in words
    std::string protocol;                 // "tcp", "udp", ...
    std::string ports;                    // the ports, in words ("135, 445, 1024-65535")
    std::vector<std::string> methods;     // a proxy's requests: the HTTP methods; else empty
    std::string verdict;                  // ALLOWED, BLOCKED, PARTIAL, UNCERTAIN or NOT-AUDITED
    std::vector<Blocked> blocked;         // what is dropped, by which rule
    std::vector<std::string> depends_on;  // what the verdict depends on that the audit cannot see
    core::SourceLocation where;           // the flow's object in this file
  };
  struct Excess {              // permitted but not required
    std::string direction;     // "inbound", "outbound" or "forward"
    std::string family;        // "ipv4" or "ipv6"
    std::string source;        // the sources, in words
    std::string destination;   // the destinations, in words
    std::string protocol;      // "tcp", "udp", "any", ...
    std::string ports;         // destination ports, in words
    std::string source_ports;  // source ports, in words; "" for a proxy's requests
    std::string methods;       // a proxy's requests: the HTTP methods, in words; else ""
    Rule granted_by;           // the rule that permits it
    bool uncertain = false;    // only for some interfaces or unmodelled matches
  };
  struct Finding {
    Rule rule;        // the rule
    std::string why;  // why it can never match, or what it serves
  };
  std::vector<Flow> flows;           // the required flows through this firewall
  std::vector<Excess> excess;        // "permitted_not_required"
  std::vector<Finding> never_match;  // rules that can never match
  std::vector<Finding> unused;       // accept rules that no required flow uses
  std::vector<std::string> notes;    // what the audit could not see, and why
};

// Read one evidence file's text (the whole file; `file` names it in errors). Throws
// core::InputError: not JSON, another kind of file (a lab output given as probe evidence), or a
// value that is missing, of the wrong type or out of range, each with file:line:column.
ProbeEvidence ReadProbeEvidence(std::string_view text, const std::string& file);
LabEvidence ReadLabEvidence(std::string_view text, const std::string& file);
AuditEvidence ReadAuditEvidence(std::string_view text, const std::string& file);
// The same, reading the file (refused over kMaxEvidenceBytes, before it is read).
ProbeEvidence LoadProbeEvidence(const std::string& path);
LabEvidence LoadLabEvidence(const std::string& path);
AuditEvidence LoadAuditEvidence(const std::string& path);

// That evidence was made from this inventory: its fingerprint equals the inventory's. Throws
// core::InputError: "<file>: results of another inventory: made from X (sha256:1234abcd...), not Y
// (sha256:...)", or, without a fingerprint (an ad hoc probe, a file from an older portolan), what
// the file is and `remedy`, the command that makes one.
void CheckFingerprint(const std::string& file, const std::string& made_from_file,
                      const std::string& made_from_fingerprint, const inventory::Inventory& inventory,
                      std::string_view remedy = {});
// The same for each kind, with the command that makes evidence with a fingerprint as the remedy.
void CheckFingerprint(const ProbeEvidence& evidence, const inventory::Inventory& inventory);
void CheckFingerprint(const LabEvidence& evidence, const inventory::Inventory& inventory);
void CheckFingerprint(const AuditEvidence& evidence, const inventory::Inventory& inventory);

// Every endpoint the evidence names (a probe's "from", a lab check's "from" and "to") is an
// endpoint of the inventory, and every flow id it names is a flow (or proxy request) of the plan.
// Throws core::InputError naming the file:line:column and the unknown name (with a suggestion);
// a probe file without "from" is refused here too.
void CheckNames(const ProbeEvidence& evidence, const inventory::Inventory& inventory, const plan::Plan& plan);
void CheckNames(const LabEvidence& evidence, const inventory::Inventory& inventory, const plan::Plan& plan);
void CheckNames(const AuditEvidence& evidence, const inventory::Inventory& inventory, const plan::Plan& plan);

}  // namespace portolan::report
