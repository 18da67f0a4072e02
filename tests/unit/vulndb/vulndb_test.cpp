// Import and matching against the real advisories in the shared data (../shared/data/osv, see
// its SOURCE): counts, known answers, withdrawn, aliases, incremental re-import, rollback.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "temp_dir.h"

#include "tollgate/store/store.h"
#include "tollgate/util/file.h"
#include "tollgate/vulndb/ioc.h"
#include "tollgate/vulndb/match.h"
#include "tollgate/vulndb/vulndb.h"

namespace tollgate::vulndb {
namespace {

namespace fs = std::filesystem;
using tollgate::testing::TempDir;

const fs::path kOsv = fs::path(TOLLGATE_SHARED_DATA) / "osv";

std::unique_ptr<store::Store> openStore(const fs::path& p) {
  auto s = store::open(store::Url{store::Url::Kind::kSqlite, p.string(), ""});
  EXPECT_TRUE(s) << s.error().describe();
  auto st = (*s)->migrate(migrations());
  EXPECT_TRUE(st) << st.error().describe();
  return std::move(*s);
}

sbom::Component pkg(std::string purl, std::string version) {
  sbom::Component c;
  c.purl = c.bomRef = std::move(purl);
  c.version = std::move(version);
  c.name = "x";
  return c;
}

// Every ecosystem's all.zip and the malicious-packages records, imported once for the suite.
class RealData : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    store_ = openStore(dir_->path() / "t.db").release();
    for (const char* eco : {"npm", "PyPI", "Go", "crates.io", "Maven", "RubyGems", "Debian"}) {
      Diagnostics diag;
      auto st = importPath(*store_, kOsv / eco / "all.zip", {.diagnostics = &diag});
      ASSERT_TRUE(st) << st.error().describe();
      stats_[eco] = *st;
      EXPECT_EQ(st->failed, 0u) << eco;
    }
    auto mal = importPath(*store_, kOsv / "malicious", {});
    ASSERT_TRUE(mal) << mal.error().describe();
    stats_["malicious"] = *mal;
  }
  static void TearDownTestSuite() {
    delete store_;
    delete dir_;
  }

  static std::vector<report::Finding> match(std::vector<sbom::Component> comps,
                                            sbom::Metadata meta = {}) {
    sbom::Bom bom;
    bom.metadata = std::move(meta);
    bom.components = std::move(comps);
    auto m = Matcher::open(*store_);
    EXPECT_TRUE(m);
    auto r = m->match(bom, nullptr);
    EXPECT_TRUE(r) << r.error().describe();
    return r ? r->findings : std::vector<report::Finding>{};
  }
  static bool has(const std::vector<report::Finding>& f, std::string_view id) {
    return std::ranges::any_of(f, [&](const report::Finding& x) { return x.id == id; });
  }

  static inline TempDir* dir_ = nullptr;
  static inline store::Store* store_ = nullptr;
  static inline std::map<std::string, ImportStats> stats_;
};

TEST_F(RealData, CountsMatchTheSource) {
  // ../shared/data/osv/SOURCE: Go 4291 files (17 withdrawn), crates.io 1206 (13), PyPI 7080
  // PYSEC (269 withdrawn) + 9 GHSA, npm 10, Debian 8.
  EXPECT_EQ(stats_["Go"].files, 4291u);
  EXPECT_EQ(stats_["Go"].withdrawn, 17u);
  EXPECT_EQ(stats_["crates.io"].files, 1206u);
  EXPECT_EQ(stats_["crates.io"].withdrawn, 13u);
  EXPECT_EQ(stats_["PyPI"].files, 7089u);
  EXPECT_EQ(stats_["PyPI"].withdrawn, 269u);
  EXPECT_EQ(stats_["npm"].added, 10u);
  EXPECT_EQ(stats_["Debian"].added, 8u);
  EXPECT_EQ(stats_["malicious"].files, 35u);
  // jquery's GHSA is in the npm, Maven and RubyGems zips: stored once.
  EXPECT_EQ(stats_["Maven"].unchanged, 1u);
  auto st = status(*store_);
  ASSERT_TRUE(st);
  EXPECT_EQ(st->ecosystems["Debian"].advisories, 8u);
  EXPECT_GT(st->ecosystems["npm"].malicious, 10u);
  EXPECT_EQ(st->withdrawn, 17u + 13u + 269u);
}

TEST_F(RealData, InsideARangeIsReportedTheFixedVersionIsNot) {
  auto f = match({pkg("pkg:npm/lodash@4.17.20", "4.17.20")});
  ASSERT_TRUE(has(f, "GHSA-35jh-r3h4-6jhm"));
  EXPECT_FALSE(has(f, "GHSA-p6mc-m468-83gw"));  // fixed in 4.17.20 itself
  const auto& x = *std::ranges::find_if(f, [](auto& y) { return y.id == "GHSA-35jh-r3h4-6jhm"; });
  EXPECT_EQ(x.severity, report::Severity::kHigh);
  EXPECT_EQ(x.subject, "pkg:npm/lodash@4.17.20");
  EXPECT_EQ(x.evidence["fixed"], nlohmann::json::array({"4.17.21"}));
  EXPECT_EQ(x.evidence["installed"], "4.17.20");
  EXPECT_EQ(x.evidence["aliases"], nlohmann::json::array({"CVE-2021-23337"}));
  EXPECT_TRUE(match({pkg("pkg:npm/lodash@4.17.21", "4.17.21")}).empty());

  // Maven: Log4Shell has three ranges.
  EXPECT_TRUE(has(match({pkg("pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1", "2.14.1")}),
                  "GHSA-jfh8-c2jp-5v3q"));
  EXPECT_TRUE(has(match({pkg("pkg:maven/org.apache.logging.log4j/log4j-core@2.12.1", "2.12.1")}),
                  "GHSA-jfh8-c2jp-5v3q"));
  EXPECT_FALSE(has(match({pkg("pkg:maven/org.apache.logging.log4j/log4j-core@2.15.0", "2.15.0")}),
                   "GHSA-jfh8-c2jp-5v3q"));
  EXPECT_FALSE(has(match({pkg("pkg:maven/org.apache.logging.log4j/log4j-core@2.12.2", "2.12.2")}),
                   "GHSA-jfh8-c2jp-5v3q"));
  // crates.io, with a "0.0.0-0" introduced.
  EXPECT_TRUE(has(match({pkg("pkg:cargo/linked-hash-map@0.5.2", "0.5.2")}), "RUSTSEC-2020-0026"));
  EXPECT_FALSE(has(match({pkg("pkg:cargo/linked-hash-map@0.5.3", "0.5.3")}), "RUSTSEC-2020-0026"));
  // PyPI names are normalised on both sides.
  EXPECT_TRUE(has(match({pkg("pkg:pypi/pyyaml@5.3.1", "5.3.1")}), "GHSA-8q59-q68h-6hv4"));
}

TEST_F(RealData, WithdrawnIsNotReported) {
  // GO-2024-2730 (gorilla/sessions, every version) was withdrawn.
  auto f = match({pkg("pkg:golang/github.com/gorilla/sessions@v1.2.1", "v1.2.1")});
  EXPECT_FALSE(has(f, "GO-2024-2730"));
}

TEST_F(RealData, AliasesAreMergedIntoOneFinding) {
  // requests 2.30.0: GHSA-j8r2-6x86-q33q and PYSEC-2023-74 are the same vulnerability.
  auto f = match({pkg("pkg:pypi/requests@2.30.0", "2.30.0")});
  std::size_t n = std::ranges::count_if(
      f, [](auto& x) { return x.id == "GHSA-j8r2-6x86-q33q" || x.id == "PYSEC-2023-74"; });
  ASSERT_EQ(n, 1u);
  const auto& x = *std::ranges::find_if(f, [](auto& y) { return y.id == "GHSA-j8r2-6x86-q33q"; });
  auto aliases = x.evidence["aliases"].get<std::vector<std::string>>();
  EXPECT_NE(std::ranges::find(aliases, "PYSEC-2023-74"), aliases.end());
  EXPECT_NE(std::ranges::find(aliases, "CVE-2023-32681"), aliases.end());
  EXPECT_FALSE(has(match({pkg("pkg:pypi/requests@2.31.0", "2.31.0")}), "GHSA-j8r2-6x86-q33q"));
}

TEST_F(RealData, DebianBinariesMatchThroughTheirSourcePackage) {
  auto c =
      pkg("pkg:deb/debian/libssl1.1@1.1.0l-1~deb9u5?arch=amd64&distro=debian-9", "1.1.0l-1~deb9u5");
  c.sourceName = "openssl";
  c.sourceVersion = "1.1.0l-1~deb9u5";
  EXPECT_TRUE(has(match({c}), "DLA-3008-1"));
  c.sourceVersion = "1.1.0l-1~deb9u6";
  EXPECT_FALSE(has(match({c}), "DLA-3008-1"));
  // Another release: not this advisory.
  c.purl = c.bomRef = "pkg:deb/debian/libssl1.1@1.1.0l-1~deb9u5?arch=amd64&distro=debian-10";
  c.sourceVersion = "1.1.0l-1~deb9u5";
  EXPECT_FALSE(has(match({c}), "DLA-3008-1"));
  // The release from the SBOM's os-release metadata when the purl has none.
  sbom::Metadata meta;
  meta.properties["tollgate:os:id"] = "debian";
  meta.properties["tollgate:os:version_id"] = "9";
  auto d = pkg("pkg:deb/debian/dpkg@1.18.25?arch=amd64", "1.18.25");
  EXPECT_TRUE(has(match({d}, meta), "DLA-3022-1"));
  EXPECT_TRUE(match({d}).empty());  // no release known: no guess
}

TEST_F(RealData, MaliciousPackagesAreMalicious) {
  auto f = match({pkg("pkg:npm/%40ctrl/deluge@7.2.1", "7.2.1")});
  ASSERT_TRUE(has(f, "MAL-2025-47131"));
  EXPECT_EQ(f.front().severity, report::Severity::kMalicious);
  EXPECT_NE(f.front().message.find("@ctrl/deluge"), std::string::npos);
}

TEST_F(RealData, ReimportIsIncremental) {
  auto st = importPath(*store_, kOsv / "npm" / "all.zip", {});
  ASSERT_TRUE(st);
  EXPECT_EQ(st->added, 0u);
  EXPECT_EQ(st->updated, 0u);
  EXPECT_EQ(st->unchanged, 10u);
}

TEST(Import, NewerReplacesOlderIsIgnoredWithdrawnStopsMatching) {
  TempDir d;
  auto s = openStore(d.path() / "t.db");
  ASSERT_TRUE(importPath(*s, kOsv / "npm" / "all.zip", {}));
  auto doc = [](const char* modified, const char* extra) {
    return std::string(R"({"id":"GHSA-35jh-r3h4-6jhm","modified":")") + modified + "\"" + extra +
           R"(,"affected":[{"package":{"ecosystem":"npm","name":"lodash"},"ranges":[{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"4.17.30"}]}]}]})";
  };
  sbom::Bom bom;
  bom.components.push_back(pkg("pkg:npm/lodash@4.17.25", "4.17.25"));
  auto findings = [&] {
    auto m = Matcher::open(*s);
    return m->match(bom, nullptr)->findings.size();
  };
  EXPECT_EQ(findings(), 0u);
  auto older = importJson(*s, doc("2020-01-01T00:00:00Z", ""), "older.json", {});
  ASSERT_TRUE(older);
  EXPECT_EQ(older->unchanged, 1u);
  EXPECT_EQ(findings(), 0u);
  auto newer = importJson(*s, doc("2030-01-01T00:00:00Z", ""), "newer.json", {});
  ASSERT_TRUE(newer);
  EXPECT_EQ(newer->updated, 1u);
  EXPECT_EQ(findings(), 1u);
  auto gone = importJson(*s, doc("2031-01-01T00:00:00Z", R"(,"withdrawn":"2031-01-01T00:00:00Z")"),
                         "withdrawn.json", {});
  ASSERT_TRUE(gone);
  EXPECT_EQ(gone->withdrawn, 1u);
  EXPECT_EQ(findings(), 0u);
}

TEST(Import, AFailedImportLosesNothingAlreadyStored) {
  TempDir d;
  auto s = openStore(d.path() / "t.db");
  ASSERT_TRUE(importPath(*s, kOsv / "npm" / "all.zip", {}));
  // A truncated copy of a bigger zip: members decode until the cut, then the import fails.
  auto whole = readFile(kOsv / "crates.io" / "all.zip", 64 << 20);
  ASSERT_TRUE(whole);
  auto cut = d.path() / "cut.zip";
  std::ofstream(cut, std::ios::binary) << whole->substr(0, whole->size() / 2);
  auto st = importPath(*s, cut, {});
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code, ErrorCode::kInvalidInput) << st.error().describe();
  auto now = status(*s);
  ASSERT_TRUE(now);
  EXPECT_EQ(now->advisories, 10u);
  EXPECT_EQ(now->ecosystems.count("crates.io"), 0u);
  EXPECT_EQ(now->lastImports.size(), 1u);

  auto missing = importPath(*s, d.path() / "none.zip", {});
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
}

TEST(Import, MalformedAdvisoriesAreCountedNotFatal) {
  TempDir d;
  auto s = openStore(d.path() / "t.db");
  fs::create_directories(d.path() / "src");
  std::ofstream(d.path() / "src" / "good.json")
      << R"({"id":"X-1","modified":"2024-01-01T00:00:00Z","affected":[]})";
  std::ofstream(d.path() / "src" / "bad.json") << R"({"id":"X-2"})";
  std::ofstream(d.path() / "src" / "notes.txt") << "ignored";
  Diagnostics diag;
  auto st = importPath(*s, d.path() / "src", {.diagnostics = &diag});
  ASSERT_TRUE(st) << st.error().describe();
  EXPECT_EQ(st->added, 1u);
  EXPECT_EQ(st->failed, 1u);
  ASSERT_EQ(diag.count(), 1u);
  EXPECT_NE(diag.warnings()[0].where.find("bad.json"), std::string::npos);
}

TEST(Distro, FromMetadataOrPurl) {
  sbom::Bom bom;
  bom.metadata.subjectType = "operating-system";
  bom.metadata.subjectName = "debian";
  bom.metadata.subjectVersion = "12";
  auto d = distroOf(bom);
  EXPECT_EQ(d.id, "debian");
  EXPECT_EQ(d.versionId, "12");
  sbom::Bom b2;
  b2.components.push_back(pkg("pkg:apk/alpine/musl@1.2.4-r2?arch=x86_64&distro=alpine-3.19.1", ""));
  d = distroOf(b2);
  EXPECT_EQ(d.id, "alpine");
  EXPECT_EQ(d.versionId, "3.19.1");
  auto q = packageOf(b2.components[0], d);
  ASSERT_EQ(q.size(), 1u);
  EXPECT_EQ(q[0].ecosystem, "Alpine:v3.19");
  EXPECT_EQ(q[0].scheme, versions::Scheme::kApk);
}

TEST(Purls, MapToOsvEcosystems) {
  struct Case {
    const char* purl;
    const char* eco;
    const char* name;
    const char* version;
  } cases[] = {
      {"pkg:npm/%40babel/core@7.0.0", "npm", "@babel/core", "7.0.0"},
      {"pkg:pypi/Flask_Login@0.6.0", "PyPI", "flask-login", "0.6.0"},
      {"pkg:golang/golang.org/x/net@v0.17.0", "Go", "golang.org/x/net", "0.17.0"},
      {"pkg:cargo/serde@1.0.0", "crates.io", "serde", "1.0.0"},
      {"pkg:maven/org.yaml/snakeyaml@1.33", "Maven", "org.yaml:snakeyaml", "1.33"},
      {"pkg:gem/rack@2.2.0", "RubyGems", "rack", "2.2.0"},
      {"pkg:nuget/Newtonsoft.Json@12.0.1", "NuGet", "Newtonsoft.Json", "12.0.1"},
      {"pkg:composer/laravel/framework@9.0.0", "Packagist", "laravel/framework", "9.0.0"},
  };
  for (const auto& c : cases) {
    auto q = packageOf(pkg(c.purl, c.version), {});
    ASSERT_EQ(q.size(), 1u) << c.purl;
    EXPECT_EQ(q[0].ecosystem, c.eco) << c.purl;
    EXPECT_EQ(q[0].name, c.name) << c.purl;
    EXPECT_EQ(q[0].version, c.version) << c.purl;
  }
  EXPECT_TRUE(packageOf(pkg("pkg:generic/thing@1", "1"), {}).empty());
  EXPECT_TRUE(packageOf(pkg("", "1"), {}).empty());
}

}  // namespace
}  // namespace tollgate::vulndb

namespace tollgate::vulndb {
namespace {

TEST(Severity, AdvisoryRatingElseCvssElseMedium) {
  TempDir d;
  auto s = openStore(d.path() / "t.db");
  auto doc = [](const char* id, const char* pkgName, const char* extra) {
    return std::string(R"({"id":")") + id + R"(","modified":"2024-01-01T00:00:00Z")" + extra +
           R"(,"affected":[{"package":{"ecosystem":"npm","name":")" + pkgName +
           R"("},"ranges":[{"type":"SEMVER","events":[{"introduced":"0"}]}]}]})";
  };
  constexpr const char* kVec =
      R"(,"severity":[{"type":"CVSS_V3","score":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}])";
  ASSERT_TRUE(importJson(*s, doc("T-1", "a", kVec), "1", {}));
  ASSERT_TRUE(importJson(
      *s,
      doc("T-2", "b", (std::string(kVec) + R"(,"database_specific":{"severity":"LOW"})").c_str()),
      "2", {}));
  ASSERT_TRUE(importJson(*s, doc("T-3", "c", ""), "3", {}));
  sbom::Bom bom;
  bom.components = {pkg("pkg:npm/a@1.0.0", "1.0.0"), pkg("pkg:npm/b@1.0.0", "1.0.0"),
                    pkg("pkg:npm/c@1.0.0", "1.0.0")};
  auto m = Matcher::open(*s);
  auto r = m->match(bom, nullptr);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->findings.size(), 3u);
  EXPECT_EQ(r->findings[0].severity, report::Severity::kCritical);
  EXPECT_EQ(r->findings[0].evidence["score"], 9.8);
  EXPECT_EQ(r->findings[0].evidence["severity_source"], "cvss");
  EXPECT_EQ(r->findings[1].severity, report::Severity::kLow);
  EXPECT_EQ(r->findings[1].evidence["severity_source"], "advisory");
  EXPECT_EQ(r->findings[1].evidence["score"], 9.8);
  EXPECT_EQ(r->findings[2].severity, report::Severity::kMedium);
  EXPECT_EQ(r->findings[2].evidence["severity_source"], "default");
}

}  // namespace
}  // namespace tollgate::vulndb
