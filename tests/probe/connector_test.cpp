// The engine's TCP connect against the failure that made dropped ports look accepted under load.
// Asio's epoll reactor recycles a closed socket's per-descriptor state (and the kernel its
// descriptor number) while that socket's events from the current epoll_wait are still queued;
// a wait for writability started on the next socket completes with the old socket's events, and
// SO_ERROR reads 0 on a connect still in progress. The old engine took that for "accepted" and
// ran the dialogue: WRONG_SERVICE "connection accepted, but no ... answer" on a dropped port.
// Each test rebuilds that exact sequence on loopback (no root needed): the control proves the
// hazard is real with this Asio, the others that the engine's connect is immune to it.

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <optional>
#include <vector>

#include <gtest/gtest.h>
#include <asio.hpp>
#include <asio/experimental/as_tuple.hpp>

#include "probe/connector.hpp"

namespace portolan::probe {
namespace {

using asio::ip::tcp;
constexpr auto kUseTuple = asio::experimental::as_tuple(asio::use_awaitable);

// A loopback listener. With a backlog of 0 and one connection left unaccepted its queue is full,
// and Linux drops every further SYN to it: a port whose packets are dropped, without nftables.
class Listener {
 public:
  explicit Listener(int backlog) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
    EXPECT_EQ(::listen(fd_, backlog), 0);
    socklen_t length = sizeof address;
    getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length);
    port_ = ntohs(address.sin_port);
  }
  ~Listener() { ::close(fd_); }
  Listener(const Listener&) = delete;
  Listener& operator=(const Listener&) = delete;

  tcp::endpoint Endpoint() const { return {asio::ip::address_v4::loopback(), port_}; }
  int fd() const { return fd_; }

 private:
  int fd_ = -1;
  unsigned short port_ = 0;
};

// A listener whose SYNs are dropped: its one-place queue holds a connection nobody accepts.
class DroppingPort {
 public:
  DroppingPort() : listener_(0) {
    filler_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    const auto endpoint = listener_.Endpoint();
    EXPECT_EQ(::connect(filler_, endpoint.data(), static_cast<socklen_t>(endpoint.size())), 0);
  }
  ~DroppingPort() { ::close(filler_); }
  DroppingPort(const DroppingPort&) = delete;
  DroppingPort& operator=(const DroppingPort&) = delete;

  tcp::endpoint Endpoint() const { return listener_.Endpoint(); }

 private:
  Listener listener_;
  int filler_ = -1;
};

// An Asio socket connected to `open`, and the server's end of it, accepted.
struct Connected {
  tcp::socket client;
  int server_end = -1;
};

Connected ConnectTo(asio::io_context& context, const Listener& open) {
  Connected connected{tcp::socket(context), -1};
  connected.client.connect(open.Endpoint());
  connected.server_end = ::accept(open.fd(), nullptr, nullptr);
  EXPECT_GE(connected.server_end, 0);
  return connected;
}

// The server resets the connection: the client's socket gets EPOLLERR and EPOLLHUP in Asio's
// epoll set. Then the coroutine yields once: the reactor's next epoll_wait collects those events
// and queues them behind this coroutine's resumption. What the caller does next (close the
// socket, open another, wait on it) happens while the stale events are still queued.
asio::awaitable<void> ResetAndLetTheReactorCollect(Connected& connected) {
  const linger abort{1, 0};
  setsockopt(connected.server_end, SOL_SOCKET, SO_LINGER, &abort, sizeof abort);
  ::close(connected.server_end);
  co_await asio::post(co_await asio::this_coro::executor, asio::use_awaitable);
}

bool KernelSaysConnected(int fd) {
  sockaddr_storage peer{};
  socklen_t length = sizeof peer;
  return getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &length) == 0;
}

TEST(ProbeConnector, ControlAsiosOwnWaitIsWokenByAClosedSocketsEvents) {
  const Listener open(16);
  const DroppingPort dropped;
  asio::io_context context(ASIO_CONCURRENCY_HINT_UNSAFE);
  auto connected = ConnectTo(context, open);
  std::optional<bool> woken_without_error;
  bool so_error_zero = false;
  bool kernel_connected = true;
  asio::co_spawn(
      context,
      [&]() -> asio::awaitable<void> {
        co_await ResetAndLetTheReactorCollect(connected);
        connected.client.close();
        // The old engine's connect: an Asio socket, connect(), async_wait(wait_write), SO_ERROR.
        tcp::socket next(context);
        next.open(tcp::v4());
        next.non_blocking(true);
        const auto endpoint = dropped.Endpoint();
        EXPECT_NE(::connect(next.native_handle(), endpoint.data(), static_cast<socklen_t>(endpoint.size())), 0);
        asio::steady_timer guard(context, std::chrono::milliseconds(500));
        guard.async_wait([&](std::error_code) { next.cancel(); });
        auto [error] = co_await next.async_wait(tcp::socket::wait_write, kUseTuple);
        guard.cancel();
        woken_without_error = !error;
        int status = -1;
        socklen_t length = sizeof status;
        getsockopt(next.native_handle(), SOL_SOCKET, SO_ERROR, &status, &length);
        so_error_zero = status == 0;
        kernel_connected = KernelSaysConnected(next.native_handle());
      },
      asio::detached);
  context.run();
  ASSERT_TRUE(woken_without_error.has_value());
  // The hazard: a wait on a connect that the listener drops ends at once, without an error, and
  // SO_ERROR reads 0, which the old engine took for an accepted connection.
  EXPECT_TRUE(*woken_without_error) << "this Asio did not deliver the closed socket's events to the new one";
  EXPECT_TRUE(so_error_zero);
  EXPECT_FALSE(kernel_connected) << "the kernel never connected it: its SYN was dropped";
}

// The engine's connect in the same sequence: silent until its timeout, never connected.
TEST(ProbeConnector, ADroppedConnectStaysSilentAfterAClosedSocketsEvents) {
  const Listener open(16);
  const DroppingPort dropped;
  for (int round = 0; round < 5; ++round) {
    asio::io_context context(ASIO_CONCURRENCY_HINT_UNSAFE);
    std::vector<Watch> watches(1);
    Sweeper sweeper(context.get_executor(), watches);
    ConnectSet set(context.get_executor(), watches);
    auto connected = ConnectTo(context, open);
    std::optional<ConnectStatus> status;
    double rtt_ms = 0;
    asio::co_spawn(
        context,
        [&]() -> asio::awaitable<void> {
          co_await ResetAndLetTheReactorCollect(connected);
          connected.client.close();
          ConnectRequest request;
          request.endpoint = dropped.Endpoint();
          request.timeout = std::chrono::milliseconds(200);
          auto outcome = co_await Connect(set, watches[0], request);
          status = outcome.status;
          rtt_ms = outcome.rtt_ms;
          sweeper.Finish();
          set.Finish();
        },
        asio::detached);
    asio::co_spawn(context, sweeper.Run(), asio::detached);
    asio::co_spawn(context, set.Dispatch(), asio::detached);
    context.run();
    ASSERT_TRUE(status.has_value());
    EXPECT_EQ(*status, ConnectStatus::kSilent) << "round " << round;
    EXPECT_GE(rtt_ms, 190) << "round " << round;
  }
}

// Accepted, refused and dropped, interleaved on one thread with descriptors reused all along:
// every outcome is the one the kernel holds.
TEST(ProbeConnector, OutcomesAreTheKernelsUnderReuse) {
  const Listener open(4096);
  const DroppingPort dropped;
  tcp::endpoint refused;
  {
    const Listener closed(1);
    refused = closed.Endpoint();
  }  // nothing listens there now: a reset
  asio::io_context context(ASIO_CONCURRENCY_HINT_UNSAFE);
  constexpr int kWorkers = 32;
  constexpr int kEach = 30;
  std::vector<Watch> watches(kWorkers);
  for (int w = 0; w < kWorkers; ++w) watches[static_cast<std::size_t>(w)].index = static_cast<std::uint32_t>(w);
  Sweeper sweeper(context.get_executor(), watches);
  ConnectSet set(context.get_executor(), watches);
  int wrong = 0;
  int running = kWorkers;
  for (int w = 0; w < kWorkers; ++w) {
    asio::co_spawn(
        context,
        [&, w]() -> asio::awaitable<void> {
          for (int i = 0; i < kEach; ++i) {
            const int kind = (w + i) % 3;
            ConnectRequest request;
            request.endpoint = kind == 0 ? open.Endpoint() : kind == 1 ? refused : dropped.Endpoint();
            request.timeout = std::chrono::milliseconds(kind == 2 ? 30 : 2000);
            auto outcome = co_await Connect(set, watches[static_cast<std::size_t>(w)], request);
            const auto expected = kind == 0   ? ConnectStatus::kConnected
                                  : kind == 1 ? ConnectStatus::kFailed
                                              : ConnectStatus::kSilent;
            if (outcome.status != expected) ++wrong;
            if (kind == 0) {  // the server takes it and resets it, so its events arrive as others start
              const int server_end = ::accept(open.fd(), nullptr, nullptr);
              const linger abort{1, 0};
              setsockopt(server_end, SOL_SOCKET, SO_LINGER, &abort, sizeof abort);
              ::close(server_end);
            }
          }
          if (--running == 0) {
            sweeper.Finish();
            set.Finish();
          }
        },
        asio::detached);
  }
  asio::co_spawn(context, sweeper.Run(), asio::detached);
  asio::co_spawn(context, set.Dispatch(), asio::detached);
  context.run();
  EXPECT_EQ(wrong, 0);
}

}  // namespace
}  // namespace portolan::probe
