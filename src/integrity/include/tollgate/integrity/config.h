// The rules `tollgate diff` applies, as data: ids, severities, on/off, and the lists they use
// (vendor names and domains, allowlisted domains, sensitive import groups, entropy threshold,
// marker byte patterns). The built-in defaults are a YAML document (defaultConfigYaml()); a
// user's file (--config FILE) is laid over them: every key it sets replaces the default's.
//
//   rules:
//     authenticode-slack: {severity: critical}
//     changed-without-version-bump: {enabled: false}
//   vendor:
//     names: ["Acme Chat Ltd"]
//     domains: [acmechat.example]
//   allowlist:
//     domains: [microsoft.com]
//   sensitive_imports:
//     memory-protection: [VirtualAlloc, VirtualProtect]
//   entropy: {threshold: 7.2, min_bytes: 1024}
//   markers:
//     - {name: feedface, hex: "fe ed fa ce"}
//
// Parsing never throws (yaml-cpp's exceptions are caught): errors are kInvalidInput naming the
// key. Thread-safe once built (immutable).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "tollgate/report/finding.h"
#include "tollgate/util/result.h"

namespace tollgate::integrity {

struct RuleInfo {
  std::string id;
  report::Severity severity = report::Severity::kMedium;
  bool enabled = true;
  std::string title;   // one line: what the rule looks for
  std::string reason;  // why it matters (goes into every finding's evidence)
};

struct Marker {
  std::string name;
  std::string bytes;  // raw bytes to look for
};

struct DiffConfig {
  std::map<std::string, RuleInfo> rules;  // by id
  std::vector<std::string> vendorNames;   // CompanyName values of the vendor's own binaries
  std::vector<std::string> vendorDomains;
  std::vector<std::string> allowDomains;
  std::map<std::string, std::vector<std::string>> sensitiveImports;  // group -> function names
  double entropyThreshold = 7.2;
  std::uint64_t entropyMinBytes = 1024;
  std::vector<Marker> markers;

  [[nodiscard]] bool enabled(std::string_view id) const;
  [[nodiscard]] const RuleInfo& rule(std::string_view id) const;  // id must exist
};

// The built-in rule set.
[[nodiscard]] std::string_view defaultConfigYaml();
[[nodiscard]] DiffConfig defaultConfig();

// `yaml` laid over `base`. Errors: kInvalidInput ("rules.foo: unknown rule", "entropy.threshold:
// not a number", a YAML syntax error with its line), with `label` (the file name) as context.
[[nodiscard]] Result<DiffConfig> parseConfig(std::string_view yaml, const DiffConfig& base,
                                             const std::string& label);

}  // namespace tollgate::integrity
