// The Windows half of the probe's platform seam, with injected socket outcomes: what wine cannot
// show (it refuses SIO_TCP_INITIAL_RTO and TCP_FAIL_CONNECT_ON_ICMP_ERROR, and its Linux kernel
// never sends a SYN again after a reset) is decided by these pure functions, so they are tested
// on every system, under wine included. docs/windows.md lists them as not yet verified on a real
// Windows machine.

#include <array>
#include <chrono>
#include <cstdint>
#include <optional>

#include <gtest/gtest.h>
#include <asio.hpp>

#include "probe/connector.hpp"

namespace portolan::probe {
namespace {

using std::chrono::milliseconds;

// ICMP_ERROR_INFO as getsockopt(TCP_ICMP_ERROR_INFO) fills it on x64: SOCKADDR_INET (28 bytes),
// IPPROTO (4), type, code, 2 bytes of padding.
std::array<std::uint8_t, kWindowsIcmpErrorInfoSize> InfoV4(std::array<std::uint8_t, 4> sender, int type, int code) {
  std::array<std::uint8_t, kWindowsIcmpErrorInfoSize> info{};
  info[0] = 2;  // AF_INET
  info[2] = 0x1F;
  info[3] = 0x90;  // a port: ignored
  for (std::size_t i = 0; i < 4; ++i) info[4 + i] = sender[i];
  info[28] = 6;  // IPPROTO_TCP
  info[32] = static_cast<std::uint8_t>(type);
  info[33] = static_cast<std::uint8_t>(code);
  return info;
}

std::array<std::uint8_t, kWindowsIcmpErrorInfoSize> InfoV6(const std::string& sender, int type, int code) {
  std::array<std::uint8_t, kWindowsIcmpErrorInfoSize> info{};
  info[0] = 23;  // AF_INET6 on Windows (not Linux's 10)
  const auto bytes = asio::ip::make_address_v6(sender).to_bytes();
  for (std::size_t i = 0; i < bytes.size(); ++i) info[8 + i] = bytes[i];
  info[28] = 6;
  info[32] = static_cast<std::uint8_t>(type);
  info[33] = static_cast<std::uint8_t>(code);
  return info;
}

TEST(WindowsEvidence, ResetRetriesNeverOutlastTheDeadline) {
  // Where the SYN retries after a reset cannot be turned off, no deadline is shorter than they
  // take: a closed port must come back refused, never as silence (FILTERED).
  EXPECT_EQ(WindowsConnectDeadline(milliseconds(100), false), kWindowsResetRetryWindow);
  EXPECT_EQ(WindowsConnectDeadline(milliseconds(2000), false), kWindowsResetRetryWindow);
  EXPECT_EQ(WindowsConnectDeadline(milliseconds(10000), false), milliseconds(10000));
  // Turned off (SIO_TCP_INITIAL_RTO accepted): the adaptive deadline as it is.
  EXPECT_EQ(WindowsConnectDeadline(milliseconds(100), true), milliseconds(100));
  EXPECT_GE(kWindowsResetRetryWindow, milliseconds(2500));  // the ~2 s observed on loopback, with a margin
}

TEST(WindowsEvidence, ConnectCompletions) {
  // Connected, even when the deadline's cancel came after the handshake had finished.
  EXPECT_EQ(ClassifyWindowsConnect({}, false), ConnectStatus::kConnected);
  EXPECT_EQ(ClassifyWindowsConnect({}, true), ConnectStatus::kConnected);
  // A reset (WSAECONNREFUSED / ERROR_CONNECTION_REFUSED, which Asio gives as connection_refused):
  // an answer, whenever it came. The engine reads it as NOT_LISTENING.
  EXPECT_EQ(ClassifyWindowsConnect(asio::error::connection_refused, false), ConnectStatus::kFailed);
  EXPECT_EQ(ClassifyWindowsConnect(asio::error::connection_refused, true), ConnectStatus::kFailed);
  // The deadline cancelled the connect, or Windows gave up on its own SYNs: silence.
  EXPECT_EQ(ClassifyWindowsConnect(asio::error::operation_aborted, true), ConnectStatus::kSilent);
  EXPECT_EQ(ClassifyWindowsConnect(asio::error::timed_out, false), ConnectStatus::kSilent);
  // An abort nobody asked for is not silence.
  EXPECT_EQ(ClassifyWindowsConnect(asio::error::operation_aborted, false), ConnectStatus::kFailed);
  // With TCP_FAIL_CONNECT_ON_ICMP_ERROR an ICMP error ends the connect with WSAEHOSTUNREACH.
  EXPECT_EQ(ClassifyWindowsConnect(asio::error::host_unreachable, false), ConnectStatus::kFailed);
  EXPECT_TRUE(IsIcmpFailure(asio::error::host_unreachable));
  EXPECT_TRUE(IsIcmpFailure(asio::error::network_unreachable));
  EXPECT_FALSE(IsIcmpFailure(asio::error::connection_refused));
  // This machine short of something: never a verdict, the engine tries again.
  for (const auto error : {asio::error::no_descriptors, asio::error::no_buffer_space, asio::error::no_memory,
                           asio::error::address_in_use}) {
    EXPECT_EQ(ClassifyWindowsConnect(error, false), ConnectStatus::kLocalError) << error;
  }
}

TEST(WindowsEvidence, IcmpErrorInfoNamesTheSender) {
  const auto prohibited = InfoV4({10, 77, 1, 1}, 3, 13);
  const auto error = ParseWindowsIcmpErrorInfo(prohibited);
  ASSERT_TRUE(error.has_value());
  EXPECT_FALSE(error->ipv6);
  EXPECT_EQ(error->from, "10.77.1.1");
  EXPECT_EQ(IcmpText(*error), "ICMP administratively prohibited (type 3 code 13) from 10.77.1.1");
  EXPECT_FALSE(IsPortUnreachable(*error));

  const auto port = ParseWindowsIcmpErrorInfo(InfoV4({192, 0, 2, 7}, 3, 3));
  ASSERT_TRUE(port.has_value());
  EXPECT_TRUE(IsPortUnreachable(*port));

  const auto v6 = ParseWindowsIcmpErrorInfo(InfoV6("fd77:1::1", 1, 1));
  ASSERT_TRUE(v6.has_value());
  EXPECT_TRUE(v6->ipv6);
  EXPECT_EQ(IcmpText(*v6), "ICMPv6 administratively prohibited (type 1 code 1) from fd77:1::1");
  EXPECT_TRUE(IsPortUnreachable(*ParseWindowsIcmpErrorInfo(InfoV6("fd77:2::2", 1, 4))));
}

TEST(WindowsEvidence, IcmpErrorInfoRejectsWhatItCannotRead) {
  auto info = InfoV4({10, 0, 0, 1}, 3, 1);
  EXPECT_FALSE(ParseWindowsIcmpErrorInfo(std::span(info.data(), kWindowsIcmpErrorInfoTypeOffset + 1)).has_value());
  EXPECT_FALSE(ParseWindowsIcmpErrorInfo({}).has_value());
  info[0] = 10;  // Linux's AF_INET6 is not Windows'
  EXPECT_FALSE(ParseWindowsIcmpErrorInfo(info).has_value());
  info[0] = 0;
  EXPECT_FALSE(ParseWindowsIcmpErrorInfo(info).has_value());
}

TEST(WindowsEvidence, LimitsAreSaid) {
  EXPECT_NE(kWindowsNoIcmpLimits.find("Windows 10 2004"), std::string_view::npos);
  EXPECT_NE(kWindowsUdpLimits.find("port unreachable"), std::string_view::npos);
}

}  // namespace
}  // namespace portolan::probe
