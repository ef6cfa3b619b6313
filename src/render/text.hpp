#pragma once
// Text every platform shares: rule descriptions and comments that name the flow and the
// catalog entries behind a rule, the header each output starts with, and splitting a rule
// whose comment would exceed a platform's limit.

#include <string>
#include <string_view>
#include <vector>

#include "policy/policy.hpp"
#include "render/target.hpp"

namespace portolan::render {

// "tcp 88,135" / "gre"
std::string ProtocolAndPorts(catalog::Protocol protocol, const core::PortSet& ports);

// "F06-in tcp 1723 from SMS03 to SMS02"
std::string DescribeRule(const policy::Policy& policy, const policy::Rule& rule,
                         const std::vector<policy::PortItem>& items);

// The catalog entry ids, space-separated: "ad-kerberos-tcp ad-epmap-tcp".
std::string EntryIds(const policy::Policy& policy, const std::vector<int>& entries);

// "F02 ad-kerberos-tcp ad-epmap-tcp": what a rule's comment or name carries.
std::string RuleComment(const policy::Policy& policy, const policy::Rule& rule);

// Splits a rule into rules of consecutive items whose RuleComment fits max_length (names get
// "-1", "-2" ... when split). An item whose own comment does not fit keeps the flow id and as
// many entry ids as fit, then "+N more".
std::vector<policy::Rule> SplitForComment(const policy::Policy& policy, const policy::Rule& rule,
                                          std::size_t max_length);
// The comment, cut to max_length the way SplitForComment does for a single item.
std::string FitComment(const policy::Policy& policy, const policy::Rule& rule, std::size_t max_length);

// Groups that the policy's rules use, in order of first use.
std::vector<int> UsedGroups(const policy::Policy& policy);

// The lines every output starts with (without comment markers): what it is, where it came
// from, the mode, and every omission as a WARNING line.
std::vector<std::string> HeaderLines(const policy::Policy& policy, const Target& target);

// Prefixes every line with a comment marker ("# ", "! ", "REM ").
std::string CommentBlock(const std::vector<std::string>& lines, std::string_view marker);

}  // namespace portolan::render
