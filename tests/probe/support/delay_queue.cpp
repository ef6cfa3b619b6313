// Holds every packet of a netfilter queue for a fixed delay, then accepts it: a slow network for
// the probe tests, since the kernels they run on may lack netem.
//
// Usage: delay_queue QUEUE_NUM DELAY_MS MAX_SECONDS. Prints "ready" once the queue is bound; ends
// after MAX_SECONDS or on SIGTERM/SIGINT, accepting at once whatever it still holds.

// netinet/in.h first: linux/netfilter.h then leaves out its own copies of the socket types.
#include <netinet/in.h>

#include <libnetfilter_queue/libnetfilter_queue.h>
#include <linux/netfilter.h>
#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <deque>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

// Room for thousands of held packets: a full queue or socket would drop or lose them.
constexpr std::uint32_t kQueueMaxLength = 65536;
constexpr unsigned int kReceiveBufferBytes = 64u << 20;
constexpr std::size_t kMessageBufferBytes = 1u << 16;
// Messages read per wake-up at most, so that a flood cannot hold back the verdicts that are due.
constexpr int kMessagesPerWakeUp = 256;
constexpr int kUsageError = 2;

volatile sig_atomic_t stop_requested = 0;

void OnStopSignal(int) {
  stop_requested = 1;
}

struct HandleCloser {
  void operator()(nfq_handle* handle) const { nfq_close(handle); }
};
struct QueueDestroyer {
  void operator()(nfq_q_handle* queue) const { nfq_destroy_queue(queue); }
};
using Handle = std::unique_ptr<nfq_handle, HandleCloser>;
using QueueHandle = std::unique_ptr<nfq_q_handle, QueueDestroyer>;

struct HeldPacket {
  Clock::time_point due;
  std::uint32_t id;
};

// Packets in arrival order; the kernel numbers them in that order too, so the due ones are
// always a prefix and one batch verdict (every id up to the last due one) releases them.
struct Held {
  std::chrono::milliseconds delay;
  std::deque<HeldPacket> packets;
  std::uint64_t accepted = 0;
};

std::optional<std::uint32_t> ParseNumber(std::string_view text) {
  std::uint32_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

int OnPacket(nfq_q_handle*, nfgenmsg*, nfq_data* packet, void* data) {
  auto* held = static_cast<Held*>(data);
  const nfqnl_msg_packet_hdr* header = nfq_get_msg_packet_hdr(packet);
  if (header == nullptr) return 0;
  held->packets.push_back({Clock::now() + held->delay, ntohl(header->packet_id)});
  return 0;
}

// Accepts every held packet due by `now` (all of them when `now` is nullopt) in one verdict.
bool ReleaseDue(nfq_q_handle* queue, Held& held, std::optional<Clock::time_point> now) {
  std::optional<std::uint32_t> last_id;
  std::uint64_t count = 0;
  while (!held.packets.empty() && (!now || held.packets.front().due <= *now)) {
    last_id = held.packets.front().id;
    held.packets.pop_front();
    ++count;
  }
  if (!last_id) return true;
  if (nfq_set_verdict_batch(queue, *last_id, NF_ACCEPT) < 0) {
    std::fprintf(stderr, "delay_queue: verdict up to packet %u: %s\n", *last_id, std::strerror(errno));
    return false;
  }
  held.accepted += count;
  return true;
}

// Reads the queue's pending messages (a bounded number); false on a fatal socket error.
bool ReadPackets(nfq_handle* handle, std::vector<char>& buffer, std::uint64_t& lost_messages) {
  const int fd = nfq_fd(handle);
  for (int i = 0; i < kMessagesPerWakeUp; ++i) {
    const ssize_t size = recv(fd, buffer.data(), buffer.size(), MSG_DONTWAIT);
    if (size < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return true;
      // The socket overflowed: the kernel still holds those packets, and the next batch verdict
      // (every id up to the one given) accepts them, perhaps early; the count says so at the end.
      if (errno == ENOBUFS) {
        ++lost_messages;
        continue;
      }
      std::fprintf(stderr, "delay_queue: recv: %s\n", std::strerror(errno));
      return false;
    }
    nfq_handle_packet(handle, buffer.data(), static_cast<int>(size));
  }
  return true;
}

timespec TimeUntil(Clock::time_point now, Clock::time_point wake) {
  const auto wait = std::chrono::ceil<std::chrono::nanoseconds>(std::max(wake - now, Clock::duration::zero()));
  const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(wait);
  return {static_cast<time_t>(seconds.count()), static_cast<long>((wait - seconds).count())};
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: delay_queue QUEUE_NUM DELAY_MS MAX_SECONDS\n");
    return kUsageError;
  }
  const auto queue_number = ParseNumber(argv[1]);
  const auto delay_ms = ParseNumber(argv[2]);
  const auto max_seconds = ParseNumber(argv[3]);
  if (!queue_number || *queue_number > UINT16_MAX || !delay_ms || !max_seconds) {
    std::fprintf(stderr, "delay_queue: QUEUE_NUM (0-65535), DELAY_MS and MAX_SECONDS must be numbers\n");
    return kUsageError;
  }

  // SIGTERM and SIGINT stay blocked except inside ppoll, so a stop request is never missed.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  sigset_t wait_mask;
  sigprocmask(SIG_BLOCK, &stop_signals, &wait_mask);
  sigdelset(&wait_mask, SIGTERM);
  sigdelset(&wait_mask, SIGINT);
  struct sigaction action = {};
  action.sa_handler = OnStopSignal;
  sigaction(SIGTERM, &action, nullptr);
  sigaction(SIGINT, &action, nullptr);

  Held held{std::chrono::milliseconds(*delay_ms), {}};
  Handle handle(nfq_open());
  if (!handle) {
    std::fprintf(stderr, "delay_queue: nfq_open: %s\n", std::strerror(errno));
    return 1;
  }
  QueueHandle queue(nfq_create_queue(handle.get(), static_cast<std::uint16_t>(*queue_number), OnPacket, &held));
  if (!queue) {
    std::fprintf(stderr, "delay_queue: binding queue %u: %s\n", *queue_number, std::strerror(errno));
    return 1;
  }
  if (nfq_set_mode(queue.get(), NFQNL_COPY_META, 0) < 0 || nfq_set_queue_maxlen(queue.get(), kQueueMaxLength) < 0) {
    std::fprintf(stderr, "delay_queue: configuring queue %u: %s\n", *queue_number, std::strerror(errno));
    return 1;
  }
  const unsigned int receive_buffer = nfnl_rcvbufsiz(nfq_nfnlh(handle.get()), kReceiveBufferBytes);
  if (receive_buffer < kReceiveBufferBytes) {
    std::fprintf(stderr, "delay_queue: receive buffer only %u bytes (not root?)\n", receive_buffer);
  }

  std::printf("ready\n");
  std::fflush(stdout);

  std::vector<char> buffer(kMessageBufferBytes);
  std::uint64_t lost_messages = 0;
  const Clock::time_point end = Clock::now() + std::chrono::seconds(*max_seconds);
  pollfd readable = {nfq_fd(handle.get()), POLLIN, 0};
  bool healthy = true;
  while (healthy && !stop_requested) {
    const Clock::time_point now = Clock::now();
    healthy = ReleaseDue(queue.get(), held, now);
    if (now >= end) break;
    const Clock::time_point wake = held.packets.empty() ? end : std::min(end, held.packets.front().due);
    const timespec timeout = TimeUntil(now, wake);
    const int ready = ppoll(&readable, 1, &timeout, &wait_mask);
    if (ready < 0 && errno != EINTR) {
      std::fprintf(stderr, "delay_queue: ppoll: %s\n", std::strerror(errno));
      healthy = false;
    }
    if (ready > 0) healthy = healthy && ReadPackets(handle.get(), buffer, lost_messages);
  }
  ReleaseDue(queue.get(), held, std::nullopt);

  std::printf("accepted %llu packets after %u ms; %llu queue messages lost\n",
              static_cast<unsigned long long>(held.accepted), *delay_ms,
              static_cast<unsigned long long>(lost_messages));
  return healthy ? 0 : 1;
}
