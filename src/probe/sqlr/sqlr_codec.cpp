// MC-SQLR codec: RESP_DATA is a flat "key;value;" list whose instances end with an empty key
// (";;"); the parser walks it once, checking RESP_SIZE against the datagram it came in.

#include "probe/sqlr/sqlr_codec.hpp"

#include <charconv>
#include <string_view>

#include "probe/wire/byte_reader.hpp"

namespace portolan::probe::sqlr {

namespace {

constexpr int kMaxTcpPort = 65535;

// Reads up to the next ';' (MC-SQLR 2.2.5 SEMICOLON); false at the end of the data.
bool NextToken(std::string_view& rest, std::string_view& token) {
  if (rest.empty()) return false;
  const auto semicolon = rest.find(';');
  if (semicolon == std::string_view::npos) {
    token = rest;
    rest = {};
  } else {
    token = rest.substr(0, semicolon);
    rest.remove_prefix(semicolon + 1);
  }
  return true;
}

std::optional<int> ParsePort(std::string_view text) {
  int port = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), port);
  if (error != std::errc() || end != text.data() + text.size() || port < 1 || port > kMaxTcpPort) return std::nullopt;
  return port;
}

}  // namespace

std::vector<std::uint8_t> BuildUnicastExRequest() {
  return {kClientUnicastEx};
}

ParseResult ParseServerResponse(std::span<const std::uint8_t> datagram) {
  if (datagram.empty()) return {{}, "an empty datagram"};
  wire::ByteReader reader(datagram, /*little_endian=*/true);
  if (reader.U8() != kServerResponse) return {{}, "first byte is not SVR_RESP (0x05)"};
  const std::size_t size = reader.U16();
  if (!reader.Ok()) return {{}, "SVR_RESP without its RESP_SIZE"};
  const auto resp_data = reader.Take(size);
  if (!reader.Ok()) return {{}, "RESP_SIZE larger than the datagram"};
  std::string_view data(reinterpret_cast<const char*>(resp_data.data()), resp_data.size());
  // RESP_DATA is an MBCS string; a terminating NUL is not part of the list.
  while (!data.empty() && data.back() == '\0') data.remove_suffix(1);

  std::vector<Instance> instances;
  std::optional<Instance> current;
  std::string_view rest = data;
  std::string_view key;
  while (NextToken(rest, key)) {
    if (key.empty()) {  // ";;" ends an instance
      if (current) instances.push_back(std::move(*current));
      current.reset();
      continue;
    }
    std::string_view value;
    if (!NextToken(rest, value)) return {{}, "key '" + std::string(key.substr(0, 32)) + "' without a value"};
    if (key == "ServerName") {
      if (current) instances.push_back(std::move(*current));
      current = Instance{};
      current->server_name = value;
      continue;
    }
    if (!current) return {{}, "RESP_DATA does not start with ServerName"};
    if (key == "InstanceName") {
      current->instance_name = value;
    } else if (key == "IsClustered") {
      current->clustered = value == "Yes";
    } else if (key == "Version") {
      current->version = value;
    } else if (key == "tcp") {
      current->tcp_port = ParsePort(value);
      if (!current->tcp_port) return {{}, "tcp port '" + std::string(value.substr(0, 16)) + "' is not a port"};
    } else if (key == "np") {
      current->named_pipes = true;
    }
    // via, rpc, spx, adsp, bv: other transports, not reported.
  }
  if (current) instances.push_back(std::move(*current));
  for (const auto& instance : instances) {
    if (instance.instance_name.empty() || instance.version.empty()) {
      return {{}, "an instance without InstanceName or Version"};
    }
  }
  if (instances.empty() && !data.empty()) return {{}, "RESP_DATA names no instance"};
  return {std::move(instances), {}};
}

}  // namespace portolan::probe::sqlr
