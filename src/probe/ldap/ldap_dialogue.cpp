// The LDAP probes: a rootDSE search over TCP (389, 3268, and 636/3269 behind the engine's TLS),
// and the CLDAP "LDAP ping" over UDP 389 that a domain-joined client sends to find its DC.

#include "probe/ldap/ldap_dialogue.hpp"

#include <algorithm>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "probe/ldap/ldap_codec.hpp"
#include "probe/wire/detail_text.hpp"

namespace portolan::probe::ldap {
namespace {

using wire::DescribeForeignBytes;
using wire::LimitDetail;
using wire::PrintableText;

// One request per connection or datagram: any fixed ID will do (RFC 4511 4.1.1.1: not 0).
constexpr std::int32_t kMessageId = 1;
// An unsolicited notification, such as a notice of disconnection, has messageID 0 (RFC 4511 4.4).
constexpr std::int64_t kUnsolicitedMessageId = 0;
constexpr std::size_t kShownValueChars = 60;
constexpr std::size_t kShownNamingContexts = 3;

const std::vector<std::string_view>& RootDseAttributes() {
  // RFC 4512 5.1 and MS-ADTS 3.1.1.3.2: what tells a firewall check which directory answered.
  static const std::vector<std::string_view> kAttributes = {
      "namingContexts",        "defaultNamingContext", "dnsHostName", "isGlobalCatalogReady",
      "supportedCapabilities", "supportedLDAPVersion", "vendorName"};
  return kAttributes;
}

std::string Join(const std::vector<std::string>& parts, std::string_view separator) {
  std::string out;
  for (const auto& part : parts) {
    if (!out.empty()) out += separator;
    out += part;
  }
  return out;
}

std::string FirstValue(const SearchResultEntry& entry, std::string_view type) {
  const auto* values = entry.Find(type);
  if (values == nullptr || values->empty()) return "";
  return PrintableText(values->front(), kShownValueChars);
}

std::string DescribeRootDse(const SearchResultEntry& entry) {
  const auto* capabilities = entry.Find("supportedCapabilities");
  const bool active_directory = capabilities != nullptr && std::find(capabilities->begin(), capabilities->end(),
                                                                     kActiveDirectoryOid) != capabilities->end();
  std::vector<std::string> parts;
  std::string head = active_directory ? "Active Directory LDAP" : "LDAP (not Active Directory)";
  if (const auto vendor = FirstValue(entry, "vendorName"); !vendor.empty()) head += fmt::format(" by {}", vendor);
  parts.push_back(head);
  if (const auto host = FirstValue(entry, "dnsHostName"); !host.empty()) parts.push_back("host " + host);
  const auto* contexts = entry.Find("namingContexts");
  if (const auto default_nc = FirstValue(entry, "defaultNamingContext"); !default_nc.empty()) {
    parts.push_back("default NC " + default_nc);
    if (contexts != nullptr) parts.push_back(fmt::format("{} naming contexts", contexts->size()));
  } else if (contexts != nullptr && !contexts->empty()) {
    std::vector<std::string> shown;
    for (std::size_t i = 0; i < contexts->size() && i < kShownNamingContexts; ++i) {
      shown.push_back(PrintableText((*contexts)[i], kShownValueChars));
    }
    if (contexts->size() > kShownNamingContexts) shown.push_back("...");
    parts.push_back("naming contexts " + Join(shown, "; "));
  }
  if (const auto gc = FirstValue(entry, "isGlobalCatalogReady"); !gc.empty()) {
    parts.push_back(gc == "TRUE" ? "GC ready" : "GC not ready");
  }
  if (const auto* versions = entry.Find("supportedLDAPVersion"); versions != nullptr && !versions->empty()) {
    std::vector<std::string> shown;
    for (const auto& version : *versions) shown.push_back(PrintableText(version, 4));
    parts.push_back("LDAPv" + Join(shown, "/"));
  }
  return Join(parts, ", ");
}

std::string DescribeResult(const LdapResult& result) {
  std::string text = fmt::format("resultCode {} ({})", result.result_code, ResultCodeName(result.result_code));
  if (!result.diagnostic_message.empty()) text += ": " + PrintableText(result.diagnostic_message);
  return text;
}

// The first message did not decode: say what the bytes look like rather than why BER failed.
Step NotLdap(std::span<const std::uint8_t> received, std::size_t offset, const Decoded& decoded) {
  if (offset == 0) {
    // When the very first byte is wrong, what the bytes look like says more than the BER error.
    const bool foreign = received[0] != ber::Identifier(ber::kSequenceTag);
    return Step::WrongService(LimitDetail(
        foreign ? fmt::format("not an LDAP message: {}", DescribeForeignBytes(received))
                : fmt::format("not an LDAP message: {} ({})", DescribeForeignBytes(received), decoded.error)));
  }
  return Step::WrongService(LimitDetail(fmt::format("malformed LDAP message at byte {}: {}", offset, decoded.error)));
}

class RootDseDialogue final : public Dialogue {
 public:
  Bytes Start() override { return BuildRootDseSearch(kMessageId, RootDseAttributes()); }

  // The engine hands over everything received so far: decode the messages from the start.
  Step OnReceive(std::span<const std::uint8_t> received, bool closed) override {
    std::optional<SearchResultEntry> entry;
    std::size_t offset = 0;
    while (offset < received.size()) {
      const Decoded decoded = DecodeMessage(received.subspan(offset));
      if (decoded.status == Decoded::Status::kIncomplete) break;
      if (decoded.status == Decoded::Status::kMalformed) return NotLdap(received, offset, decoded);
      const Message& message = decoded.message;
      offset += decoded.size;
      if (message.message_id == kUnsolicitedMessageId && message.op == kExtendedResponseOp) {
        return Step::Verified(
            LimitDetail("LDAP server sent a notice of disconnection, " + DescribeResult(message.result)));
      }
      if (message.message_id != kMessageId) {
        return Step::WrongService(
            fmt::format("LDAP message with messageID {}, expected {}", message.message_id, kMessageId));
      }
      if (message.op == kSearchResultEntryOp) {
        if (!entry) entry = message.entry;
      } else if (message.op == kSearchResultDoneOp) {
        return Done(entry, message.result);
      } else if (message.op != kSearchResultReferenceOp) {
        return Step::WrongService(fmt::format("LDAP answer [APPLICATION {}] to a search request", message.op));
      }
    }
    if (!closed) return Step::NeedMore();
    if (received.empty()) return Step::WrongService("connection closed without an answer");
    if (offset == 0) {
      return Step::WrongService(
          LimitDetail(fmt::format("connection closed inside the first LDAP message ({} bytes, {})", received.size(),
                                  DescribeForeignBytes(received))));
    }
    return Step::WrongService("connection closed before the SearchResultDone");
  }

 private:
  static Step Done(const std::optional<SearchResultEntry>& entry, const LdapResult& result) {
    if (result.result_code != kSuccess) {
      return Step::Verified(LimitDetail("LDAP server refused the rootDSE search: " + DescribeResult(result)));
    }
    if (!entry) return Step::Verified("LDAP server: the rootDSE search succeeded without an entry");
    return Step::Verified(LimitDetail(DescribeRootDse(*entry)));
  }
};

std::string OpcodeNote(std::uint16_t opcode) {
  if (opcode == kLogonSamPauseResponseEx) return " (netlogon paused)";
  if (opcode == kLogonSamUserUnknownEx) return " (user unknown)";
  return "";
}

std::string DescribeNetlogon(const NetlogonResponseEx& response) {
  const auto shown = [](const std::string& name) { return name.empty() ? std::string("-") : PrintableText(name, 64); };
  return fmt::format("DC {} ({}\\{}), domain {}, DC site {}, client site {}, flags {}{}", shown(response.dns_host_name),
                     shown(response.netbios_domain_name), shown(response.netbios_computer_name),
                     shown(response.dns_domain_name), shown(response.dc_site_name),
                     response.client_site_name.empty() ? std::string("(none)") : shown(response.client_site_name),
                     DescribeDsFlags(response.flags), OpcodeNote(response.opcode));
}

class NetlogonPingDialogue final : public Dialogue {
 public:
  explicit NetlogonPingDialogue(std::string domain) : domain_(std::move(domain)) {}

  Bytes Start() override { return BuildNetlogonPing(kMessageId, domain_, kNtVersion5 | kNtVersion5Ex); }

  // One datagram per call; CLDAP puts the whole answer (entry, then done) in one datagram.
  Step OnReceive(std::span<const std::uint8_t> datagram, bool /*closed*/) override {
    if (datagram.empty()) return Step::WrongService("empty datagram");
    std::size_t offset = 0;
    while (offset < datagram.size()) {
      const Decoded decoded = DecodeMessage(datagram.subspan(offset));
      if (decoded.status == Decoded::Status::kIncomplete) {
        return Step::WrongService(
            LimitDetail(offset == 0 ? fmt::format("not a CLDAP answer: truncated or foreign datagram of {} bytes, {}",
                                                  datagram.size(), DescribeForeignBytes(datagram))
                                    : fmt::format("truncated LDAP message at byte {} of the datagram", offset)));
      }
      if (decoded.status == Decoded::Status::kMalformed) return NotLdap(datagram, offset, decoded);
      const Message& message = decoded.message;
      offset += decoded.size;
      if (message.message_id != kMessageId) {
        return Step::WrongService(
            fmt::format("LDAP message with messageID {}, expected {}", message.message_id, kMessageId));
      }
      if (message.op == kSearchResultEntryOp) return Entry(message.entry);
      if (message.op == kSearchResultDoneOp) {
        return Step::Verified(
            LimitDetail("CLDAP answered the LDAP ping without a Netlogon value, " + DescribeResult(message.result)));
      }
      if (message.op != kSearchResultReferenceOp) {
        return Step::WrongService(fmt::format("LDAP answer [APPLICATION {}] to an LDAP ping", message.op));
      }
    }
    return Step::NeedMore();
  }

 private:
  Step Entry(const SearchResultEntry& entry) const {
    const auto* values = entry.Find("Netlogon");
    if (values == nullptr || values->empty()) {
      // MS-ADTS 6.3.3.3: an empty entry is how a DC answers a ping for a domain it does not host.
      const std::string domain = domain_.empty() ? "its default domain" : "domain " + PrintableText(domain_);
      return Step::Verified(
          LimitDetail(fmt::format("CLDAP answered with an empty entry: the DC does not serve {}", domain)));
    }
    const auto& value = values->front();
    const NetlogonParse parse =
        ParseNetlogonResponseEx(ber::ByteView(reinterpret_cast<const std::uint8_t*>(value.data()), value.size()));
    if (!parse.response) {
      return Step::WrongService(LimitDetail("LDAP answer with a malformed Netlogon value: " + parse.error));
    }
    return Step::Verified(LimitDetail(DescribeNetlogon(*parse.response)));
  }

  std::string domain_;
};

}  // namespace

std::unique_ptr<Dialogue> MakeRootDseDialogue(const ProbeTarget& /*target*/) {
  return std::make_unique<RootDseDialogue>();
}

std::unique_ptr<Dialogue> MakeNetlogonPingDialogue(const ProbeTarget& target) {
  return std::make_unique<NetlogonPingDialogue>(target.domain);
}

}  // namespace portolan::probe::ldap
