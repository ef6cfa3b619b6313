#pragma once
// The responder's evidence: one record per contact (a JSON line for --log, a short line for the
// terminal), and the tally of who reached which port that it prints when it ends. Pure.

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "probe/responder/greeting.hpp"
#include "probe/transport.hpp"
#include "respond/port_selection.hpp"

namespace portolan::respond {

using WallClock = std::chrono::system_clock;

struct Contact {
  WallClock::time_point time;
  probe::Transport transport = probe::Transport::kTcp;
  std::string source;  // address text
  int source_port = 0;
  std::string local;  // the address it reached
  int local_port = 0;
  // UDP: the request's size, and the answer's (the greeting cut to the request; 0 when the
  // responder stayed silent, see docs/respond.md).
  std::optional<std::size_t> request_bytes;
  std::optional<std::size_t> answer_bytes;
};

// "2024-05-01T12:00:00.123Z"
std::string IsoTime(WallClock::time_point time);

// {"time":"...","protocol":"tcp","source":"10.0.0.1","source_port":40312,"local":"10.0.0.10",
//  "local_port":389} (UDP adds request_bytes and answer_bytes), without a newline.
std::string ContactJson(const Contact& contact);
// "2024-05-01T12:00:00.123Z 10.0.0.1:40312 -> 10.0.0.10:389/tcp"
std::string ContactLine(const Contact& contact);

// What the summary says besides the tally.
struct SummaryHeader {
  std::string token;
  std::string host;
  std::vector<std::string> addresses;  // bound
  PortChoice served;                   // the ports bound on them
  std::vector<std::string> skipped;    // "10.0.0.10 445/tcp (in use)"
  WallClock::time_point started;
  WallClock::time_point ended;
  std::string end_reason;  // "SIGTERM", "SIGINT", "--ttl"
};

class ContactSummary {
 public:
  static constexpr std::size_t kMaxSourcesPerPort = 10000;  // distinct sources kept per port

  struct PortTally {
    std::uint64_t contacts = 0;
    std::uint64_t rate_limited = 0;   // dropped by --rate-per-source
    std::uint64_t over_capacity = 0;  // TCP: closed at once, over --max-connections
    std::set<std::string> sources;    // at most kMaxSourcesPerPort
    bool more_sources = false;        // some were not kept
    std::string first_source;
    std::string last_source;
    WallClock::time_point first_time;
    WallClock::time_point last_time;
  };
  using Key = std::pair<probe::Transport, int>;  // ordered: tcp before udp, then by port

  void Add(const Contact& contact);
  void RateLimited(probe::Transport transport, int port);
  void OverCapacity(int port);

  const std::map<Key, PortTally>& Ports() const { return ports_; }
  std::uint64_t Contacts() const;

  // "who reached which port": a line of totals, the table, and the served ports nobody reached.
  std::string Table(const SummaryHeader& header) const;
  std::string Json(const SummaryHeader& header) const;

 private:
  std::map<Key, PortTally> ports_;
};

}  // namespace portolan::respond
