// Golden files for every render target x mode x inventory: tests/golden/render/<target>/<case>.
// A refusal is part of the golden (what the target cannot express), followed by the
// --allow-partial output. Proxy mode is rendered by the targets that have it, on the
// inventories with http-proxy hosts. PORTOLAN_UPDATE_GOLDEN=1 rewrites them. The Windows targets'
// goldens hold CRLF line ends (each "==> NAME <==" line of the driver ends in LF alone).

#include <filesystem>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "plan/planner.hpp"
#include "render/render.hpp"
#include "support/test_support.hpp"

namespace portolan::render {
namespace {

struct Case {
  std::string target;
  policy::Mode mode;
  std::string inventory;  // name of the case
  std::filesystem::path file;
};

const std::vector<std::pair<std::string, std::filesystem::path>>& Inventories() {
  static const std::vector<std::pair<std::string, std::filesystem::path>> inventories = {
      {"example", testing::SourceDir() / "examples" / "sms2003-site.yaml"},
      {"ipv6", testing::SourceDir() / "tests" / "data" / "inventories" / "ipv6.yaml"},
      {"netbios-rc", testing::SourceDir() / "tests" / "data" / "inventories" / "netbios-rc.yaml"},
      {"ras", testing::SourceDir() / "tests" / "data" / "inventories" / "ras.yaml"},
  };
  return inventories;
}

// Inventories with http-proxy hosts, for proxy mode: one proxy, and two (IPv6, auth, bypass).
const std::vector<std::pair<std::string, std::filesystem::path>>& ProxyInventories() {
  static const std::vector<std::pair<std::string, std::filesystem::path>> inventories = {
      {"proxied", testing::SourceDir() / "examples" / "sms2003-proxied-site.yaml"},
      {"proxy-pair", testing::SourceDir() / "tests" / "data" / "inventories" / "proxy-pair.yaml"},
  };
  return inventories;
}

std::vector<Case> Cases() {
  std::vector<Case> cases;
  for (const auto& target : Targets()) {
    for (const auto mode : {policy::Mode::kHost, policy::Mode::kNetwork}) {
      for (const auto& [name, file] : Inventories()) cases.push_back({std::string(target.id), mode, name, file});
    }
    if (!target.capabilities.proxy_mode) continue;  // the firewalls' refusal: squid_test.cpp
    for (const auto& [name, file] : ProxyInventories()) {
      cases.push_back({std::string(target.id), policy::Mode::kProxy, name, file});
    }
  }
  return cases;
}

std::string Concatenate(const std::vector<Output>& outputs) {
  std::string text;
  for (const auto& output : outputs) text += fmt::format("==> {} <==\n{}", output.file_name, output.content);
  return text;
}

// What `portolan render` prints or writes for the case, as one text.
std::string RenderCase(const Case& c) {
  const auto inventory = testing::InventoryFromFile(c.file);
  const auto plan = plan::BuildPlan(testing::Sms2003(), inventory);
  Request request;
  request.target = FindTarget(c.target);
  request.policy.mode = c.mode;
  try {
    return Concatenate(RenderRequest(testing::Sms2003(), inventory, plan, request));
  } catch (const RenderRefused& refused) {
    std::string text = fmt::format("REFUSED: {}\n", refused.what());
    request.allow_partial = true;
    try {
      text += "\nWith --allow-partial:\n" + Concatenate(RenderRequest(testing::Sms2003(), inventory, plan, request));
    } catch (const RenderRefused&) {
      // A mode the target does not have: nothing partial comes of it.
    }
    return text;
  }
}

class RenderGolden : public ::testing::TestWithParam<Case> {};

TEST_P(RenderGolden, MatchesGolden) {
  const auto& c = GetParam();
  testing::ExpectGolden(
      std::filesystem::path("render") / c.target / fmt::format("{}.{}", c.inventory, policy::ModeName(c.mode)),
      RenderCase(c));
}

TEST_P(RenderGolden, SameInputSameBytes) {
  EXPECT_EQ(RenderCase(GetParam()), RenderCase(GetParam()));
}

// The files of the case as --allow-partial writes them; none for a mode the target does not have.
std::vector<Output> PartialOutputs(const Case& c) {
  const auto inventory = testing::InventoryFromFile(c.file);
  const auto plan = plan::BuildPlan(testing::Sms2003(), inventory);
  Request request;
  request.target = FindTarget(c.target);
  request.policy.mode = c.mode;
  request.allow_partial = true;
  try {
    return RenderRequest(testing::Sms2003(), inventory, plan, request);
  } catch (const RenderRefused&) {
    return {};
  }
}

// CRLF in every line of the Windows scripts and LF alone in every other file, on any host.
TEST_P(RenderGolden, EveryLineEndsAsTheTargetSays) {
  const auto& c = GetParam();
  const bool crlf = FindTarget(c.target)->line_ending == core::LineEnding::kCrlf;
  for (const auto& output : PartialOutputs(c)) {
    const auto& text = output.content;
    ASSERT_FALSE(text.empty()) << output.file_name;
    EXPECT_EQ(text.back(), '\n') << output.file_name;
    for (std::size_t at = text.find('\n'); at != std::string::npos; at = text.find('\n', at + 1)) {
      ASSERT_EQ(at > 0 && text[at - 1] == '\r', crlf) << output.file_name << ": the line end at byte " << at;
    }
  }
}

std::string CaseName(const ::testing::TestParamInfo<Case>& info) {
  std::string name =
      fmt::format("{}_{}_{}", info.param.target, info.param.inventory, policy::ModeName(info.param.mode));
  for (auto& c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  }
  return name;
}

INSTANTIATE_TEST_SUITE_P(AllTargets, RenderGolden, ::testing::ValuesIn(Cases()), CaseName);

// The firewall at the edge of one site: the secondary site CCC against everything else.
TEST(RenderGoldenEdge, SecondarySiteEdge) {
  const auto inventory = testing::InventoryFromFile(testing::SourceDir() / "examples" / "sms2003-site.yaml");
  const auto plan = plan::BuildPlan(testing::Sms2003(), inventory);
  for (const auto* target : {"nftables", "cisco-ios"}) {
    Request request;
    request.target = FindTarget(target);
    request.policy.mode = policy::Mode::kNetwork;
    request.policy.edge = "CCC";
    testing::ExpectGolden(std::filesystem::path("render") / target / "example.edge-CCC",
                          Concatenate(RenderRequest(testing::Sms2003(), inventory, plan, request)));
  }
}

}  // namespace
}  // namespace portolan::render
