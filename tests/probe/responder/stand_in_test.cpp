// The engine meets a responder standing in for a service, on 127.0.0.1 (no root needed): a
// protocol probe (LDAP, LDAPS through its failed TLS handshake, CLDAP over UDP) is VERIFIED by
// the greeting, and a wrong token is a wrong service.

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <string>
#include <thread>

#include "probe/engine.hpp"
#include "probe/responder/greeting.hpp"

namespace portolan::probe {
namespace {

// A greeting server on a kernel-chosen port of 127.0.0.1, on a thread of its own: TCP greets
// each connection and closes it once the peer has written; UDP answers each datagram with the
// greeting cut to the datagram's size, as the responder does.
class GreetingServer {
 public:
  explicit GreetingServer(bool udp) : udp_(udp) {
    fd_ = socket(AF_INET, (udp ? SOCK_DGRAM : SOCK_STREAM) | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
    socklen_t length = sizeof address;
    getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length);
    port_ = ntohs(address.sin_port);
    greeting_ =
        probe::responder::Greeting({"lab-7", "DC01", port_, udp ? probe::Transport::kUdp : probe::Transport::kTcp});
    if (!udp) {
      EXPECT_EQ(listen(fd_, 16), 0);
    }
    thread_ = std::thread([this] { Serve(); });
  }
  ~GreetingServer() {
    stop_ = true;
    thread_.join();
    close(fd_);
  }
  GreetingServer(const GreetingServer&) = delete;
  GreetingServer& operator=(const GreetingServer&) = delete;

  [[nodiscard]] int port() const { return port_; }

 private:
  void Serve() {
    pollfd ready{fd_, POLLIN, 0};
    while (!stop_) {
      if (poll(&ready, 1, 20) <= 0) continue;
      if (udp_) {
        std::array<char, 2048> request{};
        sockaddr_in peer{};
        socklen_t length = sizeof peer;
        const auto got = recvfrom(fd_, request.data(), request.size(), 0, reinterpret_cast<sockaddr*>(&peer), &length);
        if (got < 0) continue;
        const auto size = std::min(greeting_.size(), static_cast<std::size_t>(got));
        sendto(fd_, greeting_.data(), size, 0, reinterpret_cast<sockaddr*>(&peer), length);
        continue;
      }
      const int client = accept(fd_, nullptr, nullptr);
      if (client < 0) continue;
      send(client, greeting_.data(), greeting_.size(), MSG_NOSIGNAL);
      pollfd request{client, POLLIN, 0};
      poll(&request, 1, 2000);
      close(client);
    }
  }

  bool udp_;
  int fd_ = -1;
  int port_ = 0;
  std::string greeting_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

ProbeResult ProbeAs(const char* service_id, Transport transport, int port, const std::string& token = "") {
  ProbeSpec spec;
  spec.target.address = "127.0.0.1";
  spec.target.port = port;
  spec.target.domain = "corp.example";
  spec.target.responder_token = token;
  spec.transport = transport;
  for (const auto& service : Services()) {
    if (service.id == service_id && service.transport == transport) spec.service = &service;
  }
  EXPECT_NE(spec.service, nullptr) << service_id;
  EngineOptions options;
  options.timeout = std::chrono::milliseconds(2000);
  const auto results = RunProbes({spec}, options);
  EXPECT_EQ(results.size(), 1u);
  return results.front();
}

TEST(ProbeStandIn, LdapOverTcp) {
  const GreetingServer server(false);
  const auto result = ProbeAs("ldap", Transport::kTcp, server.port());
  EXPECT_EQ(result.verdict, Verdict::kVerified) << result.detail;
  EXPECT_EQ(result.detail, "portolan responder (token lab-7, host DC01, port " + std::to_string(server.port()) +
                               "/tcp) standing in for ldap");
}

TEST(ProbeStandIn, LdapsThroughTheFailedHandshake) {
  const GreetingServer server(false);
  const auto result = ProbeAs("ldaps", Transport::kTcp, server.port());
  EXPECT_EQ(result.verdict, Verdict::kVerified) << result.detail;
  EXPECT_NE(result.detail.find("standing in for ldaps"), std::string::npos) << result.detail;
}

TEST(ProbeStandIn, CldapOverUdp) {
  const GreetingServer server(true);
  const auto result = ProbeAs("cldap", Transport::kUdp, server.port(), "lab-7");
  EXPECT_EQ(result.verdict, Verdict::kVerified) << result.detail;
  EXPECT_NE(result.detail.find("token lab-7"), std::string::npos) << result.detail;
  EXPECT_NE(result.detail.find("standing in for cldap"), std::string::npos) << result.detail;
}

TEST(ProbeStandIn, TheResponderProbeAndTokens) {
  const GreetingServer tcp(false);
  const GreetingServer udp(true);
  auto result = ProbeAs("responder", Transport::kUdp, udp.port(), "lab-7");
  EXPECT_EQ(result.verdict, Verdict::kVerified) << result.detail;
  EXPECT_EQ(result.detail, "portolan responder (token lab-7, host DC01, port " + std::to_string(udp.port()) + "/udp)")
      << "the hello is long enough for the whole greeting";
  result = ProbeAs("responder", Transport::kTcp, tcp.port(), "lab-8");
  EXPECT_EQ(result.verdict, Verdict::kWrongService) << result.detail;
  EXPECT_EQ(result.detail, "a portolan responder with token lab-7, not lab-8");
  result = ProbeAs("smb", Transport::kTcp, tcp.port(), "lab-8");
  EXPECT_EQ(result.verdict, Verdict::kWrongService) << result.detail;
  EXPECT_NE(result.detail.find("standing in for smb"), std::string::npos) << result.detail;
}

}  // namespace
}  // namespace portolan::probe
