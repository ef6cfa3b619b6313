#include "audit/ruleset.hpp"

#include <algorithm>

namespace portolan::audit {

std::string_view ActionName(Action action) {
  switch (action) {
    case Action::kAccept: return "accept";
    case Action::kDrop: return "drop";
    case Action::kReject: return "reject";
    case Action::kJump: return "jump";
    case Action::kGoto: return "goto";
    case Action::kReturn: return "return";
    case Action::kContinue: return "continue";
  }
  return "?";
}

bool IsTerminal(Action action) {
  return action == Action::kAccept || action == Action::kDrop || action == Action::kReject;
}

std::string_view HookName(Hook hook) {
  switch (hook) {
    case Hook::kInput: return "input";
    case Hook::kForward: return "forward";
    case Hook::kOutput: return "output";
  }
  return "?";
}

std::vector<int> Symbols::Codes(const std::string& name) {
  const bool wildcard = !name.empty() && name.back() == '+';
  if (!wildcard) {
    if (name == "lo") return {kLoopbackCode};
    auto it = interfaces_.find(name);
    if (it != interfaces_.end()) return {it->second};
    // Codes 0 (unnamed) and 1 (lo) are taken; past the last code, names share the unnamed code.
    const int code = static_cast<int>(interfaces_.size()) + 2;
    if (code >= kInterfaceCodes) return {0};
    interfaces_.emplace(name, code);
    return {code};
  }
  const auto prefix = name.substr(0, name.size() - 1);
  std::vector<int> codes = {0};
  if (std::string_view("lo").starts_with(prefix)) codes.push_back(kLoopbackCode);
  for (const auto& [known, code] : interfaces_)
    if (known.starts_with(prefix)) codes.push_back(code);
  return codes;
}

PacketSet Symbols::InInterface(const std::string& name) {
  auto set = PacketSet::None();
  for (const int code : Codes(name)) set |= PacketSet::InInterface(code);
  return set;
}

PacketSet Symbols::OutInterface(const std::string& name) {
  auto set = PacketSet::None();
  for (const int code : Codes(name)) set |= PacketSet::OutInterface(code);
  return set;
}

PacketSet Symbols::Unmodelled(const std::string& text) {
  auto it = unknowns_.find(text);
  if (it == unknowns_.end()) {
    const int variable = std::min(static_cast<int>(unknowns_.size()), kUnknownVariables - 1);
    it = unknowns_.emplace(text, variable).first;
  }
  return PacketSet::Unknown(it->second);
}

int Ruleset::FindChain(const std::string& name) const {
  for (std::size_t i = 0; i < chains.size(); ++i)
    if (chains[i].name == name) return static_cast<int>(i);
  return -1;
}

bool Ruleset::Covers(core::Family family) const {
  return std::find(families.begin(), families.end(), family) != families.end();
}

}  // namespace portolan::audit
