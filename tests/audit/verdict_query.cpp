// The audit's verdict for single packets, for the kernel-oracle test: reads rulesets as
// `portolan audit` does and answers, for each query line on standard input,
//   HOOK SOURCE DESTINATION PROTOCOL PORT [IN_INTERFACE OUT_INTERFACE]
// with accept, drop or uncertain (the verdict depends on what the audit cannot see), for the
// first packet of a connection (state NEW) from any of Linux's ephemeral source ports.
//
// Usage: portolan_verdict_query [--ipset FILE] RULESET...

#include <iostream>
#include <sstream>

#include "audit/analysis.hpp"
#include "audit/formats/formats.hpp"
#include "audit/formats/text_input.hpp"
#include "core/atomic_file.hpp"

namespace {

using namespace portolan;

// net.ipv4.ip_local_port_range's default: the source ports a client's connect picks from.
constexpr int kFirstEphemeralPort = 32768;
constexpr int kLastEphemeralPort = 60999;

std::optional<audit::Hook> ParseHook(const std::string& name) {
  if (name == "input") return audit::Hook::kInput;
  if (name == "forward") return audit::Hook::kForward;
  if (name == "output") return audit::Hook::kOutput;
  return std::nullopt;
}

struct Loaded {
  audit::Ruleset ruleset;
  audit::Evaluation evaluation;
};

std::string Verdict(std::vector<Loaded>& loaded, const std::string& line) {
  std::istringstream in(line);
  std::string hook_name, source, destination, protocol_name, port_text, in_interface, out_interface;
  in >> hook_name >> source >> destination >> protocol_name >> port_text >> in_interface >> out_interface;
  const auto hook = ParseHook(hook_name);
  const auto from = core::ParseNetwork(source);
  const auto to = core::ParseNetwork(destination);
  const auto protocol = audit::formats::ParseProtocol(protocol_name);
  const auto port = audit::formats::ParsePort(port_text);
  if (!hook || !from || !to || !protocol || !port) return "error: cannot read query: " + line;
  for (auto& l : loaded) {
    if (!l.ruleset.Covers(from->family)) continue;
    auto packet = audit::PacketSet::Source(*from) & audit::PacketSet::Destination(*to) &
                  audit::PacketSet::Protocol(*protocol) & audit::PacketSet::State(audit::CtState::kNew) &
                  audit::PacketSet::WellFormed();
    if (audit::ProtocolHasPorts(*protocol))
      packet &= audit::PacketSet::DestinationPorts(*port, *port) &
                audit::PacketSet::SourcePorts(kFirstEphemeralPort, kLastEphemeralPort);
    packet &= in_interface.empty() ? audit::PacketSet::InInterface(0) : l.ruleset.symbols.InInterface(in_interface);
    packet &= out_interface.empty() ? audit::PacketSet::OutInterface(0) : l.ruleset.symbols.OutInterface(out_interface);
    const auto& accepted = l.evaluation.hooks.at(*hook).accepted;
    if (packet.SubsetOf(accepted)) return "accept";
    if (!packet.Intersects(accepted)) return "drop";
    return "uncertain";
  }
  return "error: no ruleset for the family of: " + line;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    audit::formats::Ipsets ipsets;
    audit::formats::ReadOptions options;
    std::vector<std::string> files;
    for (int i = 1; i < argc; ++i) {
      const std::string arg = argv[i];
      if (arg == "--ipset" && i + 1 < argc) {
        ipsets = audit::formats::ParseIpsetSave(core::ReadFile(argv[i + 1]), argv[i + 1]);
        options.ipsets = &ipsets;
        ++i;
      } else {
        files.push_back(arg);
      }
    }
    std::vector<Loaded> loaded;
    for (const auto& file : files) {
      auto ruleset = audit::formats::ReadRuleset(core::ReadFile(file), file, "", options);
      auto evaluation = audit::Evaluate(ruleset);
      loaded.push_back({std::move(ruleset), std::move(evaluation)});
    }
    std::string line;
    while (std::getline(std::cin, line)) {
      if (line.empty()) continue;
      std::cout << Verdict(loaded, line) << '\n';
    }
  } catch (const core::InputError& error) {
    std::cerr << error.diagnostics().ToString();
    return 2;
  } catch (const std::exception& error) {
    std::cerr << error.what() << '\n';
    return 2;
  }
  return 0;
}
