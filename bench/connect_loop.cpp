// The reference for the probe benchmark: the plainest fast TCP connect scan there is, a
// non-blocking connect() per (address, port) with epoll and a fixed number in flight. It
// measures what the kernel allows on this machine, so that `portolan probe --transport-only`
// can be compared with it rather than with a guess.
//
// Usage: connect_loop FIRST_IPV4 COUNT PORT[,PORT...] [IN_FLIGHT] [TIMEOUT_MS]
// Prints open/closed/filtered counts, the time and the rate. Only for lab addresses.

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <unordered_map>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

struct Pending {
  Clock::time_point started;
};

std::vector<int> ParsePorts(const char* text) {
  std::vector<int> ports;
  std::string item;
  for (const char* p = text;; ++p) {
    if (*p == ',' || *p == '\0') {
      if (!item.empty()) ports.push_back(std::atoi(item.c_str()));
      item.clear();
      if (*p == '\0') break;
    } else {
      item += *p;
    }
  }
  return ports;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: %s FIRST_IPV4 COUNT PORT[,PORT...] [IN_FLIGHT] [TIMEOUT_MS]\n", argv[0]);
    return 2;
  }
  in_addr first{};
  if (inet_pton(AF_INET, argv[1], &first) != 1) {
    std::fprintf(stderr, "not an IPv4 address: %s\n", argv[1]);
    return 2;
  }
  const long count = std::atol(argv[2]);
  const auto ports = ParsePorts(argv[3]);
  const long in_flight_max = argc > 4 ? std::atol(argv[4]) : 4096;
  const auto timeout = std::chrono::milliseconds(argc > 5 ? std::atol(argv[5]) : 1000);
  rlimit limit{};
  getrlimit(RLIMIT_NOFILE, &limit);
  limit.rlim_cur = limit.rlim_max;
  setrlimit(RLIMIT_NOFILE, &limit);

  const int epoll = epoll_create1(0);
  std::unordered_map<int, Pending> pending;
  long next = 0;
  const long total = count * static_cast<long>(ports.size());
  long open = 0;
  long closed = 0;
  long filtered = 0;
  const auto start = Clock::now();
  std::vector<epoll_event> events(1024);
  while (next < total || !pending.empty()) {
    while (next < total && static_cast<long>(pending.size()) < in_flight_max) {
      const long host = next / static_cast<long>(ports.size());
      const int port = ports[static_cast<std::size_t>(next % static_cast<long>(ports.size()))];
      ++next;
      sockaddr_in address{};
      address.sin_family = AF_INET;
      address.sin_port = htons(static_cast<std::uint16_t>(port));
      address.sin_addr.s_addr = htonl(ntohl(first.s_addr) + static_cast<std::uint32_t>(host));
      const int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
      if (fd < 0) {
        std::perror("socket");
        return 1;
      }
      if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0) {
        ++open;
        close(fd);
        continue;
      }
      if (errno != EINPROGRESS) {
        ++closed;
        close(fd);
        continue;
      }
      epoll_event event{};
      event.events = EPOLLOUT | EPOLLERR;
      event.data.fd = fd;
      epoll_ctl(epoll, EPOLL_CTL_ADD, fd, &event);
      pending.emplace(fd, Pending{Clock::now()});
    }
    const int ready = epoll_wait(epoll, events.data(), static_cast<int>(events.size()), 10);
    for (int i = 0; i < ready; ++i) {
      const int fd = events[static_cast<std::size_t>(i)].data.fd;
      int error = 0;
      socklen_t length = sizeof error;
      getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length);
      if (error == 0) {
        ++open;
      } else if (error == ECONNREFUSED) {
        ++closed;
      } else {
        ++filtered;
      }
      close(fd);
      pending.erase(fd);
    }
    const auto now = Clock::now();
    for (auto it = pending.begin(); it != pending.end();) {
      if (now - it->second.started < timeout) {
        ++it;
        continue;
      }
      ++filtered;
      close(it->first);
      it = pending.erase(it);
    }
  }
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  std::printf("connect_loop: %ld probes in %.2f s (%.0f/s): %ld open, %ld closed, %ld filtered\n", total, seconds,
              static_cast<double>(total) / seconds, open, closed, filtered);
  close(epoll);
  return 0;
}
