#pragma once
// Deadlines and TCP connects for the probe engine. A connect counts as accepted only when the
// kernel says the socket is connected (getpeername), never because a wait ended: readiness comes
// from a private epoll set, one-shot and tagged with a generation, so no event meant for an
// earlier socket can complete a later one.

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <system_error>
#include <vector>

#include <asio.hpp>

#include "core/unique_fd.hpp"

namespace portolan::probe {

using Clock = std::chrono::steady_clock;

// The deadline of the probe a worker is running: when it passes, the sweeper calls `expire` on
// `context` (closing or cancelling that probe's socket, or waking its connect). One per worker,
// reused probe after probe, so a probe allocates nothing for its deadline.
struct Watch {
  // A suspended coroutine waiting on the ConnectSet, resumed once with the outcome.
  struct Resume {
    virtual ~Resume() = default;
    virtual void operator()(std::error_code error) = 0;
  };

  Clock::time_point deadline;
  void (*expire)(void*) = nullptr;
  void* context = nullptr;
  bool expired = false;
  std::uint32_t index = 0;       // this watch's place in its thread's vector (the epoll tag)
  std::uint32_t generation = 0;  // bumped at every wake: an event with an older tag is stale
  int fd = -1;                   // a socket the ConnectSet waits on for this watch, or -1
  std::unique_ptr<Resume> resume;
  // A deadline set before anything was known (the initial timeout of a network not heard from):
  // each sweep asks `refresh` for a better one, and takes it (if earlier) once there is one
  // (a time point other than the epoch). As nmap does, a probe in flight is judged by what is
  // known now, not by what was known when it left.
  Clock::time_point (*refresh)(void*) = nullptr;
  void* refresh_context = nullptr;
  // When the probe has waited longer than its network's round trips explain (set by the probe at
  // its start): from then on it holds its place in the window waiting on something else (a
  // dropped packet, a service slow to answer), and the sweeper counts it as clogging until the
  // probe's owner clears `clogging` at its end.
  Clock::time_point clog_at = Clock::time_point::max();
  bool clogging = false;

  void Arm(Clock::duration after, void (*on_expiry)(void*), void* target) {
    deadline = Clock::now() + after;
    expire = on_expiry;
    context = target;
    expired = false;
    refresh = nullptr;
    refresh_context = nullptr;
  }
  void Stop() {
    expire = nullptr;
    context = nullptr;
    refresh = nullptr;
    refresh_context = nullptr;
  }
  // Resumes the waiting probe (once); its socket has left the ConnectSet's attention.
  void Wake(std::error_code error) {
    fd = -1;
    ++generation;
    if (auto waiting = std::move(resume)) (*waiting)(error);
  }
};

template <typename Handler>
struct Resumer final : Watch::Resume {
  explicit Resumer(Handler h) : handler(std::move(h)) {}
  void operator()(std::error_code error) override { std::move(handler)(error); }
  Handler handler;
};

// Stops a watch when the probe's scope ends, before the socket it points at is destroyed.
class WatchGuard {
 public:
  explicit WatchGuard(Watch& watch) : watch_(watch) {}
  ~WatchGuard() { watch_.Stop(); }
  WatchGuard(const WatchGuard&) = delete;
  WatchGuard& operator=(const WatchGuard&) = delete;

 private:
  Watch& watch_;
};

// Deadlines without a timer per probe: one coroutine sweeps the workers' watches every few
// milliseconds. Arming and cancelling a timer for each of tens of thousands of probes costs a
// timerfd update each; a sweep costs a pass over the workers, and a deadline is late by at most
// one sweep interval.
class Sweeper {
 public:
  static constexpr auto kInterval = std::chrono::milliseconds(10);

  Sweeper(const asio::any_io_executor& executor, std::vector<Watch>& watches) : timer_(executor), watches_(watches) {}

  asio::awaitable<void> Run();
  void Finish();
  // Called once for each watch whose clog_at passes (Watch::clog_at).
  void OnClogged(void (*hook)(void*), void* context) {
    on_clogged_ = hook;
    on_clogged_context_ = context;
  }

 private:
  void Sweep();

  asio::steady_timer timer_;
  std::vector<Watch>& watches_;
  bool finished_ = false;
  void (*on_clogged_)(void*) = nullptr;
  void* on_clogged_context_ = nullptr;
};

// Waits for connects on a private epoll set, itself one descriptor in Asio's reactor. Written by
// hand because Asio's own wait cannot be trusted for this: its epoll reactor recycles a closed
// socket's per-descriptor state (and the kernel the descriptor number) while that socket's
// events from the current epoll_wait are still queued, so a wait started on a new socket can
// complete with the old one's readiness. Here every registration is one-shot and carries its
// watch's index and generation; a stale event is dropped, and the connect itself asks the kernel.
// It is also the cheapest wait: socket, connect, one epoll_ctl, getsockopt (and getpeername when
// it reads 0), close.
class ConnectSet {
 public:
  ConnectSet(const asio::any_io_executor& executor, std::vector<Watch>& watches);

  // Waits until `fd` is writable or in error, or the watch expires (operation_aborted).
  // `registered`: the fd is in the set already (a wait again after a wake that was not the answer).
  template <typename Token>
  auto AsyncWait(Watch& watch, int fd, bool registered, Token&& token) {
    return asio::async_initiate<Token, void(std::error_code)>(
        [this, &watch, fd, registered](auto handler) {
          watch.resume = std::make_unique<Resumer<decltype(handler)>>(std::move(handler));
          Register(watch, fd, registered);
        },
        token);
  }

  // Runs until Finish: drains the private set whenever Asio's reactor says it is readable.
  asio::awaitable<void> Dispatch();
  void Finish();

 private:
  void Register(Watch& watch, int fd, bool registered);

  asio::posix::stream_descriptor epoll_;
  std::vector<Watch>& watches_;
  bool finished_ = false;
};

struct ConnectRequest {
  asio::ip::tcp::endpoint endpoint;
  std::optional<asio::ip::address> source;  // bind to this address first
  unsigned short source_port = 0;           // and this port (SO_REUSEADDR)
  bool icmp_sender = false;                 // IP_RECVERR / IPV6_RECVERR: keep the ICMP error's sender
  bool path_rtt = true;                     // read the kernel's handshake RTT when connected (TCP_INFO)
  Clock::duration timeout{};
  Clock::time_point (*refresh)(void*) = nullptr;  // a provisional timeout: see Watch::refresh
  void* refresh_context = nullptr;
};

enum class ConnectStatus {
  kConnected,   // the kernel says the socket is connected
  kFailed,      // an answer that is not an acceptance: a reset, an ICMP error (in `error`)
  kSilent,      // no answer before the timeout, and the kernel agrees: still connecting
  kBindFailed,  // the source address or port could not be bound: nothing was sent
  kLocalError,  // this machine could not make the attempt (no descriptor, buffer or local port)
};

struct ConnectOutcome {
  ConnectStatus status = ConnectStatus::kSilent;
  std::error_code error;
  core::UniqueFd fd;  // open unless kLocalError; the caller reads the ICMP error queue from it
  double rtt_ms = 0;  // from connect() to the answer, as this process saw it (its own delays included)
  // The kernel's own measure of the handshake's round trip (TCP_INFO), when connected: the path
  // alone, without the time this process took to look.
  std::optional<double> path_rtt_ms;
};

// IP_RECVERR (IPV6_RECVERR): the kernel keeps an ICMP error with the address of whoever sent it.
void EnableIcmpErrors(int fd, bool ipv4);

// True for the errors that say this machine, not the network, refused the attempt.
bool IsLocalShortage(int error);

// One TCP connection request, non-blocking, waited on the ConnectSet under `watch`.
asio::awaitable<ConnectOutcome> Connect(ConnectSet& set, Watch& watch, const ConnectRequest& request);

}  // namespace portolan::probe
