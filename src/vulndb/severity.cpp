#include "severity.h"

#include <algorithm>
#include <cctype>

#include "tollgate/cvss/cvss.h"

namespace tollgate::vulndb {

namespace {

report::Severity fromRating(cvss::Rating r) {
  switch (r) {
    case cvss::Rating::kNone:
      return report::Severity::kInfo;
    case cvss::Rating::kLow:
      return report::Severity::kLow;
    case cvss::Rating::kMedium:
      return report::Severity::kMedium;
    case cvss::Rating::kHigh:
      return report::Severity::kHigh;
    case cvss::Rating::kCritical:
      return report::Severity::kCritical;
  }
  return report::Severity::kMedium;
}

}  // namespace

std::optional<report::Severity> severityFromText(std::string_view text) {
  std::string t(text);
  std::ranges::transform(t, t.begin(), [](unsigned char c) { return std::tolower(c); });
  using report::Severity;
  if (t == "low" || t == "negligible" || t == "unimportant") return Severity::kLow;
  if (t == "moderate" || t == "medium") return Severity::kMedium;
  if (t == "high" || t == "important") return Severity::kHigh;
  if (t == "critical") return Severity::kCritical;
  return std::nullopt;
}

SeverityInfo severityOf(const std::string& id, const nlohmann::json& severity,
                        const std::string& dbSeverity, const std::string& affectedSeverity) {
  SeverityInfo out;
  for (const auto& s : severity) {
    if (!s.is_object() || !s.contains("score") || !s["score"].is_string()) continue;
    const auto& v = s["score"].get_ref<const std::string&>();
    // Newest CVSS version first: v4 over v3 over v2.
    if (out.vector.empty() || v.starts_with("CVSS:4")) out.vector = v;
  }
  if (id.starts_with("MAL-")) {
    out.severity = report::Severity::kMalicious;
    out.source = "malicious";
    return out;
  }
  // The score is always computed when there is a vector; the severity is the advisory's own
  // rating where it gives one (the publisher's judgement), else the CVSS rating.
  std::optional<report::Severity> fromCvss;
  if (!out.vector.empty()) {
    if (auto sc = cvss::score(out.vector)) {
      out.baseScore = sc->value;
      fromCvss = fromRating(sc->rating);
    }
  }
  for (const auto* text : {&dbSeverity, &affectedSeverity}) {
    if (auto s = severityFromText(*text)) {
      out.severity = *s;
      out.source = "advisory";
      return out;
    }
  }
  if (fromCvss) {
    out.severity = *fromCvss;
    out.source = "cvss";
  }
  return out;
}

}  // namespace tollgate::vulndb
