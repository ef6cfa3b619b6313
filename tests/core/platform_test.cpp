// The operating system seam: the system's error text after our own, and when the console gets
// colours and escape sequences (a terminal, not a file or a pipe; NO_COLOR set to anything but
// the empty string turns colour off).

#include "core/platform.hpp"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <optional>
#include <stdexcept>
#include <string>

#include <gtest/gtest.h>

#include "core/atomic_file.hpp"

#ifndef _WIN32
#include <fcntl.h>
#include <unistd.h>
#endif

namespace portolan::core::platform {
namespace {

template <typename Action>
std::string ErrorOf(Action action) {
  try {
    action();
  } catch (const std::runtime_error& error) {
    return error.what();
  }
  return "(no error)";
}

std::filesystem::path Missing() {
  return std::filesystem::temp_directory_path() / "portolan-no-such-folder" / "out.txt";
}

TEST(SystemErrorText, IsTheCRuntimesTextOfAnErrno) {
  EXPECT_EQ(SystemErrorText(ENOENT), std::strerror(ENOENT));
  EXPECT_EQ(SystemErrorText(EACCES), std::strerror(EACCES));
}

TEST(SystemErrorText, FollowsOurTextWhenAFileCannotBeWritten) {
  const auto path = Missing();
  const auto message = ErrorOf([&] { WriteFileAtomically(path, "x\n"); });
  const std::string ours = "cannot write " + path.string() + ": create temporary file: ";
  ASSERT_TRUE(message.starts_with(ours)) << message;
#ifdef _WIN32
  // CreateFile's error, not the C runtime's: ERROR_PATH_NOT_FOUND.
  EXPECT_TRUE(message.ends_with(" (Windows error 3)")) << message;
#else
  EXPECT_EQ(message.substr(ours.size()), SystemErrorText(ENOENT));
#endif
}

TEST(SystemErrorText, FollowsOurTextWhenAFileCannotBeRead) {
  const auto path = Missing();
  EXPECT_EQ(ErrorOf([&] { ReadFile(path); }), "cannot read " + path.string() + ": " + SystemErrorText(ENOENT));
}

#ifdef _WIN32

TEST(SystemErrorText, IsFormatMessagesTextOnOneLineWithTheNumber) {
  constexpr unsigned long kAccessDenied = 5;
  const auto text = SystemErrorText(WindowsError{kAccessDenied});
  EXPECT_TRUE(text.ends_with(" (Windows error 5)")) << text;
  EXPECT_GT(text.size(), std::string(" (Windows error 5)").size()) << "the system's own words come first";
  EXPECT_EQ(text.find_first_of("\r\n"), std::string::npos) << text;
  EXPECT_EQ(text.find(". (Windows"), std::string::npos) << "FormatMessage's full stop is dropped: " << text;
  constexpr unsigned long kNoSuchCode = 0x2FFFFFFF;
  EXPECT_EQ(SystemErrorText(WindowsError{kNoSuchCode}), "Windows error 805306367");
}

#else

// The terminal tests make a terminal of their own: a POSIX pseudo-terminal.

// Sets or removes an environment variable for the length of a scope.
class ScopedEnvironment {
 public:
  ScopedEnvironment(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    if (value != nullptr) {
      setenv(name, value, 1);
    } else {
      unsetenv(name);
    }
  }
  ~ScopedEnvironment() {
    if (old_) {
      setenv(name_, old_->c_str(), 1);
    } else {
      unsetenv(name_);
    }
  }
  ScopedEnvironment(const ScopedEnvironment&) = delete;
  ScopedEnvironment& operator=(const ScopedEnvironment&) = delete;

 private:
  const char* name_;
  std::optional<std::string> old_;
};

// Standard output on another descriptor (a terminal, a pipe) for the length of a scope; what the
// test checks is kept and asserted after standard output is back.
class ScopedStandardOutput {
 public:
  explicit ScopedStandardOutput(int fd) {
    std::cout.flush();
    std::fflush(stdout);
    saved_ = dup(STDOUT_FILENO);
    dup2(fd, STDOUT_FILENO);
  }
  ~ScopedStandardOutput() {
    std::fflush(stdout);
    dup2(saved_, STDOUT_FILENO);
    close(saved_);
  }
  ScopedStandardOutput(const ScopedStandardOutput&) = delete;
  ScopedStandardOutput& operator=(const ScopedStandardOutput&) = delete;

 private:
  int saved_ = -1;
};

struct Seen {
  bool escapes = false;
  bool colour_without_no_color = false;
  bool colour_with_empty_no_color = false;
  bool colour_with_no_color = false;
};

Seen SeenOn(int fd) {
  Seen seen;
  const ScopedStandardOutput output(fd);
  seen.escapes = TerminalTakesEscapes(Stream::kOutput);
  {
    const ScopedEnvironment unset("NO_COLOR", nullptr);
    seen.colour_without_no_color = TerminalWantsColour(Stream::kOutput);
  }
  {
    const ScopedEnvironment empty("NO_COLOR", "");
    seen.colour_with_empty_no_color = TerminalWantsColour(Stream::kOutput);
  }
  {
    const ScopedEnvironment set("NO_COLOR", "1");
    seen.colour_with_no_color = TerminalWantsColour(Stream::kOutput);
  }
  return seen;
}

TEST(Terminal, ColourOnATerminalUnlessNoColorIsSet) {
  const int terminal = posix_openpt(O_RDWR | O_NOCTTY);
  if (terminal < 0 || grantpt(terminal) != 0 || unlockpt(terminal) != 0) {
    GTEST_SKIP() << "no pseudo-terminal here: " << std::strerror(errno);
  }
  const int follower = open(ptsname(terminal), O_RDWR | O_NOCTTY);
  ASSERT_GE(follower, 0) << std::strerror(errno);
  const auto seen = SeenOn(follower);
  close(follower);
  close(terminal);
  EXPECT_TRUE(seen.escapes);
  EXPECT_TRUE(seen.colour_without_no_color);
  EXPECT_TRUE(seen.colour_with_empty_no_color) << "no-color.org: an empty NO_COLOR does not count";
  EXPECT_FALSE(seen.colour_with_no_color);
}

TEST(Terminal, NoColourAndNoEscapesIntoAPipe) {
  int pipe_ends[2] = {-1, -1};
  ASSERT_EQ(pipe(pipe_ends), 0) << std::strerror(errno);
  const auto seen = SeenOn(pipe_ends[1]);
  close(pipe_ends[0]);
  close(pipe_ends[1]);
  EXPECT_FALSE(seen.escapes);
  EXPECT_FALSE(seen.colour_without_no_color);
  EXPECT_FALSE(seen.colour_with_empty_no_color);
}

#endif

}  // namespace
}  // namespace portolan::core::platform
