// portolan: Microsoft KB 826852 (SMS 2003 through a firewall) as an executable system.
// This file wires the subcommands together and turns every failure into an exit code.

#include <iostream>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "cli/commands.hpp"
#include "cli/common.hpp"
#include "core/diagnostics.hpp"
#include "core/platform.hpp"

int main(int argc, char** argv) {
  using namespace portolan::cli;
  portolan::core::platform::PrepareConsole();
  CLI::App app{
      "portolan: the firewall ports of SMS 2003 (Microsoft KB 826852) as data, applied to your site inventory.\n"
      "Exit codes: 0 ok, 1 the check found problems, 2 bad usage or bad input.",
      "portolan"};
  app.set_version_flag("-V,--version", std::string("portolan ") + PORTOLAN_VERSION);
  app.require_subcommand(1);
  // Arguments that start with '/' are paths (a Windows user's /inventories/site.yaml), never options.
  app.allow_windows_style_options(false);
  app.get_formatter()->column_width(34);

  int exit_code = kExitOk;
  AddCatalogCommand(app, exit_code);
  AddPlanCommand(app, exit_code);
  AddExplainCommand(app, exit_code);
  AddLmhostsCommands(app, exit_code);
  AddRenderCommand(app, exit_code);
  AddProbeCommand(app, exit_code);
  AddRespondCommand(app, exit_code);
  AddLabCommand(app, exit_code);
  AddAuditCommand(app, exit_code);
  AddReportCommand(app, exit_code);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help and --version arrive here too, with a success code; CLI11 prints the right text.
    if (e.get_exit_code() == static_cast<int>(CLI::ExitCodes::Success)) return app.exit(e);
    std::cerr << "portolan: " << e.what() << "\nRun 'portolan --help' (or 'portolan COMMAND --help') for usage.\n";
    return kExitBadInput;
  } catch (const portolan::core::InputError& e) {
    std::cerr << e.diagnostics().ToString();
    return kExitBadInput;
  } catch (const std::exception& e) {
    std::cerr << "portolan: error: " << e.what() << "\n";
    return kExitBadInput;
  }
  return exit_code;
}
