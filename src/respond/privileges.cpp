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

bool FolderWritableBy(const std::filesystem::path& folder, const User& user) {
  struct stat status {};
  if (::stat(folder.c_str(), &status) != 0 || !S_ISDIR(status.st_mode)) return false;
  if (user.uid == 0) return true;
  if (status.st_uid == user.uid) return (status.st_mode & S_IWUSR) != 0 && (status.st_mode & S_IXUSR) != 0;
  if (status.st_gid == user.gid) return (status.st_mode & S_IWGRP) != 0 && (status.st_mode & S_IXGRP) != 0;
  return (status.st_mode & S_IWOTH) != 0 && (status.st_mode & S_IXOTH) != 0;
}

}  // namespace portolan::respond
