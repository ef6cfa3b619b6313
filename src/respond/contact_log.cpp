#include "respond/contact_log.hpp"

#include <ctime>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/platform.hpp"
#include "core/text_table.hpp"

namespace portolan::respond {

namespace {

std::string PortText(const ContactSummary::Key& key) {
  return fmt::format("{}/{}", key.second, probe::TransportName(key.first));
}

// The served ports of one transport that no contact reached.
core::PortSet NotReached(const ContactSummary& summary, const core::PortSet& served, probe::Transport transport) {
  core::PortSet reached;
  for (const auto& [key, tally] : summary.Ports()) {
    if (key.first == transport && tally.contacts > 0) reached = reached.Union(core::PortSet::Single(key.second));
  }
  return served.Subtract(reached);
}

struct Totals {
  std::uint64_t contacts = 0;
  std::uint64_t rate_limited = 0;
  std::uint64_t over_capacity = 0;
  std::size_t ports_reached = 0;
};

Totals Sum(const ContactSummary& summary) {
  Totals totals;
  for (const auto& [key, tally] : summary.Ports()) {
    totals.contacts += tally.contacts;
    totals.rate_limited += tally.rate_limited;
    totals.over_capacity += tally.over_capacity;
    if (tally.contacts > 0) ++totals.ports_reached;
  }
  return totals;
}

}  // namespace

std::string IsoTime(WallClock::time_point time) {
  const auto since_epoch = std::chrono::duration_cast<std::chrono::milliseconds>(time.time_since_epoch()).count();
  const std::time_t seconds = static_cast<std::time_t>(since_epoch / 1000);
  const std::tm utc = core::platform::UtcTime(seconds);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", utc.tm_year + 1900, utc.tm_mon + 1, utc.tm_mday,
                     utc.tm_hour, utc.tm_min, utc.tm_sec, since_epoch % 1000);
}

std::string ContactJson(const Contact& contact) {
  // Every field is a number, a fixed word or an address in text form: nothing to escape.
  std::string line =
      fmt::format(R"({{"time":"{}","protocol":"{}","source":"{}","source_port":{},"local":"{}","local_port":{})",
                  IsoTime(contact.time), probe::TransportName(contact.transport), contact.source, contact.source_port,
                  contact.local, contact.local_port);
  if (contact.request_bytes) line += fmt::format(R"(,"request_bytes":{})", *contact.request_bytes);
  if (contact.answer_bytes) line += fmt::format(R"(,"answer_bytes":{})", *contact.answer_bytes);
  line += '}';
  return line;
}

std::string ContactLine(const Contact& contact) {
  const bool v6 = contact.source.find(':') != std::string::npos;
  const auto endpoint = [v6](const std::string& address, int port) {
    return v6 ? fmt::format("[{}]:{}", address, port) : fmt::format("{}:{}", address, port);
  };
  return fmt::format("{} {} -> {}/{}", IsoTime(contact.time), endpoint(contact.source, contact.source_port),
                     endpoint(contact.local, contact.local_port), probe::TransportName(contact.transport));
}

void ContactSummary::Add(const Contact& contact) {
  auto& tally = ports_[{contact.transport, contact.local_port}];
  if (tally.contacts == 0) {
    tally.first_source = contact.source;
    tally.first_time = contact.time;
  }
  ++tally.contacts;
  tally.last_source = contact.source;
  tally.last_time = contact.time;
  if (tally.sources.size() < kMaxSourcesPerPort || tally.sources.contains(contact.source)) {
    tally.sources.insert(contact.source);
  } else {
    tally.more_sources = true;
  }
}

void ContactSummary::RateLimited(probe::Transport transport, int port) {
  ++ports_[{transport, port}].rate_limited;
}

void ContactSummary::OverCapacity(int port) {
  ++ports_[{probe::Transport::kTcp, port}].over_capacity;
}

std::uint64_t ContactSummary::Contacts() const {
  return Sum(*this).contacts;
}

std::string ContactSummary::Table(const SummaryHeader& header) const {
  const Totals totals = Sum(*this);
  std::string out = fmt::format(
      "portolan respond (token {}, host {}): {} contact{} on {} port{}, {} dropped by the rate limit, {} closed over "
      "the connection cap; {} to {}, ended by {}\n",
      header.token, header.host, totals.contacts, totals.contacts == 1 ? "" : "s", totals.ports_reached,
      totals.ports_reached == 1 ? "" : "s", totals.rate_limited, totals.over_capacity, IsoTime(header.started),
      IsoTime(header.ended), header.end_reason);
  if (!ports_.empty()) {
    core::TextTable table(
        {{"PORT"}, {"CONTACTS"}, {"SOURCES"}, {"FIRST SOURCE"}, {"LAST SOURCE"}, {"RATE-LIMITED"}, {"OVER CAP"}});
    for (const auto& [key, tally] : ports_) {
      table.AddRow({PortText(key), std::to_string(tally.contacts),
                    fmt::format("{}{}", tally.sources.size(), tally.more_sources ? "+" : ""),
                    tally.first_source.empty() ? "-" : tally.first_source,
                    tally.last_source.empty() ? "-" : tally.last_source, std::to_string(tally.rate_limited),
                    std::to_string(tally.over_capacity)});
    }
    out += table.ToString();
  }
  const auto tcp = NotReached(*this, header.served.tcp, probe::Transport::kTcp);
  const auto udp = NotReached(*this, header.served.udp, probe::Transport::kUdp);
  if (!tcp.Empty() || !udp.Empty()) {
    PortChoice not_reached;
    not_reached.tcp = tcp;
    not_reached.udp = udp;
    out += fmt::format("not reached: {}\n", DescribePorts(not_reached));
  }
  for (const auto& skipped : header.skipped) out += fmt::format("skipped: {}\n", skipped);
  for (const auto& note : header.served.not_served) out += fmt::format("note: {}\n", note);
  return out;
}

std::string ContactSummary::Json(const SummaryHeader& header) const {
  using Json = nlohmann::ordered_json;
  const Totals totals = Sum(*this);
  Json document;
  document["token"] = header.token;
  document["host"] = header.host;
  document["started"] = IsoTime(header.started);
  document["ended"] = IsoTime(header.ended);
  document["ended_by"] = header.end_reason;
  document["addresses"] = header.addresses;
  document["served"] = {{"tcp", header.served.tcp.ToString()}, {"udp", header.served.udp.ToString()}};
  document["contacts"] = totals.contacts;
  document["rate_limited"] = totals.rate_limited;
  document["over_capacity"] = totals.over_capacity;
  Json ports = Json::array();
  for (const auto& [key, tally] : ports_) {
    Json port;
    port["port"] = key.second;
    port["protocol"] = probe::TransportName(key.first);
    port["contacts"] = tally.contacts;
    port["sources"] = tally.sources.size();
    port["more_sources"] = tally.more_sources;
    port["first_source"] = tally.first_source;
    port["last_source"] = tally.last_source;
    port["first_time"] = tally.contacts > 0 ? IsoTime(tally.first_time) : "";
    port["last_time"] = tally.contacts > 0 ? IsoTime(tally.last_time) : "";
    port["rate_limited"] = tally.rate_limited;
    port["over_capacity"] = tally.over_capacity;
    port["source_addresses"] = tally.sources;
    ports.push_back(std::move(port));
  }
  document["ports"] = std::move(ports);
  document["not_reached"] = {{"tcp", NotReached(*this, header.served.tcp, probe::Transport::kTcp).ToString()},
                             {"udp", NotReached(*this, header.served.udp, probe::Transport::kUdp).ToString()}};
  document["skipped"] = header.skipped;
  document["not_served"] = header.served.not_served;
  return document.dump(2) + "\n";
}

}  // namespace portolan::respond
