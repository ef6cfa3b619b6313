// One thread, one epoll set, level-triggered. Written on the system calls rather than on Asio's
// coroutines (as the probe engine is): a contact costs accept4 + send + epoll_ctl (getsockname
// too behind a wildcard bind), a datagram recvmsg + sendmsg; a held connection costs 32 bytes
// here and nothing else in user space; and the UDP side needs IP_PKTINFO in and out (reply from
// the address the request reached), which Asio does not expose. See docs/respond.md.

#include "respond/server.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <utility>

#include <fmt/format.h>

#include "core/descriptors.hpp"
#include "respond/rate_limiter.hpp"

namespace portolan::respond {

namespace {

using Clock = std::chrono::steady_clock;

constexpr auto kTick = std::chrono::milliseconds(250);   // ttl, idle connections
constexpr auto kForgetEvery = std::chrono::seconds(10);  // rate limiter buckets that filled up
constexpr std::size_t kDatagramKept = 512;               // of a request: enough to see a greeting
constexpr int kDatagramsPerWake = 64;                    // then the other sockets get a turn
constexpr int kReadsPerWake = 4;                         // of a connection's bytes, idem
constexpr std::size_t kDiscardSize = 16384;              // what peers send is read and dropped
constexpr int kMaxEvents = 256;

// Source ports of services that answer whatever reaches them (echo, daytime, chargen, DNS, NTP,
// NetBIOS names, SNMP, CLDAP, SSDP, mDNS, memcached): a greeting sent to one would start a
// ping-pong with the responder that one spoofed datagram could set off. A datagram from such a
// port is logged and not answered; probes come from ephemeral ports.
constexpr std::array<int, 15> kReflectorPorts = {0, 7, 13, 17, 19, 37, 53, 111, 123, 137, 161, 389, 1900, 5353, 11211};

union SocketAddress {
  sockaddr any;
  sockaddr_in v4;
  sockaddr_in6 v6;
  sockaddr_storage storage;
};

std::string AddressText(const sockaddr& address) {
  std::array<char, INET6_ADDRSTRLEN> text{};
  if (address.sa_family == AF_INET) {
    sockaddr_in v4{};
    std::memcpy(&v4, &address, sizeof v4);
    inet_ntop(AF_INET, &v4.sin_addr, text.data(), text.size());
  } else if (address.sa_family == AF_INET6) {
    sockaddr_in6 v6{};
    std::memcpy(&v6, &address, sizeof v6);
    inet_ntop(AF_INET6, &v6.sin6_addr, text.data(), text.size());
  }
  return text.data();
}

int PortOf(const SocketAddress& address) {
  return ntohs(address.any.sa_family == AF_INET6 ? address.v6.sin6_port : address.v4.sin_port);
}

SourceAddress KeyOf(const SocketAddress& address) {
  SourceAddress key;
  if (address.any.sa_family == AF_INET6) {
    key.ipv6 = true;
    std::memcpy(key.bytes.data(), &address.v6.sin6_addr, 16);
  } else {
    std::memcpy(key.bytes.data(), &address.v4.sin_addr, 4);
  }
  return key;
}

// --- binding --------------------------------------------------------------------------------------

struct ParsedAddress {
  SocketAddress address{};
  socklen_t length = 0;
  bool wildcard = false;
  bool ipv6 = false;
};

ParsedAddress ParseBindAddress(const std::string& text) {
  ParsedAddress parsed;
  if (inet_pton(AF_INET, text.c_str(), &parsed.address.v4.sin_addr) == 1) {
    parsed.address.v4.sin_family = AF_INET;
    parsed.length = sizeof(sockaddr_in);
    parsed.wildcard = parsed.address.v4.sin_addr.s_addr == htonl(INADDR_ANY);
    return parsed;
  }
  if (inet_pton(AF_INET6, text.c_str(), &parsed.address.v6.sin6_addr) == 1) {
    parsed.address.v6.sin6_family = AF_INET6;
    parsed.length = sizeof(sockaddr_in6);
    parsed.wildcard = IN6_IS_ADDR_UNSPECIFIED(&parsed.address.v6.sin6_addr);
    parsed.ipv6 = true;
    return parsed;
  }
  throw std::invalid_argument(fmt::format("'{}' is not an IPv4 or IPv6 address", text));
}

std::string BindHint(int error, int port) {
  if (error == EACCES && port < 1024) return " (ports below 1024 need root)";
  if (error == EADDRNOTAVAIL) return " (not an address of this machine)";
  if (error == EADDRINUSE) return " (another program has it; --skip-busy leaves it to that program)";
  return {};
}

void SetOption(int fd, int level, int name) {
  const int on = 1;
  setsockopt(fd, level, name, &on, sizeof on);
}

// --- serving --------------------------------------------------------------------------------------

bool IsReflectorPort(int port) {
  return std::find(kReflectorPorts.begin(), kReflectorPorts.end(), port) != kReflectorPorts.end();
}

// Only a unicast request from a unicast source is answered: never a broadcast or multicast one
// (a wildcard socket receives those too), never to an address that cannot be a sender.
bool IsUnicastExchange(const SocketAddress& source, const SocketAddress& local, bool local_known, bool directed) {
  if (source.any.sa_family == AF_INET6) {
    const auto& from = source.v6.sin6_addr;
    if (IN6_IS_ADDR_UNSPECIFIED(&from) || IN6_IS_ADDR_MULTICAST(&from)) return false;
    return !local_known || !IN6_IS_ADDR_MULTICAST(&local.v6.sin6_addr);
  }
  const std::uint32_t from = ntohl(source.v4.sin_addr.s_addr);
  if (from == INADDR_ANY || from == INADDR_BROADCAST || IN_MULTICAST(from)) return false;
  if (!local_known) return true;
  const std::uint32_t to = ntohl(local.v4.sin_addr.s_addr);
  return directed && to != INADDR_BROADCAST && !IN_MULTICAST(to);
}

std::string SignalName(std::uint32_t signal) {
  switch (signal) {
    case SIGINT: return "SIGINT";
    case SIGTERM: return "SIGTERM";
    case SIGHUP: return "SIGHUP";
    default: return fmt::format("signal {}", signal);
  }
}

// What an epoll event belongs to, in its 64 bits: kind, a slot's generation, an index.
enum class Kind : std::uint64_t { kListener = 0, kConnection = 1, kSignal = 2 };

std::uint64_t Tag(Kind kind, std::uint32_t generation, std::uint32_t index) {
  return (static_cast<std::uint64_t>(kind) << 62) | (static_cast<std::uint64_t>(generation & 0x3FFFFFFF) << 32) | index;
}

class Server {
 public:
  Server(const Listeners& listeners, const ServeOptions& options)
      : sockets_(listeners.Sockets()), options_(options), limiter_(options.rate_per_source) {
    for (const auto& socket : sockets_) {
      greetings_.push_back(probe::responder::Greeting({options.token, options.host, socket.port, socket.transport}));
    }
  }
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  ServeResult Run() {
    Setup();
    ServeResult result;
    result.started = WallClock::now();
    const auto start = Clock::now();
    ttl_deadline_ = options_.ttl.count() > 0 ? start + options_.ttl : Clock::time_point::max();
    next_forget_ = start + kForgetEvery;
    if (options_.ready) options_.ready();
    std::array<epoll_event, kMaxEvents> events{};
    auto next_tick = start + kTick;
    while (end_reason_.empty()) {
      const auto wait = std::chrono::ceil<std::chrono::milliseconds>(next_tick - Clock::now()).count();
      const int ready = epoll_wait(epoll_.Get(), events.data(), kMaxEvents, static_cast<int>(std::max<long>(0, wait)));
      if (ready < 0 && errno != EINTR) throw std::runtime_error(fmt::format("epoll_wait: {}", std::strerror(errno)));
      now_ = Clock::now();
      for (int i = 0; i < ready; ++i) Dispatch(events[static_cast<std::size_t>(i)]);
      Flush();
      if (now_ >= next_tick) {
        Tick();
        next_tick = now_ + kTick;
      }
    }
    result.ended = WallClock::now();
    result.end_reason = end_reason_;
    result.summary = std::move(summary_);
    return result;
  }

 private:
  struct Connection {
    core::UniqueFd fd;
    std::uint32_t generation = 0;
    int port = 0;    // the local port, for the summary
    int older = -1;  // neighbours in the list from least to most recently active
    int newer = -1;
    Clock::time_point last_active;
  };

  void Setup() {
    sigset_t stop;
    sigemptyset(&stop);
    for (const int signal : {SIGINT, SIGTERM, SIGHUP}) sigaddset(&stop, signal);
    sigprocmask(SIG_BLOCK, &stop, nullptr);
    ::signal(SIGPIPE, SIG_IGN);
    signals_.Reset(signalfd(-1, &stop, SFD_NONBLOCK | SFD_CLOEXEC));
    epoll_.Reset(epoll_create1(EPOLL_CLOEXEC));
    // Kept open to be closed when accept runs out of descriptors: the pending connection is then
    // accepted and closed, instead of waking the loop forever.
    reserve_.Reset(::open("/dev/null", O_RDONLY | O_CLOEXEC));
    if (!signals_ || !epoll_ || !reserve_) {
      throw std::runtime_error(fmt::format("cannot set up the event loop: {}", std::strerror(errno)));
    }
    Watch(signals_.Get(), EPOLLIN, Tag(Kind::kSignal, 0, 0));
    for (std::size_t i = 0; i < sockets_.size(); ++i) {
      Watch(sockets_[i].fd.Get(), EPOLLIN, Tag(Kind::kListener, 0, static_cast<std::uint32_t>(i)));
    }
  }

  bool Watch(int fd, std::uint32_t events, std::uint64_t tag) {
    epoll_event event{};
    event.events = events;
    event.data.u64 = tag;
    return epoll_ctl(epoll_.Get(), EPOLL_CTL_ADD, fd, &event) == 0;
  }

  void Dispatch(const epoll_event& event) {
    const auto kind = static_cast<Kind>(event.data.u64 >> 62);
    const auto generation = static_cast<std::uint32_t>((event.data.u64 >> 32) & 0x3FFFFFFF);
    const auto index = static_cast<std::uint32_t>(event.data.u64 & 0xFFFFFFFF);
    switch (kind) {
      case Kind::kListener:
        if (sockets_[index].transport == probe::Transport::kTcp) {
          AcceptAll(index);
        } else {
          AnswerDatagrams(index);
        }
        return;
      case Kind::kConnection: OnConnection(index, generation, event.events); return;
      case Kind::kSignal: OnSignal(); return;
    }
  }

  void OnSignal() {
    signalfd_siginfo info{};
    if (::read(signals_.Get(), &info, sizeof info) == static_cast<ssize_t>(sizeof info))
      end_reason_ = SignalName(info.ssi_signo);
  }

  // --- TCP ---

  void AcceptAll(std::uint32_t index) {
    const auto& listener = sockets_[index];
    for (;;) {
      SocketAddress peer{};
      socklen_t length = sizeof peer;
      core::UniqueFd fd(accept4(listener.fd.Get(), &peer.any, &length, SOCK_NONBLOCK | SOCK_CLOEXEC));
      if (!fd) {
        if (errno == EAGAIN || errno == EWOULDBLOCK) return;
        if (errno == EMFILE || errno == ENFILE) {
          ShedOne(listener);
          continue;
        }
        if (errno == EINTR || errno == ECONNABORTED || errno == EPROTO || errno == EPERM) continue;
        return;  // ENOBUFS, ENOMEM: try again on the next wake
      }
      if (!limiter_.Allow(KeyOf(peer), now_)) {
        summary_.RateLimited(probe::Transport::kTcp, listener.port);
        continue;
      }
      if (open_ >= options_.max_connections) {
        summary_.OverCapacity(listener.port);
        continue;
      }
      Greet(std::move(fd), peer, index);
    }
  }

  // Out of descriptors: the reserve makes room for one accept, whose connection is closed at once.
  void ShedOne(const Listeners::Socket& listener) {
    reserve_.Reset();
    {
      // Closed before the reserve is opened again: its descriptor is the one the reserve needs.
      const core::UniqueFd shed(accept4(listener.fd.Get(), nullptr, nullptr, SOCK_CLOEXEC));
      if (shed) summary_.OverCapacity(listener.port);
    }
    reserve_.Reset(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  }

  void Greet(core::UniqueFd fd, const SocketAddress& peer, std::uint32_t index) {
    const auto& listener = sockets_[index];
    Contact contact;
    contact.time = WallClock::now();
    contact.transport = probe::Transport::kTcp;
    contact.source = AddressText(peer.any);
    contact.source_port = PortOf(peer);
    contact.local = listener.address;
    contact.local_port = listener.port;
    if (listener.wildcard) {
      SocketAddress local{};
      socklen_t length = sizeof local;
      if (getsockname(fd.Get(), &local.any, &length) == 0) contact.local = AddressText(local.any);
    }
    Record(contact);
    const auto& greeting = greetings_[index];
    // A new connection's send buffer is empty: the greeting goes out whole or not at all.
    if (::send(fd.Get(), greeting.data(), greeting.size(), MSG_NOSIGNAL | MSG_DONTWAIT) < 0) return;
    const int slot = NewSlot();
    auto& connection = connections_[static_cast<std::size_t>(slot)];
    connection.fd = std::move(fd);
    connection.port = listener.port;
    connection.last_active = now_;
    if (!Watch(connection.fd.Get(), EPOLLIN | EPOLLRDHUP,
               Tag(Kind::kConnection, connection.generation, static_cast<std::uint32_t>(slot)))) {
      Release(slot);
      return;
    }
    ++open_;
    Append(slot);
  }

  void OnConnection(std::uint32_t slot, std::uint32_t generation, std::uint32_t events) {
    if (slot >= connections_.size()) return;
    auto& connection = connections_[slot];
    if (!connection.fd || (connection.generation & 0x3FFFFFFF) != generation) return;  // closed in this batch
    const int index = static_cast<int>(slot);
    if ((events & (EPOLLHUP | EPOLLERR | EPOLLRDHUP)) != 0) {
      Close(index);
      return;
    }
    for (int read = 0; read < kReadsPerWake; ++read) {
      const auto got = ::recv(connection.fd.Get(), discard_.data(), discard_.size(), 0);
      if (got > 0) continue;
      if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
      Close(index);  // closed by the peer, or reset
      return;
    }
    connection.last_active = now_;
    Unlink(index);
    Append(index);
  }

  // --- UDP ---

  void AnswerDatagrams(std::uint32_t index) {
    const auto& listener = sockets_[index];
    for (int count = 0; count < kDatagramsPerWake; ++count) {
      SocketAddress peer{};
      alignas(cmsghdr) std::array<char, 256> control{};
      iovec io{request_.data(), request_.size()};
      msghdr message{};
      message.msg_name = &peer;
      message.msg_namelen = sizeof peer;
      message.msg_iov = &io;
      message.msg_iovlen = 1;
      message.msg_control = control.data();
      message.msg_controllen = control.size();
      // MSG_TRUNC: the datagram's real size, however little of it is kept.
      const auto size = ::recvmsg(listener.fd.Get(), &message, MSG_TRUNC | MSG_DONTWAIT);
      if (size < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK) return;
        continue;  // an error queued by an earlier send: the next datagram
      }
      if (!limiter_.Allow(KeyOf(peer), now_)) {
        summary_.RateLimited(probe::Transport::kUdp, listener.port);
        continue;
      }
      Answer(listener, index, peer, message, static_cast<std::size_t>(size));
    }
  }

  void Answer(const Listeners::Socket& listener, std::uint32_t index, const SocketAddress& peer, const msghdr& message,
              std::size_t size) {
    Contact contact;
    contact.time = WallClock::now();
    contact.transport = probe::Transport::kUdp;
    contact.source = AddressText(peer.any);
    contact.source_port = PortOf(peer);
    contact.local = listener.address;
    contact.local_port = listener.port;
    contact.request_bytes = size;

    // Behind a wildcard bind the request says which address it reached, and the answer must
    // come from that address.
    SocketAddress local{};
    bool local_known = false;
    bool directed = true;
    int interface = 0;
    for (const cmsghdr* header = CMSG_FIRSTHDR(&message); header != nullptr;
         header = CMSG_NXTHDR(const_cast<msghdr*>(&message), const_cast<cmsghdr*>(header))) {
      if (header->cmsg_level == IPPROTO_IP && header->cmsg_type == IP_PKTINFO) {
        in_pktinfo info{};
        std::memcpy(&info, CMSG_DATA(header), sizeof info);
        local.v4.sin_family = AF_INET;
        local.v4.sin_addr = info.ipi_addr;
        // For a broadcast, the address to answer from (spec_dst) is not the one reached.
        directed = info.ipi_addr.s_addr == info.ipi_spec_dst.s_addr;
        local_known = true;
      } else if (header->cmsg_level == IPPROTO_IPV6 && header->cmsg_type == IPV6_PKTINFO) {
        in6_pktinfo info{};
        std::memcpy(&info, CMSG_DATA(header), sizeof info);
        local.v6.sin6_family = AF_INET6;
        local.v6.sin6_addr = info.ipi6_addr;
        interface = static_cast<int>(info.ipi6_ifindex);
        local_known = true;
      }
    }
    if (local_known) contact.local = AddressText(local.any);

    const std::span<const std::uint8_t> kept(request_.data(), std::min(size, request_.size()));
    const bool answer = IsUnicastExchange(peer, local, local_known, directed) &&
                        !IsReflectorPort(contact.source_port) &&
                        !probe::responder::ParseGreeting(kept);  // another responder's greeting: no ping-pong
    const auto& greeting = greetings_[index];
    // Never larger than the request: no amplification; an empty request gets an empty answer.
    const std::size_t length = answer ? std::min(greeting.size(), size) : 0;
    contact.answer_bytes = length;
    Record(contact);
    if (!answer) return;

    iovec io{const_cast<char*>(greeting.data()), length};
    msghdr reply{};
    reply.msg_name = const_cast<SocketAddress*>(&peer);
    reply.msg_namelen = peer.any.sa_family == AF_INET6 ? sizeof(sockaddr_in6) : sizeof(sockaddr_in);
    reply.msg_iov = &io;
    reply.msg_iovlen = 1;
    alignas(cmsghdr) std::array<char, CMSG_SPACE(sizeof(in6_pktinfo))> control{};
    if (local_known) {
      reply.msg_control = control.data();
      cmsghdr* header = reinterpret_cast<cmsghdr*>(control.data());
      if (local.any.sa_family == AF_INET) {
        in_pktinfo info{};
        info.ipi_spec_dst = local.v4.sin_addr;
        header->cmsg_level = IPPROTO_IP;
        header->cmsg_type = IP_PKTINFO;
        header->cmsg_len = CMSG_LEN(sizeof info);
        std::memcpy(CMSG_DATA(header), &info, sizeof info);
        reply.msg_controllen = CMSG_SPACE(sizeof info);
      } else {
        in6_pktinfo info{};
        info.ipi6_addr = local.v6.sin6_addr;
        info.ipi6_ifindex = static_cast<unsigned>(interface);
        header->cmsg_level = IPPROTO_IPV6;
        header->cmsg_type = IPV6_PKTINFO;
        header->cmsg_len = CMSG_LEN(sizeof info);
        std::memcpy(CMSG_DATA(header), &info, sizeof info);
        reply.msg_controllen = CMSG_SPACE(sizeof info);
      }
    }
    ::sendmsg(listener.fd.Get(), &reply, MSG_DONTWAIT);  // a full send buffer drops it, as the network might
  }

  // --- connections: slots and the activity list ---

  int NewSlot() {
    if (!free_.empty()) {
      const int slot = free_.back();
      free_.pop_back();
      return slot;
    }
    connections_.emplace_back();
    return static_cast<int>(connections_.size() - 1);
  }

  void Release(int slot) {
    auto& connection = connections_[static_cast<std::size_t>(slot)];
    connection.fd.Reset();
    ++connection.generation;  // events still queued for the old connection are ignored
    free_.push_back(slot);
  }

  void Close(int slot) {
    Unlink(slot);
    Release(slot);
    --open_;
  }

  void Append(int slot) {
    auto& connection = connections_[static_cast<std::size_t>(slot)];
    connection.older = newest_;
    connection.newer = -1;
    if (newest_ >= 0) connections_[static_cast<std::size_t>(newest_)].newer = slot;
    newest_ = slot;
    if (oldest_ < 0) oldest_ = slot;
  }

  void Unlink(int slot) {
    auto& connection = connections_[static_cast<std::size_t>(slot)];
    if (connection.older >= 0) {
      connections_[static_cast<std::size_t>(connection.older)].newer = connection.newer;
    } else {
      oldest_ = connection.newer;
    }
    if (connection.newer >= 0) {
      connections_[static_cast<std::size_t>(connection.newer)].older = connection.older;
    } else {
      newest_ = connection.older;
    }
    connection.older = connection.newer = -1;
  }

  void Tick() {
    if (now_ >= ttl_deadline_) end_reason_ = "--ttl";
    while (oldest_ >= 0 && now_ - connections_[static_cast<std::size_t>(oldest_)].last_active >= options_.idle) {
      Close(oldest_);
    }
    if (now_ >= next_forget_) {
      limiter_.Forget(now_);
      next_forget_ = now_ + kForgetEvery;
    }
  }

  // --- evidence ---

  void Record(const Contact& contact) {
    if (options_.log_fd >= 0) {
      log_ += ContactJson(contact);
      log_ += '\n';
    }
    if (!options_.quiet) {
      terminal_ += ContactLine(contact);
      terminal_ += '\n';
    }
    summary_.Add(contact);
  }

  void Flush() {
    if (!log_.empty() && !WriteAll(options_.log_fd, log_) && !log_failed_) {
      log_failed_ = true;
      terminal_ += fmt::format("portolan respond: warning: cannot write the log: {}\n", std::strerror(errno));
    }
    log_.clear();
    if (!terminal_.empty()) WriteAll(STDERR_FILENO, terminal_);
    terminal_.clear();
  }

  static bool WriteAll(int fd, const std::string& text) {
    std::size_t done = 0;
    while (done < text.size()) {
      const auto n = ::write(fd, text.data() + done, text.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;
      done += static_cast<std::size_t>(n);
    }
    return true;
  }

  const std::vector<Listeners::Socket>& sockets_;
  const ServeOptions& options_;
  std::vector<std::string> greetings_;  // per socket: its port in the greeting
  SourceRateLimiter limiter_;
  ContactSummary summary_;
  std::vector<Connection> connections_;
  std::vector<int> free_;
  int oldest_ = -1;
  int newest_ = -1;
  std::size_t open_ = 0;
  core::UniqueFd epoll_;
  core::UniqueFd signals_;
  core::UniqueFd reserve_;
  Clock::time_point now_ = Clock::now();
  Clock::time_point ttl_deadline_;
  Clock::time_point next_forget_;
  std::string end_reason_;
  std::string log_;
  std::string terminal_;
  bool log_failed_ = false;
  std::array<std::uint8_t, kDatagramKept> request_{};
  std::array<char, kDiscardSize> discard_{};
};

}  // namespace

std::size_t ConnectionBudget(std::size_t descriptor_limit, std::size_t sockets) {
  const std::size_t used = sockets + kSpareDescriptors;
  return descriptor_limit > used ? descriptor_limit - used : 0;
}

std::size_t SocketsNeeded(const BindOptions& options) {
  std::size_t sockets = 0;
  for (const auto& text : options.addresses) {
    const auto& ports = options.ports.Of(ParseBindAddress(text).ipv6 ? core::Family::kIPv6 : core::Family::kIPv4);
    sockets += ports.tcp.Count() + ports.udp.Count();
  }
  return sockets;
}

Listeners Bind(const BindOptions& options) {
  Listeners listeners;
  for (const auto& text : options.addresses) {
    const ParsedAddress parsed = ParseBindAddress(text);
    const auto& of_family = options.ports.Of(parsed.ipv6 ? core::Family::kIPv6 : core::Family::kIPv4);
    for (const auto transport : {probe::Transport::kTcp, probe::Transport::kUdp}) {
      const auto& ports = transport == probe::Transport::kTcp ? of_family.tcp : of_family.udp;
      for (const auto& range : ports.Ranges()) {
        for (int port = range.first; port <= range.last; ++port) {
          const auto where = fmt::format("{} {}/{}", text, port, probe::TransportName(transport));
          const int type = transport == probe::Transport::kTcp ? SOCK_STREAM : SOCK_DGRAM;
          core::UniqueFd fd(::socket(parsed.address.any.sa_family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
          if (!fd) throw BindError(fmt::format("cannot open a socket for {}: {}", where, std::strerror(errno)));
          if (parsed.ipv6) SetOption(fd.Get(), IPPROTO_IPV6, IPV6_V6ONLY);  // :: means IPv6 only: bind what is given
          if (transport == probe::Transport::kTcp)
            SetOption(fd.Get(), SOL_SOCKET, SO_REUSEADDR);  // a restart is not refused
          if (transport == probe::Transport::kUdp && parsed.wildcard) {
            SetOption(fd.Get(), parsed.ipv6 ? IPPROTO_IPV6 : IPPROTO_IP, parsed.ipv6 ? IPV6_RECVPKTINFO : IP_PKTINFO);
          }
          SocketAddress address = parsed.address;
          if (parsed.ipv6) {
            address.v6.sin6_port = htons(static_cast<std::uint16_t>(port));
          } else {
            address.v4.sin_port = htons(static_cast<std::uint16_t>(port));
          }
          if (::bind(fd.Get(), &address.any, parsed.length) != 0) {
            const int error = errno;
            if (error == EADDRINUSE && options.skip_busy) {
              listeners.skipped_.push_back(where + " (in use)");
              continue;
            }
            throw BindError(fmt::format("cannot bind {}: {}{}", where, std::strerror(error), BindHint(error, port)));
          }
          if (transport == probe::Transport::kTcp && ::listen(fd.Get(), options.backlog) != 0) {
            const int error = errno;
            if (error == EADDRINUSE && options.skip_busy) {
              listeners.skipped_.push_back(where + " (in use)");
              continue;
            }
            throw BindError(
                fmt::format("cannot listen on {}: {}{}", where, std::strerror(error), BindHint(error, port)));
          }
          listeners.sockets_.push_back({std::move(fd), transport, port, text, parsed.wildcard, parsed.ipv6});
        }
      }
    }
  }
  return listeners;
}

ServeResult Serve(const Listeners& listeners, const ServeOptions& options) {
  Server server(listeners, options);
  return server.Run();
}

std::size_t RaiseDescriptorLimit(std::size_t wanted) {
  constexpr std::size_t kUnreadable = 1024;    // the usual soft limit
  constexpr std::size_t kUnlimited = 1 << 20;  // the usual fs.nr_open
  const auto limit = core::RaiseDescriptorLimit(wanted);
  if (!limit) return kUnreadable;
  return *limit == core::kUnlimitedDescriptors ? kUnlimited : *limit;
}

}  // namespace portolan::respond
