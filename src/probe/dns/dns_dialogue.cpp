// The DNS probe: one query, over UDP or over TCP with its length prefix, for the AD DC locator
// record of the target's domain (or the root's NS when no domain is known). Any response with
// our id and QR=1 proves a DNS server, whatever its RCODE; the detail says what it answered.

#include "probe/dns/dns_dialogue.hpp"

#include <string>

#include "probe/dns/dns_codec.hpp"
#include "probe/wire/byte_reader.hpp"
#include "probe/wire/detail_text.hpp"

namespace portolan::probe::dns {

namespace {

using wire::DescribeForeignBytes;
using wire::PrintableText;

constexpr char kDcLocatorPrefix[] = "_ldap._tcp.dc._msdcs.";  // the AD DC locator record (RFC 2782 SRV)
constexpr std::size_t kTcpLengthPrefix = 2;                   // RFC 1035 4.2.2, RFC 7766
constexpr std::size_t kMaxDetail = 200;
constexpr std::size_t kMaxName = 80;
constexpr std::uint8_t kRcodeNxdomain = 3;

// A query id that is the same for the same target (reproducible runs and tests) and differs
// between targets: FNV-1a over address, port and domain, folded to 16 bits.
std::uint16_t QueryId(const ProbeTarget& target) {
  std::uint32_t hash = 2166136261u;
  const auto mix = [&hash](std::string_view text) {
    for (const char c : text) {
      hash ^= static_cast<std::uint8_t>(c);
      hash *= 16777619u;
    }
    hash ^= 0xFF;  // separates the fields
    hash *= 16777619u;
  };
  mix(target.address);
  mix(std::to_string(target.port));
  mix(target.domain);
  return static_cast<std::uint16_t>((hash >> 16) ^ (hash & 0xFFFF));
}

class SrvQueryDialogue final : public Dialogue {
 public:
  SrvQueryDialogue(const ProbeTarget& target, bool tcp) : tcp_(tcp), id_(QueryId(target)) {
    std::string domain = target.domain;
    if (!domain.empty() && domain.back() == '.') domain.pop_back();
    if (!domain.empty()) {
      if (auto encoded = EncodeName(kDcLocatorPrefix + domain)) {
        question_ = kDcLocatorPrefix + domain + " SRV";
        query_ = BuildQuery(id_, *encoded, kTypeSrv);
        return;
      }
      note_ = " (domain '" + PrintableText(domain, 40) + "' is not a DNS name: asked the root NS instead)";
    } else {
      note_ = " (no domain known: asked the root NS instead of the DC locator SRV)";
    }
    question_ = ". NS";
    query_ = BuildQuery(id_, *EncodeName("."), kTypeNs);
  }

  Bytes Start() override { return tcp_ ? WithTcpLength(query_) : query_; }

  Step OnReceive(std::span<const std::uint8_t> received, bool closed) override {
    if (received.empty()) {
      return closed ? Step::WrongService("the connection closed without a DNS response") : Step::NeedMore();
    }
    if (!tcp_) return Evaluate(received);
    // TCP: check the id as soon as it has arrived, so that another protocol is named at once.
    wire::ByteReader reader(received);
    const std::size_t length = reader.U16();
    const bool have_length = reader.Ok();
    const std::uint16_t id = reader.U16();
    if (reader.Ok() && id != id_) return WrongId(received, id);
    if (have_length) {
      if (length < kHeaderSize) {
        return Step::WrongService("a TCP length prefix of " + std::to_string(length) + ", shorter than a DNS header; " +
                                  DescribeForeignBytes(received));
      }
      if (received.size() >= kTcpLengthPrefix + length) {
        return Evaluate(received.subspan(kTcpLengthPrefix, length));
      }
    }
    return closed ? Step::WrongService("DNS response cut short by the close: " + DescribeForeignBytes(received))
                  : Step::NeedMore();
  }

 private:
  Step WrongId(std::span<const std::uint8_t> received, std::uint16_t id) const {
    return Step::WrongService("not our DNS response: id " + std::to_string(id) + " instead of " + std::to_string(id_) +
                              "; " + DescribeForeignBytes(received));
  }

  Step Evaluate(std::span<const std::uint8_t> message) const {
    const auto header = ParseHeader(message);
    if (!header) {
      return Step::WrongService("a message of " + std::to_string(message.size()) +
                                " bytes, shorter than a DNS header: " + DescribeForeignBytes(message));
    }
    if (header->id != id_) return WrongId(message, header->id);
    if (!header->is_response) {
      return Step::WrongService("our query came back with QR=0 (an echo service?)");
    }
    const auto parsed = ParseResponse(message);
    const Response& response = *parsed.response;
    std::string detail = "DNS " + RcodeName(response.rcode) + " for " + PrintableText(question_, kMaxName) + note_;
    if (response.rcode == kRcodeNxdomain && note_.empty()) detail += ": no DC locator record";
    if (!response.srv.empty()) {
      detail += ":";
      for (std::size_t i = 0; i < response.srv.size(); ++i) {
        const auto& srv = response.srv[i];
        const std::string item = " " + PrintableText(srv.target, 60) + ":" + std::to_string(srv.port);
        if (detail.size() + item.size() > kMaxDetail) {
          detail += " +" + std::to_string(response.srv.size() - i) + " more";
          break;
        }
        detail += i == 0 ? item : "," + item;
      }
    } else if (response.rcode == 0) {
      detail += "; " + std::to_string(response.answer_count) + " answers";
    }
    if (response.authoritative) detail += "; AA";
    if (response.truncated) detail += "; TC=1 (truncated)";
    if (!parsed.error.empty()) detail += "; " + parsed.error;
    return Step::Verified(detail);
  }

  bool tcp_;
  std::uint16_t id_;
  std::string question_;
  std::string note_;
  Bytes query_;
};

}  // namespace

std::unique_ptr<Dialogue> MakeSrvQueryUdpDialogue(const ProbeTarget& target) {
  return std::make_unique<SrvQueryDialogue>(target, false);
}

std::unique_ptr<Dialogue> MakeSrvQueryTcpDialogue(const ProbeTarget& target) {
  return std::make_unique<SrvQueryDialogue>(target, true);
}

}  // namespace portolan::probe::dns
