#include "tollgate/vulndb/osv.h"

#include <gtest/gtest.h>

namespace tollgate::vulndb {
namespace {

TEST(Rfc3339, Parses) {
  EXPECT_EQ(*parseRfc3339("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(*parseRfc3339("1970-01-01T00:00:01.5Z"), 1'500'000);
  EXPECT_EQ(*parseRfc3339("1970-01-01T01:00:00+01:00"), 0);
  EXPECT_EQ(*parseRfc3339("2024-03-01T00:00:00Z"), 1709251200LL * 1'000'000);
  EXPECT_EQ(*parseRfc3339("2026-03-09T01:23:33.375630Z") % 1'000'000, 375630);
  EXPECT_LT(*parseRfc3339("0001-01-01T00:00:00Z"), 0);  // Go vulndb's placeholder
  for (const char* bad : {"", "2024-03-01", "2024-13-01T00:00:00Z", "2024-03-01T00:00:00.Z",
                          "2024-03-01T00:00:00Zjunk", "yyyy-03-01T00:00:00Z"})
    EXPECT_FALSE(parseRfc3339(bad)) << bad;
}

TEST(Keys, EcosystemAndPackage) {
  EXPECT_EQ(ecosystemKey("Debian:12"), "Debian:12");
  EXPECT_EQ(ecosystemKey("Alpine:v3.18"), "Alpine:v3.18");
  EXPECT_EQ(ecosystemKey("Maven:https://repo.example"), "Maven");
  EXPECT_EQ(ecosystemKey("npm"), "npm");
  EXPECT_EQ(ecosystemBase("Ubuntu:22.04:LTS"), "Ubuntu");
  EXPECT_EQ(packageKey("PyPI", "Flask_SQLAlchemy"), "flask-sqlalchemy");
  EXPECT_EQ(packageKey("PyPI", "zope.interface"), "zope-interface");
  EXPECT_EQ(packageKey("PyPI", "a__b--c"), "a-b-c");
  EXPECT_EQ(packageKey("npm", "@Ctrl/Deluge"), "@Ctrl/Deluge");
}

TEST(Ranges, RoundTrip) {
  std::vector<versions::Range> r = {
      {versions::Range::kEcosystem,
       {{versions::Event::kIntroduced, "0"}, {versions::Event::kFixed, "1.2\"3\\"}}},
      {versions::Range::kSemver,
       {{versions::Event::kLastAffected, "2.0.0"}, {versions::Event::kLimit, "*"}}}};
  auto back = decodeRanges(encodeRanges(r));
  ASSERT_TRUE(back);
  ASSERT_EQ(back->size(), 2u);
  EXPECT_EQ((*back)[0].type, versions::Range::kEcosystem);
  EXPECT_EQ((*back)[0].events[1].version, "1.2\"3\\");
  EXPECT_EQ((*back)[1].type, versions::Range::kSemver);
  EXPECT_EQ((*back)[1].events[0].kind, versions::Event::kLastAffected);
  EXPECT_EQ((*back)[1].events[1].kind, versions::Event::kLimit);
  EXPECT_FALSE(decodeRanges("{"));
  EXPECT_FALSE(decodeRanges("[[1]]"));
}

constexpr std::string_view kAdvisory = R"({
  "id": "GHSA-test-0001", "modified": "2024-01-02T03:04:05Z", "published": "2023-01-01T00:00:00Z",
  "aliases": ["CVE-2024-0001"], "upstream": ["CVE-2024-0002", "CVE-2024-0001"],
  "summary": "Prototype pollution in thing",
  "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}],
  "database_specific": {"severity": "HIGH"},
  "affected": [
    {"package": {"ecosystem": "PyPI", "name": "Some_Pkg"},
     "ranges": [{"type": "GIT", "repo": "x", "events": [{"introduced": "abc"}]},
                {"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "1.5"}]}],
     "versions": ["1.0", "1.4"]},
    {"ranges": [{"type": "GIT", "repo": "x", "events": [{"introduced": "abc"}]}]},
    {"package": {"ecosystem": "npm", "name": "thing"},
     "ranges": [{"type": "SEMVER", "events": [{"introduced": "1.0.0"}, {"last_affected": "1.2.0"}]}],
     "ecosystem_specific": {"severity": "LOW"}}
  ]})";

TEST(OsvParser, KeepsWhatMatchingNeeds) {
  OsvParser p;
  auto r = p.parse(kAdvisory, "a.json");
  ASSERT_TRUE(r) << r.error().describe();
  ASSERT_EQ(r->size(), 1u);
  const Advisory& a = r->front();
  EXPECT_EQ(a.id, "GHSA-test-0001");
  EXPECT_EQ(a.aliases, (std::vector<std::string>{"CVE-2024-0001", "CVE-2024-0002"}));
  EXPECT_EQ(a.summary, "Prototype pollution in thing");
  EXPECT_EQ(a.dbSeverity, "HIGH");
  ASSERT_EQ(a.severity.size(), 1u);
  EXPECT_EQ(a.severity[0].type, "CVSS_V3");
  EXPECT_FALSE(a.isWithdrawn());
  ASSERT_EQ(a.affected.size(), 2u);  // the package-less GIT entry is dropped
  EXPECT_EQ(a.affected[0].ecosystem, "PyPI");
  EXPECT_EQ(a.affected[0].name, "some-pkg");
  ASSERT_EQ(a.affected[0].ranges.size(), 1u);  // GIT range dropped
  EXPECT_EQ(a.affected[0].versions, (std::vector<std::string>{"1.0", "1.4"}));
  EXPECT_EQ(a.affected[1].ranges[0].type, versions::Range::kSemver);
  EXPECT_EQ(a.affected[1].severity, "LOW");
}

TEST(OsvParser, ArraysAndWithdrawn) {
  OsvParser p;
  auto r = p.parse(
      R"([{"id":"A-1","modified":"2024-01-01T00:00:00Z","withdrawn":"2024-02-01T00:00:00Z"},
          {"id":"A-2","modified":"2024-01-01T00:00:00Z","details":"\n  First line\nsecond"}])",
      "x.json");
  ASSERT_TRUE(r) << r.error().describe();
  ASSERT_EQ(r->size(), 2u);
  EXPECT_TRUE((*r)[0].isWithdrawn());
  EXPECT_EQ((*r)[1].summary, "First line");
}

TEST(OsvParser, ErrorsNameTheFileAndField) {
  OsvParser p;
  struct Case {
    std::string_view json;
    std::string_view needle;
  } cases[] = {
      {"{", "malformed JSON"},
      {"42", "JSON object"},
      {R"({"modified":"2024-01-01T00:00:00Z"})", "\"id\""},
      {R"({"id":"X","modified":7})", "\"modified\""},
      {R"({"id":"X","modified":"yesterday"})", "RFC 3339"},
      {R"({"id":"X","modified":"2024-01-01T00:00:00Z","affected":{}})", "\"affected\""},
      {R"({"id":"X","modified":"2024-01-01T00:00:00Z","affected":[{"package":{"name":1}}]})",
       "affected[0]"},
      {R"({"id":"X","modified":"2024-01-01T00:00:00Z","affected":[{"package":{"ecosystem":"npm","name":"a"},"ranges":[{"type":"SEMVER","events":[{"fixed":1}]}]}]})",
       "event value"},
  };
  for (const auto& c : cases) {
    auto r = p.parse(c.json, "bad.json");
    ASSERT_FALSE(r) << c.json;
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidInput);
    EXPECT_EQ(r.error().context, "bad.json");
    EXPECT_NE(r.error().message.find(c.needle), std::string::npos) << r.error().describe();
  }
}

}  // namespace
}  // namespace tollgate::vulndb
