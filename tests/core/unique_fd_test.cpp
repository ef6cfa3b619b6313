#include "core/unique_fd.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <utility>
#include <vector>

namespace portolan::core {
namespace {

// True while `fd` names an open descriptor of this process.
bool IsOpen(int fd) {
  return ::fcntl(fd, F_GETFD) != -1;
}

int OpenDevNull() {
  const int fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  EXPECT_GE(fd, 0);
  return fd;
}

TEST(UniqueFd, EmptyByDefault) {
  const UniqueFd fd;
  EXPECT_EQ(fd.Get(), -1);
  EXPECT_FALSE(fd.Valid());
  EXPECT_FALSE(fd);
}

TEST(UniqueFd, ClosesOnDestruction) {
  int raw = -1;
  {
    const UniqueFd fd(OpenDevNull());
    raw = fd.Get();
    EXPECT_TRUE(fd.Valid());
    EXPECT_TRUE(IsOpen(raw));
  }
  EXPECT_FALSE(IsOpen(raw));
}

TEST(UniqueFd, ReleaseGivesUpOwnership) {
  int raw = -1;
  {
    UniqueFd fd(OpenDevNull());
    raw = fd.Release();
    EXPECT_EQ(fd.Get(), -1);
  }
  EXPECT_TRUE(IsOpen(raw));
  ::close(raw);
}

TEST(UniqueFd, ResetClosesTheOldAndHoldsTheNew) {
  UniqueFd fd(OpenDevNull());
  const int first = fd.Get();
  const int second = OpenDevNull();
  fd.Reset(second);
  EXPECT_FALSE(IsOpen(first));
  EXPECT_EQ(fd.Get(), second);
  fd.Reset();
  EXPECT_FALSE(IsOpen(second));
  EXPECT_FALSE(fd.Valid());
}

TEST(UniqueFd, MoveConstructionTransfersOwnership) {
  UniqueFd from(OpenDevNull());
  const int raw = from.Get();
  {
    const UniqueFd to(std::move(from));
    EXPECT_EQ(to.Get(), raw);
    EXPECT_EQ(from.Get(), -1);  // NOLINT(bugprone-use-after-move): moved-from is empty by contract
  }
  EXPECT_FALSE(IsOpen(raw));
}

TEST(UniqueFd, MoveAssignmentClosesTheTarget) {
  UniqueFd target(OpenDevNull());
  const int old = target.Get();
  UniqueFd source(OpenDevNull());
  const int raw = source.Get();
  target = std::move(source);
  EXPECT_FALSE(IsOpen(old));
  EXPECT_EQ(target.Get(), raw);
  EXPECT_TRUE(IsOpen(raw));
}

TEST(UniqueFd, SelfMoveAssignmentKeepsTheDescriptor) {
  UniqueFd fd(OpenDevNull());
  const int raw = fd.Get();
  UniqueFd& alias = fd;
  fd = std::move(alias);
  EXPECT_EQ(fd.Get(), raw);
  EXPECT_TRUE(IsOpen(raw));
}

TEST(UniqueFd, LivesInAVectorThatGrows) {
  std::vector<UniqueFd> fds;
  std::vector<int> raws;
  for (int i = 0; i < 20; ++i) {
    fds.emplace_back(OpenDevNull());
    raws.push_back(fds.back().Get());
  }
  for (const int raw : raws) EXPECT_TRUE(IsOpen(raw));  // reallocation moved, did not close
  fds.clear();
  for (const int raw : raws) EXPECT_FALSE(IsOpen(raw));
}

}  // namespace
}  // namespace portolan::core
