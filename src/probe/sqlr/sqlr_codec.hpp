#pragma once
// SQL Server Resolution Protocol (MC-SQLR): the CLNT_UCAST_EX request and the parser of the
// SQL Browser's SVR_RESP, which lists the instances with their version and endpoints.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace portolan::probe::sqlr {

inline constexpr std::uint8_t kClientUnicastEx = 0x03;  // MC-SQLR 2.2.2 CLNT_UCAST_EX
inline constexpr std::uint8_t kServerResponse = 0x05;   // MC-SQLR 2.2.5 SVR_RESP
inline constexpr std::size_t kResponseHeaderSize = 3;   // SVR_RESP + RESP_SIZE (little-endian)

std::vector<std::uint8_t> BuildUnicastExRequest();

struct Instance {
  std::string server_name;
  std::string instance_name;
  bool clustered = false;
  std::string version;
  std::optional<int> tcp_port;  // TCP_INFO, when the instance listens on TCP
  bool named_pipes = false;     // NP_INFO present
};

struct ParseResult {
  std::optional<std::vector<Instance>> instances;  // empty list: a valid answer naming none
  std::string error;                               // when instances is empty
};

// Parses one SVR_RESP datagram answering CLNT_UCAST_EX (MC-SQLR 2.2.5).
ParseResult ParseServerResponse(std::span<const std::uint8_t> datagram);

}  // namespace portolan::probe::sqlr
