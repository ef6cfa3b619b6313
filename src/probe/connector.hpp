#pragma once
// Deadlines and TCP connects for the probe engine, and the probe's platform seam: everything the
// engine asks of the operating system's sockets (a connect under a deadline, the ICMP evidence,
// which errors mean "this machine is short of something") is declared here and implemented once
// per system: connector_linux.cpp (a private epoll set, IP_RECVERR) and connector_windows.cpp
// (Winsock through Asio's IOCP, TCP_FAIL_CONNECT_ON_ICMP_ERROR). connector.cpp holds what both
// share. The engine itself includes no system header.
//
// On Linux a connect counts as accepted only when the kernel says the socket is connected
// (getpeername), never because a wait ended: readiness comes from a private epoll set, one-shot
// and tagged with a generation, so no event meant for an earlier socket can complete a later one.

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include <asio.hpp>

#if !defined(_WIN32)
#include "core/unique_fd.hpp"
#endif

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
//
// On Windows the connect is Asio's own (ConnectEx on the IOCP, which completes once per socket and
// cannot confuse two sockets), and the set does nothing.
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

#if !defined(_WIN32)
  asio::posix::stream_descriptor epoll_;
#endif
  std::vector<Watch>& watches_;
  bool finished_ = false;
};

struct ConnectRequest {
  asio::ip::tcp::endpoint endpoint;
  std::optional<asio::ip::address> source;  // bind to this address first
  unsigned short source_port = 0;           // and this port (SO_REUSEADDR)
  bool icmp_sender = false;                 // Linux: IP_RECVERR / IPV6_RECVERR, keep the ICMP error's sender
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

// An ICMP error the system reported for a probe, with the address of whoever sent it (the
// firewall, for an administratively prohibited answer).
struct IcmpError {
  int type = -1;
  int code = -1;
  bool ipv6 = false;
  std::string from;
};

// The socket of a connect: a descriptor on Linux, an Asio socket on the IOCP on Windows.
#if defined(_WIN32)
using ConnectedSocket = std::optional<asio::ip::tcp::socket>;
#else
using ConnectedSocket = core::UniqueFd;
#endif

struct ConnectOutcome {
  ConnectStatus status = ConnectStatus::kSilent;
  std::error_code error;
  ConnectedSocket socket;  // open when kConnected (kFailed and kSilent: maybe; kLocalError: never)
  // kFailed: the ICMP error behind the failure, when the system names it (Linux with
  // icmp_sender; Windows 10 2004 and later, always).
  std::optional<IcmpError> icmp;
  // What this system cannot tell about the answer (said in the verdict's detail), or empty.
  std::string limits;
  double rtt_ms = 0;  // from connect() to the answer, as this process saw it (its own delays included)
  // The kernel's own measure of the handshake's round trip (TCP_INFO), when connected: the path
  // alone, without the time this process took to look.
  std::optional<double> path_rtt_ms;
};

// One TCP connection request, non-blocking, under `watch`'s deadline.
asio::awaitable<ConnectOutcome> Connect(ConnectSet& set, Watch& watch, const ConnectRequest& request);

// The connected socket of a kConnected outcome as an Asio socket on `executor`, for a dialogue.
asio::ip::tcp::socket AdoptConnected(ConnectOutcome& outcome, const asio::ip::tcp& protocol,
                                     const asio::any_io_executor& executor);

// True for the errors that say this machine, not the network, refused the attempt (no descriptor,
// buffer or local port): never a verdict.
bool IsLocalShortage(const std::error_code& error);

// True for the connect errors an ICMP error causes (unreachable, prohibited).
bool IsIcmpFailure(const std::error_code& error);

// Asks the system to keep the ICMP errors of a UDP socket with their senders (Linux: IP_RECVERR;
// Windows reports port unreachable only, as a receive error).
void EnableIcmpErrors(asio::ip::udp::socket& socket);
// The ICMP error the system keeps for a UDP socket whose receive or send failed, if it tells.
std::optional<IcmpError> ReadIcmpError(asio::ip::udp::socket& socket);
// What this system cannot tell of a UDP probe's silence (said in the verdict's detail), or empty.
std::string_view UdpLimits();

// --- shared by both systems (connector.cpp) ------------------------------------------------------

bool IsPortUnreachable(const IcmpError& error);
// "ICMP administratively prohibited (type 3 code 13) from 10.0.0.1".
std::string IcmpText(const IcmpError& error);

// --- Windows evidence: pure functions, compiled and unit-tested on every system (the Windows
// paths that wine cannot exercise are tested here with injected outcomes) --------------------------

// How long Windows keeps sending a SYN again after a reset (about 2 s observed on loopback; nmap
// #2113, msys2 #2355), with a margin: no connect deadline is shorter where the SYN retries cannot
// be turned off, so a refusal is never read as silence.
inline constexpr std::chrono::milliseconds kWindowsResetRetryWindow{3000};
Clock::duration WindowsConnectDeadline(Clock::duration requested, bool no_syn_retries);

// What a finished Windows connect means: its completion error (as Asio gives it) and whether the
// deadline had cancelled it.
ConnectStatus ClassifyWindowsConnect(const std::error_code& error, bool expired);
// The errors that say this machine is short of descriptors, buffers, memory or local ports.
bool IsWindowsShortage(const std::error_code& error);

// ICMP_ERROR_INFO (TCP_ICMP_ERROR_INFO) as the bytes getsockopt gives: SOCKADDR_INET srcaddress
// (AF_INET 2 or AF_INET6 23, little-endian), IPPROTO protocol (4 bytes), UINT8 type, UINT8 code.
inline constexpr std::size_t kWindowsIcmpErrorInfoSize = 36;
inline constexpr std::size_t kWindowsIcmpErrorInfoTypeOffset = 32;
std::optional<IcmpError> ParseWindowsIcmpErrorInfo(std::span<const std::uint8_t> info);

// What Windows cannot tell, as said in a verdict's detail.
inline constexpr std::string_view kWindowsNoIcmpLimits =
    "this system cannot tell an ICMP error from silence; that needs Windows 10 2004 or Server 2022";
inline constexpr std::string_view kWindowsNoIcmpSender = "this system does not say which ICMP error or who sent it";
inline constexpr std::string_view kWindowsUdpLimits =
    "Windows reports no ICMP error for UDP but port unreachable, and never its sender";

}  // namespace portolan::probe
