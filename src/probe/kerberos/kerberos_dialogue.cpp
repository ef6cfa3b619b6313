// The Kerberos probe: an AS-REQ for a principal that cannot exist, over UDP or TCP 88. Any
// KRB-ERROR proves a KDC; no password is ever tried, so no account can be locked out.

#include "probe/kerberos/kerberos_dialogue.hpp"

#include <algorithm>
#include <cctype>
#include <string>

#include <fmt/format.h>

#include "probe/kerberos/kerberos_codec.hpp"
#include "probe/transport.hpp"
#include "probe/wire/detail_text.hpp"

namespace portolan::probe::kerberos {
namespace {

using wire::DescribeForeignBytes;
using wire::LimitDetail;
using wire::PrintableText;

constexpr std::string_view kPrincipalPrefix = "portolan-probe-";
constexpr std::string_view kFallbackRealm = "PORTOLAN.INVALID";  // RFC 6761 6.4: never a real name
// A KRB-ERROR is a few hundred bytes and an AS-REP a few KiB; a length prefix beyond this is
// something else ("HTTP" read as a length is 1.2 GB).
constexpr std::size_t kMaxTcpRecord = 64 * 1024;
constexpr std::uint32_t kFnvOffsetBasis = 2166136261u;  // FNV-1a, 32 bits
constexpr std::uint32_t kFnvPrime = 16777619u;
constexpr std::uint32_t kNonceMask = 0x7FFFFFFF;  // some KDCs decode the UInt32 nonce as signed

std::uint32_t Fnv1a(std::string_view text) {
  std::uint32_t hash = kFnvOffsetBasis;
  for (const char c : text) hash = (hash ^ static_cast<unsigned char>(c)) * kFnvPrime;
  return hash;
}

std::string RealmFor(const ProbeTarget& target) {
  if (target.domain.empty()) return std::string(kFallbackRealm);
  std::string realm = target.domain;
  std::transform(realm.begin(), realm.end(), realm.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return realm;
}

// Deterministic per target, so runs are comparable, and random-looking, so that no real account
// has the name.
AsReq RequestFor(const ProbeTarget& target) {
  AsReq request;
  request.realm = RealmFor(target);
  const std::uint32_t hash = Fnv1a(target.address + "|" + request.realm);
  request.client_name = fmt::format("{}{:08x}", kPrincipalPrefix, hash);
  request.nonce = Fnv1a(request.client_name) & kNonceMask;
  request.etypes = {kAes256CtsHmacSha196, kAes128CtsHmacSha196, kRc4Hmac};
  return request;
}

std::string DescribeError(const KrbError& error, Transport transport) {
  std::string detail = fmt::format("KDC answered KRB-ERROR {} {}", error.error_code, ErrorCodeName(error.error_code));
  if (!error.realm.empty()) detail += ", realm " + PrintableText(error.realm, 64);
  if (!error.crealm.empty() && error.crealm != error.realm) {
    detail += ", client realm " + PrintableText(error.crealm, 64);
  }
  if (error.error_code == kErrResponseTooBig && transport == Transport::kUdp) detail += " (retry over TCP)";
  if (!error.e_text.empty()) detail += ": " + PrintableText(error.e_text, 60);
  return LimitDetail(detail);
}

Step Verdict(ByteView message, Transport transport) {
  const ReplyParse parse = ParseKdcReply(message);
  if (!parse.reply) {
    return Step::WrongService(
        LimitDetail(fmt::format("not a Kerberos answer: {} ({})", DescribeForeignBytes(message), parse.error)));
  }
  if (parse.reply->kind == KdcReply::Kind::kAsRep) {
    return Step::Verified(LimitDetail("KDC answered with an AS-REP for a principal that should not exist, realm " +
                                      PrintableText(parse.reply->crealm, 64)));
  }
  return Step::Verified(DescribeError(parse.reply->error, transport));
}

class AsReqUdpDialogue final : public Dialogue {
 public:
  explicit AsReqUdpDialogue(const ProbeTarget& target) : request_(BuildAsReq(RequestFor(target))) {}
  Bytes Start() override { return request_; }

  // RFC 4120 7.2.1: one message per datagram.
  Step OnReceive(std::span<const std::uint8_t> datagram, bool /*closed*/) override {
    if (datagram.empty()) return Step::WrongService("empty datagram");
    return Verdict(datagram, Transport::kUdp);
  }

 private:
  Bytes request_;
};

class AsReqTcpDialogue final : public Dialogue {
 public:
  explicit AsReqTcpDialogue(const ProbeTarget& target) : request_(FrameForTcp(BuildAsReq(RequestFor(target)))) {}
  Bytes Start() override { return request_; }

  Step OnReceive(std::span<const std::uint8_t> received, bool closed) override {
    const TcpRecord record = ReadTcpRecord(received, kMaxTcpRecord);
    if (record.status == TcpRecord::Status::kMalformed) {
      return Step::WrongService(
          LimitDetail(fmt::format("not a Kerberos TCP record: {} ({})", DescribeForeignBytes(received), record.error)));
    }
    if (record.status == TcpRecord::Status::kComplete) return Verdict(record.message, Transport::kTcp);
    if (!closed) return Step::NeedMore();
    if (received.empty()) return Step::WrongService("connection closed without an answer");
    return Step::WrongService(LimitDetail(fmt::format("connection closed inside a Kerberos record ({} bytes, {})",
                                                      received.size(), DescribeForeignBytes(received))));
  }

 private:
  Bytes request_;
};

}  // namespace

std::unique_ptr<Dialogue> MakeAsReqUdpDialogue(const ProbeTarget& target) {
  return std::make_unique<AsReqUdpDialogue>(target);
}

std::unique_ptr<Dialogue> MakeAsReqTcpDialogue(const ProbeTarget& target) {
  return std::make_unique<AsReqTcpDialogue>(target);
}

}  // namespace portolan::probe::kerberos
