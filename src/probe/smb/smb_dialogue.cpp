// The SMB probe dialogue: a multi-protocol NEGOTIATE that SMB1 and SMB2/3 servers both answer;
// when an SMB2 server answers with the 0x02FF wildcard, an SMB2 NEGOTIATE learns the dialect.

#include "probe/smb/smb_dialogue.hpp"

#include <cstdio>
#include <random>

#include "probe/smb/smb_codec.hpp"
#include "probe/wire/detail_text.hpp"

namespace portolan::probe::smb {
namespace {

// MS-SMB2 3.3.5.3.1: the SMB2 NEGOTIATE that follows a wildcard answer is message 1.
constexpr std::uint64_t kSecondMessageId = 1;

std::string Hex32(std::uint32_t value) {
  char text[12];
  std::snprintf(text, sizeof text, "0x%08x", value);
  return text;
}

std::string Signing(const NegotiateResponse& response) {
  if (response.signing_required) return "signing required";
  if (response.signing_enabled) return "signing enabled, not required";
  return "signing disabled";
}

std::string Describe(const NegotiateResponse& response) {
  const std::string smb = response.version == 1 ? "SMB1" : "SMB2";
  if (!response.has_parameters) return smb + " NEGOTIATE answered with status " + Hex32(response.status);
  if (response.no_common_dialect) return smb + " server, no dialect in common with NT LM 0.12 / SMB 2.002";
  std::string detail = smb + " dialect " + response.dialect + ", " + Signing(response);
  if (response.extended_security) detail += ", extended security";
  if (response.server_guid) detail += ", server GUID " + wire::FormatGuid(*response.server_guid);
  return detail;
}

class NegotiateDialogue final : public Dialogue {
 public:
  NegotiateDialogue(const Guid& client_guid, const Salt& salt) : client_guid_(client_guid), salt_(salt) {}

  Bytes Start() override { return BuildSmb1Negotiate(); }

  Step OnReceive(std::span<const std::uint8_t> received, bool closed) override {
    const bool second = wildcard_answer_.has_value();
    const Frame frame = ReadDirectTcpFrame(received);
    if (frame.status == FrameStatus::kIncomplete) {
      if (!closed) return Step::NeedMore();
      if (second) return Step::Verified(Describe(*wildcard_answer_) + "; closed before answering the SMB2 NEGOTIATE");
      if (received.empty()) return Step::WrongService("closed without answering the SMB NEGOTIATE");
      return Step::WrongService("closed in the middle of an SMB frame (" + std::to_string(received.size()) + " bytes)");
    }
    std::string error = frame.error;
    std::optional<NegotiateResponse> response;
    if (frame.status == FrameStatus::kComplete) response = ParseNegotiateResponse(frame.message, &error);
    if (!response) {
      if (second) return Step::Verified(Describe(*wildcard_answer_) + "; the SMB2 NEGOTIATE got " + error);
      return Step::WrongService(error);
    }
    if (second) {
      if (response->version != 2 || !response->has_parameters) {
        return Step::Verified(Describe(*wildcard_answer_) + "; the SMB2 NEGOTIATE got status " +
                              Hex32(response->status));
      }
      return Step::Verified(Describe(*response));
    }
    if (response->version == 2 && response->dialect_revision == kDialectWildcard && !closed) {
      wildcard_answer_ = *response;
      return Step::Send(BuildSmb2Negotiate(kSecondMessageId, client_guid_, salt_));
    }
    return Step::Verified(Describe(*response));
  }

 private:
  Guid client_guid_;
  Salt salt_;
  std::optional<NegotiateResponse> wildcard_answer_;  // set once the server asked for SMB2
};

}  // namespace

std::unique_ptr<Dialogue> MakeNegotiateDialogue(const ProbeTarget& /*target*/) {
  std::random_device random;
  Guid client_guid{};
  Salt salt{};
  for (auto& byte : client_guid) byte = static_cast<std::uint8_t>(random());
  for (auto& byte : salt) byte = static_cast<std::uint8_t>(random());
  return std::make_unique<NegotiateDialogue>(client_guid, salt);
}

}  // namespace portolan::probe::smb
