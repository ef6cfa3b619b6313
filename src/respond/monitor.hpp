#pragma once
// The pid file of a responder that started as root. Once root is dropped the responder can
// neither create nor remove files in a folder only root may write (a lab's own folder, /run):
// so it forks. The child drops root and serves; the parent stays root, holds no socket, reads
// nothing from the network, writes the pid file (the child's pid) once the child is ready,
// passes SIGINT, SIGTERM and SIGHUP on to it, and removes the pid file when it ends.

#include <functional>
#include <string>

#include "respond/privileges.hpp"

namespace portolan::respond {

// In the child: drops root to `user` (and arranges SIGTERM should the parent die), then runs
// `serve`, which calls `ready` once it serves and returns the exit code. In the parent: first
// `release` (close what only the child needs), then the above; returns the child's exit code
// (128 + the signal when a signal ended it). Throws std::runtime_error when the child cannot be
// started or the pid file cannot be written (the child is then stopped).
int RunAsMonitoredChild(const User& user, const std::string& pid_file, const std::function<void()>& release,
                        const std::function<int(const std::function<void()>& ready)>& serve);

}  // namespace portolan::respond
