// The load client of bench/respond_bench.sh: opens N TCP connections to ADDRESS, spread over
// PORTS and local SOURCES (so that no (source, destination, port) runs out of ephemeral ports),
// at most IN_FLIGHT of them still waiting for an answer at a time; sends one byte on each and
// counts a connection served once the server has written to it (the responder's greeting, or
// socat's echo). Prints the rate, then holds every connection open until SIGTERM or SIGINT, so
// that the server's side can be counted and measured.
//
//   portolan_hold_connections --address 10.89.0.1 --ports 7000-7003 --sources 10.89.0.2,10.89.0.3
//                             --connections 10000 [--in-flight 512] [--timeout 60]
//
// Prints one line: "connections=N served=S failed=F seconds=T rate=R" (R: served per second,
// from the first connect to the last answer), then "holding" once it holds them. Exit 0 when
// every connection was served, 1 otherwise, 2 on bad arguments.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

struct Options {
  sockaddr_in target{};
  std::vector<int> ports;
  std::vector<in_addr> sources;
  long connections = 1000;
  long in_flight = 512;
  double timeout_seconds = 60;
};

[[noreturn]] void Usage(const char* why) {
  std::fprintf(
      stderr,
      "hold_connections: %s\nusage: hold_connections --address IPV4 --ports P[-Q][,P...] --sources IPV4[,IPV4...] "
      "--connections N [--in-flight N] [--timeout SECONDS]\n",
      why);
  std::exit(2);
}

std::vector<std::string> Split(const std::string& text) {
  std::vector<std::string> items;
  std::size_t start = 0;
  while (start <= text.size()) {
    const auto end = std::min(text.find(',', start), text.size());
    if (end > start) items.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return items;
}

Options Parse(int argc, char** argv) {
  Options options;
  options.target.sin_family = AF_INET;
  bool have_address = false;
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (i + 1 >= argc) Usage(("missing value for " + flag).c_str());
    const std::string value = argv[++i];
    if (flag == "--address") {
      have_address = inet_pton(AF_INET, value.c_str(), &options.target.sin_addr) == 1;
      if (!have_address) Usage("--address: not an IPv4 address");
    } else if (flag == "--ports") {
      for (const auto& item : Split(value)) {
        const auto dash = item.find('-');
        const int first = std::atoi(item.substr(0, dash).c_str());
        const int last = dash == std::string::npos ? first : std::atoi(item.substr(dash + 1).c_str());
        if (first < 1 || last > 65535 || last < first) Usage("--ports: bad port or range");
        for (int port = first; port <= last; ++port) options.ports.push_back(port);
      }
    } else if (flag == "--sources") {
      for (const auto& item : Split(value)) {
        in_addr address{};
        if (inet_pton(AF_INET, item.c_str(), &address) != 1) Usage("--sources: not an IPv4 address");
        options.sources.push_back(address);
      }
    } else if (flag == "--connections") {
      options.connections = std::atol(value.c_str());
    } else if (flag == "--in-flight") {
      options.in_flight = std::atol(value.c_str());
    } else if (flag == "--timeout") {
      options.timeout_seconds = std::atof(value.c_str());
    } else {
      Usage(("unknown option " + flag).c_str());
    }
  }
  if (!have_address || options.ports.empty() || options.sources.empty())
    Usage("--address, --ports and --sources are needed");
  if (options.connections < 1 || options.in_flight < 1 || options.timeout_seconds <= 0)
    Usage("numbers must be positive");
  return options;
}

enum class State { kConnecting, kWaiting, kServed, kFailed };

}  // namespace

int main(int argc, char** argv) {
  const Options options = Parse(argc, argv);
  rlimit limit{};
  getrlimit(RLIMIT_NOFILE, &limit);
  limit.rlim_cur = limit.rlim_max;
  setrlimit(RLIMIT_NOFILE, &limit);
  if (static_cast<long>(limit.rlim_cur) < options.connections + 16) {
    std::fprintf(stderr, "hold_connections: the descriptor limit (%ld) is below --connections\n",
                 static_cast<long>(limit.rlim_cur));
    return 2;
  }
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGTERM);
  sigaddset(&stop, SIGINT);
  sigprocmask(SIG_BLOCK, &stop, nullptr);

  const int epoll = epoll_create1(EPOLL_CLOEXEC);
  std::vector<int> fds;
  std::vector<State> states;
  fds.reserve(static_cast<std::size_t>(options.connections));
  long served = 0;
  long failed = 0;
  long waiting = 0;
  const auto start = Clock::now();
  auto last_answer = start;
  const auto deadline =
      start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(options.timeout_seconds));

  const auto open_one = [&](long index) {
    const auto source = options.sources[static_cast<std::size_t>(index) % options.sources.size()];
    const auto port =
        options
            .ports[static_cast<std::size_t>(index / static_cast<long>(options.sources.size())) % options.ports.size()];
    const int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    fds.push_back(fd);
    states.push_back(State::kFailed);
    if (fd < 0) {
      ++failed;
      return;
    }
    const int on = 1;
    setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &on, sizeof on);  // the port is chosen per destination
    sockaddr_in local{};
    local.sin_family = AF_INET;
    local.sin_addr = source;
    sockaddr_in target = options.target;
    target.sin_port = htons(static_cast<std::uint16_t>(port));
    if (bind(fd, reinterpret_cast<sockaddr*>(&local), sizeof local) != 0 ||
        (connect(fd, reinterpret_cast<sockaddr*>(&target), sizeof target) != 0 && errno != EINPROGRESS)) {
      ++failed;
      return;
    }
    epoll_event event{};
    event.events = EPOLLOUT | EPOLLIN;
    event.data.u64 = static_cast<std::uint64_t>(index);
    epoll_ctl(epoll, EPOLL_CTL_ADD, fd, &event);
    states.back() = State::kConnecting;
    ++waiting;
  };

  long opened = 0;
  std::array<epoll_event, 512> events{};
  while (served + failed < options.connections && Clock::now() < deadline) {
    while (opened < options.connections && waiting < options.in_flight) open_one(opened++);
    const int ready = epoll_wait(epoll, events.data(), static_cast<int>(events.size()), 100);
    for (int i = 0; i < ready; ++i) {
      const auto index = static_cast<std::size_t>(events[static_cast<std::size_t>(i)].data.u64);
      const int fd = fds[index];
      auto& state = states[index];
      if (state == State::kConnecting) {
        int error = 0;
        socklen_t length = sizeof error;
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length);
        if (error != 0) {
          state = State::kFailed;
          ++failed;
          --waiting;
          epoll_ctl(epoll, EPOLL_CTL_DEL, fd, nullptr);
          continue;
        }
        if ((events[static_cast<std::size_t>(i)].events & EPOLLIN) == 0) {
          send(fd, "x", 1, MSG_NOSIGNAL);  // socat echoes it; the responder greets regardless
          state = State::kWaiting;
          epoll_event event{};
          event.events = EPOLLIN;
          event.data.u64 = index;
          epoll_ctl(epoll, EPOLL_CTL_MOD, fd, &event);
          continue;
        }
        state = State::kWaiting;  // the answer came with the connect
      }
      if (state != State::kWaiting) continue;
      std::array<char, 512> answer{};
      const auto got = recv(fd, answer.data(), answer.size(), 0);
      if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) continue;
      --waiting;
      epoll_ctl(epoll, EPOLL_CTL_DEL, fd, nullptr);  // held open from here on, unwatched
      if (got > 0) {
        state = State::kServed;
        ++served;
        last_answer = Clock::now();
      } else {
        state = State::kFailed;
        ++failed;
      }
    }
  }
  failed += options.connections - served - failed;  // not answered by the deadline
  const double seconds = std::chrono::duration<double>(last_answer - start).count();
  std::printf("connections=%ld served=%ld failed=%ld seconds=%.3f rate=%.0f\n", options.connections, served, failed,
              seconds, seconds > 0 ? static_cast<double>(served) / seconds : 0.0);
  std::printf("holding\n");
  std::fflush(stdout);
  int signal = 0;
  sigwait(&stop, &signal);
  for (const int fd : fds) {
    if (fd >= 0) close(fd);
  }
  close(epoll);
  return served == options.connections ? 0 : 1;
}
