// The reference for the probe benchmark: the plainest fast TCP connect scan there is, a
// non-blocking connect() per (address, port) with epoll and a fixed number in flight. It
// measures what the kernel allows on this machine, so that `portolan probe --transport-only`
// can be compared with it rather than with a guess.
//
// Usage: connect_loop FIRST_IPV4 COUNT PORT[,PORT...] [IN_FLIGHT] [TIMEOUT_MS] [THREADS]
// IN_FLIGHT is per thread; THREADS (default 1) loops share the work, each with its own epoll.
// Prints open/closed/filtered counts, the time and the rate. Only for lab addresses.

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
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

struct Counts {
  long open = 0;
  long closed = 0;
  long filtered = 0;
};

struct Work {
  in_addr first{};
  std::vector<int> ports;
  long total = 0;
  long in_flight_max = 4096;
  std::chrono::milliseconds timeout{1000};
  std::atomic<long> next{0};
};

// One loop: takes the next (address, port) from the shared index until none is left.
Counts Loop(Work& work) {
  Counts counts;
  const int epoll = epoll_create1(0);
  std::unordered_map<int, Pending> pending;
  std::vector<epoll_event> events(1024);
  const auto port_count = static_cast<long>(work.ports.size());
  auto last_sweep = Clock::now();
  bool more = true;
  while (more || !pending.empty()) {
    while (more && static_cast<long>(pending.size()) < work.in_flight_max) {
      const long item = work.next.fetch_add(1, std::memory_order_relaxed);
      if (item >= work.total) {
        more = false;
        break;
      }
      const long host = item / port_count;
      const int port = work.ports[static_cast<std::size_t>(item % port_count)];
      sockaddr_in address{};
      address.sin_family = AF_INET;
      address.sin_port = htons(static_cast<std::uint16_t>(port));
      address.sin_addr.s_addr = htonl(ntohl(work.first.s_addr) + static_cast<std::uint32_t>(host));
      const int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
      if (fd < 0) {
        std::perror("socket");
        std::exit(1);
      }
      if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0) {
        ++counts.open;
        close(fd);
        continue;
      }
      if (errno != EINPROGRESS) {
        ++counts.closed;
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
        ++counts.open;
      } else if (error == ECONNREFUSED) {
        ++counts.closed;
      } else {
        ++counts.filtered;
      }
      close(fd);
      pending.erase(fd);
    }
    // Deadlines: a pass over what is pending at most every 10 ms, not after every wait.
    const auto now = Clock::now();
    if (now - last_sweep < std::chrono::milliseconds(10)) continue;
    last_sweep = now;
    for (auto it = pending.begin(); it != pending.end();) {
      if (now - it->second.started < work.timeout) {
        ++it;
        continue;
      }
      ++counts.filtered;
      close(it->first);
      it = pending.erase(it);
    }
  }
  close(epoll);
  return counts;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: %s FIRST_IPV4 COUNT PORT[,PORT...] [IN_FLIGHT] [TIMEOUT_MS] [THREADS]\n", argv[0]);
    return 2;
  }
  Work work;
  if (inet_pton(AF_INET, argv[1], &work.first) != 1) {
    std::fprintf(stderr, "not an IPv4 address: %s\n", argv[1]);
    return 2;
  }
  work.ports = ParsePorts(argv[3]);
  work.total = std::atol(argv[2]) * static_cast<long>(work.ports.size());
  work.in_flight_max = argc > 4 ? std::atol(argv[4]) : 4096;
  work.timeout = std::chrono::milliseconds(argc > 5 ? std::atol(argv[5]) : 1000);
  const long threads = argc > 6 ? std::max(1L, std::atol(argv[6])) : 1;
  rlimit limit{};
  getrlimit(RLIMIT_NOFILE, &limit);
  limit.rlim_cur = limit.rlim_max;
  setrlimit(RLIMIT_NOFILE, &limit);

  const auto start = Clock::now();
  std::vector<Counts> counts(static_cast<std::size_t>(threads));
  std::vector<std::thread> others;
  for (long t = 1; t < threads; ++t) {
    others.emplace_back([&work, &counts, t] { counts[static_cast<std::size_t>(t)] = Loop(work); });
  }
  counts[0] = Loop(work);
  for (auto& thread : others) thread.join();
  Counts sum;
  for (const auto& c : counts) {
    sum.open += c.open;
    sum.closed += c.closed;
    sum.filtered += c.filtered;
  }
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  std::printf("connect_loop: %ld probes in %.2f s (%.0f/s) on %ld thread(s): %ld open, %ld closed, %ld filtered\n",
              work.total, seconds, static_cast<double>(work.total) / seconds, threads, sum.open, sum.closed,
              sum.filtered);
  return 0;
}
