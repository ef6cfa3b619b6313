#pragma once
// Shared by the Windows Firewall targets (windows-ps, windows-netsh, windows-legacy): rule
// names, address lists, splitting off Windows' RPC port keywords, and text made safe to quote.

#include <string>
#include <string_view>
#include <vector>

#include "policy/policy.hpp"

namespace portolan::render {

// Every rule portolan writes is in this group (PowerShell -Group) and its name starts with
// "portolan-<host>-", so a re-run finds and replaces exactly the rules of an earlier run.
inline constexpr std::string_view kWindowsGroup = "portolan";

// One Windows rule as written: the items of a policy rule that share a port keyword.
// Windows cannot mix a keyword (RPC, RPCEPMap) with port numbers in one rule.
struct RulePart {
  policy::Rule rule;  // the policy rule cut to this part's items; name "F02-in", "F02-in-epmap", "F02-in-rpc"
  policy::PortKeyword keyword = policy::PortKeyword::kNone;
};

// Splits a rule into its numbered part and one part per keyword. Keywords only exist for
// inbound TCP (the host's own RPC ports); outbound rules name the remote ports by number.
std::vector<RulePart> SplitByKeyword(const policy::Rule& rule);

// "portolan-DC01-F02-in": unique per host, so rules of many hosts can share one GPO.
std::string WindowsRuleName(const policy::Policy& policy, const policy::Rule& rule);

// The remote side's and the host's own networks of a rule, in Windows' address syntax.
const policy::AddressGroup& RemoteGroup(const policy::Policy& policy, const policy::Rule& rule);
const policy::AddressGroup& LocalGroup(const policy::Policy& policy, const policy::Rule& rule);
// "10.0.0.1" for a host, "10.1.0.0/16" for a network (Windows accepts both forms).
std::string WindowsAddress(const core::Network& network);
std::vector<std::string> WindowsAddresses(const std::vector<core::Network>& networks);

// "TCP", "UDP", or the protocol number ("47" for GRE).
std::string WindowsProtocol(catalog::Protocol protocol);

// What a rule part says about itself: "F02-in tcp 135 from SMS01 to DC01 (keyword RPCEPMap);
// entries ad-epmap-tcp". keyword_spelling is the platform's spelling of the part's keyword.
std::string PartDescription(const policy::Policy& policy, const RulePart& part, std::string_view keyword_spelling);

// "portolan F02-in ad-kerberos-tcp ad-ldap-tcp +3 more": the part's name and as many entry
// ids as fit in max_length.
std::string PartTitle(const policy::Policy& policy, const RulePart& part, std::size_t max_length);

// Printable ASCII only: Windows PowerShell 5.1 reads a script without a byte order mark in
// the ANSI code page, and cmd.exe in the OEM one, so anything else would be mangled.
std::string AsciiOnly(std::string_view text);

// Text for a batch file, in a REM line or inside a "quoted" netsh value: printable ASCII,
// '%' doubled (cmd expands it even there), '"' as "'", and the characters cmd treats
// specially outside quotes ('^' continues a REM line onto the next one) as '_'.
std::string BatchText(std::string_view text);

// cmd.exe refuses longer lines ("The input line is too long").
inline constexpr std::size_t kCmdLineLimit = 8191;

// The body of a .cmd file: REM comments through BatchText, and an ending that reports a failed
// command. Lines end in "\n" here; the targets' line ending (CRLF, registry.cpp) is applied after.
class BatchWriter {
 protected:
  void Line(const std::string& line = "") { text_ += line + "\n"; }
  void Comment(const std::vector<std::string>& lines) {
    for (const auto& line : lines) Line("REM " + BatchText(line));
  }
  // Ends with `exit /b 0`, then the :failed label every command jumps to with `|| goto failed`.
  std::string Finish();

 private:
  std::string text_;
};

// Lines about the platform's model that every Windows output explains in its header.
std::vector<std::string> WindowsModelLines();

}  // namespace portolan::render
