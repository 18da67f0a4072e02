// Severity of an advisory (private to vulndb/).
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "tollgate/report/finding.h"

namespace tollgate::vulndb {

struct SeverityInfo {
  report::Severity severity = report::Severity::kMedium;
  // "malicious" (MAL- id), "cvss" (computed from a vector), "advisory" (the database's own
  // rating), "default" (nothing usable: medium, so that --fail-on medium still gates on it).
  std::string source = "default";
  std::optional<double> baseScore;
  std::string vector;  // the CVSS vector it came from, if any
  [[nodiscard]] nlohmann::json toJson() const {
    nlohmann::json j;
    j["severity_source"] = source;
    j["base_score"] = baseScore ? nlohmann::json(*baseScore) : nlohmann::json(nullptr);
    if (!vector.empty()) j["vector"] = vector;
    return j;
  }
};

// `severity` is the stored OSV severity array ([{"type","score"}]); `dbSeverity` the
// database_specific rating; `affectedSeverity` the affected entry's ecosystem-specific one.
[[nodiscard]] SeverityInfo severityOf(const std::string& id, const nlohmann::json& severity,
                                      const std::string& dbSeverity,
                                      const std::string& affectedSeverity);

// "LOW", "MODERATE", "medium", "Important", "CRITICAL", ... ; nullopt for anything else.
[[nodiscard]] std::optional<report::Severity> severityFromText(std::string_view text);

}  // namespace tollgate::vulndb
