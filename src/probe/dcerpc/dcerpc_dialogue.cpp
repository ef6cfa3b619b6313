// The DCE/RPC endpoint mapper probes: over TCP a bind and ept_lookup, paged with the entry
// handle, whose towers give the TCP ports to follow through; over UDP one connectionless call.

#include "probe/dcerpc/dcerpc_dialogue.hpp"

#include <algorithm>
#include <random>
#include <set>

#include "probe/dcerpc/dcerpc_codec.hpp"

namespace portolan::probe::dcerpc {
namespace {

constexpr std::uint32_t kBindCallId = 1;
constexpr int kMaxLookupPages = 10;         // kEptMaxEntries each: 1,000 endpoints at most
constexpr std::size_t kMaxFragments = 256;  // of one response
constexpr std::size_t kDetailBudget = 190;  // characters, so that a line stays short

std::string BindNakReason(std::uint16_t reason) {
  // C706 12.6.3.1 p_reject_reason_t, MS-RPCE 2.2.2.5.
  static constexpr std::array<const char*, 10> kReasons = {"reason not specified",
                                                           "temporary congestion",
                                                           "local limit exceeded",
                                                           "called paddr unknown",
                                                           "protocol version not supported",
                                                           "default context not supported",
                                                           "user data not readable",
                                                           "no psap available",
                                                           "authentication type not recognized",
                                                           "invalid checksum"};
  if (reason < kReasons.size()) return kReasons[reason];
  return "reason " + std::to_string(reason);
}

std::string ContextRejection(std::uint16_t result, std::uint16_t reason) {
  // C706 12.6.3.1 p_cont_def_result_t and p_provider_reason_t.
  static constexpr std::array<const char*, 4> kReasons = {"reason not specified", "abstract syntax not supported",
                                                          "transfer syntaxes not supported", "local limit exceeded"};
  const std::string why = reason < kReasons.size() ? kReasons[reason] : "reason " + std::to_string(reason);
  return (result == 1 ? "user rejection, " : "provider rejection, ") + why;
}

class EpmDialogue final : public Dialogue {
 public:
  Bytes Start() override { return BuildBind(kBindCallId); }

  Step OnReceive(std::span<const std::uint8_t> received, bool closed) override {
    return bound_ ? OnLookupAnswer(received, closed) : OnBindAnswer(received, closed);
  }

 private:
  Step OnBindAnswer(std::span<const std::uint8_t> received, bool closed) {
    const PduRead read = ReadPdu(received);
    if (read.status == ParseStatus::kIncomplete) {
      if (!closed) return Step::NeedMore();
      if (received.empty()) return Step::WrongService("closed without answering the DCE/RPC bind");
      return Step::WrongService("closed in the middle of a DCE/RPC PDU (" + std::to_string(received.size()) +
                                " bytes)");
    }
    if (read.status == ParseStatus::kInvalid) return Step::WrongService(read.error);

    const std::uint8_t ptype = read.header.ptype;
    if (ptype == kPtypeFault) {
      const auto status = FaultStatus(read);
      return Step::Verified("DCE/RPC answered the EPM bind with a fault" +
                            (status ? " " + StatusName(*status) : std::string()));
    }
    if (ptype != kPtypeBindAck && ptype != kPtypeBindNak) {
      if (ptype > 19) return Step::WrongService("a DCE/RPC header with unknown ptype " + std::to_string(ptype));
      return Step::Verified("DCE/RPC answered the EPM bind with a " + PtypeName(ptype) + " PDU");
    }
    std::string error;
    const auto answer = ParseBindAnswer(read, &error);
    if (!answer) return Step::WrongService("a malformed " + PtypeName(ptype) + ": " + error);
    if (!answer->ack) {
      return Step::Verified("bind_nak (" + BindNakReason(answer->reason) + "): a DCE/RPC stack refused the EPM bind");
    }
    if (answer->result != 0) {
      return Step::Verified("bind_ack rejected the EPM context (" + ContextRejection(answer->result, answer->reason) +
                            "): a DCE/RPC stack without the endpoint mapper");
    }
    if (closed) return Step::Verified("bind_ack accepted the EPM context, then the connection closed");
    bound_ = true;
    return NextLookup();
  }

  Step NextLookup() {
    ++pages_;
    ++call_id_;
    return Step::Send(BuildEptLookupRequest(call_id_, entry_handle_));
  }

  Step OnLookupAnswer(std::span<const std::uint8_t> received, bool closed) {
    Bytes stub;
    bool little_endian = true;
    std::size_t offset = 0;
    for (std::size_t fragment = 0;; ++fragment) {
      if (fragment == kMaxFragments) return Finish("the lookup answer has too many fragments");
      const PduRead read = ReadPdu(received.subspan(offset));
      if (read.status == ParseStatus::kIncomplete) {
        if (!closed) return Step::NeedMore();
        return Finish("closed in the middle of the lookup answer");
      }
      if (read.status == ParseStatus::kInvalid) return Finish("the lookup answer is malformed: " + read.error);
      if (read.header.ptype == kPtypeFault) {
        const auto status = FaultStatus(read);
        return Finish("ept_lookup fault" + (status ? " " + StatusName(*status) : std::string()));
      }
      if (read.header.ptype != kPtypeResponse || read.header.call_id != call_id_) {
        return Finish("ept_lookup answered by a " + PtypeName(read.header.ptype) + " for call " +
                      std::to_string(read.header.call_id));
      }
      if (fragment == 0 && (read.header.flags & kPfcFirstFrag) == 0) {
        return Finish("the lookup answer does not start with a first fragment");
      }
      const auto fragment_stub = ResponseStub(read);
      if (!fragment_stub) return Finish("a lookup response fragment is too short");
      little_endian = read.header.little_endian;
      stub.insert(stub.end(), fragment_stub->begin(), fragment_stub->end());
      offset += read.pdu.size();
      if ((read.header.flags & kPfcLastFrag) != 0) break;
    }

    std::string error;
    const auto result = ParseEptLookupStub(stub, little_endian, &error);
    if (!result) return Finish("the lookup answer could not be parsed: " + error);
    endpoints_.insert(endpoints_.end(), result->endpoints.begin(), result->endpoints.end());
    entry_handle_ = result->entry_handle;
    if (result->status == 0 && result->MoreEntries() && !result->endpoints.empty()) {
      if (closed) return Finish("closed before the next page");
      if (pages_ < kMaxLookupPages) return NextLookup();
      return Finish("stopped after " + std::to_string(pages_) + " pages");
    }
    return Finish("");
  }

  // Verified whatever happened after the bind_ack: it proved the endpoint mapper.
  Step Finish(const std::string& note) {
    std::set<int> tcp_ports;
    for (const auto& endpoint : endpoints_) {
      if (endpoint.tcp_port) tcp_ports.insert(*endpoint.tcp_port);
    }
    std::string detail = "EPM bound; " + std::to_string(endpoints_.size()) + " endpoints";
    if (!note.empty()) detail += " (" + note + ")";
    if (!tcp_ports.empty()) {
      detail += ", TCP ports";
      std::size_t listed = 0;
      for (const int port : tcp_ports) {
        const std::string item = (listed == 0 ? " " : ",") + std::to_string(port);
        if (detail.size() + item.size() > kDetailBudget) {
          detail += " +" + std::to_string(tcp_ports.size() - listed) + " more";
          break;
        }
        detail += item;
        ++listed;
      }
    }
    if (detail.size() > kDetailBudget + 20) detail.resize(kDetailBudget + 20);
    Step step = Step::Verified(detail);
    step.advertised_tcp_ports.assign(tcp_ports.begin(), tcp_ports.end());
    return step;
  }

  bool bound_ = false;
  int pages_ = 0;
  std::uint32_t call_id_ = kBindCallId;
  ContextHandle entry_handle_{};
  std::vector<Endpoint> endpoints_;
};

class ConnectionlessEpmDialogue final : public Dialogue {
 public:
  explicit ConnectionlessEpmDialogue(const Uuid& activity_id) : activity_id_(activity_id) {}

  Bytes Start() override {
    request_ = BuildConnectionlessLookup(activity_id_);
    return request_;
  }

  Step OnReceive(std::span<const std::uint8_t> received, bool /*closed*/) override {
    // Our own request back, byte for byte: something that echoes. (A request PDU is otherwise
    // taken for the conversation manager's callback, and would be called VERIFIED.)
    if (std::equal(received.begin(), received.end(), request_.begin(), request_.end())) {
      return Step::WrongService("our ept_lookup request came back unchanged (an echo service?)");
    }
    std::string error;
    const auto header = ParseConnectionless(received, &error);
    if (!header) return Step::WrongService(error);
    if (header->activity_id != activity_id_) return Step::NeedMore();  // another call's datagram
    const auto status = [&]() -> std::string {
      if (header->body.size() < 4) return "";
      const auto& b = header->body;
      const std::uint32_t value = header->little_endian
                                      ? b[0] | (b[1] << 8) | (b[2] << 16) | (std::uint32_t{b[3]} << 24)
                                      : (std::uint32_t{b[0]} << 24) | (b[1] << 16) | (b[2] << 8) | b[3];
      return " " + StatusName(value);
    };
    switch (header->ptype) {
      case kPtypeResponse: return Verified(*header);
      case kPtypeFault: return Step::Verified("connectionless DCE/RPC fault" + status());
      case kClPtypeReject: return Step::Verified("connectionless DCE/RPC reject" + status());
      case kClPtypeWorking: return Step::NeedMore();  // the server is on it: the answer follows
      case kPtypeRequest: return Step::Verified("connectionless DCE/RPC callback request (conversation manager)");
      default:
        if (header->ptype > kClPtypeCancelAck) {
          return Step::WrongService("a connectionless DCE/RPC header with unknown ptype " +
                                    std::to_string(header->ptype));
        }
        return Step::Verified("connectionless DCE/RPC " + ClPtypeName(header->ptype) + " PDU");
    }
  }

 private:
  static Step Verified(const ClHeader& header) {
    std::string detail = "connectionless DCE/RPC response from the EPM";
    constexpr std::uint8_t kClFlagFragment = 0x04;
    if ((header.flags1 & kClFlagFragment) != 0) return Step::Verified(detail + " (fragmented)");
    std::string error;
    const auto result = ParseEptLookupStub(header.body, header.little_endian, &error);
    if (!result) return Step::Verified(detail + " (lookup result not parsed: " + error + ")");
    std::set<int> tcp_ports;
    for (const auto& endpoint : result->endpoints) {
      if (endpoint.tcp_port) tcp_ports.insert(*endpoint.tcp_port);
    }
    return Step::Verified(detail + ": " + std::to_string(result->endpoints.size()) + " endpoints, " +
                          std::to_string(tcp_ports.size()) + " TCP ports");
  }

  Uuid activity_id_;
  Bytes request_;
};

}  // namespace

std::unique_ptr<Dialogue> MakeEpmDialogue(const ProbeTarget& /*target*/) {
  return std::make_unique<EpmDialogue>();
}

std::unique_ptr<Dialogue> MakeConnectionlessEpmDialogue(const ProbeTarget& /*target*/) {
  std::random_device random;
  Uuid activity_id{};
  for (auto& byte : activity_id) byte = static_cast<std::uint8_t>(random());
  // RFC 4122 4.4: a random (version 4) UUID, so that the activity id is a well-formed one.
  activity_id[7] = static_cast<std::uint8_t>((activity_id[7] & 0x0f) | 0x40);
  activity_id[8] = static_cast<std::uint8_t>((activity_id[8] & 0x3f) | 0x80);
  return std::make_unique<ConnectionlessEpmDialogue>(activity_id);
}

}  // namespace portolan::probe::dcerpc
