#pragma once
// The responder's network side: binds the sockets it is given (before privileges are dropped),
// then serves them on one thread with epoll until a signal or its time to live ends it. Every TCP
// connection is greeted once and held until the peer closes or it idles; every UDP datagram is
// answered with the greeting cut to the datagram's size. Rate limit, connection cap and idle
// timeout keep it safe to leave running (docs/respond.md).

#include <chrono>
#include <cstddef>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/unique_fd.hpp"
#include "probe/responder/greeting.hpp"
#include "probe/transport.hpp"
#include "respond/contact_log.hpp"
#include "respond/port_selection.hpp"

namespace portolan::respond {

// "cannot bind 10.0.0.10 445/tcp: Address already in use"
class BindError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct BindOptions {
  std::vector<std::string> addresses;  // IPv4 or IPv6 addresses; 0.0.0.0 and :: bind every address
  PortChoice ports;                    // an address serves the ports of its family
  int backlog = 4096;                  // the kernel caps it at net.core.somaxconn
  bool skip_busy = false;              // a port in use (EADDRINUSE) is skipped instead of an error
};

// Bound sockets, closed when this goes.
class Listeners {
 public:
  struct Socket {
    core::UniqueFd fd;
    probe::Transport transport = probe::Transport::kTcp;
    int port = 0;
    std::string address;    // as bound, "10.0.0.10" or "::"
    bool wildcard = false;  // 0.0.0.0 or ::: the local address comes from each contact
    bool ipv6 = false;
  };

  Listeners() = default;
  Listeners(Listeners&& other) noexcept = default;
  Listeners& operator=(Listeners&& other) noexcept = default;

  const std::vector<Socket>& Sockets() const { return sockets_; }
  const std::vector<std::string>& Skipped() const { return skipped_; }  // "10.0.0.10 445/tcp (in use)"

 private:
  friend Listeners Bind(const BindOptions& options);
  std::vector<Socket> sockets_;
  std::vector<std::string> skipped_;
};

// Opens, binds and (TCP) listens every address x port. Throws BindError naming the address,
// port and reason; std::invalid_argument for an address that does not parse.
Listeners Bind(const BindOptions& options);

// Sockets that Bind would open, for checking the descriptor limit first.
std::size_t SocketsNeeded(const BindOptions& options);

struct ServeOptions {
  std::string token = std::string(probe::responder::kDefaultToken);
  std::string host = std::string(probe::responder::kNoHost);  // the greeting's host field
  double rate_per_source = 100;                               // contacts per second per source address; 0: no limit
  std::size_t max_connections = 20000;                        // TCP connections open at once; more are closed at once
  std::chrono::milliseconds idle{30000};                      // a connection without traffic this long is closed
  std::chrono::milliseconds ttl{0};                           // 0: until a signal
  int log_fd = -1;                                            // JSON lines, one per contact; -1: none
  bool quiet = false;                                         // no line per contact on stderr
  // Called once every socket is being served and the signals are caught (the pid file).
  std::function<void()> ready;
};

struct ServeResult {
  ContactSummary summary;
  WallClock::time_point started;
  WallClock::time_point ended;
  std::string end_reason;  // "SIGTERM", "SIGINT", "SIGHUP", "--ttl"
};

// Blocks SIGINT, SIGTERM and SIGHUP and serves until one arrives or the ttl passes.
ServeResult Serve(const Listeners& listeners, const ServeOptions& options);

// core::RaiseDescriptorLimit for the responder: the limit now in force, 1,024 when it cannot be
// read and 2^20 when there is none (a number to share out, not an infinity).
std::size_t RaiseDescriptorLimit(std::size_t wanted);

// Descriptors besides the sockets and the connections: stdio, the log, epoll, signalfd, the
// reserve for shedding connections when accept runs out, the pid file's write.
inline constexpr std::size_t kSpareDescriptors = 16;
// Connections that fit in the descriptor limit next to `sockets` listeners.
std::size_t ConnectionBudget(std::size_t descriptor_limit, std::size_t sockets);

}  // namespace portolan::respond
