// The probe engine on 127.0.0.1 (no root needed): verdicts, result order and the thread split,
// against a listener this test owns and a port it holds closed.
#include "probe/engine.hpp"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <string>
#include <system_error>
#include <thread>

namespace portolan::probe {
namespace {

// A TCP socket bound to 127.0.0.1 on a port the kernel chooses (written to `port`).
int BindLoopback(int& port) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  socklen_t length = sizeof address;
  getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  port = ntohs(address.sin_port);
  return fd;
}

// A TCP socket on 127.0.0.1 with a kernel-chosen port: listening (accepting and closing on a
// thread of its own) or bound and not listening, so that connects to it are reset.
class LocalPort {
 public:
  explicit LocalPort(bool listening) {
    fd_ = BindLoopback(port_);
    if (!listening) return;
    EXPECT_EQ(listen(fd_, 4096), 0);
    acceptor_ = std::thread([this] {
      pollfd ready{fd_, POLLIN, 0};
      while (!stop_) {
        if (poll(&ready, 1, 20) <= 0) continue;
        const int client = accept(fd_, nullptr, nullptr);
        if (client >= 0) close(client);
      }
    });
  }
  ~LocalPort() {
    stop_ = true;
    if (acceptor_.joinable()) acceptor_.join();
    close(fd_);
  }
  LocalPort(const LocalPort&) = delete;
  LocalPort& operator=(const LocalPort&) = delete;

  [[nodiscard]] int port() const { return port_; }

 private:
  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread acceptor_;
};

std::vector<ProbeSpec> Alternating(int count, int open_port, int closed_port) {
  std::vector<ProbeSpec> specs;
  for (int i = 0; i < count; ++i) {
    ProbeSpec spec;
    spec.target.address = "127.0.0.1";
    spec.target.port = i % 2 == 0 ? open_port : closed_port;
    spec.flows = {"F" + std::to_string(i)};
    specs.push_back(std::move(spec));
  }
  return specs;
}

void ExpectVerdicts(const std::vector<ProbeSpec>& specs, const std::vector<ProbeResult>& results, int open_port) {
  ASSERT_EQ(results.size(), specs.size());
  for (std::size_t i = 0; i < specs.size(); ++i) {
    ASSERT_EQ(results[i].spec.flows, specs[i].flows) << "results keep the order of the specs";
    const auto expected = specs[i].target.port == open_port ? Verdict::kListening : Verdict::kNotListening;
    EXPECT_EQ(results[i].verdict, expected) << i << ": " << results[i].detail;
  }
}

TEST(ProbeEngine, TransportOnlyVerdictsOnOneThread) {
  const LocalPort open(true);
  const LocalPort closed(false);
  const auto specs = Alternating(200, open.port(), closed.port());
  EngineOptions options;
  options.threads = 1;
  options.concurrency = 64;
  ExpectVerdicts(specs, RunProbes(specs, options), open.port());
}

TEST(ProbeEngine, ThreadsShareTheProbesAndKeepTheirOrder) {
  const LocalPort open(true);
  const LocalPort closed(false);
  const auto specs = Alternating(3000, open.port(), closed.port());
  EngineOptions options;
  options.threads = 4;
  options.concurrency = 512;
  std::size_t last_progress = 0;
  options.progress = [&](std::size_t done, std::size_t total) {
    EXPECT_EQ(total, specs.size());
    last_progress = done;
  };
  ExpectVerdicts(specs, RunProbes(specs, options), open.port());
  EXPECT_EQ(last_progress, specs.size());
}

TEST(ProbeEngine, ASourceAddressTakesTheSocketPath) {
  const LocalPort open(true);
  const LocalPort closed(false);
  const auto specs = Alternating(50, open.port(), closed.port());
  EngineOptions options;
  options.source = "127.0.0.1";
  ExpectVerdicts(specs, RunProbes(specs, options), open.port());
}

// A probe that could not be sent is this machine's failure, not a verdict. Short of descriptors,
// the engine waits, cuts the window and sends the probe when a descriptor is free again: every
// verdict is still the network's. With none to be had at all, the run throws instead of reporting
// FILTERED for probes that never left. Each runs in a child process, whose descriptor limit (hard
// too) can be lowered without harm; exit 3: the run threw, 4: a verdict was wrong, 0: all right.
[[noreturn]] void ProbeShortOfDescriptors(const std::vector<ProbeSpec>& specs, int open_port, int spare) {
  rlimit tight{};
  tight.rlim_cur = 200;
  tight.rlim_max = 200;
  setrlimit(RLIMIT_NOFILE, &tight);
  // Leave `spare` descriptors free of the 136 the engine counts on (200 less its reserve of 64).
  std::vector<int> held;
  for (;;) {
    const int fd = dup(0);
    if (fd < 0) break;
    held.push_back(fd);
  }
  for (int i = 0; i < spare && !held.empty(); ++i) {
    close(held.back());
    held.pop_back();
  }
  EngineOptions options;
  options.threads = 1;
  options.concurrency = 300;  // more in flight than descriptors
  try {
    const auto results = RunProbes(specs, options);
    for (const auto& result : results) {
      const auto expected = result.spec.target.port == open_port ? Verdict::kListening : Verdict::kNotListening;
      if (result.verdict != expected) std::_Exit(4);
    }
  } catch (const std::system_error&) {
    std::_Exit(3);
  }
  std::_Exit(0);
}

TEST(ProbeEngine, ShortOfDescriptorsTheRunWaitsAndEveryVerdictIsTheNetworks) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  const LocalPort open(true);
  const LocalPort closed(false);
  const auto specs = Alternating(400, open.port(), closed.port());
  EXPECT_EXIT(ProbeShortOfDescriptors(specs, open.port(), 20), ::testing::ExitedWithCode(0), "");
}

TEST(ProbeEngine, WithNoDescriptorAtAllTheRunFailsInsteadOfGivingVerdicts) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  const LocalPort open(true);
  const auto specs = Alternating(50, open.port(), open.port());
  EXPECT_EXIT(ProbeShortOfDescriptors(specs, open.port(), 0), ::testing::ExitedWithCode(3), "");
}

// A web server that accepts at once and answers after `delay`: the dialogue keeps its own deadline
// (the whole --timeout after the connect), so a slow answer is still VERIFIED, whatever the
// connect's adaptive timeout was.
class SlowHttp {
 public:
  explicit SlowHttp(std::chrono::milliseconds delay) {
    fd_ = BindLoopback(port_);
    EXPECT_EQ(listen(fd_, 16), 0);
    server_ = std::thread([this, delay] {
      const int client = accept(fd_, nullptr, nullptr);
      if (client < 0) return;
      std::this_thread::sleep_for(delay);
      const std::string answer = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
      (void)!write(client, answer.data(), answer.size());
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
      close(client);
    });
  }
  ~SlowHttp() {
    shutdown(fd_, SHUT_RDWR);
    if (server_.joinable()) server_.join();
    close(fd_);
  }
  SlowHttp(const SlowHttp&) = delete;
  SlowHttp& operator=(const SlowHttp&) = delete;

  [[nodiscard]] int port() const { return port_; }

 private:
  int fd_ = -1;
  int port_ = 0;
  std::thread server_;
};

TEST(ProbeEngine, AServiceThatAnswersSlowlyIsStillVerified) {
  const SlowHttp server(std::chrono::milliseconds(700));
  ProbeSpec spec;
  spec.target.address = "127.0.0.1";
  spec.target.port = server.port();
  spec.service = FindService("http");
  ASSERT_NE(spec.service, nullptr);
  EngineOptions options;
  options.timeout = std::chrono::milliseconds(1000);  // longer than the answer, far longer than the connect
  const auto results = RunProbes({spec}, options);
  ASSERT_EQ(results.size(), 1U);
  EXPECT_EQ(results[0].verdict, Verdict::kVerified) << results[0].detail;
  EXPECT_GE(results[0].rtt_ms, 690);
}

TEST(ProbeEngine, AnAddressThatDoesNotParseIsAWrongServiceResult) {
  ProbeSpec spec;
  spec.target.address = "not-an-address";
  spec.target.port = 80;
  const auto results = RunProbes({spec}, EngineOptions{});
  ASSERT_EQ(results.size(), 1U);
  EXPECT_EQ(results[0].verdict, Verdict::kWrongService);
  EXPECT_NE(results[0].detail.find("not an IP address"), std::string::npos);
}

}  // namespace
}  // namespace portolan::probe
