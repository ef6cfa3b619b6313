#include "respond/monitor.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <stdexcept>

#include <fmt/format.h>

#include "core/atomic_file.hpp"
#include "core/unique_fd.hpp"

namespace portolan::respond {

namespace {

constexpr int kExitBadInput = 2;
constexpr int kSignalExitBase = 128;

// The child: never returns.
[[noreturn]] void RunChild(const User& user, pid_t parent, int ready_fd,
                           const std::function<int(const std::function<void()>& ready)>& serve) {
  int code = kExitBadInput;
  try {
    DropPrivileges(user);
    // Dropping root clears the parent-death signal: set it now, and catch a parent already gone.
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (getppid() != parent) raise(SIGTERM);
    code = serve([ready_fd] {
      const char byte = 'r';
      [[maybe_unused]] const auto written = write(ready_fd, &byte, 1);
      close(ready_fd);
    });
  } catch (const std::exception& e) {
    std::cerr << "portolan: error: " << e.what() << "\n";
  }
  std::cout.flush();
  std::cerr.flush();
  std::fflush(nullptr);
  _exit(code);  // the parent's objects (its pid file, its files) are the parent's to close
}

int ExitCode(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return kSignalExitBase + WTERMSIG(status);
  return kExitBadInput;
}

}  // namespace

int RunAsMonitoredChild(const User& user, const std::string& pid_file, const std::function<void()>& release,
                        const std::function<int(const std::function<void()>& ready)>& serve) {
  // Blocked before the fork, so that none is lost in between; the child keeps them blocked and
  // reads them from its own signalfd.
  sigset_t signals;
  sigemptyset(&signals);
  for (const int signal : {SIGINT, SIGTERM, SIGHUP, SIGCHLD}) sigaddset(&signals, signal);
  sigprocmask(SIG_BLOCK, &signals, nullptr);
  std::array<int, 2> ends{};
  if (pipe2(ends.data(), O_CLOEXEC) != 0) {
    throw std::runtime_error(fmt::format("cannot start the responder: pipe: {}", std::strerror(errno)));
  }
  core::UniqueFd ready_read(ends[0]);  // the child writes a byte here once it serves
  core::UniqueFd ready_write(ends[1]);
  const pid_t parent = getpid();
  std::cout.flush();
  std::cerr.flush();
  const pid_t child = fork();
  if (child < 0) throw std::runtime_error(fmt::format("cannot start the responder: fork: {}", std::strerror(errno)));
  if (child == 0) {
    ready_read.Reset();
    RunChild(user, parent, ready_write.Release(), serve);
  }
  ready_write.Reset();
  release();
  const core::UniqueFd events(signalfd(-1, &signals, SFD_CLOEXEC));
  bool written = false;
  bool waiting_for_ready = true;
  int status = 0;
  std::string failure;
  for (;;) {
    std::array<pollfd, 2> watched{pollfd{events.Get(), POLLIN, 0},
                                  pollfd{waiting_for_ready ? ready_read.Get() : -1, POLLIN, 0}};
    if (poll(watched.data(), watched.size(), -1) < 0) {
      if (errno == EINTR) continue;
      kill(child, SIGTERM);  // cannot watch it any more: stop it rather than leave it behind
      waitpid(child, &status, 0);
      break;
    }
    if ((watched[1].revents & (POLLIN | POLLHUP)) != 0) {
      char byte = 0;
      const bool is_ready = read(ready_read.Get(), &byte, 1) == 1;
      waiting_for_ready = false;
      ready_read.Reset();
      if (is_ready) {
        try {
          core::WriteFileAtomically(pid_file, fmt::format("{}\n", child));
          written = true;
        } catch (const std::exception& e) {
          failure = e.what();
          kill(child, SIGTERM);
        }
      }
    }
    if ((watched[0].revents & POLLIN) == 0) continue;
    signalfd_siginfo info{};
    if (read(events.Get(), &info, sizeof info) != static_cast<ssize_t>(sizeof info)) continue;
    if (info.ssi_signo != SIGCHLD) {
      kill(child, static_cast<int>(info.ssi_signo));
      continue;
    }
    if (waitpid(child, &status, WNOHANG) == child) break;
  }
  if (written && unlink(pid_file.c_str()) != 0 && errno != ENOENT) {
    std::cerr << fmt::format("portolan respond: warning: cannot remove {}: {}\n", pid_file, std::strerror(errno));
  }
  if (!failure.empty()) throw std::runtime_error(failure);
  return ExitCode(status);
}

}  // namespace portolan::respond
