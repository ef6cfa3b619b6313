#include "respond/privileges.hpp"

#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <stdexcept>

#include <fmt/format.h>

namespace portolan::respond {

std::optional<User> FindUser(const std::string& name) {
  passwd entry{};
  passwd* found = nullptr;
  std::array<char, 4096> buffer{};
  if (getpwnam_r(name.c_str(), &entry, buffer.data(), buffer.size(), &found) != 0 || found == nullptr) {
    return std::nullopt;
  }
  return User{name, found->pw_uid, found->pw_gid};
}

bool RunningAsRoot() {
  return geteuid() == 0;
}

void DropPrivileges(const User& user) {
  const auto fail = [&user](const char* step) {
    throw std::runtime_error(
        fmt::format("cannot drop root to user {} (uid {}): {}: {}", user.name, user.uid, step, std::strerror(errno)));
  };
  if (setgroups(1, &user.gid) != 0) fail("setgroups");
  if (setgid(user.gid) != 0) fail("setgid");
  if (setuid(user.uid) != 0) fail("setuid");
  uid_t real = 0;
  uid_t effective = 0;
  uid_t saved = 0;
  gid_t real_group = 0;
  gid_t effective_group = 0;
  gid_t saved_group = 0;
  getresuid(&real, &effective, &saved);
  getresgid(&real_group, &effective_group, &saved_group);
  const bool dropped = real == user.uid && effective == user.uid && saved == user.uid && real_group == user.gid &&
                       effective_group == user.gid && saved_group == user.gid;
  if (!dropped || (user.uid != 0 && setuid(0) == 0)) {
    throw std::runtime_error(fmt::format("dropping root to user {} did not hold: uid {}/{}/{}, gid {}/{}/{}", user.name,
                                         real, effective, saved, real_group, effective_group, saved_group));
  }
}

namespace {

// The permission bits `user` gets on a file: its owner's, its group's or everybody's.
bool Allows(const struct stat& status, const User& user, mode_t owner_bits) {
  const mode_t group_bits = owner_bits >> 3;
  const mode_t other_bits = owner_bits >> 6;
  if (status.st_uid == user.uid) return (status.st_mode & owner_bits) == owner_bits;
  if (status.st_gid == user.gid) return (status.st_mode & group_bits) == group_bits;
  return (status.st_mode & other_bits) == other_bits;
}

}  // namespace

bool FolderWritableBy(const std::filesystem::path& folder, const User& user) {
  if (user.uid == 0) return true;
  const auto absolute = std::filesystem::absolute(folder).lexically_normal();
  std::filesystem::path walked;
  for (const auto& part : absolute) {
    walked /= part;
    struct stat status {};
    if (::stat(walked.c_str(), &status) != 0 || !S_ISDIR(status.st_mode)) return false;
    const bool last = walked == absolute;
    if (!Allows(status, user, last ? (S_IWUSR | S_IXUSR) : S_IXUSR)) return false;
  }
  return true;
}

}  // namespace portolan::respond
