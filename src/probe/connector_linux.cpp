// The probe's connector on Linux: non-blocking connects on a private epoll set, and the ICMP
// evidence from the socket error queue (IP_RECVERR / IPV6_RECVERR).
#include <arpa/inet.h>
#include <linux/errqueue.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "probe/connector.hpp"

#include <asio/experimental/as_tuple.hpp>

namespace portolan::probe {

namespace {

constexpr auto kUseTuple = asio::experimental::as_tuple(asio::use_awaitable);
constexpr std::size_t kEventBatch = 256;

std::error_code SystemError(int error) {
  return {error, asio::error::get_system_category()};
}

double MillisecondsSince(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

void ExpireConnect(void* context) {
  static_cast<Watch*>(context)->Wake(asio::error::operation_aborted);
}

enum class KernelSays { kConnected, kFailed, kConnecting };

// What the kernel holds of a connect, whatever woke us: SO_ERROR names a failure; if it reads 0,
// getpeername succeeds only on a connected socket, and fails (ENOTCONN) on a connect still in
// progress. (A failure that lands between the two calls is read at the next wake: the one-shot
// registration is armed again with EPOLL_CTL_MOD, which reports a pending error at once.)
KernelSays AskTheKernel(int fd, std::error_code& error) {
  int status = 0;
  socklen_t length = sizeof status;
  if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &status, &length) != 0) status = errno;
  if (status != 0) {
    error = SystemError(status);
    return KernelSays::kFailed;
  }
  sockaddr_storage peer{};
  socklen_t peer_length = sizeof peer;
  if (getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &peer_length) == 0) return KernelSays::kConnected;
  return KernelSays::kConnecting;
}

std::optional<double> PathRtt(int fd) {
  tcp_info info{};
  socklen_t length = sizeof info;
  if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &length) != 0 || info.tcpi_rtt == 0) return std::nullopt;
  return static_cast<double>(info.tcpi_rtt) / 1000.0;
}

bool IsShortage(int error) {
  return error == EMFILE || error == ENFILE || error == ENOBUFS || error == ENOMEM || error == EADDRNOTAVAIL ||
         error == EAGAIN;
}

void EnableIcmpErrors(int fd, bool ipv4) {
  const int on = 1;
  if (ipv4) {
    setsockopt(fd, IPPROTO_IP, IP_RECVERR, &on, sizeof on);
  } else {
    setsockopt(fd, IPPROTO_IPV6, IPV6_RECVERR, &on, sizeof on);
  }
}

// With IP_RECVERR the kernel queues the ICMP error with the address of the router or host that
// sent it (the firewall, for an administratively prohibited reply).
std::optional<IcmpError> ReadErrorQueue(int fd) {
  std::array<char, 512> control{};
  std::array<char, 512> data{};
  iovec io{data.data(), data.size()};
  msghdr message{};
  message.msg_iov = &io;
  message.msg_iovlen = 1;
  message.msg_control = control.data();
  message.msg_controllen = control.size();
  if (recvmsg(fd, &message, MSG_ERRQUEUE | MSG_DONTWAIT) < 0) return std::nullopt;
  for (cmsghdr* header = CMSG_FIRSTHDR(&message); header != nullptr; header = CMSG_NXTHDR(&message, header)) {
    const bool v4 = header->cmsg_level == IPPROTO_IP && header->cmsg_type == IP_RECVERR;
    const bool v6 = header->cmsg_level == IPPROTO_IPV6 && header->cmsg_type == IPV6_RECVERR;
    if (!v4 && !v6) continue;
    sock_extended_err extended{};
    std::memcpy(&extended, CMSG_DATA(header), sizeof extended);
    if (extended.ee_origin != SO_EE_ORIGIN_ICMP && extended.ee_origin != SO_EE_ORIGIN_ICMP6) continue;
    IcmpError error{extended.ee_type, extended.ee_code, v6, {}};
    // SO_EE_OFFENDER: the sender's address follows the structure inside the control data.
    const auto* offender = reinterpret_cast<const sockaddr*>(CMSG_DATA(header) + sizeof(sock_extended_err));
    std::array<char, INET6_ADDRSTRLEN> text{};
    if (offender->sa_family == AF_INET) {
      sockaddr_in address{};
      std::memcpy(&address, offender, sizeof address);
      inet_ntop(AF_INET, &address.sin_addr, text.data(), text.size());
      error.from = text.data();
    } else if (offender->sa_family == AF_INET6) {
      sockaddr_in6 address{};
      std::memcpy(&address, offender, sizeof address);
      inet_ntop(AF_INET6, &address.sin6_addr, text.data(), text.size());
      error.from = text.data();
    }
    return error;
  }
  return std::nullopt;
}

}  // namespace

// --- the seam's small questions ------------------------------------------------------------------

bool IsLocalShortage(const std::error_code& error) {
  return IsShortage(error.value());
}

bool IsIcmpFailure(const std::error_code& error) {
  return error == asio::error::host_unreachable || error == asio::error::network_unreachable ||
         error.value() == EACCES || error.value() == EPROTO;
}

void EnableIcmpErrors(asio::ip::udp::socket& socket) {
  EnableIcmpErrors(socket.native_handle(), socket.local_endpoint().protocol() == asio::ip::udp::v4());
}

std::optional<IcmpError> ReadIcmpError(asio::ip::udp::socket& socket) {
  return ReadErrorQueue(socket.native_handle());
}

std::string_view UdpLimits() {
  return {};
}

asio::ip::tcp::socket AdoptConnected(ConnectOutcome& outcome, const asio::ip::tcp& protocol,
                                     const asio::any_io_executor& executor) {
  asio::ip::tcp::socket socket(executor);
  std::error_code error;
  socket.assign(protocol, outcome.socket.Get(), error);
  if (error) throw std::system_error(error, "cannot hand a connected socket to the reactor");
  outcome.socket.Release();
  return socket;
}

// --- the connect set -----------------------------------------------------------------------------

ConnectSet::ConnectSet(const asio::any_io_executor& executor, std::vector<Watch>& watches)
    : epoll_(executor, epoll_create1(EPOLL_CLOEXEC)), watches_(watches) {}

void ConnectSet::Register(Watch& watch, int fd, bool registered) {
  epoll_event event{};
  // One-shot: after one event the descriptor stays in the set but silent until it is armed again
  // (EPOLL_CTL_MOD, which looks at its state afresh: an error that came meanwhile is not lost).
  event.events = EPOLLOUT | EPOLLONESHOT;
  event.data.u64 = (static_cast<std::uint64_t>(watch.generation) << 32) | watch.index;
  watch.fd = fd;
  if (epoll_ctl(epoll_.native_handle(), registered ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, fd, &event) != 0) {
    watch.Wake(SystemError(errno));
  }
}

asio::awaitable<void> ConnectSet::Dispatch() {
  std::array<epoll_event, kEventBatch> events{};
  while (!finished_) {
    auto [error] = co_await epoll_.async_wait(asio::posix::descriptor_base::wait_read, kUseTuple);
    if (error) co_return;
    for (;;) {
      const int ready = epoll_wait(epoll_.native_handle(), events.data(), static_cast<int>(events.size()), 0);
      for (int i = 0; i < ready; ++i) {
        const std::uint64_t tag = events[static_cast<std::size_t>(i)].data.u64;
        const auto index = static_cast<std::size_t>(tag & 0xFFFFFFFFU);
        if (index >= watches_.size()) continue;
        auto& watch = watches_[index];
        // Stale: the wait this event was armed for has ended (its deadline, or an earlier event).
        if (watch.fd < 0 || watch.generation != static_cast<std::uint32_t>(tag >> 32)) continue;
        watch.Wake({});
      }
      if (ready < static_cast<int>(events.size())) break;
    }
  }
}

void ConnectSet::Finish() {
  finished_ = true;
  std::error_code ignored;
  epoll_.cancel(ignored);
}

// --- one connect ---------------------------------------------------------------------------------

asio::awaitable<ConnectOutcome> Connect(ConnectSet& set, Watch& watch, const ConnectRequest& request) {
  ConnectOutcome outcome;
  const auto& endpoint = request.endpoint;
  const bool ipv4 = endpoint.address().is_v4();
  outcome.socket =
      core::UniqueFd(::socket(endpoint.protocol().family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  const int fd = outcome.socket.Get();
  if (fd < 0) {
    if (!IsShortage(errno)) throw std::system_error(errno, std::system_category(), "cannot open a socket");
    outcome.status = ConnectStatus::kLocalError;
    outcome.error = SystemError(errno);
    co_return outcome;
  }
  if (request.source || request.source_port != 0) {
    const auto address = request.source ? *request.source
                         : ipv4         ? asio::ip::address(asio::ip::address_v4::any())
                                        : asio::ip::address(asio::ip::address_v6::any());
    const asio::ip::tcp::endpoint local(address, request.source_port);
    const int on = 1;
    if (request.source_port != 0) setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    if (::bind(fd, local.data(), static_cast<socklen_t>(local.size())) != 0) {
      outcome.status = ConnectStatus::kBindFailed;
      outcome.error = SystemError(errno);
      co_return outcome;
    }
  }
  if (request.icmp_sender) EnableIcmpErrors(fd, ipv4);

  const auto start = Clock::now();
  if (::connect(fd, endpoint.data(), static_cast<socklen_t>(endpoint.size())) == 0) {
    outcome.status = ConnectStatus::kConnected;
    outcome.rtt_ms = MillisecondsSince(start);
    if (request.path_rtt) outcome.path_rtt_ms = PathRtt(fd);
    co_return outcome;
  }
  if (errno != EINPROGRESS) {
    const int error = errno;
    outcome.rtt_ms = MillisecondsSince(start);
    outcome.error = SystemError(error);
    outcome.status = IsShortage(error) ? ConnectStatus::kLocalError : ConnectStatus::kFailed;
    if (outcome.status == ConnectStatus::kLocalError) outcome.socket.Reset();
    if (outcome.status == ConnectStatus::kFailed && request.icmp_sender) outcome.icmp = ReadErrorQueue(fd);
    co_return outcome;
  }

  watch.Arm(request.timeout, ExpireConnect, &watch);
  watch.refresh = request.refresh;
  watch.refresh_context = request.refresh_context;
  for (bool registered = false;; registered = true) {
    auto [wait_error] = co_await set.AsyncWait(watch, fd, registered, kUseTuple);
    std::error_code failure;
    const KernelSays says = AskTheKernel(fd, failure);
    if (says != KernelSays::kConnecting) {
      watch.Stop();
      outcome.rtt_ms = MillisecondsSince(start);
      outcome.status = says == KernelSays::kConnected ? ConnectStatus::kConnected : ConnectStatus::kFailed;
      outcome.error = failure;
      if (says == KernelSays::kFailed && request.icmp_sender) outcome.icmp = ReadErrorQueue(fd);
      if (says == KernelSays::kConnected && request.path_rtt) outcome.path_rtt_ms = PathRtt(fd);
      co_return outcome;
    }
    if (watch.expired) {
      outcome.rtt_ms = MillisecondsSince(start);
      outcome.status = ConnectStatus::kSilent;
      co_return outcome;
    }
    if (wait_error) {  // the set could not take the descriptor (out of memory, or of epoll watches)
      watch.Stop();
      outcome.error = wait_error;
      outcome.status = ConnectStatus::kLocalError;
      outcome.socket.Reset();
      co_return outcome;
    }
    // Woken while the kernel still says connecting: not the answer; wait on.
  }
}

}  // namespace portolan::probe
