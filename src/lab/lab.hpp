#pragma once
// The lab: builds an inventory's whole site in network namespaces behind the firewall policy
// rendered from the same inventory (lab up), proves from every source namespace that each
// required flow passes and nothing else does (lab verify), and removes exactly what it built
// (lab down). A lab's record lives in /run/portolan/labs/NAME/, so that a lab left behind by a
// killed run can still be found and removed.
#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "lab/result.hpp"
#include "lab/system.hpp"
#include "lab/topology.hpp"
#include "probe/engine.hpp"

namespace portolan::lab {

// Where labs keep their records (a tmpfs: a reboot, which removes every namespace, removes them too).
std::filesystem::path LabsDirectory();

struct UpOptions {
  std::string inventory;               // the inventory file
  std::optional<std::string> catalog;  // a catalog file instead of the built-in one
  std::string name;                    // the lab's name
  std::string target = "nftables";     // the renderer whose policy the router loads: nftables or iptables
  std::optional<std::string> ruleset;  // load this file into the router instead of the rendered policy
  // Squid on every http-proxy host loads this squid.conf fragment instead of the rendered one.
  std::optional<std::string> proxy_ruleset;
  bool host_firewall = false;  // host-mode policies in every host namespace too
  bool with_samba = false;     // Samba AD DC as the global catalog host
  std::chrono::seconds responder_ttl{7200};
  std::function<void(const std::string&)> say;  // progress lines
  const std::atomic<bool>* interrupted = nullptr;
};

struct VerifyOptions {
  std::string name;
  std::chrono::milliseconds timeout{1000};
  int concurrency = 1024;  // probes in flight per source namespace (fewer when descriptors are short)
  const std::atomic<bool>* interrupted = nullptr;
};

// Throws LabError (a step failed: what was built is removed again) or core::InputError.
void Up(const UpOptions& options);
VerifyReport Verify(const VerifyOptions& options);
// Replaces the router's policy of a running lab: with the ruleset file, or (none given) with the
// policy rendered from the lab's inventory again. Returns what was loaded, in words.
std::string Reload(const std::string& name, const std::optional<std::string>& ruleset);
// Restarts Squid on every http-proxy host of a running lab: with the squid.conf fragment file, or
// (none given) with the fragment rendered from the lab's inventory again. Every configuration is
// checked (squid -k parse) before any Squid is replaced. Returns what was loaded, in words.
std::string ReloadProxies(const std::string& name, const std::optional<std::string>& proxy_ruleset);
// Whether a running lab runs Squid (its inventory has an http-proxy host).
bool HasProxies(const std::string& name);
// Removes every namespace and process the lab's record names, and the record. Returns what it
// removed, one line each. Throws LabError when there is no lab of that name.
std::vector<std::string> Down(const std::string& name);

// The names of the labs that have a record.
std::vector<std::string> ListLabs();

}  // namespace portolan::lab
