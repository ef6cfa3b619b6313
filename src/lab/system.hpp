#pragma once
// The lab's edge to the operating system: running iproute2 and nftables, entering network
// namespaces, starting and stopping the lab's own processes. Everything here names what it
// touches exactly (a namespace by name, a process by PID and start time), never by pattern.
#include <sys/types.h>

#include <chrono>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace portolan::lab {

// A step of building or removing a lab failed: the message names the command and its output.
class LabError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct CommandResult {
  int status = -1;     // the exit status, or 128 + signal
  std::string output;  // standard output and error together, at most 64 KiB
};

// Runs a program (no shell) with `input` on its standard input, in a network namespace when
// one is named, and waits for it.
CommandResult RunCommand(const std::vector<std::string>& argv, const std::string& input = {},
                         const std::optional<std::string>& netns = std::nullopt);
// The same; throws LabError when it does not exit 0.
void RunChecked(const std::vector<std::string>& argv, const std::string& input = {},
                const std::optional<std::string>& netns = std::nullopt);

// Puts the calling thread into a named network namespace (/run/netns/NAME) and back into the
// one it came from when the scope ends. Sockets opened meanwhile stay in the lab namespace.
class NamespaceScope {
 public:
  explicit NamespaceScope(const std::string& name);
  ~NamespaceScope();
  NamespaceScope(const NamespaceScope&) = delete;
  NamespaceScope& operator=(const NamespaceScope&) = delete;

 private:
  int home_ = -1;
};

bool NamespaceExists(const std::string& name);
// The PIDs of the processes whose network namespace is this one.
std::vector<pid_t> ProcessesIn(const std::string& name);

// A process of the lab: its PID and the start time the kernel gives it (so that a PID reused by
// another process after ours ended is never signalled).
struct LabProcess {
  pid_t pid = 0;
  unsigned long long start_time = 0;
  std::string what;
  std::string netns;
};
std::optional<unsigned long long> ProcessStartTime(pid_t pid);
bool StillRunning(const LabProcess& process);

// Starts a program in a network namespace, detached (its own session), with its standard
// output and error appended to `log_path`. Does not wait.
LabProcess Spawn(const std::vector<std::string>& argv, const std::string& netns, const std::string& log_path,
                 const std::string& what);

// SIGTERM, up to `grace` to exit, then SIGKILL. Reaps it when it is our child.
void Stop(const LabProcess& process, std::chrono::milliseconds grace);

// CAP_NET_ADMIN and CAP_SYS_ADMIN (namespaces, nftables, setns): empty when present, else the
// one-line reason.
std::string MissingPrivileges();

// The path of the running portolan binary, for the responders it starts.
std::string SelfExecutable();

}  // namespace portolan::lab
