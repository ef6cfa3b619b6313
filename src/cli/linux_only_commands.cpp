// On Windows, `respond` and `lab` are not built: the responder and the lab are Linux-only
// (docs/windows.md). The commands exist and say so, with exit code 2, rather than being unknown.

#include <iostream>

#include "cli/commands.hpp"
#include "cli/common.hpp"

namespace portolan::cli {

namespace {

void AddLinuxOnly(CLI::App& app, int& exit_code, const char* name, const char* what, const char* instead) {
  auto* command = app.add_subcommand(name, std::string(what) + " (Linux only in this build)");
  command->allow_extras();
  command->callback([&exit_code, name, instead] {
    std::cerr << "portolan " << name << ": not available in the Windows build (it runs on Linux); " << instead << "\n";
    exit_code = kExitBadInput;
  });
}

}  // namespace

void AddRespondCommand(CLI::App& app, int& exit_code) {
  AddLinuxOnly(app, exit_code, "respond", "stand in for a host's ports", "run it on Linux (or in WSL 2)");
}

void AddLabCommand(CLI::App& app, int& exit_code) {
  AddLinuxOnly(app, exit_code, "lab", "the site in network namespaces",
               "the lab needs Linux network namespaces: run it on Linux (or in WSL 2)");
}

}  // namespace portolan::cli
