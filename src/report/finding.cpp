#include "tollgate/report/finding.h"

#include <algorithm>
#include <array>
#include <cctype>

namespace tollgate::report {

namespace {
constexpr std::array<std::string_view, 6> kNames = {"info", "low",      "medium",
                                                    "high", "critical", "malicious"};
}

std::string_view toString(Severity s) { return kNames[static_cast<std::size_t>(s)]; }

std::optional<Severity> parseSeverity(std::string_view text) {
  std::string lower(text);
  std::ranges::transform(lower, lower.begin(),
                         [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  for (std::size_t i = 0; i < kNames.size(); ++i)
    if (lower == kNames[i]) return static_cast<Severity>(i);
  return std::nullopt;
}

std::optional<Severity> maxSeverity(const Report& r) {
  std::optional<Severity> best;
  for (const auto& f : r.findings)
    if (!f.suppressedBy && (!best || f.severity > *best)) best = f.severity;
  return best;
}

}  // namespace tollgate::report
