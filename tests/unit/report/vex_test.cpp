#include "tollgate/report/vex.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "tollgate/report/writers.h"

namespace tollgate::report {
namespace {

std::string corpus(const std::string& name) {
  std::ifstream in(std::string(TOLLGATE_SOURCE_DIR) + "/fuzz/corpus/vex/" + name);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(VexParse, OpenVex020) {
  auto st = parseVex(corpus("openvex-0.2.0.json"), "a.openvex.json");
  ASSERT_TRUE(st) << st.error().describe();
  ASSERT_EQ(st->size(), 3u);
  const auto& s0 = (*st)[0];
  EXPECT_EQ(s0.vulnerability, "CVE-2014-123456");
  EXPECT_EQ(s0.aliases,
            (std::vector<std::string>{"https://nvd.nist.gov/vuln/detail/CVE-2014-123456",
                                      "GHSA-xxxx-yyyy-zzzz"}));
  EXPECT_EQ(s0.products, (std::vector<std::string>{"pkg:apk/wolfi/git@2.39.0-r1?arch=armv7",
                                                   "pkg:apk/wolfi/curl@7.87.0-r0"}));
  EXPECT_EQ(s0.status, VexStatus::kNotAffected);
  EXPECT_EQ(s0.justification, "vulnerable_code_not_in_execute_path");
  EXPECT_EQ(s0.statement, "the vulnerable function is never called");
  EXPECT_EQ(s0.source, "a.openvex.json");
  EXPECT_EQ((*st)[1].status, VexStatus::kFixed);
  EXPECT_EQ((*st)[1].statement, "upgraded in the image");
  EXPECT_EQ((*st)[2].status, VexStatus::kAffected);
}

TEST(VexParse, OpenVex001StringForms) {
  auto st = parseVex(corpus("openvex-0.0.1.json"), "old.json");
  ASSERT_TRUE(st) << st.error().describe();
  ASSERT_EQ(st->size(), 1u);
  EXPECT_EQ((*st)[0].vulnerability, "CVE-2021-44228");
  EXPECT_EQ((*st)[0].products[0], "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1");
  EXPECT_EQ((*st)[0].justification, "vulnerable_code_not_present");
}

TEST(VexParse, CycloneDx) {
  auto st = parseVex(corpus("cyclonedx-vex.json"), "vex.cdx.json");
  ASSERT_TRUE(st) << st.error().describe();
  ASSERT_EQ(st->size(), 3u);  // the one without analysis is no statement
  EXPECT_EQ((*st)[0].vulnerability, "CVE-2020-25649");
  EXPECT_EQ((*st)[0].aliases, std::vector<std::string>{"GHSA-288c-cq4h-88gq"});
  EXPECT_EQ((*st)[0].products, std::vector<std::string>{
                                   "pkg:maven/com.fasterxml.jackson.core/jackson-databind@2.10.0"});
  EXPECT_EQ((*st)[0].status, VexStatus::kNotAffected);
  EXPECT_EQ((*st)[0].justification, "code_not_reachable");
  EXPECT_EQ((*st)[0].statement, "the affected class is not used");
  EXPECT_EQ((*st)[1].status, VexStatus::kFixed);
  EXPECT_EQ((*st)[1].products, std::vector<std::string>{"pkg:maven/org.example/inner@1.0"});
  EXPECT_EQ((*st)[2].status, VexStatus::kAffected);
  EXPECT_EQ((*st)[2].products, std::vector<std::string>{"pkg:npm/lodash@4.17.4"});
}

TEST(VexParse, ErrorsNameSourceAndPath) {
  struct Case {
    const char* file;
    ErrorCode code;
    const char* needle;
  };
  for (const auto& c :
       {Case{"bad-status.json", ErrorCode::kInvalidInput,
             "$.statements[0].status: unknown status 'maybe'"},
        Case{"bad-shape.json", ErrorCode::kInvalidInput, "$.vulnerabilities: expected an array"},
        Case{"bad-product.json", ErrorCode::kInvalidInput,
             "$.statements[0].products[0].@id: expected a string"},
        Case{"deep.json", ErrorCode::kInvalidInput, "not valid JSON"}}) {
    auto st = parseVex(corpus(c.file), c.file);
    ASSERT_FALSE(st) << c.file;
    EXPECT_EQ(st.error().code, c.code) << c.file;
    EXPECT_NE(st.error().describe().find(c.needle), std::string::npos) << st.error().describe();
    EXPECT_EQ(st.error().context, c.file);
  }
  auto other = parseVex(R"({"spdxVersion": "SPDX-2.3"})", "x.json");
  ASSERT_FALSE(other);
  EXPECT_EQ(other.error().code, ErrorCode::kUnsupported);
  EXPECT_FALSE(parseVex("[1,2]", "x.json"));
  EXPECT_FALSE(parseVex("", "x.json"));
}

TEST(VexMatch, Products) {
  EXPECT_TRUE(vexProductMatches("pkg:npm/left-pad", "pkg:npm/left-pad@1.3.0"));
  EXPECT_TRUE(vexProductMatches("pkg:npm/left-pad@1.3.0", "pkg:npm/left-pad@1.3.0"));
  EXPECT_FALSE(vexProductMatches("pkg:npm/left-pad@1.3.1", "pkg:npm/left-pad@1.3.0"));
  EXPECT_FALSE(vexProductMatches("pkg:npm/right-pad", "pkg:npm/left-pad@1.3.0"));
  EXPECT_TRUE(vexProductMatches("pkg:deb/debian/xz-utils?arch=amd64",
                                "pkg:deb/debian/xz-utils@5.6.0?arch=amd64&distro=debian-12"));
  EXPECT_FALSE(vexProductMatches("pkg:deb/debian/xz-utils?arch=arm64",
                                 "pkg:deb/debian/xz-utils@5.6.0?arch=amd64"));
  // Canonical forms compare equal (pypi names normalise).
  EXPECT_TRUE(vexProductMatches("pkg:pypi/Foo_Bar", "pkg:pypi/foo-bar@1.0"));
  EXPECT_TRUE(vexProductMatches("app/x.dll", "app/x.dll"));
  EXPECT_FALSE(vexProductMatches("app/x.dll", "app/y.dll"));
}

Report findings() {
  Report r;
  r.findings.push_back({.id = "GHSA-xxxx-yyyy-zzzz",
                        .severity = Severity::kCritical,
                        .subject = "pkg:apk/wolfi/curl@7.87.0-r0",
                        .message = "curl"});
  r.findings.push_back({.id = "GHSA-aaaa",
                        .severity = Severity::kHigh,
                        .subject = "pkg:npm/left-pad@1.3.0",
                        .message = "left-pad"});
  r.findings[1].evidence["aliases"] = {"CVE-2023-0001"};
  r.findings.push_back({.id = "CVE-2023-0002",
                        .severity = Severity::kMedium,
                        .subject = "pkg:pypi/requests@2.0.0",
                        .message = "requests"});
  r.findings.push_back({.id = "CVE-2014-123456",
                        .severity = Severity::kLow,
                        .subject = "pkg:apk/wolfi/zlib@1.0",
                        .message = "other product"});
  return r;
}

TEST(VexApply, SuppressesNotAffectedAndFixed) {
  auto st = parseVex(corpus("openvex-0.2.0.json"), "a.openvex.json");
  ASSERT_TRUE(st);
  Report r = findings();
  auto s = applyVex(r, *st);
  EXPECT_EQ(s.matched, 3u);
  EXPECT_EQ(s.suppressed, 2u);
  // Matched through the statement's alias and a subcomponent.
  ASSERT_TRUE(r.findings[0].suppressedBy);
  EXPECT_EQ(*r.findings[0].suppressedBy,
            "vex not_affected: vulnerable_code_not_in_execute_path: the vulnerable function is "
            "never called (a.openvex.json)");
  EXPECT_EQ(r.findings[0].evidence["vex"]["status"], "not_affected");
  // Matched through the finding's alias; a version-less product covers the version.
  ASSERT_TRUE(r.findings[1].suppressedBy);
  EXPECT_EQ(*r.findings[1].suppressedBy, "vex fixed: upgraded in the image (a.openvex.json)");
  // affected: annotated, not suppressed.
  EXPECT_FALSE(r.findings[2].suppressedBy);
  EXPECT_EQ(r.findings[2].evidence["vex"]["status"], "affected");
  // Another product: untouched.
  EXPECT_FALSE(r.findings[3].suppressedBy);
  EXPECT_FALSE(r.findings[3].evidence.contains("vex"));
  EXPECT_EQ(maxSeverity(r), Severity::kMedium);
  EXPECT_EQ(exitCode(r, Severity::kHigh), 0);
}

TEST(VexApply, LastStatementWinsAndExistingReasonKept) {
  std::vector<VexStatement> st = {
      {.vulnerability = "CVE-1", .status = VexStatus::kNotAffected, .justification = "x"},
      {.vulnerability = "CVE-1", .status = VexStatus::kAffected},
      {.vulnerability = "CVE-2", .status = VexStatus::kNotAffected}};
  Report r;
  r.findings.push_back({.id = "CVE-1", .subject = "a"});
  r.findings.push_back({.id = "CVE-2", .subject = "b", .suppressedBy = "config"});
  auto s = applyVex(r, st);
  EXPECT_EQ(s.matched, 2u);
  EXPECT_EQ(s.suppressed, 0u);
  EXPECT_FALSE(r.findings[0].suppressedBy);
  EXPECT_EQ(r.findings[0].evidence["vex"]["status"], "affected");
  EXPECT_EQ(*r.findings[1].suppressedBy, "config");
}

TEST(VexApply, CycloneDxRoundTripThroughTheWriter) {
  // What tollgate writes as CycloneDX VEX reads back as the same decisions.
  Report r = findings();
  r.findings[1].suppressedBy = "vex not_affected";
  r.findings[1].evidence["vex"] = {{"status", "not_affected"},
                                   {"justification", "vulnerable_code_not_present"}};
  auto st = parseVex(toCycloneDxVex(r), "ours.cdx.json");
  ASSERT_TRUE(st) << st.error().describe();
  ASSERT_EQ(st->size(), 4u);
  Report fresh = findings();
  auto s = applyVex(fresh, *st);
  EXPECT_EQ(s.matched, 4u);
  EXPECT_EQ(s.suppressed, 1u);
  ASSERT_TRUE(fresh.findings[1].suppressedBy);
  EXPECT_EQ(fresh.findings[1].evidence["vex"]["justification"], "code_not_present");
}

}  // namespace
}  // namespace tollgate::report
