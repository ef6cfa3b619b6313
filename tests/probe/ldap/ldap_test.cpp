// LDAP codec and dialogues: the rootDSE and LDAP ping requests field by field (RFC 4511 4.5.1,
// MS-ADTS 6.3.3), hand-built answers of AD, OpenLDAP and foreign services, split TCP answers.

#include "probe/ldap/ldap_codec.hpp"
#include "probe/probe_test_support.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "probe/dns/dns_name.hpp"
#include "probe/ldap/ldap_dialogue.hpp"

namespace portolan::probe::ldap {
namespace {

using test_support::B;
using test_support::Cat;
using test_support::Text;

using ber::Application;
using ber::Encode;
using ber::EncodeInteger;
using ber::EncodeString;
using ber::kSequenceTag;
using ber::Universal;
using ber::View;

bool Contains(const Bytes& haystack, const Bytes& needle) {
  return std::search(haystack.begin(), haystack.end(), needle.begin(), needle.end()) != haystack.end();
}

Bytes Attr(std::string_view type, std::initializer_list<std::string_view> values) {
  Bytes encoded;
  for (const auto value : values) encoded = Cat({encoded, EncodeString(value)});
  return Encode(kSequenceTag, {View(EncodeString(type)), View(Encode(Universal(ber::kSet, true), View(encoded)))});
}

Bytes Entry(std::int64_t id, std::string_view dn, std::initializer_list<Bytes> attributes) {
  const Bytes list = Encode(kSequenceTag, View(Cat(attributes)));
  return Encode(kSequenceTag, {View(EncodeInteger(id)),
                               View(Encode(Application(kSearchResultEntryOp), {View(EncodeString(dn)), View(list)}))});
}

Bytes Done(std::int64_t id, std::int64_t code, std::string_view diagnostic = "",
           std::uint32_t op = kSearchResultDoneOp) {
  return Encode(kSequenceTag,
                {View(EncodeInteger(id)),
                 View(Encode(Application(op), {View(EncodeInteger(code, Universal(ber::kEnumerated))),
                                               View(EncodeString("")), View(EncodeString(diagnostic))}))});
}

Bytes ActiveDirectoryRootDse() {
  return Cat({Entry(1, "",
                    {Attr("namingContexts", {"DC=corp,DC=example", "CN=Configuration,DC=corp,DC=example",
                                             "CN=Schema,CN=Configuration,DC=corp,DC=example"}),
                     Attr("defaultNamingContext", {"DC=corp,DC=example"}), Attr("dnsHostName", {"dc01.corp.example"}),
                     Attr("isGlobalCatalogReady", {"TRUE"}),
                     Attr("supportedCapabilities", {"1.2.840.113556.1.4.800", "1.2.840.113556.1.4.1670"}),
                     Attr("supportedLDAPVersion", {"3", "2"})}),
              Done(1, 0)});
}

ProbeTarget Target(std::string domain = "corp.example") {
  ProbeTarget target;
  target.address = "10.0.0.10";
  target.port = 389;
  target.domain = std::move(domain);
  return target;
}

Step Feed(Dialogue& dialogue, const Bytes& bytes, bool closed = false) {
  return dialogue.OnReceive(View(bytes), closed);
}

// --- requests ---

TEST(LdapCodecTest, RootDseSearchIsTheRfc4511Encoding) {
  // LDAPMessage { messageID 1, SearchRequest { "", baseObject, neverDerefAliases, 0, 0, FALSE,
  // present objectClass, { namingContexts } } } (RFC 4511 4.5.1, Appendix B).
  const Bytes expected =
      Cat({B({0x30, 0x35, 0x02, 0x01, 0x01, 0x63, 0x30}),
           B({0x04, 0x00, 0x0A, 0x01, 0x00, 0x0A, 0x01, 0x00, 0x02, 0x01, 0x00, 0x02, 0x01, 0x00, 0x01, 0x01, 0x00}),
           B({0x87, 0x0B}), Text("objectClass"), B({0x30, 0x10, 0x04, 0x0E}), Text("namingContexts")});
  EXPECT_EQ(BuildRootDseSearch(1, {"namingContexts"}), expected);
}

TEST(LdapCodecTest, NetlogonPingFilterHasTheDomainAndALittleEndianNtVer) {
  const Bytes request = BuildNetlogonPing(7, "corp.example", kNtVersion5 | kNtVersion5Ex);
  // (&(DnsDomain=corp.example)(NtVer=\06\00\00\00)) (MS-ADTS 6.3.3, RFC 4511 4.5.1.7)
  const Bytes filter =
      Cat({B({0xA0, 0x2A, 0xA3, 0x19, 0x04, 0x09}), Text("DnsDomain"), B({0x04, 0x0C}), Text("corp.example"),
           B({0xA3, 0x0D, 0x04, 0x05}), Text("NtVer"), B({0x04, 0x04, 0x06, 0x00, 0x00, 0x00})});
  EXPECT_TRUE(Contains(request, filter));
  EXPECT_TRUE(Contains(request, Cat({B({0x30, 0x0A, 0x04, 0x08}), Text("Netlogon")})));
  EXPECT_EQ(request[2], 0x02);  // messageID INTEGER 7
  EXPECT_EQ(request[4], 0x07);
  EXPECT_EQ(request[5], 0x63);  // [APPLICATION 3] SearchRequest
}

TEST(LdapCodecTest, NetlogonPingWithoutADomainHasOnlyNtVer) {
  const Bytes request = BuildNetlogonPing(1, "", kNtVersion5 | kNtVersion5Ex);
  EXPECT_FALSE(Contains(request, Text("DnsDomain")));
  EXPECT_TRUE(Contains(request, Cat({B({0xA0, 0x0F, 0xA3, 0x0D, 0x04, 0x05}), Text("NtVer")})));
}

// --- responses ---

TEST(LdapCodecTest, DecodesAHandWrittenSearchResultDone) {
  // SEQUENCE { INTEGER 1, [APPLICATION 5] { ENUMERATED 0, "", "" } } (RFC 4511 4.1.9, 4.5.2)
  const Bytes done = B({0x30, 0x0C, 0x02, 0x01, 0x01, 0x65, 0x07, 0x0A, 0x01, 0x00, 0x04, 0x00, 0x04, 0x00});
  const Decoded decoded = DecodeMessage(View(done));
  ASSERT_EQ(decoded.status, Decoded::Status::kComplete) << decoded.error;
  EXPECT_EQ(decoded.message.message_id, 1);
  EXPECT_EQ(decoded.message.op, kSearchResultDoneOp);
  EXPECT_EQ(decoded.message.result.result_code, 0);
  EXPECT_EQ(decoded.size, done.size());
}

TEST(LdapCodecTest, DecodesAnEntryWithItsAttributes) {
  const Bytes bytes = ActiveDirectoryRootDse();
  const Decoded decoded = DecodeMessage(View(bytes));
  ASSERT_EQ(decoded.status, Decoded::Status::kComplete) << decoded.error;
  EXPECT_EQ(decoded.message.op, kSearchResultEntryOp);
  const auto* contexts = decoded.message.entry.Find("NAMINGCONTEXTS");
  ASSERT_NE(contexts, nullptr);
  EXPECT_EQ(contexts->size(), 3u);
  EXPECT_EQ(decoded.message.entry.Find("nosuchattribute"), nullptr);
  EXPECT_LT(decoded.size, bytes.size()) << "the SearchResultDone follows";
}

TEST(LdapCodecTest, ReportsMalformedMessages) {
  EXPECT_EQ(DecodeMessage(View(Text("HTTP/1.1 200 OK\r\n"))).status, Decoded::Status::kMalformed);
  // messageID missing: the SEQUENCE holds only the protocolOp.
  EXPECT_EQ(DecodeMessage(View(B({0x30, 0x02, 0x65, 0x00}))).status, Decoded::Status::kMalformed);
  // A universal element where the protocolOp belongs.
  EXPECT_EQ(DecodeMessage(View(B({0x30, 0x05, 0x02, 0x01, 0x01, 0x04, 0x00}))).status, Decoded::Status::kMalformed);
  // A SearchResultDone without its diagnosticMessage.
  EXPECT_EQ(DecodeMessage(View(B({0x30, 0x0A, 0x02, 0x01, 0x01, 0x65, 0x05, 0x0A, 0x01, 0x00, 0x04, 0x00}))).status,
            Decoded::Status::kMalformed);
  EXPECT_EQ(DecodeMessage(View(B({0x30, 0x0C, 0x02}))).status, Decoded::Status::kIncomplete);
  // A SEQUENCE that does not start with a messageID is refused before it is complete.
  EXPECT_EQ(DecodeMessage(View(B({0x30, 0x40, 0x48}))).status, Decoded::Status::kMalformed);
  EXPECT_EQ(DecodeMessage(View(B({0x30}))).status, Decoded::Status::kIncomplete);
}

// --- NETLOGON_SAM_LOGON_RESPONSE_EX (MS-ADTS 6.3.1.9), names compressed as in RFC 1035 4.1.4 ---

Bytes NetlogonValue(std::uint16_t opcode = kLogonSamLogonResponseEx) {
  Bytes value = B({opcode & 0xFF, opcode >> 8, 0x00, 0x00,  // Opcode, Sbz
                   0xFD, 0x03, 0x00, 0x00});                // Flags: PDC GC LDAP DS KDC time closest writable good-time
  for (int i = 0; i < 16; ++i) value.push_back(static_cast<std::uint8_t>(0xA0 + i));  // DomainGuid
  value = Cat({value,
               B({4}),
               Text("corp"),
               B({7}),
               Text("example"),
               B({0}),         // DnsForestName at 24
               B({0xC0, 24}),  // DnsDomainName -> 24
               B({4}),
               Text("dc01"),
               B({0xC0, 24}),  // DnsHostName dc01 + -> 24
               B({4}),
               Text("CORP"),
               B({0}),  // NetbiosDomainName
               B({4}),
               Text("DC01"),
               B({0}),  // NetbiosComputerName
               B({0}),  // UserName
               B({23}),
               Text("Default-First-Site-Name"),
               B({0}),                                        // DcSiteName at 60
               B({0xC0, 60}),                                 // ClientSiteName -> 60
               B({0x06, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF})});  // NtVersion, tokens
  return value;
}

TEST(NetlogonTest, ParsesTheResponseExWithCompressedNames) {
  const NetlogonParse parse = ParseNetlogonResponseEx(View(NetlogonValue()));
  ASSERT_TRUE(parse.response) << parse.error;
  const auto& r = *parse.response;
  EXPECT_EQ(r.opcode, kLogonSamLogonResponseEx);
  EXPECT_EQ(r.flags, 0x3FDu);
  EXPECT_EQ(r.domain_guid[0], 0xA0);
  EXPECT_EQ(r.domain_guid[15], 0xAF);
  EXPECT_EQ(r.dns_forest_name, "corp.example");
  EXPECT_EQ(r.dns_domain_name, "corp.example");
  EXPECT_EQ(r.dns_host_name, "dc01.corp.example");
  EXPECT_EQ(r.netbios_domain_name, "CORP");
  EXPECT_EQ(r.netbios_computer_name, "DC01");
  EXPECT_EQ(r.user_name, "");
  EXPECT_EQ(r.dc_site_name, "Default-First-Site-Name");
  EXPECT_EQ(r.client_site_name, "Default-First-Site-Name");
  EXPECT_EQ(DescribeDsFlags(r.flags), "PDC,GC,LDAP,DS,KDC,time,closest,writable");
}

TEST(NetlogonTest, RefusesOtherOpcodesAndShortValues) {
  EXPECT_FALSE(ParseNetlogonResponseEx(View(NetlogonValue(19))).response);  // LOGON_SAM_LOGON_RESPONSE
  EXPECT_FALSE(ParseNetlogonResponseEx(View(B({23, 0, 0, 0}))).response);
  EXPECT_FALSE(ParseNetlogonResponseEx({}).response);
  Bytes truncated = NetlogonValue();
  truncated.resize(50);  // inside NetbiosDomainName
  const NetlogonParse parse = ParseNetlogonResponseEx(View(truncated));
  EXPECT_FALSE(parse.response);
  EXPECT_NE(parse.error.find("past the end"), std::string::npos) << parse.error;
}

// The Netlogon value's names are read by the DNS name codec, under the Netlogon rules.
std::string NameError(const Bytes& message, std::size_t offset) {
  const dns::NameRead read = dns::ReadName(View(message), offset, dns::kNetlogonNames);
  EXPECT_FALSE(read.name.has_value());
  return read.error;
}

TEST(NetlogonTest, CompressedNamePointersAreBounded) {
  EXPECT_NE(NameError(B({0xC0, 0x00}), 0).find("backwards"), std::string::npos);                   // to itself
  EXPECT_NE(NameError(B({0xC0, 0x04, 0, 0, 1, 'a', 0}), 0).find("backwards"), std::string::npos);  // forwards
  // A label, then a pointer back to that very label: a loop.
  EXPECT_NE(NameError(B({1, 'a', 0, 1, 'b', 0xC0, 0x03}), 3).find("backwards"), std::string::npos);
  EXPECT_NE(NameError(B({0x40}), 0).find("reserved"), std::string::npos);
  EXPECT_NE(NameError(B({5, 'a', 'b'}), 0).find("past the end"), std::string::npos);
  EXPECT_NE(NameError(B({0xC0}), 0).find("past the end"), std::string::npos);
  Bytes long_name;
  for (int i = 0; i < 5; ++i) long_name = Cat({long_name, B({63}), Bytes(63, 'x')});
  long_name.push_back(0);
  EXPECT_NE(NameError(long_name, 0).find("255"), std::string::npos);
}

TEST(NetlogonTest, APointerChainEndsAfterTheRightName) {
  // "a" at 0, "b" -> 0 at 3, "c" -> 3 at 7: the third name is c.b.a and ends after its pointer.
  const Bytes message = B({1, 'a', 0, 1, 'b', 0xC0, 0, 1, 'c', 0xC0, 3, 0xEE});
  const dns::NameRead read = dns::ReadName(View(message), 7, dns::kNetlogonNames);
  ASSERT_TRUE(read.name) << read.error;
  EXPECT_EQ(*read.name, "c.b.a");
  EXPECT_EQ(read.end, 11u);
}

// --- rootDSE dialogue ---

TEST(RootDseDialogueTest, StartsWithTheRootDseSearch) {
  const auto dialogue = MakeRootDseDialogue(Target());
  ASSERT_NE(dialogue, nullptr);
  const Bytes request = dialogue->Start();
  for (const char* attribute : {"namingContexts", "defaultNamingContext", "dnsHostName", "isGlobalCatalogReady",
                                "supportedCapabilities", "supportedLDAPVersion"}) {
    EXPECT_TRUE(Contains(request, Text(attribute))) << attribute;
  }
  EXPECT_TRUE(Contains(request, Cat({B({0x87, 0x0B}), Text("objectClass")})));
  const Decoded decoded = DecodeMessage(View(request));  // it is itself a well-formed LDAPMessage
  ASSERT_EQ(decoded.status, Decoded::Status::kComplete) << decoded.error;
  EXPECT_EQ(decoded.message.op, kSearchRequestOp);
  EXPECT_EQ(decoded.size, request.size());
}

TEST(RootDseDialogueTest, ActiveDirectoryIsVerifiedWithItsNamesAndGlobalCatalog) {
  const auto dialogue = MakeRootDseDialogue(Target());
  const Step step = Feed(*dialogue, ActiveDirectoryRootDse());
  ASSERT_EQ(step.kind, Step::Kind::kVerified) << step.detail;
  EXPECT_EQ(
      step.detail,
      "Active Directory LDAP, host dc01.corp.example, default NC DC=corp,DC=example, 3 naming contexts, GC ready, "
      "LDAPv3/2");
}

TEST(RootDseDialogueTest, SplitAnswersNeedMoreUntilTheDoneArrives) {
  const auto dialogue = MakeRootDseDialogue(Target());
  const Bytes answer = ActiveDirectoryRootDse();
  for (const std::size_t cut :
       {std::size_t{1}, std::size_t{2}, std::size_t{40}, answer.size() - 14, answer.size() - 1}) {
    const Bytes part(answer.begin(), answer.begin() + static_cast<std::ptrdiff_t>(cut));
    EXPECT_EQ(Feed(*dialogue, part).kind, Step::Kind::kNeedMore) << cut;
  }
  EXPECT_EQ(Feed(*dialogue, answer).kind, Step::Kind::kVerified);
}

TEST(RootDseDialogueTest, ClosingMidAnswerIsAWrongService) {
  const auto dialogue = MakeRootDseDialogue(Target());
  const Bytes answer = ActiveDirectoryRootDse();
  const Bytes entry_only(answer.begin(), answer.end() - 14);
  const Step step = Feed(*dialogue, entry_only, true);
  EXPECT_EQ(step.kind, Step::Kind::kWrongService);
  EXPECT_EQ(step.detail, "connection closed before the SearchResultDone");
  const Step partial = Feed(*dialogue, Bytes(answer.begin(), answer.begin() + 10), true);
  EXPECT_EQ(partial.kind, Step::Kind::kWrongService);
  EXPECT_NE(partial.detail.find("inside the first LDAP message"), std::string::npos) << partial.detail;
}

TEST(RootDseDialogueTest, OpenLdapIsAnLdapServerButNotActiveDirectory) {
  const auto dialogue = MakeRootDseDialogue(Target());
  const Bytes answer = Cat(
      {Entry(1, "", {Attr("namingContexts", {"dc=example,dc=org"}), Attr("supportedLDAPVersion", {"3"})}), Done(1, 0)});
  const Step step = Feed(*dialogue, answer);
  ASSERT_EQ(step.kind, Step::Kind::kVerified);
  EXPECT_EQ(step.detail, "LDAP (not Active Directory), naming contexts dc=example,dc=org, LDAPv3");
}

TEST(RootDseDialogueTest, AnErrorResultIsStillAnLdapServer) {
  const auto dialogue = MakeRootDseDialogue(Target());
  const Step step = Feed(*dialogue, Done(1, 1, "000004DC: LdapErr: DSID-0C090A5C"));
  ASSERT_EQ(step.kind, Step::Kind::kVerified);
  EXPECT_EQ(step.detail,
            "LDAP server refused the rootDSE search: resultCode 1 (operationsError): 000004DC: LdapErr: DSID-0C090A5C");
}

TEST(RootDseDialogueTest, ANoticeOfDisconnectionIsAnLdapServer) {
  const auto dialogue = MakeRootDseDialogue(Target());
  const Step step = Feed(*dialogue, Done(0, 52, "", kExtendedResponseOp));
  ASSERT_EQ(step.kind, Step::Kind::kVerified);
  EXPECT_NE(step.detail.find("notice of disconnection"), std::string::npos);
  EXPECT_NE(step.detail.find("unavailable"), std::string::npos);
}

TEST(RootDseDialogueTest, AnotherMessageIdIsAWrongService) {
  const auto dialogue = MakeRootDseDialogue(Target());
  const Step step = Feed(*dialogue, Done(2, 0));
  EXPECT_EQ(step.kind, Step::Kind::kWrongService);
  EXPECT_EQ(step.detail, "LDAP message with messageID 2, expected 1");
}

TEST(RootDseDialogueTest, ForeignAnswersAreWrongServices) {
  const auto dialogue = MakeRootDseDialogue(Target());
  const Step http = Feed(*dialogue, Text("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n"));
  EXPECT_EQ(http.kind, Step::Kind::kWrongService);
  EXPECT_EQ(http.detail,
            "not an LDAP message: first bytes 48 54 54 50 2f 31 2e 31 ... ('HTTP/1.1 400 Bad', looks like HTTP)");
  const Step empty = Feed(*dialogue, {}, true);
  EXPECT_EQ(empty.kind, Step::Kind::kWrongService);
  EXPECT_EQ(empty.detail, "connection closed without an answer");
  EXPECT_EQ(Feed(*dialogue, {}, false).kind, Step::Kind::kNeedMore);
  // A BindResponse to a search is LDAP-shaped but not an answer to what was asked.
  EXPECT_EQ(Feed(*dialogue, Done(1, 0, "", 1)).kind, Step::Kind::kWrongService);
}

// --- CLDAP netlogon ping dialogue ---

Bytes PingAnswer(const Bytes& netlogon) {
  const std::string value(netlogon.begin(), netlogon.end());
  return Cat({Entry(1, "", {Attr("netlogon", {value})}), Done(1, 0)});
}

TEST(NetlogonPingDialogueTest, SendsThePingForTheTargetDomain) {
  const auto dialogue = MakeNetlogonPingDialogue(Target());
  ASSERT_NE(dialogue, nullptr);
  EXPECT_EQ(dialogue->Start(), BuildNetlogonPing(1, "corp.example", 6));
  EXPECT_EQ(MakeNetlogonPingDialogue(Target(""))->Start(), BuildNetlogonPing(1, "", 6));
}

TEST(NetlogonPingDialogueTest, ADomainControllerIsVerifiedWithItsSites) {
  const auto dialogue = MakeNetlogonPingDialogue(Target());
  const Step step = Feed(*dialogue, PingAnswer(NetlogonValue()));
  ASSERT_EQ(step.kind, Step::Kind::kVerified) << step.detail;
  EXPECT_EQ(step.detail,
            "DC dc01.corp.example (CORP\\DC01), domain corp.example, DC site Default-First-Site-Name, client site "
            "Default-First-Site-Name, flags PDC,GC,LDAP,DS,KDC,time,closest,writable");
}

TEST(NetlogonPingDialogueTest, AnEmptyEntryMeansTheDcDoesNotServeTheDomain) {
  // MS-ADTS 6.3.3.3: no attribute, then a successful SearchResultDone.
  const auto dialogue = MakeNetlogonPingDialogue(Target("other.example"));
  const Step step = Feed(*dialogue, Cat({Entry(1, "", {}), Done(1, 0)}));
  ASSERT_EQ(step.kind, Step::Kind::kVerified);
  EXPECT_EQ(step.detail, "CLDAP answered with an empty entry: the DC does not serve domain other.example");
}

TEST(NetlogonPingDialogueTest, AMalformedNetlogonValueIsAWrongService) {
  const auto dialogue = MakeNetlogonPingDialogue(Target());
  Bytes value = NetlogonValue();
  value[40] = 0xC0;  // DnsHostName becomes a pointer
  value[41] = 0x50;  // ... that points forwards
  const Step step = Feed(*dialogue, PingAnswer(value));
  EXPECT_EQ(step.kind, Step::Kind::kWrongService);
  EXPECT_NE(step.detail.find("malformed Netlogon value"), std::string::npos) << step.detail;
}

TEST(NetlogonPingDialogueTest, TruncatedOrForeignDatagramsAreWrongServices) {
  const auto dialogue = MakeNetlogonPingDialogue(Target());
  Bytes answer = PingAnswer(NetlogonValue());
  answer.resize(answer.size() / 2);
  EXPECT_EQ(Feed(*dialogue, answer).kind, Step::Kind::kWrongService);
  EXPECT_EQ(Feed(*dialogue, Text("HTTP/1.0 200 OK\r\n")).kind, Step::Kind::kWrongService);
  EXPECT_EQ(Feed(*dialogue, {}).kind, Step::Kind::kWrongService);
  EXPECT_EQ(Feed(*dialogue, Done(9, 0)).kind, Step::Kind::kWrongService);
}

TEST(NetlogonPingDialogueTest, ADoneWithoutAnEntryIsStillCldap) {
  const auto dialogue = MakeNetlogonPingDialogue(Target());
  const Step step = Feed(*dialogue, Done(1, 2, "bad filter"));
  ASSERT_EQ(step.kind, Step::Kind::kVerified);
  EXPECT_NE(step.detail.find("resultCode 2 (protocolError): bad filter"), std::string::npos) << step.detail;
}

}  // namespace
}  // namespace portolan::probe::ldap
