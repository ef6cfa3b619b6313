// plan_bench: times the phases of `portolan plan` in-process (parse the inventory, build the
// plan, render it) on generated inventories from a few sites up to the 500-site goal shape.

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <tuple>

#include <benchmark/benchmark.h>

#include "catalog/catalog_loader.hpp"
#include "core/yaml_reader.hpp"
#include "generator/inventory_generator.hpp"
#include "inventory/inventory_loader.hpp"
#include "plan/planner.hpp"
#include "report/plan_report.hpp"

namespace {

using portolan::bench::GeneratorOptions;

struct Shape {
  int sites;
  int hosts;
  int clients;
};

constexpr Shape kSmall{3, 12, 3};
constexpr Shape kMedium{50, 1000, 200};
constexpr Shape kFull{500, 10000, 2000};  // the goal: under 1 s and 500 MB for the whole command
constexpr std::uint64_t kSeed = 2;  // seed 2 has global catalogs, WINS and the default RPC range (seed 1 has no GC)

const portolan::catalog::Catalog& Sms2003() {
  static const auto catalog = portolan::catalog::LoadEmbeddedCatalog("sms2003");
  return catalog;
}

// Generated once per shape: every benchmark after the first reuses the earlier phases.
struct Prepared {
  std::string yaml;
  std::string errors;  // the loader's diagnostics when the inventory did not load
  std::optional<portolan::inventory::Inventory> inventory;
  std::optional<portolan::plan::Plan> plan;
};

Prepared& Prepare(const Shape& shape) {
  static std::map<std::tuple<int, int, int>, std::unique_ptr<Prepared>> cache;
  auto& slot = cache[{shape.sites, shape.hosts, shape.clients}];
  if (slot) return *slot;
  slot = std::make_unique<Prepared>();
  GeneratorOptions options;
  options.sites = shape.sites;
  options.hosts = shape.hosts;
  options.client_networks = shape.clients;
  options.seed = kSeed;
  slot->yaml = portolan::bench::GenerateInventoryYaml(options);
  portolan::core::Diagnostics diags;
  slot->inventory = portolan::inventory::ParseInventory(slot->yaml, "generated.yaml", Sms2003(), diags);
  if (!slot->inventory) {
    slot->errors = diags.ToString();
    return *slot;
  }
  slot->plan = portolan::plan::BuildPlan(Sms2003(), *slot->inventory);
  return *slot;
}

void SetShapeCounters(benchmark::State& state, const Shape& shape) {
  state.counters["sites"] = shape.sites;
  state.counters["hosts"] = shape.hosts;
  state.counters["clients"] = shape.clients;
}

void BM_Generate(benchmark::State& state, Shape shape) {
  GeneratorOptions options;
  options.sites = shape.sites;
  options.hosts = shape.hosts;
  options.client_networks = shape.clients;
  options.seed = kSeed;
  for (auto _ : state) benchmark::DoNotOptimize(portolan::bench::GenerateInventoryYaml(options));
  SetShapeCounters(state, shape);
}

void BM_Parse(benchmark::State& state, Shape shape) {
  const auto& prepared = Prepare(shape);
  if (!prepared.inventory) {
    state.SkipWithError(("the generated inventory does not load:\n" + prepared.errors).c_str());
    return;
  }
  for (auto _ : state) {
    portolan::core::Diagnostics diags;
    auto inventory = portolan::inventory::ParseInventory(prepared.yaml, "generated.yaml", Sms2003(), diags);
    benchmark::DoNotOptimize(inventory);
  }
  SetShapeCounters(state, shape);
  state.counters["yaml_bytes"] = static_cast<double>(prepared.yaml.size());
}

// yaml-cpp's share of BM_Parse: the rest is the loader's checks and building the Inventory.
void BM_ParseYamlOnly(benchmark::State& state, Shape shape) {
  const auto& prepared = Prepare(shape);
  for (auto _ : state) {
    portolan::core::Diagnostics diags;
    auto root = portolan::core::ParseYaml(prepared.yaml, "generated.yaml", diags);
    benchmark::DoNotOptimize(root);
  }
  SetShapeCounters(state, shape);
}

void BM_Plan(benchmark::State& state, Shape shape) {
  const auto& prepared = Prepare(shape);
  if (!prepared.inventory) {
    state.SkipWithError(("the generated inventory does not load:\n" + prepared.errors).c_str());
    return;
  }
  for (auto _ : state) {
    auto plan = portolan::plan::BuildPlan(Sms2003(), *prepared.inventory);
    benchmark::DoNotOptimize(plan);
  }
  SetShapeCounters(state, shape);
  state.counters["flows"] = static_cast<double>(prepared.plan->flows.size());
}

void BM_Render(benchmark::State& state, Shape shape, portolan::core::Format format) {
  const auto& prepared = Prepare(shape);
  if (!prepared.plan) {
    state.SkipWithError(("the generated inventory does not load:\n" + prepared.errors).c_str());
    return;
  }
  std::size_t bytes = 0;
  for (auto _ : state) {
    auto text = portolan::report::RenderPlan(Sms2003(), *prepared.inventory, *prepared.plan, format);
    bytes = text.size();
    benchmark::DoNotOptimize(text);
  }
  SetShapeCounters(state, shape);
  state.counters["output_bytes"] = static_cast<double>(bytes);
}

void BM_RenderJson(benchmark::State& state, Shape shape) {
  BM_Render(state, shape, portolan::core::Format::kJson);
}
void BM_RenderTable(benchmark::State& state, Shape shape) {
  BM_Render(state, shape, portolan::core::Format::kTable);
}

}  // namespace

// Registered per shape so that --benchmark_filter=small (the smoke run) skips the big ones.
#define PORTOLAN_PHASES(shape_name, shape)                                               \
  BENCHMARK_CAPTURE(BM_Generate, shape_name, shape)->Unit(benchmark::kMillisecond);      \
  BENCHMARK_CAPTURE(BM_ParseYamlOnly, shape_name, shape)->Unit(benchmark::kMillisecond); \
  BENCHMARK_CAPTURE(BM_Parse, shape_name, shape)->Unit(benchmark::kMillisecond);         \
  BENCHMARK_CAPTURE(BM_Plan, shape_name, shape)->Unit(benchmark::kMillisecond);          \
  BENCHMARK_CAPTURE(BM_RenderJson, shape_name, shape)->Unit(benchmark::kMillisecond);    \
  BENCHMARK_CAPTURE(BM_RenderTable, shape_name, shape)->Unit(benchmark::kMillisecond)

PORTOLAN_PHASES(small, kSmall);
PORTOLAN_PHASES(medium, kMedium);
PORTOLAN_PHASES(full_500_10000_2000, kFull);

BENCHMARK_MAIN();
