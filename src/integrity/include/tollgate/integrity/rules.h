// The release gate: applies the rules of a DiffConfig to the changes between two releases and
// returns findings in the one shape every judging command uses (report::Finding).
//
//   DiffConfig cfg = integrity::defaultConfig();
//   ReleaseDiff d = integrity::diffReleases(*oldR, *newR);
//   std::vector<report::Finding> f = integrity::applyRules(*oldR, *newR, d, cfg, {}, diag);
//
// Rule ids are stable (see config.h for the list and docs/integrity.md for what each checks).
// Every finding carries `evidence.reason` (why it matters) and the facts that prove it. Files
// that cannot be read become warnings in `diag`, never errors. Binaries of the new release that
// changed or were added are parsed (binfmt) once each, in parallel; the old release's binaries
// are read only where a rule needs a comparison.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "tollgate/integrity/config.h"
#include "tollgate/integrity/diff.h"
#include "tollgate/integrity/release.h"
#include "tollgate/report/finding.h"
#include "tollgate/util/diagnostics.h"

namespace tollgate::integrity {

// Rule 8: an indicator lookup (hashes, domains, IPs) provided by the caller, e.g. the store's
// imported indicator lists. Returns a description of the match ("3CX campaign list") or "".
using IocLookup = std::function<std::string(std::string_view kind, std::string_view value)>;

struct RuleOptions {
  unsigned threads = 0;
  IocLookup ioc;              // empty: rule ioc-match is not applied
  std::string yaraRulesFile;  // empty: rule yara-match is not applied
};

// Findings sorted by severity (highest first), then subject and id.
[[nodiscard]] Result<std::vector<report::Finding>> applyRules(
    const Release& oldRelease, const Release& newRelease, const ReleaseDiff& diff,
    const DiffConfig& config, const RuleOptions& opts, Diagnostics& diag);

// "3 findings, 1 critical: d3dcompiler_47.dll carries 281 KB after its signature" (the count of
// the highest severity and the message of its first finding), or "no findings".
[[nodiscard]] std::string summarize(const std::vector<report::Finding>& findings);

// Whether libyara was built in (rule yara-match).
[[nodiscard]] bool yaraAvailable();

}  // namespace tollgate::integrity
