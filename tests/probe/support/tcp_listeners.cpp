// The listening side of tests/probe/stress_test.sh: one epoll process that listens on many TCP
// ports at once and accepts at once, so that a listening port never looks filtered under load,
// and that echoes on UDP ports.
//
// Usage: portolan_tcp_listeners [--lifetime SECONDS] [--max-connections N] PORT[/tcp|/udp]:MODE...
//   MODE silent: TCP: accept, read and discard, never write (the peer's protocol gets no answer);
//   MODE http:   TCP: read the request, answer "HTTP/1.1 200 OK" with Content-Length 0, then close;
//   MODE echo:   UDP: send every datagram (an empty one too) back to its sender, from the address
//                it was sent to (IP_PKTINFO), so that a connected client socket accepts it.
// Binds 0.0.0.0:PORT: TCP with a backlog of 4096, UDP with a receive buffer of 8 MiB (forced as
// root); holds at most N connections (default 16384), closing the oldest past that; exits 0 by
// itself after the lifetime (default 120 s). Prints "ready" once every port listens; exit 2 on
// bad arguments, 1 when a port cannot be bound.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

constexpr int kBacklog = 4096;
constexpr long kDefaultLifetimeSeconds = 120;
constexpr long kDefaultMaxConnections = 16384;
constexpr std::size_t kMaxRequestBytes = 4096;  // an http request never grows past this
constexpr int kMaxEvents = 1024;
constexpr std::string_view kHttpAnswer = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
constexpr std::string_view kEndOfHeaders = "\r\n\r\n";
// epoll data: listening sockets carry this bit, connections their fd alone.
constexpr std::uint64_t kListenerBit = std::uint64_t{1} << 32;
// epoll data: UDP sockets carry this bit.
constexpr std::uint64_t kDatagramBit = std::uint64_t{1} << 33;
constexpr int kDatagramBufferBytes = 8 * 1024 * 1024;
constexpr std::size_t kMaxDatagramBytes = 65536;

enum class Mode { kSilent, kHttp, kEcho };

struct PortMode {
  int port = 0;
  bool udp = false;
  Mode mode = Mode::kSilent;
};

struct Options {
  long lifetime_seconds = kDefaultLifetimeSeconds;
  long max_connections = kDefaultMaxConnections;
  std::vector<PortMode> ports;
};

struct Connection {
  Mode mode = Mode::kSilent;
  std::uint64_t sequence = 0;  // the order of acceptance: the smallest is the oldest
  std::string request;
  bool answered = false;
};

bool ParseLong(const char* text, long low, long high, long& value) {
  char* end = nullptr;
  errno = 0;
  const long parsed = std::strtol(text, &end, 10);
  if (errno != 0 || end == text || *end != '\0' || parsed < low || parsed > high) return false;
  value = parsed;
  return true;
}

bool ParsePortMode(const std::string& text, PortMode& out) {
  const auto colon = text.find(':');
  if (colon == std::string::npos) return false;
  std::string number = text.substr(0, colon);
  const auto slash = number.find('/');
  bool udp = false;
  if (slash != std::string::npos) {
    const std::string transport = number.substr(slash + 1);
    if (transport != "tcp" && transport != "udp") return false;
    udp = transport == "udp";
    number.resize(slash);
  }
  long port = 0;
  if (!ParseLong(number.c_str(), 1, 65535, port)) return false;
  const std::string mode = text.substr(colon + 1);
  if (mode == "silent" && !udp) {
    out.mode = Mode::kSilent;
  } else if (mode == "http" && !udp) {
    out.mode = Mode::kHttp;
  } else if (mode == "echo" && udp) {
    out.mode = Mode::kEcho;
  } else {
    return false;
  }
  out.port = static_cast<int>(port);
  out.udp = udp;
  return true;
}

bool ParseOptions(int argc, char** argv, Options& options) {
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--lifetime" && i + 1 < argc) {
      if (!ParseLong(argv[++i], 1, 86400, options.lifetime_seconds)) return false;
    } else if (arg == "--max-connections" && i + 1 < argc) {
      if (!ParseLong(argv[++i], 1, 1000000, options.max_connections)) return false;
    } else {
      PortMode port_mode;
      if (!ParsePortMode(arg, port_mode)) return false;
      options.ports.push_back(port_mode);
    }
  }
  return !options.ports.empty();
}

void RaiseFileLimit(long wanted) {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return;
  const auto target = static_cast<rlim_t>(wanted);
  if (limit.rlim_max != RLIM_INFINITY && limit.rlim_max < target) {
    limit.rlim_max = target;  // root may raise the hard limit; otherwise the soft one is the best
    if (setrlimit(RLIMIT_NOFILE, &limit) != 0) getrlimit(RLIMIT_NOFILE, &limit);
  }
  limit.rlim_cur = std::min(limit.rlim_max, std::max(limit.rlim_cur, target));
  setrlimit(RLIMIT_NOFILE, &limit);
}

int Listen(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  const int on = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_ANY);
  if (bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 || listen(fd, kBacklog) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

int BindDatagram(int port) {
  const int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  const int on = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
  setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &on, sizeof on);
  const int bytes = kDatagramBufferBytes;
  if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &bytes, sizeof bytes) != 0) {
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bytes, sizeof bytes);  // not root: up to rmem_max
  }
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_ANY);
  if (bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

class Server {
 public:
  Server(int epoll, long max_connections) : epoll_(epoll), max_connections_(max_connections) {}

  void AddListener(int fd, Mode mode) {
    listener_modes_[fd] = mode;
    epoll_event event{};
    event.events = EPOLLIN;
    event.data.u64 = kListenerBit | static_cast<std::uint32_t>(fd);
    epoll_ctl(epoll_, EPOLL_CTL_ADD, fd, &event);
  }

  void AddDatagramSocket(int fd) {
    epoll_event event{};
    event.events = EPOLLIN;
    event.data.u64 = kDatagramBit | static_cast<std::uint32_t>(fd);
    epoll_ctl(epoll_, EPOLL_CTL_ADD, fd, &event);
  }

  void OnEvent(const epoll_event& event) {
    const int fd = static_cast<int>(event.data.u64 & 0xffffffffU);
    if ((event.data.u64 & kDatagramBit) != 0) {
      EchoAll(fd);
    } else if ((event.data.u64 & kListenerBit) != 0) {
      AcceptAll(fd, listener_modes_[fd]);
    } else {
      OnReadable(fd);
    }
  }

 private:
  // Echoes until the socket's queue is empty, each datagram from the address it was sent to.
  static void EchoAll(int fd) {
    std::vector<char> buffer(kMaxDatagramBytes);
    for (;;) {
      sockaddr_in peer{};
      iovec data{buffer.data(), buffer.size()};
      alignas(cmsghdr) std::array<char, CMSG_SPACE(sizeof(in_pktinfo))> control{};
      msghdr message{};
      message.msg_name = &peer;
      message.msg_namelen = sizeof peer;
      message.msg_iov = &data;
      message.msg_iovlen = 1;
      message.msg_control = control.data();
      message.msg_controllen = control.size();
      const ssize_t got = recvmsg(fd, &message, 0);
      if (got < 0) {
        if (errno == EINTR) continue;
        return;  // EAGAIN: drained (an ICMP error queued on the socket is dropped by the kernel)
      }
      in_pktinfo destination{};
      bool found = false;
      for (cmsghdr* header = CMSG_FIRSTHDR(&message); header != nullptr; header = CMSG_NXTHDR(&message, header)) {
        if (header->cmsg_level == IPPROTO_IP && header->cmsg_type == IP_PKTINFO) {
          std::memcpy(&destination, CMSG_DATA(header), sizeof destination);
          found = true;
        }
      }
      // Answer from the address the datagram was sent to: the address the peer's socket is
      // connected to, whichever of the server's addresses it is.
      alignas(cmsghdr) std::array<char, CMSG_SPACE(sizeof(in_pktinfo))> answer_control{};
      iovec answer_data{buffer.data(), static_cast<std::size_t>(got)};
      msghdr answer{};
      answer.msg_name = &peer;
      answer.msg_namelen = message.msg_namelen;
      answer.msg_iov = &answer_data;
      answer.msg_iovlen = 1;
      if (found) {
        answer.msg_control = answer_control.data();
        answer.msg_controllen = answer_control.size();
        cmsghdr* header = CMSG_FIRSTHDR(&answer);
        header->cmsg_level = IPPROTO_IP;
        header->cmsg_type = IP_PKTINFO;
        header->cmsg_len = CMSG_LEN(sizeof(in_pktinfo));
        in_pktinfo source{};
        source.ipi_spec_dst = destination.ipi_addr;
        std::memcpy(CMSG_DATA(header), &source, sizeof source);
      }
      sendmsg(fd, &answer, MSG_DONTWAIT);
    }
  }

  // Accepts until the queue is empty: the kernel's accept queue must never fill up.
  void AcceptAll(int listener, Mode mode) {
    for (;;) {
      const int fd = accept4(listener, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0) {
        // EMFILE and the like: close the oldest and try again on the next event.
        if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) CloseOldest();
        return;
      }
      if (static_cast<long>(connections_.size()) >= max_connections_) CloseOldest();
      epoll_event event{};
      event.events = EPOLLIN | EPOLLRDHUP;
      event.data.u64 = static_cast<std::uint32_t>(fd);
      epoll_ctl(epoll_, EPOLL_CTL_ADD, fd, &event);
      const std::uint64_t sequence = next_sequence_++;
      connections_[fd] = Connection{mode, sequence, {}, false};
      by_age_[sequence] = fd;
    }
  }

  void OnReadable(int fd) {
    const auto found = connections_.find(fd);
    if (found == connections_.end()) return;
    Connection& connection = found->second;
    std::array<char, 4096> buffer{};
    for (;;) {
      const ssize_t got = recv(fd, buffer.data(), buffer.size(), 0);
      if (got == 0 || (got < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
        Close(fd);  // the peer is done (or gone)
        return;
      }
      if (got < 0) break;
      if (connection.mode == Mode::kHttp && !connection.answered) {
        connection.request.append(buffer.data(), static_cast<std::size_t>(got));
      }
    }
    if (connection.mode != Mode::kHttp || connection.answered) return;
    if (connection.request.find(kEndOfHeaders) == std::string::npos && connection.request.size() < kMaxRequestBytes) {
      return;
    }
    // Answer, then close our side gracefully: the peer's EOF closes the socket, so that no
    // reset can overtake the answer.
    send(fd, kHttpAnswer.data(), kHttpAnswer.size(), MSG_NOSIGNAL);
    shutdown(fd, SHUT_WR);
    connection.answered = true;
    connection.request.clear();
  }

  void CloseOldest() {
    if (by_age_.empty()) return;
    Close(by_age_.begin()->second);
  }

  void Close(int fd) {
    const auto found = connections_.find(fd);
    if (found == connections_.end()) return;
    by_age_.erase(found->second.sequence);
    connections_.erase(found);
    close(fd);  // also removes it from the epoll set
  }

  int epoll_;
  long max_connections_;
  std::uint64_t next_sequence_ = 0;
  std::unordered_map<int, Mode> listener_modes_;
  std::unordered_map<int, Connection> connections_;
  std::map<std::uint64_t, int> by_age_;
};

}  // namespace

int main(int argc, char** argv) {
  Options options;
  if (!ParseOptions(argc, argv, options)) {
    std::fprintf(stderr, "usage: %s [--lifetime SECONDS] [--max-connections N] PORT:silent|http PORT/udp:echo...\n",
                 argv[0]);
    return 2;
  }
  signal(SIGPIPE, SIG_IGN);
  RaiseFileLimit(options.max_connections + static_cast<long>(options.ports.size()) + 64);

  const int epoll = epoll_create1(EPOLL_CLOEXEC);
  if (epoll < 0) {
    std::perror("epoll_create1");
    return 1;
  }
  Server server(epoll, options.max_connections);
  for (const auto& port_mode : options.ports) {
    const int fd = port_mode.udp ? BindDatagram(port_mode.port) : Listen(port_mode.port);
    if (fd < 0) {
      std::fprintf(stderr, "tcp_listeners: cannot listen on port %d/%s: %s\n", port_mode.port,
                   port_mode.udp ? "udp" : "tcp", std::strerror(errno));
      return 1;
    }
    if (port_mode.udp) {
      server.AddDatagramSocket(fd);
    } else {
      server.AddListener(fd, port_mode.mode);
    }
  }
  std::printf("ready\n");
  std::fflush(stdout);

  const auto deadline = Clock::now() + std::chrono::seconds(options.lifetime_seconds);
  std::vector<epoll_event> events(kMaxEvents);
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) return 0;
    const int ready = epoll_wait(epoll, events.data(), kMaxEvents, static_cast<int>(std::min<long long>(left, 1000)));
    if (ready < 0 && errno != EINTR) {
      std::perror("epoll_wait");
      return 1;
    }
    for (int i = 0; i < ready; ++i) server.OnEvent(events[static_cast<std::size_t>(i)]);
  }
}
