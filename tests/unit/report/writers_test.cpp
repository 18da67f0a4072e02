#include "tollgate/report/writers.h"

#include <gtest/gtest.h>

#include <sstream>

namespace tollgate::report {
namespace {

using nlohmann::json;

Report sample() {
  Report r;
  r.tool.version = "0.1.0";
  r.tool.command = "diff";
  r.target = "release-2";
  Finding slack{.id = "authenticode-slack",
                .severity = Severity::kCritical,
                .subject = "app/d3dcompiler_47.dll",
                .message = "d3dcompiler_47.dll carries 281 KB after its signature"};
  slack.evidence["slack_bytes"] = 288000;
  slack.evidence["alpha"] = "first";
  Finding ver{.id = "version-unchanged",
              .severity = Severity::kMedium,
              .subject = "app/ffmpeg.dll",
              .message = "ffmpeg.dll changed without a version change"};
  Finding vuln{.id = "GHSA-aaaa-bbbb-cccc",
               .severity = Severity::kHigh,
               .subject = "pkg:npm/left-pad@1.3.0",
               .message = "left-pad 1.3.0: prototype pollution"};
  vuln.evidence["aliases"] = json::array({"CVE-2024-0001", "GHSA-aaaa-bbbb-cccc"});
  vuln.evidence["cvss"] = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:N";
  vuln.evidence["score"] = 9.1;
  vuln.evidence["installed"] = "1.3.0";
  vuln.evidence["fixed"] = json::array({"1.3.1"});
  vuln.locations = {"node_modules/left-pad/package.json"};
  // Inserted out of order: writers sort.
  r.findings = {ver, vuln, slack};
  return r;
}

TEST(ReportFormat, ParsesNames) {
  EXPECT_EQ(*parseFormat("table"), Format::kTable);
  EXPECT_EQ(*parseFormat("json"), Format::kJson);
  EXPECT_EQ(*parseFormat("sarif"), Format::kSarif);
  EXPECT_EQ(*parseFormat("cyclonedx-vex"), Format::kCycloneDxVex);
  auto bad = parseFormat("xml");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, ErrorCode::kUsage);
  EXPECT_NE(bad.error().message.find("sarif"), std::string::npos);
}

TEST(ReportOrder, SeverityThenIdThenSubject) {
  Report r = sample();
  r.findings.push_back({.id = "authenticode-slack",
                        .severity = Severity::kCritical,
                        .subject = "app/a.dll",
                        .message = "x"});
  auto o = orderedFindings(r);
  ASSERT_EQ(o.size(), 4u);
  EXPECT_EQ(o[0]->subject, "app/a.dll");
  EXPECT_EQ(o[1]->subject, "app/d3dcompiler_47.dll");
  EXPECT_EQ(o[2]->id, "GHSA-aaaa-bbbb-cccc");
  EXPECT_EQ(o[3]->id, "version-unchanged");
}

TEST(ReportSummary, CountsAndWorstMessage) {
  Report r = sample();
  EXPECT_EQ(summaryLine(r),
            "3 findings, 1 critical: d3dcompiler_47.dll carries 281 KB after its signature");
  r.findings[2].suppressedBy = "waived";
  EXPECT_EQ(summaryLine(r),
            "2 findings, 1 high: left-pad 1.3.0: prototype pollution; 1 suppressed");
  EXPECT_EQ(summaryLine(Report{}), "no findings");
  Report one;
  one.findings.push_back({.id = "x", .severity = Severity::kLow, .message = "m"});
  EXPECT_EQ(summaryLine(one), "1 finding, 1 low: m");
}

TEST(ReportTable, SummaryThenAlignedColumns) {
  std::string t = toTable(sample());
  std::istringstream in(t);
  std::string l0, l1, l2;
  std::getline(in, l0);
  std::getline(in, l1);
  std::getline(in, l2);
  EXPECT_EQ(l0, "3 findings, 1 critical: d3dcompiler_47.dll carries 281 KB after its signature");
  EXPECT_TRUE(l1.starts_with("SEVERITY  ID"));
  EXPECT_TRUE(l2.starts_with("critical  authenticode-slack"));
  // Columns line up: MESSAGE starts where the message does.
  EXPECT_EQ(l1.find("MESSAGE"), l2.find("d3dcompiler_47.dll carries"));
}

TEST(ReportTable, SuppressedOnlyOnRequest) {
  Report r = sample();
  r.findings[0].suppressedBy = "vex: vulnerable_code_not_present";
  EXPECT_EQ(toTable(r).find("ffmpeg"), std::string::npos);
  std::string shown = toTable(r, {.showSuppressed = true});
  EXPECT_NE(shown.find("[suppressed: vex: vulnerable_code_not_present]"), std::string::npos);
}

TEST(ReportTable, ControlCharactersAndLongSubjects) {
  Report r;
  r.findings.push_back({.id = "x\ny",
                        .severity = Severity::kHigh,
                        .subject = std::string(200, 'a') + "/tail.dll",
                        .message = "m\x1b[31m"});
  std::string t = toTable(r, {.subjectWidth = 30});
  EXPECT_EQ(t.find('\x1b'), std::string::npos);
  EXPECT_NE(t.find("...aaaa"), std::string::npos);
  EXPECT_NE(t.find("/tail.dll"), std::string::npos);
  std::size_t lines = 0;
  for (char c : t) lines += c == '\n';
  EXPECT_EQ(lines, 3u);
}

TEST(ReportJson, TheOneShape) {
  auto j = json::parse(toJson(sample()));
  ASSERT_TRUE(j.is_object());
  std::vector<std::string> keys;
  for (auto it = j.begin(); it != j.end(); ++it) keys.push_back(it.key());
  EXPECT_EQ(keys, (std::vector<std::string>{"findings", "target", "tool"}));
  EXPECT_EQ(j["tool"], (json{{"name", "tollgate"}, {"version", "0.1.0"}, {"command", "diff"}}));
  EXPECT_EQ(j["target"], "release-2");
  ASSERT_EQ(j["findings"].size(), 3u);
  const auto& f0 = j["findings"][0];
  EXPECT_EQ(f0["id"], "authenticode-slack");
  EXPECT_EQ(f0["severity"], "critical");
  EXPECT_EQ(f0["subject"], "app/d3dcompiler_47.dll");
  EXPECT_EQ(f0["evidence"]["slack_bytes"], 288000);
  EXPECT_FALSE(f0.contains("locations"));
  EXPECT_FALSE(f0.contains("suppressedBy"));
  EXPECT_EQ(j["findings"][1]["locations"][0], "node_modules/left-pad/package.json");
}

TEST(ReportJson, FixedKeyOrderAndDeterministic) {
  std::string a = toJson(sample());
  Report shuffled = sample();
  std::swap(shuffled.findings[0], shuffled.findings[2]);
  EXPECT_EQ(a, toJson(shuffled));
  // Key order as in the architecture: tool, target, findings; id, severity, subject, message,
  // evidence; evidence keys sorted.
  EXPECT_LT(a.find("\"tool\""), a.find("\"target\""));
  EXPECT_LT(a.find("\"target\""), a.find("\"findings\""));
  EXPECT_LT(a.find("\"id\""), a.find("\"severity\""));
  EXPECT_LT(a.find("\"subject\""), a.find("\"message\""));
  EXPECT_LT(a.find("\"alpha\""), a.find("\"slack_bytes\""));
  EXPECT_EQ(a.back(), '\n');
}

TEST(ReportJson, InvalidUtf8Replaced) {
  Report r;
  r.target = "bad\xff";
  r.findings.push_back({.id = "x", .subject = "s\xc3", .message = "m"});
  auto j = json::parse(toJson(r));
  EXPECT_EQ(j["target"], "bad\xEF\xBF\xBD");
}

TEST(ReportJson, SuppressedShownWithReason) {
  Report r = sample();
  r.findings[1].suppressedBy = "not_affected: vulnerable_code_not_present";
  EXPECT_EQ(json::parse(toJson(r))["findings"].size(), 2u);
  auto j = json::parse(toJson(r, {.showSuppressed = true}));
  ASSERT_EQ(j["findings"].size(), 3u);
  EXPECT_EQ(j["findings"][1]["suppressedBy"], "not_affected: vulnerable_code_not_present");
}

TEST(ReportSarif, RulesResultsLevelsLocations) {
  Report r = sample();
  r.findings.push_back({.id = "authenticode-slack",
                        .severity = Severity::kHigh,
                        .subject = "app/other dir/x.dll",
                        .message = "slack too"});
  auto j = json::parse(toSarif(r));
  EXPECT_EQ(j["version"], "2.1.0");
  const auto& run = j["runs"][0];
  const auto& rules = run["tool"]["driver"]["rules"];
  ASSERT_EQ(rules.size(), 3u);  // distinct ids
  EXPECT_EQ(rules[0]["id"], "authenticode-slack");
  EXPECT_EQ(rules[0]["defaultConfiguration"]["level"], "error");
  EXPECT_EQ(rules[0]["properties"]["security-severity"], "9.5");
  EXPECT_EQ(rules[1]["id"], "GHSA-aaaa-bbbb-cccc");
  EXPECT_EQ(rules[1]["properties"]["security-severity"], "9.1");  // the evidence score
  EXPECT_EQ(rules[1]["helpUri"], "https://github.com/advisories/GHSA-aaaa-bbbb-cccc");
  const auto& res = run["results"];
  ASSERT_EQ(res.size(), 4u);
  // Order: critical, then the two highs by id ("GHSA-" sorts before "authenticode-"), medium.
  EXPECT_EQ(res[0]["ruleIndex"], 0);
  EXPECT_EQ(res[1]["ruleIndex"], 1);
  EXPECT_EQ(res[1]["level"], "error");
  EXPECT_EQ(res[1]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            "node_modules/left-pad/package.json");
  EXPECT_EQ(res[1]["locations"][0]["logicalLocations"][0]["fullyQualifiedName"],
            "pkg:npm/left-pad@1.3.0");
  EXPECT_EQ(res[2]["ruleId"], "authenticode-slack");
  EXPECT_EQ(res[2]["ruleIndex"], 0);
  EXPECT_EQ(res[2]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            "app/other%20dir/x.dll");
  EXPECT_EQ(res[3]["level"], "warning");
  EXPECT_EQ(res[3]["ruleIndex"], 2);
  EXPECT_EQ(res[0]["partialFingerprints"]["tollgate/v1"].get<std::string>().size(), 64u);
}

TEST(ReportSarif, SuppressionsAndPurlFallbackToTarget) {
  Report r;
  r.target = "sbom.cdx.json";
  r.findings.push_back({.id = "CVE-2024-1",
                        .severity = Severity::kLow,
                        .subject = "pkg:pypi/x@1",
                        .message = "m",
                        .suppressedBy = "fixed"});
  auto j = json::parse(toSarif(r));
  const auto& res = j["runs"][0]["results"][0];
  EXPECT_EQ(res["level"], "note");
  EXPECT_EQ(res["suppressions"][0]["kind"], "external");
  EXPECT_EQ(res["suppressions"][0]["justification"], "fixed");
  EXPECT_EQ(res["locations"][0]["physicalLocation"]["artifactLocation"]["uri"], "sbom.cdx.json");
  // No file at all: a logical location only.
  r.target = "pkg:oci/image";
  j = json::parse(toSarif(r));
  EXPECT_FALSE(j["runs"][0]["results"][0]["locations"][0].contains("physicalLocation"));
}

TEST(ReportSarif, AbsolutePathsBecomeFileUris) {
  Report r;
  r.findings.push_back({.id = "x", .subject = "/usr/lib/a b.so", .message = "m"});
  auto j = json::parse(toSarif(r));
  EXPECT_EQ(
      j["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
      "file:///usr/lib/a%20b.so");
}

TEST(ReportVex, VulnerabilitiesAffectsRatingsAnalysis) {
  Report r = sample();
  r.findings[1].suppressedBy = "not_affected: vulnerable_code_not_in_execute_path";
  r.findings[1].evidence["vex"] = {{"status", "not_affected"},
                                   {"justification", "vulnerable_code_not_in_execute_path"}};
  auto j = json::parse(toCycloneDxVex(r, {.timestamp = "2024-01-01T00:00:00Z",
                                          .serialUuid = "3E671687-395B-41F5-A30F-A58921A69B79"}));
  EXPECT_EQ(j["bomFormat"], "CycloneDX");
  EXPECT_EQ(j["specVersion"], "1.6");
  EXPECT_EQ(j["serialNumber"], "urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79");
  EXPECT_EQ(j["metadata"]["timestamp"], "2024-01-01T00:00:00Z");
  const auto& comps = j["components"];
  ASSERT_EQ(comps.size(), 3u);
  bool sawPurl = false;
  for (const auto& c : comps)
    if (c["bom-ref"] == "pkg:npm/left-pad@1.3.0") {
      sawPurl = true;
      EXPECT_EQ(c["purl"], "pkg:npm/left-pad@1.3.0");
      EXPECT_EQ(c["name"], "left-pad");
      EXPECT_EQ(c["version"], "1.3.0");
    }
  EXPECT_TRUE(sawPurl);
  const auto& vulns = j["vulnerabilities"];
  ASSERT_EQ(vulns.size(), 3u);
  const auto& v = vulns[1];
  EXPECT_EQ(v["id"], "GHSA-aaaa-bbbb-cccc");
  EXPECT_EQ(v["source"]["name"], "GitHub");
  ASSERT_EQ(v["references"].size(), 1u);
  EXPECT_EQ(v["references"][0]["id"], "CVE-2024-0001");
  EXPECT_EQ(v["ratings"][0]["method"], "CVSSv31");
  EXPECT_EQ(v["ratings"][0]["score"], 9.1);
  EXPECT_EQ(v["affects"][0]["ref"], "pkg:npm/left-pad@1.3.0");
  EXPECT_EQ(v["affects"][0]["versions"][0]["status"], "unaffected");
  EXPECT_EQ(v["analysis"]["state"], "not_affected");
  EXPECT_EQ(v["analysis"]["justification"], "code_not_reachable");
  EXPECT_EQ(v["recommendation"], "Upgrade to 1.3.1");
  EXPECT_EQ(vulns[0]["analysis"]["state"], "in_triage");
  EXPECT_EQ(vulns[0]["affects"][0]["ref"], "app/d3dcompiler_47.dll");
}

TEST(ReportVex, BadSerialLeftOut) {
  auto j = json::parse(toCycloneDxVex(sample(), {.serialUuid = "not-a-uuid"}));
  EXPECT_FALSE(j.contains("serialNumber"));
  EXPECT_FALSE(j["metadata"].contains("timestamp"));
}

TEST(ReportWrite, StreamMatchesString) {
  for (Format f : {Format::kTable, Format::kJson, Format::kSarif, Format::kCycloneDxVex}) {
    std::ostringstream out;
    write(sample(), f, out);
    EXPECT_EQ(out.str(), write(sample(), f)) << toString(f);
  }
}

TEST(ReportFailOn, ParseAndExitCode) {
  EXPECT_EQ(*parseFailOn(""), std::nullopt);
  EXPECT_EQ(*parseFailOn("none"), std::nullopt);
  EXPECT_EQ(*parseFailOn("HIGH"), Severity::kHigh);
  EXPECT_EQ(*parseFailOn("malicious"), Severity::kMalicious);
  auto bad = parseFailOn("severe");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, ErrorCode::kUsage);

  Report r = sample();  // worst: critical
  EXPECT_EQ(exitCode(r, std::nullopt), 0);
  EXPECT_EQ(exitCode(r, Severity::kCritical), 1);
  EXPECT_EQ(exitCode(r, Severity::kMalicious), 0);
  EXPECT_EQ(exitCode(r, Severity::kLow), 1);
  r.findings[2].suppressedBy = "waived";  // the critical one
  EXPECT_EQ(exitCode(r, Severity::kCritical), 0);
  EXPECT_EQ(exitCode(r, Severity::kHigh), 1);
  EXPECT_EQ(exitCode(Report{}, Severity::kInfo), 0);
}

}  // namespace
}  // namespace tollgate::report

namespace tollgate::report {
namespace {

TEST(ReportScores, ComputedFromCvssVectors) {
  Report r;
  Finding f{.id = "CVE-2014-6271",
            .severity = Severity::kHigh,
            .subject = "pkg:deb/debian/bash@4.3",
            .message = "shellshock"};
  f.evidence["cvss"] = {"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
                        "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:L/VI:L/VA:L/SC:N/SI:N/SA:N"};
  r.findings.push_back(f);
  auto sarif = json::parse(toSarif(r));
  EXPECT_EQ(sarif["runs"][0]["tool"]["driver"]["rules"][0]["properties"]["security-severity"],
            "9.8");
  auto vex = json::parse(toCycloneDxVex(r));
  const auto& ratings = vex["vulnerabilities"][0]["ratings"];
  ASSERT_EQ(ratings.size(), 2u);
  EXPECT_EQ(ratings[0]["score"], 9.8);
  EXPECT_EQ(ratings[0]["severity"], "critical");
  EXPECT_EQ(ratings[1]["method"], "CVSSv4");
  EXPECT_EQ(ratings[1]["score"], 6.9);
  EXPECT_EQ(ratings[1]["severity"], "medium");
}

}  // namespace
}  // namespace tollgate::report
