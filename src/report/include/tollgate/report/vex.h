// VEX input: OpenVEX and CycloneDX VEX documents read into statements, and applied to a Report.
//
//   auto text = readFile(path);                         // the caller does the I/O
//   Result<std::vector<VexStatement>> st = report::parseVex(*text, path);
//   if (!st) { printError(env, st.error().describe()); return 2; }
//   report::VexSummary s = report::applyVex(report, *st);
//
// Formats (detected from the content):
//   OpenVEX 0.2.0 and the older 0.0.x shape ("@context" https://openvex.dev/ns/...): statements[]
//     with vulnerability (object with name / @id / aliases, or a plain string), products (objects
//     with @id, identifiers.purl and subcomponents, or plain strings), status, justification,
//     impact_statement, action_statement; document-level products are not a thing in OpenVEX.
//   CycloneDX 1.4-1.6 JSON with vulnerabilities[]: id, references[].id as aliases,
//     analysis.state (not_affected, false_positive -> not_affected; resolved,
//     resolved_with_pedigree -> fixed; exploitable -> affected; in_triage -> under_investigation),
//     analysis.justification and detail, affects[].ref resolved through the document's components
//     (nested too) to their purls, or a purl / "urn:cdx:...#bom-ref" link given directly.
//     affects[].versions is not read: a statement covers the component its ref names.
// Statements without a product apply to every subject.
//
// Matching (applyVex): a statement matches a finding when the finding's id or one of its
// evidence "aliases" equals the statement's vulnerability or one of its aliases, and one of the
// statement's products matches the finding's subject: purls compare type, namespace and name;
// a product without a version covers every version, and a product's qualifiers must all be on the
// subject; a subject that is not a purl must equal the product. When several statements match,
// the last one in document order wins (OpenVEX documents list statements oldest first).
//
// Effect: not_affected and fixed set Finding::suppressedBy ("vex not_affected: <justification>:
// <impact statement> (<source>)"); every match also records evidence["vex"] = {"status",
// "justification", "statement", "source"} so the writers show it (CycloneDX analysis state).
//
// parseVex reads untrusted bytes: it never throws or crashes, and errors are kInvalidInput naming
// the source and the JSON path of what is wrong ("$.statements[2].status: unknown status 'x'"),
// kUnsupported for a JSON document that is neither format, kLimit for more than
// kMaxVexStatements statements. Everything here is pure and thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "tollgate/report/finding.h"
#include "tollgate/util/result.h"

namespace tollgate::report {

enum class VexStatus : std::uint8_t { kNotAffected, kAffected, kFixed, kUnderInvestigation };

// "not_affected", "affected", "fixed", "under_investigation".
[[nodiscard]] std::string_view toString(VexStatus s);

struct VexStatement {
  std::string vulnerability{};          // the id the statement is about (CVE-..., GHSA-...)
  std::vector<std::string> aliases{};   // other ids of the same vulnerability
  std::vector<std::string> products{};  // purls (or other identifiers); empty = every subject
  VexStatus status = VexStatus::kUnderInvestigation;
  std::string justification{};  // OpenVEX or CycloneDX justification token; may be empty
  std::string statement{};      // impact statement / action statement / analysis detail
  std::string source{};         // the label given to parseVex (the file name)
};

inline constexpr std::size_t kMaxVexStatements = 1'000'000;

[[nodiscard]] Result<std::vector<VexStatement>> parseVex(std::string_view json,
                                                         const std::string& source);

struct VexSummary {
  std::size_t matched = 0;     // findings some statement applied to
  std::size_t suppressed = 0;  // of which newly suppressed (not_affected / fixed)
};

// Applies the statements to every finding of `r` (see Matching above). A finding that was already
// suppressed keeps its reason.
VexSummary applyVex(Report& r, std::span<const VexStatement> statements);

// True when `product` (from a statement) covers `subject` (a finding's subject).
[[nodiscard]] bool vexProductMatches(std::string_view product, std::string_view subject);

}  // namespace tollgate::report
