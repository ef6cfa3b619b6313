// What the probe's connector does the same on every system: the deadline sweeper and the words
// for an ICMP error. The system-specific halves are connector_linux.cpp and connector_windows.cpp.
#include "probe/connector.hpp"

#include <algorithm>

#include <fmt/format.h>
#include <asio/experimental/as_tuple.hpp>

namespace portolan::probe {

namespace {

constexpr auto kUseTuple = asio::experimental::as_tuple(asio::use_awaitable);

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

// --- ICMP errors ---------------------------------------------------------------------------------

bool IsPortUnreachable(const IcmpError& error) {
  return error.ipv6 ? (error.type == 1 && error.code == 4) : (error.type == 3 && error.code == 3);
}

std::string IcmpText(const IcmpError& error) {
  std::string_view what = "an ICMP error";
  if (!error.ipv6 && error.type == 3) {
    switch (error.code) {
      case 0: what = "ICMP network unreachable"; break;
      case 1: what = "ICMP host unreachable"; break;
      case 3: what = "ICMP port unreachable"; break;
      case 9:
      case 10:
      case 13: what = "ICMP administratively prohibited"; break;
      default: what = "ICMP destination unreachable"; break;
    }
  } else if (error.ipv6 && error.type == 1) {
    switch (error.code) {
      case 0: what = "ICMPv6 no route"; break;
      case 1: what = "ICMPv6 administratively prohibited"; break;
      case 3: what = "ICMPv6 address unreachable"; break;
      case 4: what = "ICMPv6 port unreachable"; break;
      default: what = "ICMPv6 destination unreachable"; break;
    }
  }
  return fmt::format("{} (type {} code {}) from {}", what, error.type, error.code,
                     error.from.empty() ? std::string("an unknown sender") : error.from);
}

// --- Windows evidence --------------------------------------------------------------------------

Clock::duration WindowsConnectDeadline(Clock::duration requested, bool no_syn_retries) {
  if (no_syn_retries) return requested;
  return std::max<Clock::duration>(requested, kWindowsResetRetryWindow);
}

bool IsWindowsShortage(const std::error_code& error) {
  return error == asio::error::no_descriptors || error == asio::error::no_buffer_space ||
         error == asio::error::no_memory || error == asio::error::address_in_use;
}

ConnectStatus ClassifyWindowsConnect(const std::error_code& error, bool expired) {
  if (!error) return ConnectStatus::kConnected;  // even if the deadline came: the handshake finished first
  // The deadline's cancel, or the system giving up on its own SYNs: no answer either way.
  if ((expired && error == asio::error::operation_aborted) || error == asio::error::timed_out) {
    return ConnectStatus::kSilent;
  }
  if (IsWindowsShortage(error)) return ConnectStatus::kLocalError;
  return ConnectStatus::kFailed;
}

std::optional<IcmpError> ParseWindowsIcmpErrorInfo(std::span<const std::uint8_t> info) {
  if (info.size() < kWindowsIcmpErrorInfoTypeOffset + 2) return std::nullopt;
  const unsigned family = info[0] | (static_cast<unsigned>(info[1]) << 8U);
  IcmpError error;
  error.type = info[kWindowsIcmpErrorInfoTypeOffset];
  error.code = info[kWindowsIcmpErrorInfoTypeOffset + 1];
  if (family == 2) {  // sockaddr_in: family, port, then the address at offset 4
    error.from = asio::ip::address_v4({info[4], info[5], info[6], info[7]}).to_string();
  } else if (family == 23) {  // sockaddr_in6: family, port, flow info, then the address at offset 8
    asio::ip::address_v6::bytes_type bytes{};
    std::copy_n(info.begin() + 8, bytes.size(), bytes.begin());
    error.ipv6 = true;
    error.from = asio::ip::address_v6(bytes).to_string();
  } else {
    return std::nullopt;
  }
  return error;
}

}  // namespace portolan::probe
