#pragma once
// The contract between the probe engine (sockets, deadlines, TLS) and a protocol (what to send,
// and what the answer proves). A protocol is a pure state machine over bytes: it never touches
// a socket, so its codec and its dialogue can be tested with byte vectors and fuzzed.

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace portolan::probe {

using Bytes = std::vector<std::uint8_t>;

// What a dialogue may know about the service it talks to. Everything but address and port may
// be empty (an ad hoc `portolan probe HOST -p 389`).
struct ProbeTarget {
  std::string address;  // "10.0.0.10" or "2001:db8::10"
  int port = 0;
  std::string domain;              // the AD / DNS domain, "corp.example"
  std::string netbios_name;        // the host's NetBIOS name, "DC01"
  std::vector<std::string> roles;  // the host's catalog roles, when it comes from an inventory
  std::string local_address = {};  // set by the engine: the address this probe is sent from
  // The token a portolan responder standing in for the service must greet with (`--token`);
  // empty: any responder's greeting proves the path.
  std::string responder_token = {};
};

// What a dialogue decides after each exchange.
struct Step {
  enum class Kind {
    kSend,          // send `bytes`, then wait for the next answer (multi-step dialogues)
    kNeedMore,      // the answer is incomplete: keep reading (TCP) or wait for another datagram (UDP)
    kVerified,      // the expected protocol answered; `detail` says what it said
    kWrongService,  // something answered that is not the expected protocol; `detail` says what
  };
  Kind kind = Kind::kNeedMore;
  // kSend: the next request. kVerified / kWrongService: when not empty, a farewell the engine
  // sends without waiting for an answer (PPTP's Stop-Control-Connection-Request), so that
  // politeness can never turn a proven service into a timeout.
  Bytes bytes;
  std::string detail;  // kVerified, kWrongService: one line, printable ASCII, at most ~200 chars
  // kVerified by the RPC endpoint mapper: the TCP ports it advertised, for follow-through.
  std::vector<int> advertised_tcp_ports;

  static Step Send(Bytes bytes) { return {Kind::kSend, std::move(bytes), {}, {}}; }
  static Step NeedMore() { return {}; }
  static Step Verified(std::string detail, Bytes farewell = {}) {
    return {Kind::kVerified, std::move(farewell), std::move(detail), {}};
  }
  static Step WrongService(std::string detail) { return {Kind::kWrongService, {}, std::move(detail), {}}; }
};

class Dialogue {
 public:
  virtual ~Dialogue() = default;
  // The first request. Never empty: a protocol without a request has no dialogue at all.
  virtual Bytes Start() = 0;
  // TCP: every byte received since the last request, each time more arrive (the engine bounds
  // the total); `closed` when the peer has closed, and then the answer must be final (kNeedMore
  // then counts as a wrong service). UDP: one datagram per call, `closed` always false.
  // Must never crash or read out of bounds whatever the bytes are: they are untrusted.
  virtual Step OnReceive(std::span<const std::uint8_t> received, bool closed) = 0;
};

using DialogueFactory = std::unique_ptr<Dialogue> (*)(const ProbeTarget& target);

}  // namespace portolan::probe
