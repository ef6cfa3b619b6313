#pragma once
// One function per subcommand: each adds itself to the app and stores its exit code.

#include <CLI/CLI.hpp>

namespace portolan::cli {

void AddCatalogCommand(CLI::App& app, int& exit_code);
void AddPlanCommand(CLI::App& app, int& exit_code);
void AddExplainCommand(CLI::App& app, int& exit_code);
void AddLmhostsCommands(CLI::App& app, int& exit_code);  // lmhosts and mp-script
void AddRenderCommand(CLI::App& app, int& exit_code);
void AddProbeCommand(CLI::App& app, int& exit_code);
void AddRespondCommand(CLI::App& app, int& exit_code);
void AddLabCommand(CLI::App& app, int& exit_code);  // lab up, verify, load, down, run, list
void AddAuditCommand(CLI::App& app, int& exit_code);
void AddReportCommand(CLI::App& app, int& exit_code);

}  // namespace portolan::cli
