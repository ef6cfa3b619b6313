// The probe's connector on Windows: Asio's own connect (ConnectEx on the I/O completion port)
// under the sweeper's deadline, and what Winsock tells of ICMP errors.
//
// Three Windows facts decide the code (docs/windows.md lists what a real Windows machine must
// still confirm):
// - Windows sends a SYN again after a reset, so a closed port can outlast a short deadline and
//   read as silent (nmap reads it as filtered on Windows). SIO_TCP_INITIAL_RTO with no SYN
//   retransmissions (Windows 8 / Server 2012 and later) stops that; where it is refused, a
//   connect's deadline is never shorter than the time those retries take
//   (WindowsConnectDeadline), so a refusal always arrives before the deadline.
// - TCP_FAIL_CONNECT_ON_ICMP_ERROR makes an ICMP error end the connect at once, and
//   TCP_ICMP_ERROR_INFO names its type, code and sender (Windows 10 2004 / Server 2022 and
//   later). Elsewhere an ICMP error is retried like silence, and the verdict's detail says that
//   this system cannot tell the two apart.
// - UDP: Windows reports ICMP port unreachable (a receive fails with WSAECONNRESET, which Asio
//   gives as connection_refused) and no other ICMP error, and never the sender.
// winsock2.h first, then the headers that build on it (not sorted).
// clang-format off
#include <winsock2.h>
#include <ws2tcpip.h>
#include <mstcpip.h>
// clang-format on

#include <algorithm>
#include <array>
#include <cstddef>
#include <span>
#include <stdexcept>

#include <asio/experimental/as_tuple.hpp>

#include "probe/connector.hpp"

namespace portolan::probe {

namespace {

constexpr auto kUseTuple = asio::experimental::as_tuple(asio::use_awaitable);

// Not in mingw-w64 10's headers: the values and layout of Microsoft's ws2ipdef.h / mstcpip.h.
constexpr int kTcpFailConnectOnIcmpError = 18;  // TCP_FAIL_CONNECT_ON_ICMP_ERROR
constexpr int kTcpIcmpErrorInfo = 19;           // TCP_ICMP_ERROR_INFO
struct IcmpErrorInfo {                          // ICMP_ERROR_INFO
  SOCKADDR_INET srcaddress;
  int protocol;  // IPPROTO, an enum: 4 bytes
  UINT8 type;
  UINT8 code;
};
static_assert(sizeof(IcmpErrorInfo) == kWindowsIcmpErrorInfoSize);
static_assert(offsetof(IcmpErrorInfo, type) == kWindowsIcmpErrorInfoTypeOffset);

double MillisecondsSince(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

// The deadline cancels the pending connect (CancelIoEx); the socket stays open, so a connect
// that completed just before is still whole.
void ExpireConnect(void* socket) {
  std::error_code ignored;
  static_cast<asio::ip::tcp::socket*>(socket)->cancel(ignored);
}

// What the system accepted of the options that make its evidence like Linux's.
struct Accepted {
  bool no_syn_retries = false;
  bool fail_on_icmp = false;
};

Accepted PrepareConnect(SOCKET socket) {
  Accepted accepted;
  TCP_INITIAL_RTO_PARAMETERS rto{};
  rto.Rtt = TCP_INITIAL_RTO_UNSPECIFIED_RTT;
  rto.MaxSynRetransmissions = TCP_INITIAL_RTO_NO_SYN_RETRANSMISSIONS;
  DWORD returned = 0;
  accepted.no_syn_retries =
      WSAIoctl(socket, SIO_TCP_INITIAL_RTO, &rto, sizeof rto, nullptr, 0, &returned, nullptr, nullptr) == 0;
  const DWORD on = 1;
  accepted.fail_on_icmp =
      setsockopt(socket, IPPROTO_TCP, kTcpFailConnectOnIcmpError, reinterpret_cast<const char*>(&on), sizeof on) == 0;
  return accepted;
}

std::optional<IcmpError> ReadIcmpErrorInfo(SOCKET socket) {
  std::array<std::uint8_t, kWindowsIcmpErrorInfoSize> info{};
  int length = static_cast<int>(info.size());
  if (getsockopt(socket, IPPROTO_TCP, kTcpIcmpErrorInfo, reinterpret_cast<char*>(info.data()), &length) != 0) {
    return std::nullopt;
  }
  return ParseWindowsIcmpErrorInfo(std::span(info.data(), static_cast<std::size_t>(std::max(length, 0))));
}

}  // namespace

// --- the seam's small questions ------------------------------------------------------------------

bool IsLocalShortage(const std::error_code& error) {
  return IsWindowsShortage(error);
}

bool IsIcmpFailure(const std::error_code& error) {
  return error == asio::error::host_unreachable || error == asio::error::network_unreachable;
}

void EnableIcmpErrors(asio::ip::udp::socket& /*socket*/) {
  // Nothing to ask: SIO_UDP_CONNRESET (port unreachable as a receive error) is on by default.
}

std::optional<IcmpError> ReadIcmpError(asio::ip::udp::socket& /*socket*/) {
  return std::nullopt;
}

std::string_view UdpLimits() {
  return kWindowsUdpLimits;
}

asio::ip::tcp::socket AdoptConnected(ConnectOutcome& outcome, const asio::ip::tcp& /*protocol*/,
                                     const asio::any_io_executor& /*executor*/) {
  asio::ip::tcp::socket socket = std::move(*outcome.socket);
  outcome.socket.reset();
  return socket;
}

// --- the connect set: nothing to do --------------------------------------------------------------

ConnectSet::ConnectSet(const asio::any_io_executor& /*executor*/, std::vector<Watch>& watches) : watches_(watches) {}

asio::awaitable<void> ConnectSet::Dispatch() {
  co_return;
}

void ConnectSet::Finish() {
  finished_ = true;
}

// --- one connect ---------------------------------------------------------------------------------

asio::awaitable<ConnectOutcome> Connect(ConnectSet& /*set*/, Watch& watch, const ConnectRequest& request) {
  ConnectOutcome outcome;
  const auto& endpoint = request.endpoint;
  auto& socket = outcome.socket.emplace(co_await asio::this_coro::executor);
  std::error_code error;
  socket.open(endpoint.protocol(), error);
  if (error) {
    if (!IsLocalShortage(error)) throw std::system_error(error, "cannot open a socket");
    outcome.status = ConnectStatus::kLocalError;
    outcome.error = error;
    outcome.socket.reset();
    co_return outcome;
  }
  if (request.source || request.source_port != 0) {
    const auto address = request.source               ? *request.source
                         : endpoint.address().is_v4() ? asio::ip::address(asio::ip::address_v4::any())
                                                      : asio::ip::address(asio::ip::address_v6::any());
    if (request.source_port != 0) socket.set_option(asio::socket_base::reuse_address(true), error);
    socket.bind(asio::ip::tcp::endpoint(address, request.source_port), error);
    if (error) {
      outcome.status = ConnectStatus::kBindFailed;
      outcome.error = error;
      co_return outcome;
    }
  }
  const Accepted accepted = PrepareConnect(socket.native_handle());

  const auto start = Clock::now();
  watch.Arm(WindowsConnectDeadline(request.timeout, accepted.no_syn_retries), ExpireConnect, &socket);
  if (accepted.no_syn_retries) {  // a refreshed deadline may only be shorter: not below the floor
    watch.refresh = request.refresh;
    watch.refresh_context = request.refresh_context;
  }
  auto [connect_error] = co_await socket.async_connect(endpoint, kUseTuple);
  watch.Stop();
  outcome.rtt_ms = MillisecondsSince(start);
  outcome.status = ClassifyWindowsConnect(connect_error, watch.expired);
  outcome.error = connect_error;
  switch (outcome.status) {
    case ConnectStatus::kSilent:
      if (!accepted.fail_on_icmp) outcome.limits = kWindowsNoIcmpLimits;
      break;
    case ConnectStatus::kFailed:
      if (IsIcmpFailure(connect_error)) {
        if (accepted.fail_on_icmp) outcome.icmp = ReadIcmpErrorInfo(socket.native_handle());
        if (!outcome.icmp) outcome.limits = kWindowsNoIcmpSender;
      }
      break;
    case ConnectStatus::kLocalError: outcome.socket.reset(); break;
    case ConnectStatus::kConnected:
    case ConnectStatus::kBindFailed: break;
  }
  co_return outcome;
}

}  // namespace portolan::probe
