#pragma once
// A site inventory: the domain, the SMS site hierarchy, and the hosts and client networks
// in it, as read from YAML such as examples/sms2003-site.yaml. Hosts and client networks
// are both "endpoints": the two ends a flow can have.

#include <optional>
#include <string>
#include <vector>

#include "core/address.hpp"
#include "core/diagnostics.hpp"
#include "core/port_set.hpp"

namespace portolan::inventory {

enum class SiteType { kPrimary, kSecondary };
enum class Sender { kStandard, kRas, kCourier };
enum class RemoteControl { kNone, kTcp, kNetbios };
enum class EndpointKind { kHost, kClientNetwork };

// How an HTTP proxy makes clients authenticate (RFC 9110 11.7: 407 and Proxy-Authenticate).
enum class ProxyAuth { kNone, kBasic, kNtlm, kNegotiate };

std::string_view SenderName(Sender sender);
std::string_view ProxyAuthName(ProxyAuth auth);  // "none", "basic", "ntlm", "negotiate"
std::string_view RemoteControlName(RemoteControl remote_control);

struct SqlSettings {
  std::optional<int> port;  // unset: the catalog's default
  bool named_pipes = false;
  std::optional<std::string> instance;  // a named instance; unset: the default instance
};

// A host with the http-proxy role: a forward web proxy (Squid, ISA Server, ...).
struct HttpProxySettings {
  int port = 3128;  // where clients send their requests
  ProxyAuth auth = ProxyAuth::kNone;
  // Servers its clients reach directly (the browser's and BITS's bypass list): host names of
  // the inventory, and networks.
  std::vector<std::string> bypass_hosts;
  std::vector<core::Network> bypass_networks;
  core::SourceLocation where;
};

struct Endpoint {
  EndpointKind kind = EndpointKind::kHost;
  std::string name;
  std::string description;
  int site = -1;  // index into Inventory::sites
  std::vector<std::string> roles;
  std::vector<core::Network> addresses;  // hosts: /32 or /128; client networks: their CIDRs
  bool bits = false;
  bool dhcp = false;
  RemoteControl remote_control = RemoteControl::kNone;
  std::optional<SqlSettings> sql;
  std::optional<std::string> zone;              // the firewall zone, when it is not its site's
  std::optional<HttpProxySettings> http_proxy;  // hosts with the http-proxy role
  // Client networks and hosts: the http-proxy host their web requests go through (-1: none),
  // and where the inventory names it.
  int proxy = -1;
  core::SourceLocation proxy_where;
  core::SourceLocation where;

  bool HasRole(std::string_view role) const;
  bool HasFamily(core::Family family) const;
};

struct Site {
  std::string code;
  std::string name;
  std::optional<std::string> parent_code;
  int parent = -1;  // index into Inventory::sites, -1 for the central site
  SiteType type = SiteType::kPrimary;
  Sender sender = Sender::kStandard;  // between this site and its parent
  std::string zone;                   // firewall zone for network-mode rendering; default: the code
  std::vector<int> endpoints;         // indices into Inventory::endpoints
  std::vector<int> children;
  core::SourceLocation where;
};

struct Domain {
  std::string name;
  std::optional<core::PortSet> rpc_dynamic_ports;  // unset: the catalog's default
  bool schema_extended = true;
};

struct Inventory {
  std::string file;
  // "sha256:" and the lowercase hex SHA-256 of the file's bytes with every CRLF read as LF (a
  // copy that went through a Windows share still matches): results made from it carry it.
  std::string fingerprint;
  std::string catalog;  // the catalog it names
  Domain domain;
  std::vector<Site> sites;          // in file order
  std::vector<Endpoint> endpoints;  // hosts and client networks, in file order

  const Endpoint* FindEndpoint(std::string_view name) const;  // case-insensitive, like NetBIOS
  int FindSite(std::string_view code) const;
  bool HasRole(std::string_view role) const;
  // The primary site that a site's clients are assigned to: itself, or for a secondary site
  // its nearest primary ancestor.
  int AssignedSite(int site) const;
  // Whether a client of this http-proxy endpoint reaches the destination endpoint directly
  // (every address of it lies in the proxy's bypass list).
  bool Bypasses(int proxy, int destination) const;
  // The firewall zone an endpoint sits in: its own 'zone', else its site's.
  const std::string& ZoneOf(int endpoint) const;
  std::vector<std::string> Zones() const;  // sorted, unique
};

}  // namespace portolan::inventory
