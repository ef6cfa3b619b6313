// `portolan explain`: which flows connect two endpoints, and why; or why nothing does.

#include "cli/commands.hpp"
#include "cli/common.hpp"
#include "core/diagnostics.hpp"
#include "plan/explain.hpp"
#include "plan/planner.hpp"
#include "report/explain_report.hpp"

namespace portolan::cli {

namespace {

struct ExplainOptions {
  InventoryOptions input;
  std::string from;
  std::string to;
  std::optional<std::string> port;
  core::Format format = core::Format::kTable;
};

}  // namespace

void AddExplainCommand(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<ExplainOptions>();
  auto* command = app.add_subcommand(
      "explain",
      "Say which flows connect two hosts or networks and which catalog entries require them; with --port, "
      "whether anything requires that port and, if not, why each candidate entry does not apply. "
      "Exit 1 when nothing is required");
  AddInventoryOptions(*command, options->input);
  command->add_option("--from", options->from, "Source: a host or client network name, or an address")
      ->required()
      ->type_name("HOST|ADDRESS");
  command->add_option("--to", options->to, "Destination: a host or client network name, or an address")
      ->required()
      ->type_name("HOST|ADDRESS");
  command->add_option("--port", options->port, "Only this port, e.g. 445/tcp, 389/udp or gre")->type_name("PORT/PROTO");
  AddFormatOption(*command, options->format, {core::Format::kTable, core::Format::kJson});
  command->callback([options, &exit_code] {
    const auto loaded = Load(options->input);
    std::string error;
    const auto from = plan::FindEndpoint(loaded.inventory, options->from, &error);
    if (!from) BadArgument("--from", error);
    const auto to = plan::FindEndpoint(loaded.inventory, options->to, &error);
    if (!to) BadArgument("--to", error);
    std::optional<plan::PortQuery> port;
    if (options->port) {
      port = plan::ParsePortQuery(*options->port, &error);
      if (!port) BadArgument("--port", error);
    }
    const auto plan = plan::BuildPlan(loaded.catalog, loaded.inventory);
    const auto explanation = plan::Explain(loaded.catalog, loaded.inventory, plan, from->endpoint, to->endpoint, port);
    Emit(report::RenderExplanation(loaded.catalog, loaded.inventory, plan, explanation, options->format), std::nullopt);
    // A request an HTTP proxy carries is required too, on the proxy's path.
    exit_code = explanation.flows.empty() && explanation.proxied.empty() ? kExitFindings : kExitOk;
  });
}

}  // namespace portolan::cli
