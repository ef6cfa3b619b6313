#include "core/yaml_reader.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace portolan::core {
namespace {

std::vector<std::string> Lines(const Diagnostics& diags) {
  std::vector<std::string> out;
  for (const auto& diagnostic : diags.All()) out.push_back(diagnostic.ToString());
  return out;
}

YAML::Node Parse(const std::string& text) {
  Diagnostics diags;
  const auto node = ParseYaml(text, "t.yaml", diags);
  EXPECT_TRUE(node.has_value()) << diags.ToString();
  return node.value_or(YAML::Node());
}

std::vector<std::string> ParseErrors(const std::string& text) {
  Diagnostics diags;
  EXPECT_FALSE(ParseYaml(text, "t.yaml", diags).has_value()) << text;
  return Lines(diags);
}

TEST(DidYouMean, SuggestsTheClosestCandidate) {
  const std::vector<std::string> keys{"name", "address", "addresses", "roles"};
  EXPECT_EQ(DidYouMean("adress", keys), " (did you mean 'address'?)");
  EXPECT_EQ(DidYouMean("rolse", keys), " (did you mean 'roles'?)");
  EXPECT_EQ(DidYouMean("adresses", keys), " (did you mean 'addresses'?)");
}

TEST(DidYouMean, NothingWhenNothingIsClose) {
  const std::vector<std::string> keys{"name", "address", "roles"};
  EXPECT_EQ(DidYouMean("description", keys), "");
  EXPECT_EQ(DidYouMean("xyz", std::vector<std::string>{}), "");
}

TEST(DidYouMean, AnExactMatchIsItsOwnSuggestion) {
  EXPECT_EQ(DidYouMean("roles", std::vector<std::string>{"roles"}), " (did you mean 'roles'?)");
}

TEST(DidYouMean, WorksOnStringViews) {
  const std::vector<std::string_view> scopes{"domain", "same-site", "nearest"};
  EXPECT_EQ(DidYouMean("samesite", std::span<const std::string_view>(scopes)), " (did you mean 'same-site'?)");
}

TEST(DidYouMean, VeryLongWordsGetNoSuggestion) {
  // Long values are not typos of a key; comparing them would cost length squared each.
  const std::string long_word(100000, 'a');
  EXPECT_EQ(DidYouMean(long_word, std::vector<std::string>{long_word.substr(1)}), "");
  EXPECT_EQ(DidYouMean("a", std::vector<std::string>{long_word}), "");
}

TEST(ParseYaml, ParsesOneDocument) {
  const auto node = Parse("a: 1\nb: [x, y]\n");
  ASSERT_TRUE(node.IsMap());
  EXPECT_EQ(node["b"].size(), 2U);
}

TEST(ParseYaml, EmptyTextIsANullDocument) {
  EXPECT_TRUE(Parse("").IsNull());
  EXPECT_TRUE(Parse("# comment\n").IsNull());
}

TEST(ParseYaml, SyntaxErrorHasItsPosition) {
  EXPECT_EQ(ParseErrors("a: b: c\n"),
            std::vector<std::string>{"t.yaml:1:5: error: YAML syntax error: illegal map value"});
  EXPECT_EQ(ParseErrors("a: &x 1\nb: *nope\n"),
            std::vector<std::string>{"t.yaml:2:4: error: YAML syntax error: the referenced anchor is not defined"});
}

TEST(ParseYaml, UnclosedFlowCollectionsAreReportedWhereTheyOpen) {
  EXPECT_EQ(ParseErrors("a: [1, 2\nb: 3\n"),
            std::vector<std::string>{"t.yaml:1:4: error: YAML syntax error: this '[' is never closed with ']' (the "
                                     "parser gave up at line 2, column 2)"});
  EXPECT_EQ(ParseErrors("a: [1, {b: [2], c: 3\n"),
            std::vector<std::string>{"t.yaml:1:8: error: YAML syntax error: this '{' is never closed with '}' (the "
                                     "parser gave up at line 2, column 1)"});
}

TEST(ParseYaml, TabsInIndentationAreNamed) {
  EXPECT_EQ(ParseErrors("a:\n  b: 1\n  \tc: 2\n"),
            std::vector<std::string>{
                "t.yaml:3:3: error: YAML syntax error: a tab in the indentation; YAML indents with spaces only"});
  EXPECT_EQ(ParseErrors("a:\n\t- 1\n"),
            std::vector<std::string>{"t.yaml:2:2: error: YAML syntax error: illegal block entry (this line is "
                                     "indented with a tab; YAML indents with spaces only)"});
}

TEST(ParseYaml, ATabAfterTheIndentationIsFine) {
  EXPECT_EQ(Parse("a:\t1\n")["a"].Scalar(), "1");
}

TEST(ParseYaml, OnlyOneDocumentPerFile) {
  EXPECT_EQ(ParseErrors("a: 1\n---\nb: 2\n"),
            std::vector<std::string>{
                "t.yaml:2:1: error: a second YAML document starts here; the file must hold exactly one"});
  EXPECT_EQ(ParseErrors("a: 1\n...\nb: 2\n"),
            std::vector<std::string>{
                "t.yaml:3:1: error: a second YAML document starts here; the file must hold exactly one"});
  EXPECT_TRUE(Parse("---\na: 1\n...\n").IsMap());
}

// yaml-cpp 0.7 neither uses nor skips a ',' outside any list: LoadAll loops forever and Load
// returns an empty document (jbeder/yaml-cpp#1040). Found by fuzz/inventory_fuzzer.
TEST(ParseYaml, AStrayCommaIsASyntaxErrorNotAHang) {
  EXPECT_EQ(ParseErrors(",a: 1\n"), std::vector<std::string>{"t.yaml:1:1: error: YAML syntax error: unexpected ','"});
  EXPECT_EQ(ParseErrors("---\n,\n"), std::vector<std::string>{"t.yaml:2:1: error: YAML syntax error: unexpected ','"});
  EXPECT_EQ(ParseErrors("a: 1\n---\n,\n"),
            std::vector<std::string>{
                "t.yaml:2:1: error: a second YAML document starts here; the file must hold exactly one"});
}

TEST(ParseYaml, NestingDeeperThanYamlCppAllowsIsAnError) {
  // yaml-cpp stops at 500 steps of recursion, two for each flow list: the 250th '[' is named.
  EXPECT_EQ(ParseErrors("a: " + std::string(10000, '[')),
            std::vector<std::string>{"t.yaml:1:253: error: YAML nesting too deep: lists and mappings nest here "
                                     "beyond what the parser allows"});
  std::string balanced = "a: ";
  balanced += std::string(200, '[') + std::string(200, ']') + "\n";
  EXPECT_TRUE(Parse(balanced).IsMap());
}

TEST(ParseYaml, AliasExpansionIsBounded) {
  // 10 levels of 10 aliases each: 10^10 values from a few hundred bytes.
  std::string text = "l0: &l0 [x, x, x, x, x, x, x, x, x, x]\n";
  for (int level = 1; level <= 10; ++level) {
    const auto previous = "*l" + std::to_string(level - 1);
    text += "l" + std::to_string(level) + ": &l" + std::to_string(level) + " [";
    for (int i = 0; i < 10; ++i) text += (i > 0 ? ", " : "") + previous;
    text += "]\n";
  }
  const auto errors = ParseErrors(text);
  ASSERT_EQ(errors.size(), 1U);
  EXPECT_NE(errors.front().find("error: YAML aliases expand the document to more than 10000 values"), std::string::npos)
      << errors.front();
}

TEST(ParseYaml, ModestAliasesAreExpanded) {
  const auto node = Parse("base: &b {port: 1433}\none: *b\ntwo: *b\n");
  EXPECT_EQ(node["two"]["port"].Scalar(), "1433");
}

TEST(ParseYaml, LargeDocumentsWithoutAliasesFitTheBudget) {
  std::string text = "items:\n";
  for (int i = 0; i < 20000; ++i) text += "  - [a, b]\n";
  EXPECT_EQ(Parse(text)["items"].size(), 20000U);
}

TEST(Where, IsOneBasedAndEmptyWhenUnknown) {
  const auto node = Parse("a:\n  b: value\n");
  EXPECT_EQ(Where("t.yaml", node["a"]["b"]).ToString(), "t.yaml:2:6");
  EXPECT_EQ(Where("t.yaml", YAML::Node()).ToString(), "t.yaml");
}

TEST(ReadString, AcceptsTextOnly) {
  const auto node = Parse("s: text\nn: 5\nl: [a]\nm: {a: 1}\ne: ''\n");
  Diagnostics diags;
  EXPECT_EQ(ReadString(node["s"], "t.yaml", diags, "'s'"), "text");
  EXPECT_EQ(ReadString(node["n"], "t.yaml", diags, "'n'"), "5");
  EXPECT_FALSE(ReadString(node["l"], "t.yaml", diags, "'l'").has_value());
  EXPECT_FALSE(ReadString(node["m"], "t.yaml", diags, "'m'").has_value());
  EXPECT_FALSE(ReadString(node["e"], "t.yaml", diags, "'e'").has_value());
  EXPECT_EQ(Lines(diags), (std::vector<std::string>{"t.yaml:3:4: error: 'l': expected a text value, found a list",
                                                    "t.yaml:4:4: error: 'm': expected a text value, found a mapping",
                                                    "t.yaml:5:4: error: 'e': expected a text value, found ''"}));
}

TEST(ReadBool, AcceptsYamlBooleans) {
  const auto node = Parse("a: true\nb: no\nc: False\nd: maybe\ne: 1\n");
  Diagnostics diags;
  EXPECT_EQ(ReadBool(node["a"], "t.yaml", diags, "'a'"), true);
  EXPECT_EQ(ReadBool(node["b"], "t.yaml", diags, "'b'"), false);
  EXPECT_EQ(ReadBool(node["c"], "t.yaml", diags, "'c'"), false);
  EXPECT_FALSE(ReadBool(node["d"], "t.yaml", diags, "'d'").has_value());
  EXPECT_FALSE(ReadBool(node["e"], "t.yaml", diags, "'e'").has_value());
  EXPECT_EQ(Lines(diags), (std::vector<std::string>{"t.yaml:4:4: error: 'd': expected true or false, found 'maybe'",
                                                    "t.yaml:5:4: error: 'e': expected true or false, found '1'"}));
}

TEST(ReadInt, AcceptsDecimalWholeNumbersInRange) {
  const auto node = Parse("a: 1433\nb: 007\nc: 1\nd: 65535\n");
  Diagnostics diags;
  EXPECT_EQ(ReadInt(node["a"], "t.yaml", diags, "'a'", 1, 65535), 1433);
  EXPECT_EQ(ReadInt(node["b"], "t.yaml", diags, "'b'", 1, 65535), 7);
  EXPECT_EQ(ReadInt(node["c"], "t.yaml", diags, "'c'", 1, 65535), 1);
  EXPECT_EQ(ReadInt(node["d"], "t.yaml", diags, "'d'", 1, 65535), 65535);
  EXPECT_TRUE(diags.All().empty());
}

TEST(ReadInt, RejectsEverythingElse) {
  Diagnostics diags;
  for (const std::string value :
       {"0", "65536", "-1", "+5", "0x10", "1e3", "1.5", "12345678901234567890", "port", "''"}) {
    const auto node = Parse("v: " + value + "\n");
    EXPECT_FALSE(ReadInt(node["v"], "t.yaml", diags, "'v'", 1, 65535).has_value()) << value;
  }
  EXPECT_EQ(diags.All().size(), 10U);
  EXPECT_EQ(diags.All().front().ToString(),
            "t.yaml:1:4: error: 'v': expected a whole number from 1 to 65535, found '0'");
  const auto list = Parse("v: [1]\n");
  EXPECT_FALSE(ReadInt(list["v"], "t.yaml", diags, "'v'", 1, 65535).has_value());
  EXPECT_EQ(diags.All().back().ToString(),
            "t.yaml:1:4: error: 'v': expected a whole number from 1 to 65535, found a list");
}

TEST(ReadStringList, ScalarOrListOfScalars) {
  const auto node = Parse("one: a\nmany: [a, b]\nbad: [a, [b], c]\nmap: {a: 1}\n");
  Diagnostics diags;
  const auto one = ReadStringList(node["one"], "t.yaml", diags, "'one'");
  ASSERT_EQ(one.size(), 1U);
  EXPECT_EQ(one.front().first, "a");
  const auto many = ReadStringList(node["many"], "t.yaml", diags, "'many'");
  ASSERT_EQ(many.size(), 2U);
  EXPECT_EQ(Where("t.yaml", many[1].second).ToString(), "t.yaml:2:11");
  const auto bad = ReadStringList(node["bad"], "t.yaml", diags, "'bad'");
  EXPECT_EQ(bad.size(), 2U);
  EXPECT_TRUE(ReadStringList(node["map"], "t.yaml", diags, "'map'").empty());
  EXPECT_EQ(Lines(diags), (std::vector<std::string>{"t.yaml:3:10: error: 'bad': expected a text value, found a list",
                                                    "t.yaml:4:6: error: 'map': expected a list, found a mapping"}));
}

TEST(MapReader, ReadsKnownKeysAndReportsUnknownOnes) {
  const auto node = Parse("name: SMS01\nadress: 10.0.0.1\nport: 1433\nbits: true\n");
  Diagnostics diags;
  MapReader map(node, "t.yaml", diags, "host");
  ASSERT_TRUE(map.IsMap());
  EXPECT_EQ(map.String("name", true), "SMS01");
  EXPECT_FALSE(map.String("address").has_value());
  EXPECT_EQ(map.Int("port", 1, 65535), 1433);
  EXPECT_EQ(map.Bool("bits"), true);
  EXPECT_TRUE(map.Has("name"));
  EXPECT_FALSE(map.Has("address"));
  EXPECT_TRUE(diags.All().empty());
  map.Finish();
  EXPECT_EQ(Lines(diags),
            std::vector<std::string>{"t.yaml:2:1: error: host: unknown key 'adress' (did you mean 'address'?)"});
}

TEST(MapReader, MissingAndEmptyRequiredKeys) {
  const auto node = Parse("a: 1\nname:\n");
  Diagnostics diags;
  MapReader map(node, "t.yaml", diags, "host");
  EXPECT_FALSE(map.String("name", true).has_value());
  EXPECT_FALSE(map.String("roles", true).has_value());
  EXPECT_FALSE(map.Has("name"));
  map.Get("a");
  map.Finish();
  EXPECT_EQ(Lines(diags), (std::vector<std::string>{"t.yaml:2:1: error: host: 'name' has no value",
                                                    "t.yaml:1:1: error: host: missing required key 'roles'"}));
}

TEST(MapReader, DuplicateKeysAreReportedAtTheSecond) {
  const auto node = Parse("name: a\nroles: []\nname: b\n");
  Diagnostics diags;
  MapReader map(node, "t.yaml", diags, "host");
  EXPECT_EQ(map.String("name"), "a");
  map.Get("roles");
  map.Finish();
  EXPECT_EQ(Lines(diags), std::vector<std::string>{"t.yaml:3:1: error: host: duplicate key 'name'"});
}

TEST(MapReader, KeysMustBeWords) {
  const auto node = Parse("? [a]\n: 1\n~: 2\nname: x\n");
  Diagnostics diags;
  MapReader map(node, "t.yaml", diags, "host");
  EXPECT_EQ(map.String("name"), "x");
  map.Finish();
  EXPECT_EQ(Lines(diags), (std::vector<std::string>{"t.yaml:1:3: error: host: a key must be a word, found a list",
                                                    "t.yaml:3:1: error: host: a key must be a word, found nothing"}));
}

TEST(MapReader, NotAMapping) {
  const auto node = Parse("[a, b]\n");
  Diagnostics diags;
  MapReader map(node, "t.yaml", diags, "domain");
  EXPECT_FALSE(map.IsMap());
  EXPECT_FALSE(map.Get("name", true).IsDefined());
  EXPECT_FALSE(map.Has("name"));
  map.Finish();
  EXPECT_EQ(Lines(diags),
            std::vector<std::string>{"t.yaml:1:1: error: domain: expected a mapping of keys to values, found a list"});
}

}  // namespace
}  // namespace portolan::core

namespace portolan::core {
namespace {

TEST(ParseYaml, RejectsBytesThatAreNotUtf8WithTheirPosition) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"a: ok\nb: \xFA\n", "t.yaml:2:4"},       // a byte that never starts a character
      {"name: caf\xC3\n", "t.yaml:1:10"},       // cut short at the end
      {"x: \xC0\xAF\n", "t.yaml:1:4"},          // an overlong '/'
      {"x: \xED\xA0\x80\n", "t.yaml:1:4"},      // a UTF-16 surrogate
      {"x: \xF4\x90\x80\x80\n", "t.yaml:1:4"},  // above U+10FFFF
      {"x: \xE2\x82\n  y\n", "t.yaml:1:4"},     // a continuation byte missing
  };
  for (const auto& [text, where] : cases) {
    Diagnostics diags;
    EXPECT_FALSE(ParseYaml(text, "t.yaml", diags).has_value());
    const auto message = diags.ToString();
    EXPECT_NE(message.find(where + ": error: byte 0x"), std::string::npos) << message;
    EXPECT_NE(message.find("not valid UTF-8"), std::string::npos) << message;
  }
}

TEST(ParseYaml, AcceptsUtf8Text) {
  Diagnostics diags;
  const auto node = ParseYaml("name: \"caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x94\xA5\"\n", "t.yaml", diags);
  ASSERT_TRUE(node.has_value()) << diags.ToString();
  EXPECT_EQ((*node)["name"].as<std::string>(), "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x94\xA5");
}

}  // namespace
}  // namespace portolan::core
