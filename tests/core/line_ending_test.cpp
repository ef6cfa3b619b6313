// Line endings for the files Windows reads: CRLF wherever a "\n" ends a line, and nothing doubled.

#include "core/line_ending.hpp"

#include <gtest/gtest.h>

namespace portolan::core {
namespace {

TEST(LineEnding, CrlfEndsEveryLine) {
  EXPECT_EQ(WithLineEnding("a\nb\n\nc", LineEnding::kCrlf), "a\r\nb\r\n\r\nc");
  EXPECT_EQ(WithLineEnding("\n", LineEnding::kCrlf), "\r\n");
  EXPECT_EQ(WithLineEnding("", LineEnding::kCrlf), "");
}

TEST(LineEnding, CrlfAlreadyThereStaysOneCrlf) {
  EXPECT_EQ(WithLineEnding("a\r\nb\n", LineEnding::kCrlf), "a\r\nb\r\n");
  const std::string once = WithLineEnding("x\ny\n", LineEnding::kCrlf);
  EXPECT_EQ(WithLineEnding(once, LineEnding::kCrlf), once);
}

TEST(LineEnding, LfLeavesTheTextAlone) {
  EXPECT_EQ(WithLineEnding("a\nb\r\n", LineEnding::kLf), "a\nb\r\n");
}

}  // namespace
}  // namespace portolan::core
