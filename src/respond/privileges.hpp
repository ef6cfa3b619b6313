#pragma once
// Dropping root once the sockets are bound: to an unprivileged user, verified, with no way back.

#include <sys/types.h>

#include <filesystem>
#include <optional>
#include <string>

namespace portolan::respond {

struct User {
  std::string name;
  uid_t uid = 0;
  gid_t gid = 0;
};

// From the password database; nullopt when there is no such user.
std::optional<User> FindUser(const std::string& name);

bool RunningAsRoot();

// setgroups to the user's group alone, setgid, setuid; then checks that the real, effective and
// saved ids are the user's and that setuid(0) fails. Throws std::runtime_error saying what did not
// work. Only as root.
void DropPrivileges(const User& user);

// Whether `user` may create and remove files in `folder` (by its owner, group and mode bits; what
// an access check as that user would say, without ACLs).
bool FolderWritableBy(const std::filesystem::path& folder, const User& user);

}  // namespace portolan::respond
