// Every port line of KB 826852, written down here from the KB's text independently of the
// catalog, must be in catalogs/sms2003.yaml as a line of the document (kb, reference or
// erratum) under the right section; and the catalog must claim no line the KB lacks.

#include <algorithm>
#include <cctype>

#include <gtest/gtest.h>

#include "support/test_support.hpp"

namespace portolan::catalog {
namespace {

struct KbLine {
  const char* section;
  const char* words;  // words of the KB's line that the entry's citation must contain
  Protocol protocol;
  int port;
};

// Read off ../shared/reference/kb826852-sms2003-ports.txt, section by section.
const KbLine kKbLines[] = {
    {"site-server-to-ad", "LDAP", Protocol::kUdp, 389},
    {"site-server-to-ad", "LDAP", Protocol::kTcp, 389},
    {"site-server-to-ad", "LDAP SSL", Protocol::kTcp, 636},
    {"site-server-to-ad", "RPC Endpoint Mapper", Protocol::kUdp, 135},
    {"site-server-to-ad", "RPC Endpoint Mapper", Protocol::kTcp, 135},
    {"site-server-to-ad", "Global Catalog LDAP", Protocol::kTcp, 3268},
    {"site-server-to-ad", "Global Catalog LDAP SSL", Protocol::kTcp, 3269},
    {"site-server-to-ad", "Kerberos", Protocol::kUdp, 88},
    {"site-server-to-ad", "Kerberos", Protocol::kTcp, 88},
    {"site-to-site-and-sql", "child site", Protocol::kTcp, 445},
    {"site-to-site-and-sql", "SQL Server", Protocol::kTcp, 445},
    {"to-sql-database", "1433", Protocol::kTcp, 1433},
    {"client-to-ad", "LDAP Ping", Protocol::kUdp, 389},
    {"client-to-ad", "389 TCP LDAP", Protocol::kTcp, 389},
    {"client-to-ad", "SSL Connection", Protocol::kTcp, 636},
    {"client-to-ad", "explicit connection to Global Catalog", Protocol::kTcp, 3268},
    {"client-to-ad", "explicit SSL connection to Global Catalog", Protocol::kTcp, 3269},
    {"client-to-mp-dp", "Hypertext Transfer Protocol", Protocol::kTcp, 80},
    {"client-to-mp-dp", "Client sessions", Protocol::kTcp, 139},
    {"client-to-mp-dp", "Server Message Block", Protocol::kTcp, 445},
    {"remote-control", "SMS Remote Chat", Protocol::kTcp, 2703},
    {"remote-control", "SMS Remote Chat", Protocol::kUdp, 2703},
    {"remote-control", "SMS Remote Control (control)", Protocol::kTcp, 2701},
    {"remote-control", "SMS Remote Control (control)", Protocol::kUdp, 2701},
    {"remote-control", "SMS Remote Control (data)", Protocol::kTcp, 2702},
    {"remote-control", "SMS Remote Control (data)", Protocol::kUdp, 2702},
    {"remote-control", "SMS Remote File Transfer", Protocol::kTcp, 2704},
    {"remote-control", "SMS Remote File Transfer", Protocol::kUdp, 2704},
    {"remote-control-netbios", "Name resolution", Protocol::kUdp, 137},
    {"remote-control-netbios", "Messaging", Protocol::kUdp, 138},
    {"remote-control-netbios", "Client sessions", Protocol::kTcp, 139},
    {"windows-nt", "Domain Name System", Protocol::kUdp, 53},
    {"windows-nt", "Dynamic Host Configuration Protocol", Protocol::kUdp, 67},
    {"windows-nt", "Remote procedure call", Protocol::kTcp, 135},
    {"windows-nt", "Windows Internet Name Service", Protocol::kUdp, 138},
    {"windows-nt", "NetBIOS datagrams", Protocol::kUdp, 138},
    {"windows-nt", "NetBIOS datagrams", Protocol::kTcp, 139},
    {"windows-nt", "Administrator console must have TCP port 135", Protocol::kTcp, 135},
    {"sql-server-ports", "TCP/IP Net-Library", Protocol::kTcp, 1433},
    {"sql-server-ports", "named pipes", Protocol::kTcp, 139},
    {"ras-sender", "PPTP", Protocol::kTcp, 1723},
};

std::string Lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
  return text;
}

core::PortSet NominalPorts(const Catalog& catalog, const Entry& entry) {
  if (!entry.port_setting) return entry.ports;
  return catalog.FindSetting(*entry.port_setting)->default_ports;
}

bool Matches(const Catalog& catalog, const Entry& entry, const KbLine& line) {
  return StatusIsDocumentLine(entry.status) && entry.section == std::string(line.section) &&
         entry.protocol == line.protocol && NominalPorts(catalog, entry).Contains(line.port) && entry.kb_text &&
         Lower(*entry.kb_text).find(Lower(line.words)) != std::string::npos;
}

TEST(KbCoverage, EveryPortLineOfTheKbIsInTheCatalog) {
  const auto& catalog = testing::Sms2003();
  for (const auto& line : kKbLines) {
    const bool found = std::any_of(catalog.entries.begin(), catalog.entries.end(),
                                   [&](const Entry& entry) { return Matches(catalog, entry, line); });
    EXPECT_TRUE(found) << "KB line missing from the catalog: [" << line.section << "] " << line.words << " "
                       << ProtocolName(line.protocol) << " " << line.port;
  }
}

TEST(KbCoverage, TheCatalogClaimsNoLineTheKbLacks) {
  const auto& catalog = testing::Sms2003();
  for (const auto& entry : catalog.entries) {
    if (!StatusIsDocumentLine(entry.status)) continue;
    const bool in_kb = std::any_of(std::begin(kKbLines), std::end(kKbLines),
                                   [&](const KbLine& line) { return Matches(catalog, entry, line); });
    EXPECT_TRUE(in_kb) << "entry '" << entry.id << "' cites the KB, but the KB has no such port line";
  }
}

TEST(KbErrata, WinsOn138IsMarkedAndCorrectedTo137And42) {
  const auto& catalog = testing::Sms2003();
  const auto* erratum = catalog.FindEntry("nt-wins-138");
  ASSERT_NE(erratum, nullptr);
  EXPECT_EQ(erratum->status, Status::kErratum);
  const auto* ns = catalog.FindEntry("wins-name-service");
  const auto* replication = catalog.FindEntry("wins-replication");
  ASSERT_NE(ns, nullptr);
  ASSERT_NE(replication, nullptr);
  EXPECT_EQ(ns->status, Status::kCorrection);
  EXPECT_EQ(ns->protocol, Protocol::kUdp);
  EXPECT_TRUE(ns->ports.Contains(137));
  EXPECT_EQ(replication->protocol, Protocol::kTcp);
  EXPECT_TRUE(replication->ports.Contains(42));
  EXPECT_FALSE(ns->sources.empty());
}

TEST(KbErrata, NetbiosDatagramsOnTcp139IsMarked) {
  const auto* erratum = testing::Sms2003().FindEntry("nt-netbios-dgm-tcp");
  ASSERT_NE(erratum, nullptr);
  EXPECT_EQ(erratum->status, Status::kErratum);
  EXPECT_FALSE(erratum->sources.empty());
}

TEST(KbErrata, PptpIsCompletedWithGre) {
  const auto& catalog = testing::Sms2003();
  int gre = 0;
  for (const auto& entry : catalog.entries) {
    if (entry.protocol == Protocol::kGre && entry.status == Status::kCompletion) ++gre;
  }
  EXPECT_EQ(gre, 2);  // both directions of the RAS link
}

TEST(KbErrata, RpcAfterTheEndpointMapperUsesTheInventorysRange) {
  const auto& catalog = testing::Sms2003();
  for (const auto* id : {"ad-rpc-dynamic", "console-rpc-dynamic"}) {
    const auto* entry = catalog.FindEntry(id);
    ASSERT_NE(entry, nullptr) << id;
    EXPECT_EQ(entry->port_setting, std::optional<std::string>("rpc_dynamic_ports"));
    EXPECT_EQ(entry->status, Status::kCompletion);
  }
}

TEST(KbErrata, DhcpAnswersGoToUdp68) {
  const auto* entry = testing::Sms2003().FindEntry("nt-dhcp-reply");
  ASSERT_NE(entry, nullptr);
  EXPECT_EQ(entry->protocol, Protocol::kUdp);
  EXPECT_TRUE(entry->ports.Contains(68));
  EXPECT_EQ(entry->from, std::vector<std::string>{"dhcp-server"});
}

// IANA's registry (service names and port numbers) for the names the catalog uses.
struct IanaName {
  const char* name;
  Protocol protocol;
  int port;
};
const IanaName kIana[] = {
    {"nameserver", Protocol::kTcp, 42},    {"domain", Protocol::kUdp, 53},      {"domain", Protocol::kTcp, 53},
    {"bootps", Protocol::kUdp, 67},        {"bootpc", Protocol::kUdp, 68},      {"http", Protocol::kTcp, 80},
    {"kerberos", Protocol::kUdp, 88},      {"kerberos", Protocol::kTcp, 88},    {"epmap", Protocol::kUdp, 135},
    {"epmap", Protocol::kTcp, 135},        {"netbios-ns", Protocol::kUdp, 137}, {"netbios-dgm", Protocol::kUdp, 138},
    {"netbios-ssn", Protocol::kTcp, 139},  {"ldap", Protocol::kUdp, 389},       {"ldap", Protocol::kTcp, 389},
    {"microsoft-ds", Protocol::kTcp, 445}, {"ldaps", Protocol::kTcp, 636},      {"ms-sql-s", Protocol::kTcp, 1433},
    {"ms-sql-m", Protocol::kUdp, 1434},    {"pptp", Protocol::kTcp, 1723},      {"sms-rcinfo", Protocol::kTcp, 2701},
    {"sms-rcinfo", Protocol::kUdp, 2701},  {"sms-xfer", Protocol::kTcp, 2702},  {"sms-xfer", Protocol::kUdp, 2702},
    {"sms-chat", Protocol::kTcp, 2703},    {"sms-chat", Protocol::kUdp, 2703},  {"sms-remctrl", Protocol::kTcp, 2704},
    {"sms-remctrl", Protocol::kUdp, 2704}, {"msft-gc", Protocol::kTcp, 3268},   {"msft-gc-ssl", Protocol::kTcp, 3269},
};

TEST(IanaNames, EveryFixedPortEntryUsesTheRegistrysNameForItsPort) {
  for (const auto& entry : testing::Sms2003().entries) {
    if (entry.port_setting || !ProtocolHasPorts(entry.protocol)) continue;
    const int port = entry.ports.Ranges().front().first;
    const auto it = std::find_if(std::begin(kIana), std::end(kIana),
                                 [&](const IanaName& n) { return n.protocol == entry.protocol && n.port == port; });
    ASSERT_NE(it, std::end(kIana)) << entry.id << ": port " << port << " is not in the test's IANA table";
    EXPECT_EQ(entry.service, it->name) << entry.id;
  }
}

}  // namespace
}  // namespace portolan::catalog
