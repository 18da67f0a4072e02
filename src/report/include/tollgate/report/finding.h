// The one finding shape every judging command emits (vuln, diff, verify, proxy alerts, observe).
//
//   report::Finding f{.id = "authenticode-slack", .severity = report::Severity::kCritical,
//                     .subject = "app/d3dcompiler_47.dll",
//                     .message = "d3dcompiler_47.dll carries 281 KB after its signature"};
//   f.evidence["slack_bytes"] = 288000;
//
// JSON, SARIF, tables, CycloneDX VEX and the store are all views of this struct (see writers.h).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace tollgate::report {

// Ordered: a comparison `severity >= failOn` decides exit code 1.
enum class Severity : std::uint8_t { kInfo, kLow, kMedium, kHigh, kCritical, kMalicious };

// "info", "low", "medium", "high", "critical", "malicious".
std::string_view toString(Severity s);
// Accepts the names above, case-insensitive; nullopt for anything else.
std::optional<Severity> parseSeverity(std::string_view text);

// Members have default initialisers so that designated initialisers may omit any of them
// (-Wmissing-field-initializers).
struct Finding {
  std::string id{};  // stable rule id (`authenticode-slack`) or advisory id (`GHSA-...`)
  Severity severity = Severity::kInfo;
  std::string subject{};                               // path, purl or flow id
  std::string message{};                               // one line a person can act on
  nlohmann::json evidence = nlohmann::json::object();  // the facts that prove it
  // Optional: where a code-scanning UI should point (SARIF physicalLocation). Relative paths.
  std::vector<std::string> locations{};
  // Set when a VEX statement or config suppressed it (shown only with --show-suppressed).
  std::optional<std::string> suppressedBy{};
};

// What produced the findings: {"name": "tollgate", "version": ..., "command": "vuln"}.
struct ToolInfo {
  std::string name = "tollgate";
  std::string version{};
  std::string command{};
};

// One judging run: {"tool": {...}, "target": ..., "findings": [...]}.
struct Report {
  ToolInfo tool{};
  std::string target{};
  std::vector<Finding> findings{};
};

// Highest severity among unsuppressed findings, or nullopt if there are none.
std::optional<Severity> maxSeverity(const Report& r);

}  // namespace tollgate::report
