#include "probe/connector.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>

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

}  // namespace

// --- the sweeper ---------------------------------------------------------------------------------

asio::awaitable<void> Sweeper::Run() {
  while (!finished_) {
    timer_.expires_after(kInterval);
    co_await timer_.async_wait(kUseTuple);
    Sweep();
  }
}

void Sweeper::Finish() {
  finished_ = true;
  timer_.cancel();
}

void Sweeper::Sweep() {
  const auto now = Clock::now();
  for (auto& watch : watches_) {
    if (!watch.clogging && watch.clog_at <= now) {
      watch.clogging = true;
      if (on_clogged_ != nullptr) on_clogged_(on_clogged_context_);
    }
    if (watch.expire == nullptr) continue;
    if (watch.refresh != nullptr) {
      const auto better = watch.refresh(watch.refresh_context);
      if (better != Clock::time_point{}) {
        watch.deadline = std::min(watch.deadline, better);
        watch.refresh = nullptr;
      }
    }
    if (watch.deadline > now) continue;
    auto* expire = watch.expire;
    void* context = watch.context;
    watch.Stop();
    watch.expired = true;
    expire(context);
  }
}

// --- descriptors ---------------------------------------------------------------------------------

void EnableIcmpErrors(int fd, bool ipv4) {
  const int on = 1;
  if (ipv4) {
    setsockopt(fd, IPPROTO_IP, IP_RECVERR, &on, sizeof on);
  } else {
    setsockopt(fd, IPPROTO_IPV6, IPV6_RECVERR, &on, sizeof on);
  }
}

bool IsLocalShortage(int error) {
  return error == EMFILE || error == ENFILE || error == ENOBUFS || error == ENOMEM || error == EADDRNOTAVAIL ||
         error == EAGAIN;
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
  outcome.fd = core::UniqueFd(::socket(endpoint.protocol().family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  const int fd = outcome.fd.Get();
  if (fd < 0) {
    if (!IsLocalShortage(errno)) throw std::system_error(errno, std::system_category(), "cannot open a socket");
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
    outcome.status = IsLocalShortage(error) ? ConnectStatus::kLocalError : ConnectStatus::kFailed;
    if (outcome.status == ConnectStatus::kLocalError) outcome.fd.Reset();
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
      outcome.fd.Reset();
      co_return outcome;
    }
    // Woken while the kernel still says connecting: not the answer; wait on.
  }
}

}  // namespace portolan::probe
