#pragma once
// TDS PRELOGIN (MS-TDS 2.2.6.5): the request a SQL Server client sends first, and the parser of
// the server's answer (a packet of type 0x04 carrying the same option table).

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace portolan::probe::tds {

// MS-TDS 2.2.3.1.1: packet header types.
inline constexpr std::uint8_t kPacketTabularResult = 0x04;  // every server answer, PRELOGIN included
inline constexpr std::uint8_t kPacketPrelogin = 0x12;
// MS-TDS 2.2.3.1.2: status bit of the last packet of a message.
inline constexpr std::uint8_t kStatusEndOfMessage = 0x01;
inline constexpr std::size_t kHeaderSize = 8;  // MS-TDS 2.2.3.1

// MS-TDS 2.2.6.5: PL_OPTION_TOKEN values.
inline constexpr std::uint8_t kOptionVersion = 0x00;
inline constexpr std::uint8_t kOptionEncryption = 0x01;
inline constexpr std::uint8_t kOptionInstOpt = 0x02;
inline constexpr std::uint8_t kOptionThreadId = 0x03;
inline constexpr std::uint8_t kOptionTerminator = 0xFF;

// MS-TDS 2.2.6.5: B_FENCRYPTION values.
inline constexpr std::uint8_t kEncryptOff = 0x00;
inline constexpr std::uint8_t kEncryptOn = 0x01;
inline constexpr std::uint8_t kEncryptNotSupported = 0x02;
inline constexpr std::uint8_t kEncryptRequired = 0x03;

// The PRELOGIN request: VERSION, ENCRYPTION (ENCRYPT_OFF: the server then states its own
// setting), INSTOPT (empty: the default instance), THREADID, terminator.
std::vector<std::uint8_t> BuildPreloginRequest();

struct PreloginAnswer {
  std::uint8_t major = 0;
  std::uint8_t minor = 0;
  std::uint16_t build = 0;
  std::uint16_t sub_build = 0;
  std::optional<std::uint8_t> encryption;  // absent when the server sent no ENCRYPTION option
  std::optional<std::uint8_t> instance_valid;
};

// How much of a TDS answer has arrived.
enum class Framing {
  kIncomplete,  // fewer bytes than the header or its Length field says
  kComplete,    // one whole packet is there
  kNotTds,      // the header cannot be a TDS packet header
};
Framing FrameTdsPacket(std::span<const std::uint8_t> bytes);

struct ParseResult {
  std::optional<PreloginAnswer> answer;
  std::string error;  // when answer is empty
};
// Parses one complete TDS packet of type 0x04 that carries a PRELOGIN option table.
ParseResult ParsePreloginAnswer(std::span<const std::uint8_t> packet);

// "ENCRYPT_OFF", "ENCRYPT_REQ", ... or "0xNN".
std::string EncryptionName(std::uint8_t value);

}  // namespace portolan::probe::tds
