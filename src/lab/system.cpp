#include "lab/system.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

#include <fmt/format.h>

namespace portolan::lab {

namespace {

constexpr std::size_t kMaxOutput = 64 * 1024;
constexpr auto kCommandLimit = std::chrono::seconds(120);  // no lab step runs longer

std::string NamespacePath(const std::string& name) {
  return "/run/netns/" + name;
}

// In a forked child: enter the namespace or die with a message on stderr.
void EnterNamespaceOrExit(const std::string& name) {
  const int fd = open(NamespacePath(name).c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0 || setns(fd, CLONE_NEWNET) != 0) {
    const std::string message = fmt::format("cannot enter network namespace {}: {}\n", name, std::strerror(errno));
    [[maybe_unused]] const auto written = write(STDERR_FILENO, message.data(), message.size());
    _exit(127);
  }
  close(fd);
}

std::vector<char*> Arguments(const std::vector<std::string>& argv) {
  std::vector<char*> pointers;
  pointers.reserve(argv.size() + 1);
  for (const auto& arg : argv) pointers.push_back(const_cast<char*>(arg.c_str()));
  pointers.push_back(nullptr);
  return pointers;
}

std::string CommandText(const std::vector<std::string>& argv, const std::optional<std::string>& netns) {
  std::string text = netns ? fmt::format("(in {}) ", *netns) : std::string();
  for (std::size_t i = 0; i < argv.size(); ++i) text += (i == 0 ? "" : " ") + argv[i];
  return text;
}

}  // namespace

CommandResult RunCommand(const std::vector<std::string>& argv, const std::string& input,
                         const std::optional<std::string>& netns) {
  std::array<int, 2> to_child{};
  std::array<int, 2> from_child{};
  if (pipe2(to_child.data(), O_CLOEXEC) != 0 || pipe2(from_child.data(), O_CLOEXEC) != 0) {
    throw LabError(fmt::format("cannot run {}: {}", argv.front(), std::strerror(errno)));
  }
  auto arguments = Arguments(argv);
  const pid_t pid = fork();
  if (pid < 0) throw LabError(fmt::format("cannot run {}: {}", argv.front(), std::strerror(errno)));
  if (pid == 0) {
    dup2(to_child[0], STDIN_FILENO);
    dup2(from_child[1], STDOUT_FILENO);
    dup2(from_child[1], STDERR_FILENO);
    if (netns) EnterNamespaceOrExit(*netns);
    execvp(arguments.front(), arguments.data());
    const std::string message = fmt::format("cannot run {}: {}\n", argv.front(), std::strerror(errno));
    [[maybe_unused]] const auto written = write(STDERR_FILENO, message.data(), message.size());
    _exit(127);
  }
  close(to_child[0]);
  close(from_child[1]);
  // Feed the input and read the output together, so that neither side can block the other.
  std::size_t sent = 0;
  if (input.empty()) {
    close(to_child[1]);
    to_child[1] = -1;
  }
  CommandResult result;
  const auto deadline = std::chrono::steady_clock::now() + kCommandLimit;
  bool reading = true;
  while (reading) {
    std::array<pollfd, 2> fds{pollfd{from_child[0], POLLIN, 0}, pollfd{to_child[1], POLLOUT, 0}};
    const int count = to_child[1] >= 0 ? 2 : 1;
    if (std::chrono::steady_clock::now() > deadline) {
      kill(pid, SIGKILL);
      break;
    }
    if (poll(fds.data(), static_cast<nfds_t>(count), 1000) < 0 && errno != EINTR) break;
    if (count == 2 && (fds[1].revents & (POLLOUT | POLLERR | POLLHUP)) != 0) {
      const auto n = write(to_child[1], input.data() + sent, input.size() - sent);
      if (n > 0) sent += static_cast<std::size_t>(n);
      if (n < 0 || sent == input.size()) {
        close(to_child[1]);
        to_child[1] = -1;
      }
    }
    if ((fds[0].revents & (POLLIN | POLLHUP | POLLERR)) != 0) {
      std::array<char, 4096> buffer{};
      const auto n = read(from_child[0], buffer.data(), buffer.size());
      if (n <= 0) {
        reading = false;
      } else if (result.output.size() < kMaxOutput) {
        result.output.append(buffer.data(), std::min(static_cast<std::size_t>(n), kMaxOutput - result.output.size()));
      }
    }
  }
  if (to_child[1] >= 0) close(to_child[1]);
  close(from_child[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  result.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return result;
}

void RunChecked(const std::vector<std::string>& argv, const std::string& input,
                const std::optional<std::string>& netns) {
  const auto result = RunCommand(argv, input, netns);
  if (result.status == 0) return;
  std::string output = result.output;
  while (!output.empty() && output.back() == '\n') output.pop_back();
  throw LabError(fmt::format("{} failed (exit {}){}{}", CommandText(argv, netns), result.status,
                             output.empty() ? "" : ": ", output));
}

NamespaceScope::NamespaceScope(const std::string& name) {
  home_ = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
  const int target = open(NamespacePath(name).c_str(), O_RDONLY | O_CLOEXEC);
  if (home_ < 0 || target < 0 || setns(target, CLONE_NEWNET) != 0) {
    const std::string reason = std::strerror(errno);
    if (target >= 0) close(target);
    if (home_ >= 0) close(home_);
    throw LabError(fmt::format("cannot enter network namespace {}: {}", name, reason));
  }
  close(target);
}

NamespaceScope::~NamespaceScope() {
  setns(home_, CLONE_NEWNET);
  close(home_);
}

bool NamespaceExists(const std::string& name) {
  struct stat info {};
  return stat(NamespacePath(name).c_str(), &info) == 0;
}

std::vector<pid_t> ProcessesIn(const std::string& name) {
  const auto result = RunCommand({"ip", "netns", "pids", name});
  std::vector<pid_t> pids;
  std::istringstream lines(result.output);
  long pid = 0;
  while (lines >> pid) pids.push_back(static_cast<pid_t>(pid));
  return pids;
}

std::optional<unsigned long long> ProcessStartTime(pid_t pid) {
  std::ifstream file(fmt::format("/proc/{}/stat", pid));
  std::string text;
  if (!std::getline(file, text)) return std::nullopt;
  // Field 22, counted after the command name, which is in parentheses and may hold spaces.
  const auto close_paren = text.rfind(')');
  if (close_paren == std::string::npos) return std::nullopt;
  std::istringstream fields(text.substr(close_paren + 2));
  std::string field;
  for (int index = 3; index <= 22; ++index) {
    if (!(fields >> field)) return std::nullopt;
  }
  return std::stoull(field);
}

bool StillRunning(const LabProcess& process) {
  const auto start = ProcessStartTime(process.pid);
  if (!start || *start != process.start_time) return false;
  // An exited child of ours that nobody reaped yet is a zombie: not running.
  std::ifstream file(fmt::format("/proc/{}/stat", process.pid));
  std::string text;
  std::getline(file, text);
  const auto close_paren = text.rfind(')');
  return close_paren == std::string::npos || close_paren + 2 >= text.size() || text[close_paren + 2] != 'Z';
}

LabProcess Spawn(const std::vector<std::string>& argv, const std::string& netns, const std::string& log_path,
                 const std::string& what) {
  const int log = open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
  if (log < 0) throw LabError(fmt::format("cannot open {}: {}", log_path, std::strerror(errno)));
  auto arguments = Arguments(argv);
  const pid_t pid = fork();
  if (pid < 0) {
    close(log);
    throw LabError(fmt::format("cannot start {}: {}", what, std::strerror(errno)));
  }
  if (pid == 0) {
    setsid();
    const int null = open("/dev/null", O_RDONLY);
    dup2(null, STDIN_FILENO);
    dup2(log, STDOUT_FILENO);
    dup2(log, STDERR_FILENO);
    EnterNamespaceOrExit(netns);
    // The parent may have signals blocked or ignored (lab run handles Ctrl-C): not the child.
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    execv(arguments.front(), arguments.data());
    const std::string message = fmt::format("cannot run {}: {}\n", argv.front(), std::strerror(errno));
    [[maybe_unused]] const auto written = write(STDERR_FILENO, message.data(), message.size());
    _exit(127);
  }
  close(log);
  LabProcess process{pid, 0, what, netns};
  // The child's start time is readable as soon as it exists.
  for (int attempt = 0; attempt < 100; ++attempt) {
    if (const auto start = ProcessStartTime(pid)) {
      process.start_time = *start;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return process;
}

void Stop(const LabProcess& process, std::chrono::milliseconds grace) {
  if (!StillRunning(process)) {
    waitpid(process.pid, nullptr, WNOHANG);
    return;
  }
  kill(process.pid, SIGTERM);
  const auto deadline = std::chrono::steady_clock::now() + grace;
  while (std::chrono::steady_clock::now() < deadline) {
    if (waitpid(process.pid, nullptr, WNOHANG) == process.pid || !StillRunning(process)) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  if (StillRunning(process)) kill(process.pid, SIGKILL);
  waitpid(process.pid, nullptr, 0);
}

std::string MissingPrivileges() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("CapEff:", 0) != 0) continue;
    const auto effective = std::stoull(line.substr(7), nullptr, 16);
    constexpr unsigned kNetAdmin = 12;
    constexpr unsigned kSysAdmin = 21;
    const bool ok = ((effective >> kNetAdmin) & 1U) != 0 && ((effective >> kSysAdmin) & 1U) != 0;
    return ok ? std::string()
              : std::string("the lab needs root (CAP_NET_ADMIN and CAP_SYS_ADMIN) to build network namespaces");
  }
  return "cannot read this process's capabilities from /proc/self/status";
}

std::string SelfExecutable() {
  std::array<char, 4096> path{};
  const auto n = readlink("/proc/self/exe", path.data(), path.size() - 1);
  if (n <= 0) throw LabError("cannot find the portolan binary (/proc/self/exe)");
  return std::string(path.data(), static_cast<std::size_t>(n));
}

}  // namespace portolan::lab
