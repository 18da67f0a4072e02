// Views of a Report: a table for people, the one JSON shape, SARIF 2.1.0 and CycloneDX 1.6 VEX;
// and the --fail-on gate.
//
//   report::Report r{.tool = {.version = kTollgateVersion, .command = "vuln"}, .target = path};
//   r.findings = ...;
//   auto fmt = report::parseFormat(args.format);             // kUsage error for unknown names
//   if (!fmt) { ... exit 2 ... }
//   report::WriteOptions opt{.timestamp = rfc3339(env.now()), .serialUuid = env.uuid()};
//   report::write(r, *fmt, *env.out, opt);
//   auto failOn = report::parseFailOn(args.failOn);         // "" -> never fail
//   return report::exitCode(r, *failOn);                    // 1 when a finding reaches it
//
// Every writer is pure, thread-safe and deterministic: findings are ordered by severity (worst
// first), then id, subject and message, and JSON keys come in a fixed order (evidence keys sorted),
// so the same Report always gives the same bytes. Writers never fail: invalid UTF-8 in any string
// becomes U+FFFD and values a schema would reject are left out. Suppressed findings
// (Finding::suppressedBy) are left out of the table and JSON unless WriteOptions::showSuppressed;
// SARIF always carries them as results with a `suppressions` entry and CycloneDX VEX always carries
// them as `not_affected` analyses, since both formats have a place for that decision.
//
// Evidence keys the SARIF and VEX writers read (all optional; other keys are carried as they are):
//   "aliases"   array of strings: other ids of the same vulnerability (CVE-..., GHSA-...)
//   "cvss"      a vector string, or an array of them ("CVSS:3.1/AV:N/..." or "CVSS:4.0/...")
//   "score"     number 0-10: the score to show (else computed from "cvss")
//   "fixed"     string or array of strings: versions that fix it (VEX `recommendation`)
//   "installed" string: the version found (VEX `affects[].versions`)
//   "vex"       object {"status", "justification", "statement"} set by report::applyVex
// The full mapping of each format is docs/report.md.
#pragma once

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "tollgate/report/finding.h"
#include "tollgate/util/result.h"

namespace tollgate::report {

enum class Format : std::uint8_t { kTable, kJson, kSarif, kCycloneDxVex };

// "table" | "json" | "sarif" | "cyclonedx-vex" (also "vex"); kUsage error naming the choices.
[[nodiscard]] Result<Format> parseFormat(std::string_view name);
[[nodiscard]] std::string_view toString(Format f);

struct WriteOptions {
  // Table and JSON: list suppressed findings too (each with its suppressedBy reason).
  bool showSuppressed = false;
  // CycloneDX VEX metadata.timestamp (RFC 3339, e.g. cli::rfc3339(env.now())); left out if empty.
  std::string timestamp{};
  // CycloneDX VEX serialNumber as a bare RFC 4122 UUID (env.uuid()); left out if not one.
  std::string serialUuid{};
  // Table: maximum width of the SUBJECT column before it is shortened with "...".
  std::size_t subjectWidth = 60;
};

// Findings in the writers' order: severity descending, then id, subject, message (stable).
[[nodiscard]] std::vector<const Finding*> orderedFindings(const Report& r);

// "3 findings, 1 critical: <message of the worst>" or "no findings" (suppressed ones not
// counted; "; 2 suppressed" appended when there are any).
[[nodiscard]] std::string summaryLine(const Report& r);

// The summary line, then one row per finding: SEVERITY  ID  SUBJECT  MESSAGE.
[[nodiscard]] std::string toTable(const Report& r, const WriteOptions& opt = {});

// {"tool": {"name", "version", "command"}, "target": ..., "findings": [{"id", "severity",
// "subject", "message", "evidence"}]}; a finding also has "locations" when it names any and
// "suppressedBy" when it is suppressed (shown only with showSuppressed).
[[nodiscard]] nlohmann::ordered_json toJsonValue(const Report& r, const WriteOptions& opt = {});
[[nodiscard]] std::string toJson(const Report& r, const WriteOptions& opt = {});

// SARIF 2.1.0 (valid against sarif-schema-2.1.0.json): one run, one rule per distinct finding
// id, one result per finding with level error (high and above), warning (medium) or note,
// locations from Finding::locations or else a subject that is a path, a logical location for a
// purl subject, and GitHub's "security-severity" on rules.
[[nodiscard]] std::string toSarif(const Report& r, const WriteOptions& opt = {});

// CycloneDX 1.6 VEX (valid against bom-1.6.schema.json): one component per distinct subject
// (bom-ref = the purl or path), one vulnerability per (id, subject) with ratings, affects refs,
// and an analysis state (not_affected for suppressed findings, with its justification).
[[nodiscard]] std::string toCycloneDxVex(const Report& r, const WriteOptions& opt = {});

[[nodiscard]] std::string write(const Report& r, Format format, const WriteOptions& opt = {});
// Writes the same bytes to `out` (the caller checks the stream's state).
void write(const Report& r, Format format, std::ostream& out, const WriteOptions& opt = {});

// --fail-on: "" (or "none", "never") -> nullopt, else a severity name (info, low, medium, high,
// critical, malicious; case-insensitive). kUsage error naming the choices otherwise.
[[nodiscard]] Result<std::optional<Severity>> parseFailOn(std::string_view text);

// 1 when failOn is set and maxSeverity(r) >= *failOn, else 0. Suppressed findings never count.
[[nodiscard]] int exitCode(const Report& r, std::optional<Severity> failOn);

}  // namespace tollgate::report
