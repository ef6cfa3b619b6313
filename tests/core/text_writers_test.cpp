// The writers every report streams through: JSON escaping and layout against nlohmann's own
// dump, the table's word wrapping against a plain stream-based reference, and CSV quoting.

#include <random>
#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "core/format.hpp"
#include "core/json_writer.hpp"
#include "core/text_table.hpp"

namespace portolan::core {
namespace {

std::string NlohmannQuoted(const std::string& text) {
  return nlohmann::json(text).dump();
}

TEST(JsonQuoted, EveryAsciiByteAtEveryPositionAsNlohmannEscapesIt) {
  constexpr std::size_t kLength = 20;  // long enough for the word-at-a-time scan, at any offset
  for (int c = 0; c < 0x80; ++c) {
    for (std::size_t at = 0; at < kLength; ++at) {
      std::string text(kLength, 'a');
      text[at] = static_cast<char>(c);
      EXPECT_EQ(JsonQuoted(text), NlohmannQuoted(text)) << "byte " << c << " at " << at;
      text.insert(at, "\xc3\xa9");  // and after a non-ASCII character
      EXPECT_EQ(JsonQuoted(text), NlohmannQuoted(text)) << "byte " << c << " after e-acute at " << at;
    }
  }
}

TEST(JsonQuoted, QuotesBackslashesControlsAndUtf8) {
  const std::vector<std::string> texts = {
      "",
      "plain -A INPUT -j ACCEPT",
      "say \"hi\"",
      "C:\\Windows\\System32",
      std::string("nul\0byte", 8),
      "\x01\x1f\x7f\b\f\n\r\t",
      "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x94\xa5",  // é € and an emoji, as they are
      "\"\xc3\xa9\\\n",                             // non-ASCII mixed with escapes
  };
  for (const auto& text : texts) {
    EXPECT_EQ(JsonQuoted(text), NlohmannQuoted(text)) << text;
    std::string appended = "x";
    AppendJsonQuoted(appended, text);
    EXPECT_EQ(appended, "x" + NlohmannQuoted(text));
    EXPECT_EQ(nlohmann::json::parse(JsonQuoted(text)).get<std::string>(), text);
  }
}

TEST(JsonQuoted, InvalidUtf8FailsAsNlohmannFails) {
  for (const std::string text : {"bad \xff byte", "cut \xc3", "\xed\xa0\x80 surrogate"}) {
    std::string expected;
    try {
      NlohmannQuoted(text);
    } catch (const nlohmann::json::exception& e) {
      expected = e.what();
    }
    ASSERT_FALSE(expected.empty());
    try {
      JsonQuoted(text);
      ADD_FAILURE() << "no exception for " << text;
    } catch (const nlohmann::json::exception& e) {
      EXPECT_EQ(std::string(e.what()), expected);
    }
  }
}

TEST(JsonWriter, LayoutOfDumpTwo) {
  nlohmann::ordered_json expected;
  expected["name"] = "a \"b\"";
  expected["empty_array"] = nlohmann::ordered_json::array();
  expected["empty_object"] = nlohmann::ordered_json::object();
  expected["numbers"] = {0, -7, 123456789012LL};
  expected["nested"] = {{"flag", true}, {"off", false}, {"list", {"x", "y"}}};
  expected["objects"] = nlohmann::ordered_json::array({{{"k", 1}}, nlohmann::ordered_json::object()});

  JsonWriter json;
  json.BeginObject();
  json.Key("name");
  json.String("a \"b\"");
  json.Key("empty_array");
  json.BeginArray();
  json.EndArray();
  json.Key("empty_object");
  json.BeginObject();
  json.EndObject();
  json.Key("numbers");
  json.BeginArray();
  json.Int(0);
  json.Int(-7);
  json.Int(123456789012LL);
  json.EndArray();
  json.Key("nested");
  json.BeginObject();
  json.Key("flag");
  json.Bool(true);
  json.Key("off");
  json.Bool(false);
  json.Key("list");
  json.StringArray({"x", "y"});
  json.EndObject();
  json.Key("objects");
  json.BeginArray();
  json.BeginObject();
  json.Key("k");
  json.Int(1);
  json.EndObject();
  json.BeginObject();
  json.EndObject();
  json.EndArray();
  json.EndObject();
  EXPECT_EQ(json.Take(), expected.dump(2) + "\n");
}

// The reference: lines as getline splits them, long lines re-filled from the words a stream reads.
std::vector<std::string> ReferenceWrap(const std::string& text, std::size_t width) {
  std::vector<std::string> out;
  std::istringstream in(text);
  std::vector<std::string> paragraphs;
  for (std::string line; std::getline(in, line);) paragraphs.push_back(line);
  if (paragraphs.empty()) paragraphs.emplace_back();
  for (const auto& paragraph : paragraphs) {
    if (width == 0 || paragraph.size() <= width) {
      out.push_back(paragraph);
      continue;
    }
    std::istringstream words(paragraph);
    std::string line;
    for (std::string word; words >> word;) {
      if (!line.empty() && line.size() + 1 + word.size() > width) {
        out.push_back(line);
        line.clear();
      }
      line += line.empty() ? word : " " + word;
    }
    if (!line.empty()) out.push_back(line);
  }
  if (out.empty()) out.emplace_back();
  return out;
}

TEST(Wrap, EdgeCases) {
  EXPECT_EQ(Wrap("", 10), std::vector<std::string>{""});
  EXPECT_EQ(Wrap("\n", 10), std::vector<std::string>{""});
  EXPECT_EQ(Wrap("a\n", 10), std::vector<std::string>{"a"});
  EXPECT_EQ(Wrap("a\n\nb", 10), (std::vector<std::string>{"a", "", "b"}));
  EXPECT_EQ(Wrap("aaa bbb ccc", 7), (std::vector<std::string>{"aaa bbb", "ccc"}));
  EXPECT_EQ(Wrap("averylongword x", 4), (std::vector<std::string>{"averylongword", "x"}));
  EXPECT_EQ(Wrap("            ", 4), std::vector<std::string>{""});  // only spaces: no words
  EXPECT_EQ(Wrap("kept  as is ", 0), std::vector<std::string>{"kept  as is "});
}

TEST(Wrap, SameAsReferenceOnRandomTexts) {
  std::mt19937 random(826852);
  const std::string alphabet = "ab \t\n\r\v\f,\"x";
  for (int round = 0; round < 5000; ++round) {
    std::string text;
    const auto length = random() % 40;
    for (std::size_t i = 0; i < length; ++i) text += alphabet[random() % alphabet.size()];
    const auto width = random() % 12;
    ASSERT_EQ(Wrap(text, width), ReferenceWrap(text, width)) << "width " << width << " text '" << text << "'";
  }
}

TEST(TextTable, PadsWrapsAndTrims) {
  TextTable table({{"A"}, {"LONG", 7}, {"C"}});
  table.AddRow({"x", "one two three", "end"});
  table.AddSeparator();
  table.AddRow({"yy", "", ""});
  table.AddRow({"z", "a\nb", "trailing  "});
  const std::string expected =
      "A   LONG     C\n"
      "x   one two  end\n"
      "    three\n"
      "\n"
      "yy\n"
      "z   a        trailing\n"
      "    b\n";
  EXPECT_EQ(table.ToString(), expected);
  std::string appended = "before  ";
  table.AppendTo(appended);
  EXPECT_EQ(appended, "before  " + expected);
}

TEST(Csv, RowsQuoteWhatNeedsIt) {
  const std::string expected = "plain,\"a,b\",\"say \"\"hi\"\"\",\"line\nbreak\",\"cr\r\",\r\n";
  EXPECT_EQ(CsvRow({"plain", "a,b", "say \"hi\"", "line\nbreak", "cr\r", ""}), expected);
  std::string out = "head\r\n";
  AppendCsvRow(out, {"plain", "a,b", "say \"hi\"", "line\nbreak", "cr\r", ""});
  EXPECT_EQ(out, "head\r\n" + expected);
}

}  // namespace
}  // namespace portolan::core
