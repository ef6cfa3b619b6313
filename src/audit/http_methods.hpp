#pragma once
// HTTP request methods as the audit models them: a request through a web proxy is a packet whose
// source port field holds its method's code. One table of codes, shared by the squid.conf reader
// (method ACLs) and the required requests of a proxy policy, and their names for the report.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "audit/cube.hpp"
#include "audit/packet_set.hpp"

namespace portolan::audit {

// Codes 0 to kFixedMethodCount - 1 are the methods of a fixed table (RFC 9110, WebDAV, the
// IANA registry, Squid's own and SMS's CCM_POST and BITS_POST); a name outside it gets the next
// free code of the process the first time one is met (the audit runs on one thread, as BuDDy's
// table is one per process), up to kMaxExtensionMethods of them. Every code no name has is "any
// other method": a ruleset's sets never tell those apart, since it can name none of them.
// Squid's cache manager requests (its predefined `manager` ACL: cache_object:// and
// /squid-internal-mgr/ URLs) have the same codes plus kCacheManagerCodes: the proxy answers them
// itself and carries none, so a proxy audit leaves them out, and `http_access deny manager` is
// exact, not a free variable.
int FixedMethodCount();
constexpr int kMaxExtensionMethods = 4096;
constexpr int kCacheManagerCodes = 1 << 15;

// The code of a method name (case-sensitive, as RFC 9110 9.1 says); nullopt when the name is
// not in the table and the extension codes are used up.
std::optional<int> MethodCode(std::string_view name);
// The name of a code; nullopt for a code no name has.
std::optional<std::string> MethodName(int code);

// Requests with one of these methods (their codes in the source port field), not to the cache
// manager: what a client of a proxy sends. Names must have a code (MethodCode).
PacketSet MethodSet(const std::vector<std::string>& names);
// Every request with this method's code, cache manager requests too: a method ACL.
PacketSet AnyRequestWithMethod(int code);
// The codes of no name (no fixed name and no extension met so far): "any other method".
PacketSet UnnamedMethods();
PacketSet CacheManagerRequests();

// "GET, HEAD, CCM_POST", "any", or "any method but CONNECT, TRACE": the methods of a box's
// source port ranges, named methods in table order (extensions after them, by name); cache
// manager requests apart when they differ ("any; cache manager requests: none").
std::string MethodsText(const Ranges& codes);
// A request as a report names it: "10.1.0.1 -> 10.0.0.1:80 CCM_POST".
std::string RequestText(const Packet& packet);

}  // namespace portolan::audit
