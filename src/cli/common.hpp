#pragma once
// What every subcommand shares: exit codes, loading with diagnostics, writing output.

#include <chrono>
#include <optional>
#include <string>

#include <CLI/CLI.hpp>

#include "core/format.hpp"
#include "inventory/inventory_loader.hpp"

namespace portolan::cli {

// Exit codes scripts can rely on (README "Exit codes").
enum ExitCode : int {
  kExitOk = 0,        // done; the check found nothing wrong
  kExitFindings = 1,  // the check found problems (lint errors, nothing requires the port, ...)
  kExitBadInput = 2,  // bad usage or bad input: nothing was written
};

// Options of the commands that read an inventory.
struct InventoryOptions {
  std::string inventory;
  std::optional<std::string> catalog;
  bool quiet = false;
};
void AddInventoryOptions(CLI::App& command, InventoryOptions& options);

// Loads and prints warnings (unless quiet) to stderr. Throws core::InputError.
inventory::LoadedInventory Load(const InventoryOptions& options);

// Adds --format with the given choices, defaulting to the first.
void AddFormatOption(CLI::App& command, core::Format& format, const std::vector<core::Format>& choices);

// Ends the command with exit code 2: "OPTION: error: MESSAGE".
[[noreturn]] void BadArgument(const std::string& option, const std::string& message);

// "500ms", "2s", "90s", "10m", "2h" (a bare number is seconds), between min and max; ends the
// command with exit code 2 ("OPTION: error: ...") otherwise.
std::chrono::milliseconds ParseDuration(const std::string& option, const std::string& text,
                                        std::chrono::milliseconds min, std::chrono::milliseconds max);
// "500 ms", "30 s", "10 min", "2 h"
std::string DurationText(std::chrono::milliseconds duration);

// Writes to the file (atomically) when a path is given, else to stdout.
void Emit(const std::string& content, const std::optional<std::string>& path);

}  // namespace portolan::cli
