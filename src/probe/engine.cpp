#include "probe/engine.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <deque>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <system_error>
#include <thread>
#include <utility>

#include <fmt/format.h>
#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <asio.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/ssl.hpp>

#include "core/descriptors.hpp"
#include "probe/connector.hpp"
#include "probe/http/http_checks.hpp"
#include "probe/http/http_dialogue.hpp"
#include "probe/responder/responder_dialogue.hpp"
#include "probe/timing.hpp"

namespace portolan::probe {

namespace {

using asio::awaitable;
using asio::ip::tcp;
using asio::ip::udp;
constexpr auto kUseTuple = asio::experimental::as_tuple(asio::use_awaitable);

constexpr int kMaxDialogueSteps = 8;  // requests one dialogue may send
constexpr std::size_t kReadChunk = 4096;
constexpr std::size_t kMaxDatagram = 65536;       // the largest UDP payload
constexpr std::size_t kMinWorkersPerThread = 64;  // fewer probes in flight than this: one thread
constexpr int kInitialWindow = 128;               // adaptive: probes in flight at the start
constexpr int kMaxAdaptiveWindow = 8192;          // adaptive: probes in flight at most
constexpr int kMaxWindow = 20000;                 // probes in flight at most, --concurrency included
constexpr int kMaxLocalFailures = 200;            // attempts this machine refused in a row: the run stops
constexpr auto kLocalPause = std::chrono::milliseconds(10);

double MillisecondsSince(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

std::string Seconds(std::chrono::milliseconds timeout) {
  return fmt::format("{:g} s", static_cast<double>(timeout.count()) / 1000.0);
}

template <typename Socket>
void CloseSocket(void* socket) {
  std::error_code ignored;
  static_cast<Socket*>(socket)->close(ignored);
}

template <typename Socket>
void CancelSocket(void* socket) {
  std::error_code ignored;
  static_cast<Socket*>(socket)->cancel(ignored);
}

// --- a portolan responder standing in for the service ---------------------------------------------

// A responder (`portolan respond`) greets every connection and datagram on every port it stands
// in on: its greeting proves the path to that port, whatever the service's dialogue would make of
// it. nullopt: not a greeting, the dialogue decides.
std::optional<Step> StandIn(std::span<const std::uint8_t> answer, bool final, const ProbeSpec& spec) {
  if (spec.service == nullptr || spec.service->id == "responder") return std::nullopt;  // its own dialogue judges
  return responder::JudgeGreeting(answer, final, spec.target, spec.service->id);
}

// The dialogue of a spec. HTTP specs get the http dialogue with their check and proxy, and the
// engine keeps its typed pointer (`http`) to read the refined verdict and the content.
struct SpecDialogue {
  std::unique_ptr<Dialogue> dialogue;
  http::HttpProbeDialogue* http = nullptr;
};
SpecDialogue MakeDialogue(const ProbeSpec& spec, const ProbeTarget& target) {
  SpecDialogue made;
  if (spec.service == nullptr || spec.service->dialogue == nullptr) return made;
  if (!http::IsHttp(spec)) {
    made.dialogue = spec.service->dialogue(target);
    return made;
  }
  auto dialogue = http::MakeHttpProbeDialogue(target, {spec.http_check, spec.http_path, spec.proxy});
  made.http = dialogue.get();
  made.dialogue = std::move(dialogue);
  return made;
}

// An HTTP probe through a proxy connects to the proxy; every other probe to its target.
bool ThroughProxy(const ProbeSpec& spec) {
  return spec.proxy.has_value() && http::IsHttp(spec);
}

// The stream under a TLS probe, keeping the first bytes it read: a responder standing in for
// LDAPS greets in plain text, which fails the handshake, and the greeting must still be judged.
class RecordingStream {
 public:
  using executor_type = tcp::socket::executor_type;
  using lowest_layer_type = tcp::socket::lowest_layer_type;

  explicit RecordingStream(tcp::socket& socket) : socket_(socket) {}

  executor_type get_executor() { return socket_.get_executor(); }
  lowest_layer_type& lowest_layer() { return socket_.lowest_layer(); }
  const lowest_layer_type& lowest_layer() const { return socket_.lowest_layer(); }
  std::span<const std::uint8_t> Recorded() const { return recorded_; }

  template <typename Buffers, typename Token>
  auto async_read_some(const Buffers& buffers, Token&& token) {
    return asio::async_initiate<Token, void(std::error_code, std::size_t)>(
        [this](auto handler, const Buffers& into) {
          socket_.async_read_some(
              into, [this, into, handler = std::move(handler)](std::error_code error, std::size_t got) mutable {
                Record(into, got);
                std::move(handler)(error, got);
              });
        },
        token, buffers);
  }

  template <typename Buffers, typename Token>
  auto async_write_some(const Buffers& buffers, Token&& token) {
    return socket_.async_write_some(buffers, std::forward<Token>(token));
  }

 private:
  template <typename Buffers>
  void Record(const Buffers& buffers, std::size_t got) {
    const std::size_t keep = std::min(got, kMaxRecorded - recorded_.size());
    if (keep == 0) return;
    const std::size_t old_size = recorded_.size();
    recorded_.resize(old_size + keep);
    asio::buffer_copy(asio::buffer(recorded_.data() + old_size, keep), buffers, keep);
  }

  static constexpr std::size_t kMaxRecorded = 256;  // a greeting is at most 178 bytes
  tcp::socket& socket_;
  Bytes recorded_;
};

// --- how many probes are in flight --------------------------------------------------------------

// A counting semaphore whose capacity moves: the window of adaptive timing (or the fixed
// --concurrency). Workers beyond it wait here, parked, and are let in as probes finish or the
// window grows. One per thread, used from that thread only.
class Gate {
 public:
  explicit Gate(const asio::any_io_executor& executor) : executor_(executor) {}

  bool TryEnter() {
    if (in_flight_ >= capacity_) return false;
    ++in_flight_;
    return true;
  }
  // Parks until a place is free; the place is taken on the waiter's behalf before it resumes.
  template <typename Token>
  auto AsyncEnter(Token&& token) {
    return asio::async_initiate<Token, void(std::error_code)>(
        [this](auto handler) {
          waiting_.push_back(std::make_unique<Resumer<decltype(handler)>>(std::move(handler)));
          Admit();
        },
        token);
  }
  void Leave() {
    --in_flight_;
    Admit();
  }
  void SetCapacity(int capacity) {
    capacity_ = std::max(1, capacity);
    Admit();
  }
  int InFlight() const { return in_flight_; }
  bool OverCapacity() const { return in_flight_ > capacity_; }

 private:
  void Admit() {
    while (in_flight_ < capacity_ && !waiting_.empty()) {
      ++in_flight_;
      auto next = std::move(waiting_.front());
      waiting_.pop_front();
      asio::post(executor_, [next = std::move(next)] { (*next)({}); });
    }
  }

  asio::any_io_executor executor_;
  int capacity_ = 1;
  int in_flight_ = 0;
  std::deque<std::unique_ptr<Watch::Resume>> waiting_;
};

// --- one probe --------------------------------------------------------------------------------

class Prober {
 public:
  Prober(const asio::any_io_executor& executor, const EngineOptions& options, asio::ssl::context& tls,
         ConnectSet& connects, Timing& timing, Gate& gate)
      : executor_(executor), options_(options), tls_(tls), connects_(&connects), timing_(timing), gate_(gate) {}

  awaitable<ProbeResult> Run(const ProbeSpec& spec, Watch& watch) {
    ProbeResult result;
    result.spec = spec;
    std::error_code error;
    const auto address = asio::ip::make_address(spec.target.address, error);
    if (error) {
      result.verdict = Verdict::kWrongService;
      result.detail = fmt::format("'{}' is not an IP address", spec.target.address);
      co_return result;
    }
    if (ThroughProxy(spec)) {
      const auto proxy = asio::ip::make_address(spec.proxy->address, error);
      if (error) {
        result.verdict = Verdict::kWrongService;
        result.detail = fmt::format("the proxy '{}' is not an IP address", spec.proxy->address);
        co_return result;
      }
      co_await RunTcp(tcp::endpoint(proxy, static_cast<unsigned short>(spec.proxy->port)), result, watch);
      // What the engine found itself (a refused or silent connect, a silent proxy) names the proxy;
      // the dialogue's details already do.
      const std::string through = "through proxy " + spec.proxy->Authority();
      if (result.detail.rfind(through, 0) != 0) {
        result.detail = fmt::format("proxy {}: {}", spec.proxy->Authority(), result.detail);
      }
    } else if (spec.transport == Transport::kTcp) {
      co_await RunTcp(tcp::endpoint(address, static_cast<unsigned short>(spec.target.port)), result, watch);
    } else {
      co_await RunUdp(udp::endpoint(address, static_cast<unsigned short>(spec.target.port)), result, watch);
    }
    co_return result;
  }

 private:
  // The --source-address, and the fixed port a protocol needs (DHCP answers go to port 68).
  template <typename Socket>
  std::error_code BindSource(Socket& socket, const ProbeSpec& spec, bool ipv4) {
    const int port = spec.service != nullptr ? spec.service->source_port : 0;
    if (!options_.source && port == 0) return {};
    using Endpoint = typename Socket::endpoint_type;
    const auto address = options_.source ? asio::ip::make_address(*options_.source)
                         : ipv4          ? asio::ip::address(asio::ip::address_v4::any())
                                         : asio::ip::address(asio::ip::address_v6::any());
    std::error_code error;
    if (port != 0) socket.set_option(asio::socket_base::reuse_address(true), error);
    socket.bind(Endpoint(address, static_cast<unsigned short>(port)), error);
    return error;
  }

  static void Accepted(const Service* service, double rtt_ms, ProbeResult& result) {
    result.rtt_ms = rtt_ms;
    result.verdict = Verdict::kListening;
    result.detail = service != nullptr ? fmt::format("connection accepted; {}", service->description)
                                       : std::string("connection accepted; no protocol check for this port");
  }

  // This machine could not make the attempt (no descriptor, buffer or local port): fewer probes
  // in flight, a pause, and the same attempt again. Never a verdict: nothing reached the network.
  // Past kMaxLocalFailures in a row the run stops and says so.
  awaitable<void> BackOff(const std::error_code& error, int& failures) {
    if (++failures > kMaxLocalFailures) {
      throw std::system_error(error, "this machine cannot make a probe's connection attempt");
    }
    timing_.OnLocalError(gate_.InFlight(), Clock::now());
    asio::steady_timer pause(executor_, kLocalPause);
    co_await pause.async_wait(kUseTuple);
  }

  // A connect sent before its network had answered anything waits the initial timeout (1 s); as
  // soon as the network has an estimate, its deadline is the one the estimate gives.
  struct Provisional {
    Timing* timing;
    NetworkKey network;
    Clock::time_point start;
    int attempt;
    bool last;
  };
  static Clock::time_point RefreshedDeadline(void* context) {
    const auto& provisional = *static_cast<const Provisional*>(context);
    if (provisional.timing->Estimate(provisional.network) == nullptr) return {};
    return provisional.start +
           provisional.timing->ConnectTimeout(provisional.network, provisional.attempt, provisional.last);
  }

  awaitable<void> RunTcp(const tcp::endpoint& endpoint, ProbeResult& result, Watch& watch) {
    const auto* service = result.spec.service;
    const WatchGuard guard(watch);
    const NetworkKey network = NetworkOf(endpoint.address());
    watch.clog_at = Clock::now() + timing_.ConnectTimeout(network, 0, false);
    ConnectRequest request;
    request.endpoint = endpoint;
    if (options_.source) request.source = asio::ip::make_address(*options_.source);
    request.source_port = service != nullptr ? static_cast<unsigned short>(service->source_port) : 0;
    // Every connect keeps the sender of an ICMP error. A refused connect is a reset from the target
    // or an ICMP port unreachable from whoever rejects it (a firewall's plain REJECT sends that),
    // and only the sender tells them apart. IPv6 needs it anyway: without IPV6_RECVERR Linux treats
    // an ICMPv6 error to a SYN as soft and reports it only after the SYN is sent again.
    request.icmp_sender = true;
    const int attempts = 1 + std::max(0, options_.retries);
    request.path_rtt = timing_.WantsPathRtt(network);
    int requests = 0;
    Clock::duration waited{};
    int local_failures = 0;
    ConnectOutcome outcome;
    for (int attempt = 0; attempt < attempts;) {
      request.timeout = timing_.ConnectTimeout(network, attempt, attempt + 1 == attempts);
      Provisional provisional{&timing_, network, Clock::now(), attempt, attempt + 1 == attempts};
      const bool unknown = timing_.Estimate(network) == nullptr;
      request.refresh = unknown ? RefreshedDeadline : nullptr;
      request.refresh_context = unknown ? &provisional : nullptr;
      outcome = co_await Connect(*connects_, watch, request);
      if (outcome.status == ConnectStatus::kLocalError) {
        co_await BackOff(outcome.error, local_failures);
        continue;
      }
      local_failures = 0;
      if (outcome.status == ConnectStatus::kBindFailed) break;
      ++requests;
      if (outcome.status == ConnectStatus::kSilent) {
        waited +=
            std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double, std::milli>(outcome.rtt_ms));
        ++attempt;
        continue;
      }
      timing_.OnAnswer(network, outcome.rtt_ms, attempt > 0, Clock::now(), outcome.path_rtt_ms);
      break;
    }
    switch (outcome.status) {
      case ConnectStatus::kBindFailed:
        result.verdict = Verdict::kFiltered;
        result.detail =
            fmt::format("not sent: cannot bind the source {}: {}",
                        request.source_port != 0 ? fmt::format("port {} (it needs root)", request.source_port)
                                                 : std::string("address"),
                        outcome.error.message());
        co_return;
      case ConnectStatus::kSilent:
        result.rtt_ms = std::chrono::duration<double, std::milli>(waited).count();
        result.verdict = Verdict::kFiltered;
        result.detail = fmt::format("no answer to {} connection request{} in {}", requests, requests == 1 ? "" : "s",
                                    Seconds(std::chrono::duration_cast<std::chrono::milliseconds>(waited)));
        if (!outcome.limits.empty()) result.detail += fmt::format(" ({})", outcome.limits);
        co_return;
      case ConnectStatus::kFailed:
        result.rtt_ms = outcome.rtt_ms;
        ConnectFailed(outcome.error, result);
        if (outcome.icmp) {
          JudgeIcmp(*outcome.icmp, endpoint.address(), result);
        } else if (!outcome.limits.empty()) {
          result.detail += fmt::format(" ({})", outcome.limits);
        }
        co_return;
      case ConnectStatus::kLocalError:
      case ConnectStatus::kConnected: break;
    }
    SpecDialogue made = MakeDialogue(result.spec, result.spec.target);
    if (!made.dialogue) {
      Accepted(service, outcome.rtt_ms, result);
      co_return;
    }
    Dialogue* dialogue = made.dialogue.get();
    // The dialogue runs on an Asio socket, under a deadline of its own: a service that accepts at
    // once and answers slowly has the whole --timeout to answer, whatever the connect took.
    const auto start = Clock::now() - std::chrono::duration_cast<Clock::duration>(
                                          std::chrono::duration<double, std::milli>(outcome.rtt_ms));
    tcp::socket socket = AdoptConnected(outcome, endpoint.protocol(), executor_);
    watch.Arm(options_.timeout, CloseSocket<tcp::socket>, &socket);
    if (service->tls) {
      asio::ssl::stream<RecordingStream> stream(RecordingStream(socket), tls_);
      auto [handshake_error] = co_await stream.async_handshake(asio::ssl::stream_base::client, kUseTuple);
      if (handshake_error) {
        watch.Stop();
        result.rtt_ms = MillisecondsSince(start);
        if (const auto stand_in = StandIn(stream.next_layer().Recorded(), true, result.spec)) {
          result.verdict = stand_in->kind == Step::Kind::kVerified ? Verdict::kVerified : Verdict::kWrongService;
          result.detail = stand_in->detail;
          co_return;
        }
        result.verdict = Verdict::kWrongService;
        result.detail = watch.expired
                            ? fmt::format("connection accepted, no TLS handshake within {}", Seconds(options_.timeout))
                            : fmt::format("TLS handshake failed: {}", handshake_error.message());
        co_return;
      }
      const std::string certificate = CertificateText(stream.native_handle());
      co_await Converse(stream, *dialogue, made.http, *service, watch, start, result);
      watch.Stop();
      result.detail = fmt::format("TLS ({}); {}", certificate, result.detail);
      co_return;
    }
    co_await Converse(socket, *dialogue, made.http, *service, watch, start, result);
    watch.Stop();
  }

  // An ICMP error the system named: port unreachable from the target itself says no one listens
  // there; from anyone else (a router, a firewall's REJECT) it says something on the path refused
  // the packet before it arrived. Every other ICMP error is a refusal on the path.
  static void JudgeIcmp(const IcmpError& icmp, const asio::ip::address& target, ProbeResult& result) {
    result.icmp_from = icmp.from;
    result.detail = IcmpText(icmp);
    if (!IsPortUnreachable(icmp)) {
      result.verdict = Verdict::kFiltered;
    } else if (icmp.from == target.to_string()) {
      result.verdict = Verdict::kNotListening;
    } else {
      result.verdict = Verdict::kFiltered;
      result.detail += ", not the target: something on the path rejects the packet";
    }
  }

  static void ConnectFailed(const std::error_code& error, ProbeResult& result) {
    if (error == asio::error::connection_refused) {
      result.verdict = Verdict::kNotListening;
      result.detail = "connection refused (TCP reset)";
    } else if (error == asio::error::host_unreachable || error == asio::error::network_unreachable) {
      result.verdict = Verdict::kFiltered;
      result.detail = fmt::format("{} (an ICMP unreachable or administratively prohibited answer)", error.message());
    } else {
      result.verdict = Verdict::kFiltered;
      result.detail = fmt::format("connect failed: {}", error.message());
    }
  }

  static std::string CertificateText(SSL* ssl) {
    X509* certificate = SSL_get1_peer_certificate(ssl);
    if (certificate == nullptr) return "no certificate";
    std::array<char, 256> subject{};
    std::array<char, 256> issuer{};
    X509_NAME_oneline(X509_get_subject_name(certificate), subject.data(), static_cast<int>(subject.size()));
    X509_NAME_oneline(X509_get_issuer_name(certificate), issuer.data(), static_cast<int>(issuer.size()));
    std::string expiry;
    if (BIO* bio = BIO_new(BIO_s_mem())) {
      if (ASN1_TIME_print(bio, X509_get0_notAfter(certificate)) == 1) {
        char* text = nullptr;
        const long length = BIO_get_mem_data(bio, &text);
        if (text != nullptr && length > 0) expiry.assign(text, static_cast<std::size_t>(length));
      }
      BIO_free(bio);
    }
    X509_free(certificate);
    return fmt::format("subject {}, issuer {}, expires {}", subject.data(), issuer.data(), expiry);
  }

  template <typename Stream>
  awaitable<void> Converse(Stream& stream, Dialogue& dialogue, const http::HttpProbeDialogue* http,
                           const Service& service, Watch& watch, Clock::time_point start, ProbeResult& result) {
    Bytes request = dialogue.Start();
    Bytes answer;
    std::array<std::uint8_t, kReadChunk> chunk{};
    for (int step = 0; step < kMaxDialogueSteps; ++step) {
      auto [write_error, written] = co_await asio::async_write(stream, asio::buffer(request), kUseTuple);
      if (write_error) {
        Silent(watch.expired, fmt::format("the connection failed while sending: {}", write_error.message()), service,
               start, result);
        co_return;
      }
      answer.clear();
      for (;;) {
        auto [read_error, got] = co_await stream.async_read_some(asio::buffer(chunk), kUseTuple);
        const std::size_t room = service.max_answer - answer.size();
        answer.insert(answer.end(), chunk.begin(), chunk.begin() + static_cast<std::ptrdiff_t>(std::min(got, room)));
        if (read_error && watch.expired) {
          Silent(true, "", service, start, result);
          co_return;
        }
        const bool closed = static_cast<bool>(read_error) || answer.size() >= service.max_answer;
        if (got == 0 && !closed) continue;
        if (closed && answer.empty()) {
          Silent(false,
                 fmt::format("the connection was closed without an answer ({})",
                             read_error ? read_error.message() : std::string("answer too long")),
                 service, start, result);
          co_return;
        }
        auto stand_in = StandIn(answer, closed, result.spec);
        const bool from_dialogue = !stand_in;
        const Step next = stand_in ? *std::move(stand_in) : dialogue.OnReceive(answer, closed);
        if (next.kind == Step::Kind::kNeedMore) {
          if (!closed) continue;
          result.rtt_ms = MillisecondsSince(start);
          result.verdict = Verdict::kWrongService;
          result.detail =
              fmt::format("an incomplete {} answer ({} bytes), then the connection closed", service.id, answer.size());
          co_return;
        }
        if (next.kind == Step::Kind::kSend) {
          request = next.bytes;
          break;
        }
        result.rtt_ms = MillisecondsSince(start);
        result.verdict = next.kind == Step::Kind::kVerified ? Verdict::kVerified : Verdict::kWrongService;
        result.detail = next.detail;
        result.advertised_tcp_ports = next.advertised_tcp_ports;
        if (http != nullptr && from_dialogue) {  // the http dialogue's own step: its exact verdict, its bytes
          if (const auto refined = http->Refined()) result.verdict = *refined;
          result.content = http->Content();
        }
        if (!next.bytes.empty() && !closed) {  // the farewell: best effort, still under the deadline
          co_await asio::async_write(stream, asio::buffer(next.bytes), kUseTuple);
        }
        co_return;
      }
    }
    result.rtt_ms = MillisecondsSince(start);
    result.verdict = Verdict::kWrongService;
    result.detail = fmt::format("the {} dialogue did not end after {} requests", service.id, kMaxDialogueSteps);
  }

  // An accepted connection that did not answer the request: not the expected service.
  void Silent(bool expired, const std::string& why, const Service& service, Clock::time_point start,
              ProbeResult& result) {
    result.rtt_ms = MillisecondsSince(start);
    result.verdict = Verdict::kWrongService;
    result.detail =
        expired ? fmt::format("connection accepted, but no {} answer within {}", service.id, Seconds(options_.timeout))
                : why;
  }

  // Sends one datagram; when this machine is short of buffers, waits and sends it again.
  awaitable<std::error_code> Send(udp::socket& socket, const Bytes& bytes) {
    int failures = 0;
    for (;;) {
      auto [error, sent] = co_await socket.async_send(asio::buffer(bytes), kUseTuple);
      if (!error || !IsLocalShortage(error)) co_return error;
      co_await BackOff(error, failures);
    }
  }

  // A receive (or send) that failed on a connected UDP socket: an ICMP error came back.
  void UdpFailed(const std::error_code& error, udp::socket& socket, Clock::time_point start, const NetworkKey& network,
                 const asio::ip::address& target, ProbeResult& result) {
    result.rtt_ms = MillisecondsSince(start);
    if (const auto icmp = ReadIcmpError(socket)) {
      timing_.OnAnswer(network, result.rtt_ms, false, Clock::now());
      JudgeIcmp(*icmp, target, result);
    } else if (error == asio::error::connection_refused) {  // the system does not say who sent it
      result.verdict = Verdict::kNotListening;
      result.detail = "ICMP port unreachable";
      if (!UdpLimits().empty()) result.detail += fmt::format(" ({})", UdpLimits());
    } else {
      result.verdict = Verdict::kFiltered;
      result.detail = fmt::format("no answer: {}", error.message());
    }
  }

  // UDP waits the whole --timeout, shared by the tries: a UDP answer is the service's own, and
  // how long a service takes to answer cannot be read off the network's round trips.
  awaitable<void> RunUdp(const udp::endpoint& endpoint, ProbeResult& result, Watch& watch) {
    const auto start = Clock::now();
    const NetworkKey network = NetworkOf(endpoint.address());
    watch.clog_at = start + timing_.ConnectTimeout(network, 0, false);
    auto socket = std::make_unique<udp::socket>(executor_);
    const WatchGuard guard(watch);
    for (int failures = 0;;) {
      std::error_code open_error;
      socket->open(endpoint.protocol(), open_error);
      if (!open_error) break;
      if (!IsLocalShortage(open_error)) throw std::system_error(open_error, "cannot open a socket");
      co_await BackOff(open_error, failures);
    }
    if (const auto bind_error = BindSource(*socket, result.spec, endpoint.address().is_v4())) {
      result.verdict = Verdict::kFiltered;
      result.detail = fmt::format("not sent: cannot bind the source {}: {}",
                                  result.spec.service != nullptr && result.spec.service->source_port != 0
                                      ? fmt::format("port {} (it needs root)", result.spec.service->source_port)
                                      : std::string("address"),
                                  bind_error.message());
      co_return;
    }
    EnableIcmpErrors(*socket);
    std::error_code connect_error;
    socket->connect(endpoint, connect_error);  // a connected socket: only this peer's datagrams and errors
    if (connect_error) {
      result.verdict = Verdict::kFiltered;
      result.detail = fmt::format("cannot send: {}", connect_error.message());
      co_return;
    }
    const auto* service = result.spec.service;
    ProbeTarget target = result.spec.target;
    std::error_code local_error;
    target.local_address = socket->local_endpoint(local_error).address().to_string();
    std::unique_ptr<Dialogue> dialogue;
    if (service != nullptr && service->dialogue != nullptr) dialogue = service->dialogue(target);
    Bytes request = dialogue ? dialogue->Start() : Bytes{};
    const int attempts = std::max(1, options_.retries + 1);
    const auto slice = options_.timeout / attempts;
    std::vector<std::uint8_t> datagram(std::min(kMaxDatagram, service != nullptr ? service->max_answer : kMaxDatagram));

    for (int attempt = 0; attempt < attempts; ++attempt) {
      if (const auto send_error = co_await Send(*socket, request)) {
        UdpFailed(send_error, *socket, start, network, endpoint.address(), result);
        co_return;
      }
      watch.Arm(slice, CancelSocket<udp::socket>, socket.get());
      for (;;) {
        auto [error, got] = co_await socket->async_receive(asio::buffer(datagram), kUseTuple);
        if (error) {
          if (watch.expired) {  // silence: try again, or give up below
            break;
          }
          watch.Stop();
          UdpFailed(error, *socket, start, network, endpoint.address(), result);
          co_return;
        }
        if (!dialogue) {
          watch.Stop();
          timing_.OnAnswer(network, std::nullopt, false, Clock::now());
          result.rtt_ms = MillisecondsSince(start);
          result.verdict = Verdict::kListening;
          result.detail = fmt::format("a datagram came back ({} bytes); {}", got,
                                      service != nullptr ? service->description : "no protocol check for this port");
          co_return;
        }
        const std::span<const std::uint8_t> received(datagram.data(), got);
        auto stand_in = StandIn(received, true, result.spec);
        const Step next = stand_in ? *std::move(stand_in) : dialogue->OnReceive(received, false);
        if (next.kind == Step::Kind::kNeedMore) continue;
        if (next.kind == Step::Kind::kSend) {
          if (const auto send_error = co_await Send(*socket, next.bytes)) {
            watch.Stop();
            UdpFailed(send_error, *socket, start, network, endpoint.address(), result);
            co_return;
          }
          continue;
        }
        watch.Stop();
        timing_.OnAnswer(network, std::nullopt, false, Clock::now());
        result.rtt_ms = MillisecondsSince(start);
        result.verdict = next.kind == Step::Kind::kVerified ? Verdict::kVerified : Verdict::kWrongService;
        result.detail = next.detail;
        co_return;
      }
    }
    result.rtt_ms = MillisecondsSince(start);
    if (dialogue) {
      result.verdict = Verdict::kFiltered;
      result.detail = fmt::format("no answer to the {} request and no ICMP error ({} tries in {})", service->id,
                                  attempts, Seconds(options_.timeout));
    } else {
      result.verdict = Verdict::kListeningOrFiltered;
      result.detail = fmt::format("no answer and no ICMP error in {}; {}", Seconds(options_.timeout),
                                  service != nullptr ? service->description : "no protocol check for this port");
    }
    if (!UdpLimits().empty()) result.detail += fmt::format(" ({})", UdpLimits());
  }

  static NetworkKey NetworkOf(const asio::ip::address& address) {
    return address.is_v4() ? NetworkOfV4(address.to_v4().to_uint()) : NetworkOfV6(address.to_v6().to_bytes());
  }

  asio::any_io_executor executor_;
  const EngineOptions& options_;
  asio::ssl::context& tls_;
  ConnectSet* connects_;
  Timing& timing_;
  Gate& gate_;
};

// Starts probes no faster than the rate allows.
class RateLimiter {
 public:
  RateLimiter(const asio::any_io_executor& executor, double rate) : executor_(executor), rate_(rate) {}

  bool Limits() const { return rate_ > 0; }

  awaitable<void> Wait() {
    if (rate_ <= 0) co_return;
    const auto now = Clock::now();
    const auto slot = std::max(now, next_);
    next_ = slot + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(1.0 / rate_));
    if (slot <= now) co_return;
    asio::steady_timer timer(executor_, slot);
    co_await timer.async_wait(kUseTuple);
  }

 private:
  asio::any_io_executor executor_;
  double rate_;
  Clock::time_point next_ = Clock::now();
};

// As many file descriptors as this process may have (the hard limit): the window never waits on
// the soft limit's default of 1,024. Returns how many probes can be in flight with a reserve left
// for everything else the process holds.
int RaiseDescriptorLimit() {
  constexpr std::size_t kReserve = 64;
  const auto limit = core::RaiseDescriptorLimit();
  if (!limit || *limit == core::kUnlimitedDescriptors) return kMaxWindow;
  return static_cast<int>(std::clamp<std::size_t>(*limit, kReserve + 1, kMaxWindow + kReserve) - kReserve);
}

// A probe proves reachability, not trust: the certificate is reported, not verified, and every
// protocol version and cipher the library has is offered. The KB's servers (Windows 2000 and 2003
// domain controllers) speak TLS 1.0 with SHA-1 signatures, which OpenSSL 3 refuses at its default
// security level 1: without level 0, an LDAPS service that answers would read as WRONG_SERVICE.
// No configuration file is read (OPENSSL_init_crypto before anything else), so neither the
// system's settings nor, on Windows, a file planted where a static OpenSSL looks can change that.
void ReachAnyTlsServer(asio::ssl::context& tls) {
  tls.set_verify_mode(asio::ssl::verify_none);
  SSL_CTX* native = tls.native_handle();
  SSL_CTX_set_security_level(native, 0);
  SSL_CTX_set_min_proto_version(native, TLS1_VERSION);
  SSL_CTX_set_cipher_list(native, "ALL:@SECLEVEL=0");
}

// One thread's share of a pass: its own io_context, workers, gate, timing, sweeper and rate
// limiter, taking the next spec from the index the threads share.
void RunShare(const std::vector<ProbeSpec>& specs, const EngineOptions& options, const TimingLimits& limits,
              double rate, std::size_t batch, std::atomic<std::size_t>& next, std::atomic<std::size_t>& done,
              bool reports_progress, std::vector<ProbeResult>& results) {
  asio::io_context context(ASIO_CONCURRENCY_HINT_UNSAFE);  // one thread each: no locks inside Asio
  asio::ssl::context tls(asio::ssl::context::tls_client);
  ReachAnyTlsServer(tls);
  const auto workers = static_cast<std::size_t>(limits.window_max);
  std::vector<Watch> watches(workers);  // outlives every worker: the sweeper reads them to the end
  for (std::size_t w = 0; w < workers; ++w) watches[w].index = static_cast<std::uint32_t>(w);
  Sweeper sweeper(context.get_executor(), watches);
  Timing timing(limits);
  std::function<void()> clogged;  // a probe began to clog the window: room for one more (below)
  sweeper.OnClogged([](void* hook) { (*static_cast<std::function<void()>*>(hook))(); }, &clogged);
  ConnectSet connects(context.get_executor(), watches);
  Gate gate(context.get_executor());
  gate.SetCapacity(timing.Capacity());
  Prober prober(context.get_executor(), options, tls, connects, timing, gate);
  RateLimiter limiter(context.get_executor(), rate);
  // Specs are claimed from the shared index a batch at a time, so that threads rarely touch the
  // same cache line; this thread's workers take them one by one.
  std::size_t cursor = 0;
  std::size_t batch_end = 0;
  std::exception_ptr failure;
  std::function<void(std::size_t)> spawn;  // starts workers up to a number (below)
  const auto worker = [&](Watch& watch) -> awaitable<void> {
    // A worker keeps its place in the window from probe to probe and gives it up only when the
    // window shrank below what is in flight; parked workers are let in as the window grows.
    bool inside = false;
    for (;;) {
      if (!inside) {
        if (!gate.TryEnter()) co_await gate.AsyncEnter(kUseTuple);
        inside = true;
      }
      if (!failure && cursor == batch_end) {
        cursor = std::min(next.fetch_add(batch, std::memory_order_relaxed), specs.size());
        batch_end = std::min(cursor + batch, specs.size());
      }
      // The run is failing, or nothing is left: finish what is in flight, start nothing new.
      if (failure || cursor >= specs.size()) {
        gate.Leave();
        break;
      }
      const std::size_t index = cursor++;
      if (limiter.Limits()) co_await limiter.Wait();  // no coroutine frame when there is no --rate
      try {
        results[index] = co_await prober.Run(specs[index], watch);
      } catch (...) {
        gate.Leave();
        throw;
      }
      if (std::exchange(watch.clogging, false)) timing.Unclogged();
      watch.clog_at = Clock::time_point::max();
      gate.SetCapacity(timing.Capacity());
      spawn(static_cast<std::size_t>(timing.Capacity()));
      if (gate.OverCapacity()) {
        gate.Leave();
        inside = false;
      }
      const std::size_t finished = done.fetch_add(1, std::memory_order_relaxed) + 1;
      if (reports_progress && options.progress) options.progress(finished, specs.size());
    }
  };
  std::size_t running = 0;
  std::size_t spawned = 0;
  // Workers are started as the window makes room for them, so a run that never needs thousands
  // in flight never makes them. A worker that throws met a failure of this machine (no socket
  // could be opened): the run stops and says so, rather than reporting probes never sent.
  spawn = [&](std::size_t wanted) {
    for (; spawned < std::min(wanted, workers); ++spawned, ++running) {
      asio::co_spawn(context, worker(watches[spawned]), [&](const std::exception_ptr& error) {
        if (error && !failure) failure = error;
        if (--running == 0) {
          sweeper.Finish();
          connects.Finish();
        }
      });
    }
  };
  clogged = [&] {
    timing.Clogged();
    gate.SetCapacity(timing.Capacity());
    spawn(static_cast<std::size_t>(timing.Capacity()));
  };
  spawn(static_cast<std::size_t>(timing.Capacity()));
  asio::co_spawn(context, sweeper.Run(), asio::detached);
  asio::co_spawn(context, connects.Dispatch(), asio::detached);
  context.run();
  if (failure) std::rethrow_exception(failure);
}

std::vector<ProbeResult> RunPass(const std::vector<ProbeSpec>& specs, const EngineOptions& options) {
  std::vector<ProbeResult> results(specs.size());
  if (specs.empty()) return results;
  if (options.source) {
    std::error_code error;
    asio::ip::make_address(*options.source, error);
    if (error) throw std::invalid_argument(fmt::format("source address '{}' is not an IP address", *options.source));
  }
  const int descriptors = RaiseDescriptorLimit();
  TimingLimits limits;
  limits.cap = options.timeout;
  limits.floor = std::min(options.min_timeout, options.timeout);
  limits.initial = std::min(limits.initial, options.timeout);
  if (options.concurrency > 0) {
    limits.fixed_window = true;
    limits.window_initial = limits.window_max = std::min(options.concurrency, descriptors);
  } else {
    limits.window_max = std::min(kMaxAdaptiveWindow, descriptors);
    limits.window_initial = std::min(kInitialWindow, limits.window_max);
  }
  const auto largest = static_cast<std::size_t>(std::min<std::size_t>(limits.window_max, specs.size()));
  // A thread per core, each with its share of the window, once there are enough probes to share:
  // the kernel's half of a connection runs on the thread that makes it.
  std::size_t threads = options.threads > 0 ? static_cast<std::size_t>(options.threads)
                                            : std::max(1U, std::thread::hardware_concurrency());
  threads = std::max<std::size_t>(1, std::min({threads, largest / kMinWorkersPerThread, std::size_t{64}}));
  std::atomic<std::size_t> next{0};
  std::atomic<std::size_t> done{0};
  std::vector<std::thread> others;
  std::exception_ptr failure;
  std::mutex failure_lock;
  const double rate = options.rate / static_cast<double>(threads);
  // Specs are claimed a batch at a time: threads rarely touch the shared index, and each writes
  // its own stretch of the results.
  const std::size_t batch = std::clamp<std::size_t>(specs.size() / (threads * 64), 1, 64);
  const auto share = [&](std::size_t t) {
    // Thread t's part of the window: an equal share, the remainder to the first threads.
    const auto part = [&](int whole) {
      const auto n = static_cast<std::size_t>(whole);
      return static_cast<int>(std::max<std::size_t>(1, n / threads + (t < n % threads ? 1 : 0)));
    };
    TimingLimits mine = limits;
    mine.window_max = std::min(part(limits.window_max), static_cast<int>(largest));
    mine.window_initial = std::min(part(limits.window_initial), mine.window_max);
    mine.window_min = std::min(part(limits.window_min), mine.window_initial);
    try {
      RunShare(specs, options, mine, rate, batch, next, done, t == 0, results);
    } catch (...) {
      const std::lock_guard lock(failure_lock);
      if (!failure) failure = std::current_exception();
    }
  };
  for (std::size_t t = 1; t < threads; ++t) others.emplace_back(share, t);
  share(0);
  for (auto& thread : others) thread.join();
  if (failure) std::rethrow_exception(failure);
  if (options.progress) options.progress(specs.size(), specs.size());
  return results;
}

// A BITS check through a proxy is made once more directly, and the two compared: the same bytes,
// or whether the origin fails the same way without the proxy (http::CompareWithDirect).
void CompareBitsWithDirect(std::vector<ProbeResult>& results, const EngineOptions& options) {
  std::vector<std::size_t> through;
  std::vector<ProbeSpec> direct;
  for (std::size_t i = 0; i < results.size(); ++i) {
    const ProbeSpec& spec = results[i].spec;
    if (!ThroughProxy(spec) || spec.http_check != HttpCheck::kBitsFile) continue;
    through.push_back(i);
    direct.push_back(spec);
    direct.back().proxy.reset();
  }
  if (direct.empty()) return;
  const auto answers = RunPass(direct, options);
  for (std::size_t i = 0; i < through.size(); ++i) http::CompareWithDirect(results[through[i]], answers[i]);
}

}  // namespace

std::vector<ProbeResult> RunProbes(const std::vector<ProbeSpec>& specs, const EngineOptions& options) {
  // Before any other OpenSSL call: no configuration file is read (ReachAnyTlsServer says why).
  static std::once_flag openssl_once;
  std::call_once(openssl_once, [] { OPENSSL_init_crypto(OPENSSL_INIT_NO_LOAD_CONFIG, nullptr); });
  auto results = RunPass(specs, options);
  CompareBitsWithDirect(results, options);
  if (!options.follow_epm) return results;
  // Follow-through: every TCP port an endpoint mapper handed out, once per target.
  std::vector<ProbeSpec> follow;
  std::vector<std::pair<std::string, int>> seen;
  for (const auto& result : results) {
    for (const int port : result.advertised_tcp_ports) {
      if (port == result.spec.target.port) continue;  // the endpoint mapper itself, probed already
      const auto key = std::make_pair(result.spec.target.address, port);
      if (std::find(seen.begin(), seen.end(), key) != seen.end()) continue;
      seen.push_back(key);
      ProbeSpec spec = result.spec;
      spec.target.port = port;
      spec.transport = Transport::kTcp;
      spec.service = nullptr;
      follow.push_back(std::move(spec));
    }
  }
  auto followed = RunPass(follow, options);
  for (auto& result : followed) {
    const int port = result.spec.target.port;
    std::string note = "advertised by the endpoint mapper";
    if (result.spec.rpc_range && !result.spec.rpc_range->Contains(port)) {
      note += fmt::format("; OUTSIDE the inventory's RPC range {}", result.spec.rpc_range->ToString());
    }
    result.detail = fmt::format("{}: {}", note, result.detail);
    results.push_back(std::move(result));
  }
  return results;
}

}  // namespace portolan::probe
