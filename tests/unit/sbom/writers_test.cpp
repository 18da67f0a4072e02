// The CycloneDX, SPDX and table writers and the reader.
//
// Goldens: tests/data/sbom/sample.{cdx,spdx}.json (canonical JSON: sorted keys, 2-space indent)
// and sample.table.txt. After an intended change of the output, regenerate them with
//   UPDATE_GOLDEN=1 build/sbom_tests --gtest_filter='Golden*'
// and review the diff.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <regex>
#include <set>
#include <string>

#include <nlohmann/json.hpp>

#include "tollgate/sbom/bom.h"
#include "tollgate/sbom/writers.h"

namespace tollgate::sbom {
namespace {

using json = nlohmann::json;
using ordered_json = nlohmann::ordered_json;

constexpr std::string_view kSha1Abc = "a9993e364706816aba3e25717850c26c9cd0d89d";
constexpr std::string_view kSha1Empty = "da39a3ee5e6b4b0d3255bfef95601890afd80709";
constexpr std::string_view kSha256Abc =
    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
constexpr std::string_view kSha256Empty =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

Hash sha1(std::string_view v) { return Hash{"SHA-1", std::string(v)}; }
Hash sha256(std::string_view v) { return Hash{"SHA-256", std::string(v)}; }

// A small BOM with one of everything the writers map: dpkg, npm, python and file components,
// owned files with and without SHA-1, every licence shape, suppliers and authors, properties,
// evidence and dependencies.
Bom sampleBom() {
  Bom bom;
  bom.metadata.toolVersion = "0.1.0";
  bom.metadata.timestamp = "2024-01-02T03:04:05Z";
  bom.metadata.serialNumber = "urn:uuid:11111111-2222-4333-8444-555555555555";
  bom.metadata.subjectName = "debian";
  bom.metadata.subjectType = "operating-system";
  bom.metadata.subjectVersion = "12";
  bom.metadata.properties = {{"tollgate:os:id", "debian"}, {"tollgate:root", "/srv/root"}};

  Component ssl;
  ssl.name = "libssl3";
  ssl.version = "3.0.11-1~deb12u2";
  ssl.purl = "pkg:deb/debian/libssl3@3.0.11-1~deb12u2?arch=amd64&distro=debian-12";
  ssl.supplier = "Debian OpenSSL Team <pkg-openssl-devel@alioth-lists.debian.net>";
  ssl.description = "Secure Sockets Layer toolkit - shared libraries";
  ssl.licenses = {License{"Apache-2.0", {}}};
  ssl.sourceName = "openssl";
  ssl.sourceVersion = "3.0.11-1~deb12u2";
  ssl.foundBy = "dpkg";
  ssl.evidencePaths = {"/var/lib/dpkg/status"};
  ssl.files = {
      FileRef{"/usr/lib/x86_64-linux-gnu/libssl.so.3", {sha1(kSha1Abc), sha256(kSha256Abc)}},
      FileRef{"/usr/share/doc/libssl3/copyright", {sha256(kSha256Empty)}}};
  ssl.properties = {{"tollgate:dpkg:architecture", "amd64"}};

  Component libc;
  libc.name = "libc6";
  libc.version = "2.36-9+deb12u4";
  libc.purl = "pkg:deb/debian/libc6@2.36-9%2Bdeb12u4?arch=amd64&distro=debian-12";
  libc.supplier = "GNU Libc Maintainers <debian-glibc@lists.debian.org>";
  libc.licenses = {License{"GPL-2.0-or-later", {}}, License{"LGPL-2.1-or-later OR MIT", {}},
                   License{{}, "Custom ACME licence text"}};
  libc.sourceName = "glibc";
  libc.foundBy = "dpkg";
  libc.evidencePaths = {"/var/lib/dpkg/status"};
  libc.files = {
      FileRef{"/usr/lib/x86_64-linux-gnu/libc.so.6", {sha1(kSha1Abc), sha256(kSha256Abc)}},
      FileRef{"/usr/share/doc/libc6/copyright", {sha1(kSha1Empty), sha256(kSha256Empty)}}};

  Component node;
  node.group = "types";
  node.name = "node";
  node.version = "20.1.0";
  node.purl = "pkg:npm/%40types/node@20.1.0";
  node.author = "Jane Doe <jane@example.com>";
  node.licenses = {License{"MIT", {}}, License{"Apache-2.0", {}}};
  node.foundBy = "npm";
  node.evidencePaths = {"/app/node_modules/@types/node/package.json"};

  Component requests;
  requests.type = ComponentType::kLibrary;
  requests.name = "requests";
  requests.version = "2.31.0";
  requests.purl = "pkg:pypi/requests@2.31.0";
  requests.author = "Kenneth Reitz";
  requests.licenses = {License{"Apache-2.0 OR MIT", {}}};
  requests.foundBy = "python";
  requests.evidencePaths = {"/usr/lib/python3/dist-packages/requests-2.31.0.dist-info/METADATA"};

  Component tool;
  tool.type = ComponentType::kFile;
  tool.name = "tool";
  tool.bomRef = "file:/opt/app/tool";
  tool.evidencePaths = {"/opt/app/tool"};
  tool.hashes = {sha256(kSha256Abc)};
  tool.foundBy = "file";
  tool.properties = {{"tollgate:file:kind", "elf"}, {"tollgate:file:size", "3"}};

  bom.components = {tool, requests, node, libc, ssl};
  bom.dependencies = {Dependency{ssl.purl, {libc.purl}}, Dependency{requests.purl, {libc.purl}}};
  bom.normalize();
  return bom;
}

std::filesystem::path goldenPath(const std::string& name) {
  return std::filesystem::path(TOLLGATE_TEST_DATA) / "sbom" / name;
}

std::string readFile(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

bool updateGolden() {
  const char* v = std::getenv("UPDATE_GOLDEN");
  return v != nullptr && std::string_view(v) == "1";
}

// Compares `actual` with the golden file (or rewrites it under UPDATE_GOLDEN=1).
void expectGolden(const std::string& actual, const std::string& name) {
  auto path = goldenPath(name);
  if (updateGolden()) {
    std::filesystem::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary) << actual;
    GTEST_SKIP() << "wrote " << path;
  }
  ASSERT_TRUE(std::filesystem::exists(path)) << path << " missing: run with UPDATE_GOLDEN=1";
  EXPECT_EQ(actual, readFile(path)) << "differs from " << path;
}

std::string canonical(const std::string& text) { return json::parse(text).dump(2) + "\n"; }

const json& findBy(const json& array, const char* key, std::string_view value) {
  for (const auto& v : array)
    if (v.contains(key) && v[key] == value) return v;
  static const json kNull;
  ADD_FAILURE() << "no element with " << key << " = " << value;
  return kNull;
}

// --- Goldens and format ------------------------------------------------------------------------

TEST(Golden, CycloneDx) {
  expectGolden(canonical(toCycloneDxJson(sampleBom())), "sample.cdx.json");
}
TEST(Golden, Spdx) { expectGolden(canonical(toSpdxJson(sampleBom())), "sample.spdx.json"); }
TEST(Golden, Table) { expectGolden(toTable(sampleBom()), "sample.table.txt"); }

TEST(Writers, LayoutIsNlohmannDumpWithTwoSpaceIndentAndTrailingNewline) {
  for (Format f : {Format::kCycloneDxJson, Format::kSpdxJson}) {
    std::string out = write(sampleBom(), f);
    ASSERT_FALSE(out.empty());
    EXPECT_EQ(out.back(), '\n');
    // ordered_json keeps our member order, so a re-dump is byte-identical if the layout is.
    EXPECT_EQ(ordered_json::parse(out).dump(2) + "\n", out);
  }
  Bom empty;
  empty.normalize();
  std::string cdx = toCycloneDxJson(empty);
  EXPECT_EQ(ordered_json::parse(cdx).dump(2) + "\n", cdx);
  EXPECT_NE(cdx.find("\"components\": []"), std::string::npos);
}

TEST(Writers, Deterministic) {
  Bom a = sampleBom();
  Bom b = sampleBom();
  // Same content in another order: normalize() makes it the same BOM.
  std::reverse(b.components.begin(), b.components.end());
  std::reverse(b.dependencies.begin(), b.dependencies.end());
  b.normalize();
  for (Format f : {Format::kCycloneDxJson, Format::kSpdxJson, Format::kTable}) {
    EXPECT_EQ(write(a, f), write(a, f));
    EXPECT_EQ(write(a, f), write(b, f));
  }
}

TEST(Writers, EscapesControlCharactersAndReplacesInvalidUtf8) {
  Bom bom;
  Component c;
  c.name = std::string("a\"b\\c\n\t\x01\x7f") + "caf\xc3\xa9 \xff\xfe end";
  c.version = "1";
  bom.components.push_back(c);
  bom.normalize();
  for (Format f : {Format::kCycloneDxJson, Format::kSpdxJson}) {
    json doc = json::parse(write(bom, f));  // throws (fails the test) if not valid JSON
    const json& list = f == Format::kCycloneDxJson ? doc["components"] : doc["packages"];
    const json& pkg = list.back();
    EXPECT_EQ(pkg["name"],
              std::string("a\"b\\c\n\t\x01\x7f") + "caf\xc3\xa9 \xef\xbf\xbd\xef\xbf\xbd end");
  }
  std::string table = toTable(bom);
  EXPECT_EQ(table.find('\x01'), std::string::npos);
  EXPECT_EQ(std::count(table.begin(), table.end(), '\n'), 3);  // header, row, summary
}

// --- CycloneDX ----------------------------------------------------------------------------------

// Streaming (writeTo) gives the same bytes as the one-string writers, also when the document is
// large enough to be handed over in several pieces.
TEST(Writers, StreamingEqualsWholeDocument) {
  Bom bom = sampleBom();
  for (int i = 0; i < 40; ++i) {
    Component c;
    c.name = "pkg" + std::to_string(i);
    c.version = "1.0." + std::to_string(i);
    c.purl = "pkg:npm/pkg" + std::to_string(i) + "@" + c.version;
    for (int f = 0; f < 200; ++f)
      c.files.push_back({"/usr/lib/pkg" + std::to_string(i) + "/file-with-a-long-name-" +
                             std::to_string(f) + ".js",
                         {{"SHA-256", std::string(64, 'a')}, {"SHA-1", std::string(40, 'b')}}});
    bom.components.push_back(std::move(c));
  }
  bom.normalize();
  for (Format f : {Format::kCycloneDxJson, Format::kSpdxJson, Format::kTable}) {
    std::string whole = write(bom, f);
    std::string streamed;
    int pieces = 0;
    writeTo(bom, f, [&](std::string_view piece) {
      streamed += piece;
      ++pieces;
    });
    EXPECT_EQ(streamed, whole);
    if (f != Format::kTable) {
      EXPECT_GT(whole.size(), std::size_t{2} << 20);
      EXPECT_GE(pieces, 2);
    }
  }
}

TEST(CycloneDx, DocumentShape) {
  json doc = json::parse(toCycloneDxJson(sampleBom()));
  EXPECT_EQ(doc["bomFormat"], "CycloneDX");
  EXPECT_EQ(doc["specVersion"], "1.6");
  EXPECT_EQ(doc["version"], 1);
  EXPECT_EQ(doc["serialNumber"], "urn:uuid:11111111-2222-4333-8444-555555555555");
  const json& meta = doc["metadata"];
  EXPECT_EQ(meta["timestamp"], "2024-01-02T03:04:05Z");
  EXPECT_EQ(meta["tools"]["components"][0]["name"], "tollgate");
  EXPECT_EQ(meta["tools"]["components"][0]["version"], "0.1.0");
  EXPECT_EQ(meta["component"]["type"], "operating-system");
  EXPECT_EQ(meta["component"]["name"], "debian");
  EXPECT_EQ(meta["component"]["version"], "12");

  const json& comps = doc["components"];
  ASSERT_EQ(comps.size(), 5u);
  std::set<std::string> refs;
  for (const auto& c : comps) refs.insert(c["bom-ref"].get<std::string>());
  refs.insert(meta["component"]["bom-ref"].get<std::string>());
  EXPECT_EQ(refs.size(), 6u) << "bom-refs are unique, the subject's included";

  const json& ssl = findBy(comps, "name", "libssl3");
  EXPECT_EQ(ssl["supplier"]["name"], "Debian OpenSSL Team");
  EXPECT_EQ(ssl["supplier"]["contact"][0]["email"], "pkg-openssl-devel@alioth-lists.debian.net");
  EXPECT_EQ(ssl["evidence"]["occurrences"][0]["location"], "/var/lib/dpkg/status");
  ASSERT_EQ(ssl["components"].size(), 2u);
  EXPECT_EQ(ssl["components"][0]["type"], "file");
  EXPECT_EQ(ssl["components"][0]["name"], "/usr/lib/x86_64-linux-gnu/libssl.so.3");
  EXPECT_EQ(ssl["components"][0]["hashes"].size(), 2u);
  EXPECT_FALSE(ssl["components"][0].contains("bom-ref"));
  // Properties sorted by name, derived ones included.
  std::vector<std::string> names;
  for (const auto& p : ssl["properties"]) names.push_back(p["name"]);
  EXPECT_EQ(names,
            (std::vector<std::string>{"tollgate:cataloger", "tollgate:dpkg:architecture",
                                      "tollgate:dpkg:source", "tollgate:dpkg:source-version"}));
  EXPECT_EQ(findBy(ssl["properties"], "name", "tollgate:dpkg:source")["value"], "openssl");

  const json& node = findBy(comps, "name", "node");
  EXPECT_EQ(node["group"], "types");
  EXPECT_EQ(node["authors"][0]["name"], "Jane Doe");
  EXPECT_EQ(node["authors"][0]["email"], "jane@example.com");
  const json& requests = findBy(comps, "name", "requests");
  EXPECT_EQ(requests["authors"][0]["name"], "Kenneth Reitz");
  EXPECT_FALSE(requests["authors"][0].contains("email"));

  const json& tool = findBy(comps, "name", "tool");
  EXPECT_EQ(tool["type"], "file");
  EXPECT_EQ(tool["hashes"][0]["alg"], "SHA-256");

  // Every component has a dependency entry, in component order.
  const json& deps = doc["dependencies"];
  ASSERT_EQ(deps.size(), comps.size());
  for (std::size_t i = 0; i < comps.size(); ++i) EXPECT_EQ(deps[i]["ref"], comps[i]["bom-ref"]);
  EXPECT_EQ(findBy(deps, "ref", ssl["bom-ref"].get<std::string>())["dependsOn"],
            json::array({findBy(comps, "name", "libc6")["bom-ref"]}));
  EXPECT_EQ(findBy(deps, "ref", "file:/opt/app/tool")["dependsOn"], json::array());
}

struct LicenseCase {
  std::vector<License> licenses;
  std::string cyclonedx;  // the "licenses" array as compact JSON; "" for none
  std::string spdxDeclared;
};

class Licenses : public ::testing::TestWithParam<LicenseCase> {};

TEST_P(Licenses, CycloneDxAndSpdx) {
  Bom bom;
  Component c;
  c.name = "x";
  c.version = "1";
  c.licenses = GetParam().licenses;
  bom.components.push_back(c);
  bom.normalize();
  json cdx = json::parse(toCycloneDxJson(bom));
  const json& comp = cdx["components"][0];
  if (GetParam().cyclonedx.empty())
    EXPECT_FALSE(comp.contains("licenses"));
  else
    EXPECT_EQ(comp["licenses"].dump(), GetParam().cyclonedx);
  json spdx = json::parse(toSpdxJson(bom));
  EXPECT_EQ(spdx["packages"][1]["licenseDeclared"], GetParam().spdxDeclared);

  // An expression, if any, is the only entry (CycloneDX 1.6 licenseChoice).
  if (comp.contains("licenses"))
    for (const auto& l : comp["licenses"])
      if (l.contains("expression")) {
        EXPECT_EQ(comp["licenses"].size(), 1u);
      }
  // Every LicenseRef used is declared.
  std::set<std::string> declared;
  for (const auto& e : spdx.value("hasExtractedLicensingInfos", json::array()))
    declared.insert(e["licenseId"].get<std::string>());
  std::string expr = spdx["packages"][1]["licenseDeclared"];
  std::regex ref("LicenseRef-[A-Za-z0-9.-]+");
  for (auto it = std::sregex_iterator(expr.begin(), expr.end(), ref); it != std::sregex_iterator();
       ++it)
    EXPECT_TRUE(declared.contains(it->str())) << it->str();

  // Reading the CycloneDX back gives licences that write the same way.
  auto back = readBom(cdx.dump(), "x.json");
  ASSERT_TRUE(back) << back.error().describe();
  EXPECT_EQ(toCycloneDxJson(*back), toCycloneDxJson(bom));
  auto backSpdx = readBom(spdx.dump(), "x.spdx.json");
  ASSERT_TRUE(backSpdx) << backSpdx.error().describe();
  EXPECT_EQ(json::parse(toSpdxJson(*backSpdx))["packages"][1]["licenseDeclared"],
            GetParam().spdxDeclared);
}

INSTANTIATE_TEST_SUITE_P(
    Shapes, Licenses,
    ::testing::Values(
        LicenseCase{{}, "", "NOASSERTION"},
        LicenseCase{{{"MIT", ""}}, R"([{"license":{"id":"MIT"}}])", "MIT"},
        LicenseCase{{{"MIT", ""}, {"Apache-2.0", ""}},
                    R"([{"expression":"Apache-2.0 AND MIT"}])",
                    "Apache-2.0 AND MIT"},
        LicenseCase{{{"MIT OR Apache-2.0", ""}},
                    R"([{"expression":"MIT OR Apache-2.0"}])",
                    "MIT OR Apache-2.0"},
        LicenseCase{{{"MIT OR Apache-2.0", ""}, {"BSD-3-Clause", ""}},
                    R"j([{"expression":"BSD-3-Clause AND (MIT OR Apache-2.0)"}])j",
                    "BSD-3-Clause AND (MIT OR Apache-2.0)"},
        LicenseCase{
            {{"LicenseRef-acme", ""}}, R"([{"expression":"LicenseRef-acme"}])", "LicenseRef-acme"},
        LicenseCase{{{"", "Custom ACME licence"}},
                    R"([{"license":{"name":"Custom ACME licence"}}])",
                    "LicenseRef-Custom-ACME-licence"},
        LicenseCase{{{"MIT", ""}, {"", "Custom ACME licence"}, {"GPL-2.0-only OR MIT", ""}},
                    R"([{"license":{"name":"Custom ACME licence"}},)"
                    R"({"license":{"name":"GPL-2.0-only OR MIT"}},{"license":{"id":"MIT"}}])",
                    "LicenseRef-Custom-ACME-licence AND (GPL-2.0-only OR MIT) AND MIT"},
        // Conjunctions flatten, repeats go.
        LicenseCase{{{"GPL-3.0-or-later", ""}, {"GPL-3.0-or-later AND ISC", ""}},
                    R"j([{"expression":"GPL-3.0-or-later AND ISC"}])j",
                    "GPL-3.0-or-later AND ISC"},
        LicenseCase{{{"(MIT OR Apache-2.0)", ""}},
                    R"j([{"expression":"MIT OR Apache-2.0"}])j",
                    "MIT OR Apache-2.0"}));

TEST(CycloneDx, SkipsHashesAndSerialTheSchemaWouldReject) {
  Bom bom;
  bom.metadata.serialNumber = "not-a-uuid";
  bom.metadata.timestamp = "yesterday";
  Component c;
  c.name = "x";
  c.hashes = {Hash{"SHA-256", "abc"}, Hash{"CRC32", "00000000"}, sha256(kSha256Empty)};
  c.version = std::string(2000, 'v');
  bom.components.push_back(c);
  bom.normalize();
  json doc = json::parse(toCycloneDxJson(bom));
  EXPECT_FALSE(doc.contains("serialNumber"));
  EXPECT_FALSE(doc["metadata"].contains("timestamp"));
  EXPECT_EQ(doc["components"][0]["hashes"].size(), 1u);
  EXPECT_EQ(doc["components"][0]["version"].get<std::string>().size(), 1024u);
}

// --- SPDX ---------------------------------------------------------------------------------------

TEST(Spdx, DocumentShape) {
  json doc = json::parse(toSpdxJson(sampleBom()));
  EXPECT_EQ(doc["spdxVersion"], "SPDX-2.3");
  EXPECT_EQ(doc["dataLicense"], "CC0-1.0");
  EXPECT_EQ(doc["SPDXID"], "SPDXRef-DOCUMENT");
  EXPECT_EQ(doc["documentNamespace"],
            "https://tollgate.invalid/spdx/11111111-2222-4333-8444-555555555555");
  EXPECT_EQ(doc["creationInfo"]["created"], "2024-01-02T03:04:05Z");
  EXPECT_EQ(doc["creationInfo"]["creators"], json::array({"Tool: tollgate-0.1.0"}));

  std::set<std::string> ids{"SPDXRef-DOCUMENT"};
  std::regex idPattern("SPDXRef-[A-Za-z0-9.-]+");
  for (const char* list : {"packages", "files"})
    for (const auto& e : doc[list]) {
      std::string id = e["SPDXID"];
      EXPECT_TRUE(std::regex_match(id, idPattern)) << id;
      EXPECT_TRUE(ids.insert(id).second) << "duplicate " << id;
    }
  for (const auto& r : doc["relationships"]) {
    EXPECT_TRUE(ids.contains(r["spdxElementId"])) << r.dump();
    EXPECT_TRUE(ids.contains(r["relatedSpdxElement"])) << r.dump();
  }
  const json& root = doc["packages"][0];
  EXPECT_EQ(root["name"], "debian");
  EXPECT_EQ(root["primaryPackagePurpose"], "OPERATING_SYSTEM");
  EXPECT_EQ(doc["relationships"][0], json({{"spdxElementId", "SPDXRef-DOCUMENT"},
                                           {"relationshipType", "DESCRIBES"},
                                           {"relatedSpdxElement", root["SPDXID"]}}));

  const json& ssl = findBy(doc["packages"], "name", "libssl3");
  EXPECT_EQ(ssl["supplier"],
            "Organization: Debian OpenSSL Team (pkg-openssl-devel@alioth-lists.debian.net)");
  EXPECT_EQ(ssl["sourceInfo"], "built package from: openssl 3.0.11-1~deb12u2");
  EXPECT_EQ(ssl["externalRefs"][0]["referenceType"], "purl");
  EXPECT_EQ(ssl["externalRefs"][0]["referenceCategory"], "PACKAGE-MANAGER");
  // One of its two files has no SHA-1: that file is not an SPDX file (SPDX requires a SHA-1 of
  // every file) but is named as excluded from the verification code.
  EXPECT_EQ(ssl["filesAnalyzed"], true);
  EXPECT_EQ(ssl["packageVerificationCode"]["packageVerificationCodeValue"],
            "9ef2bdeea2b1bae79b9ddb930427d0b2c880bdac");  // sha1(sha1("abc"))
  EXPECT_EQ(ssl["packageVerificationCode"]["packageVerificationCodeExcludedFiles"],
            json::array({"./usr/share/doc/libssl3/copyright"}));

  const json& libc = findBy(doc["packages"], "name", "libc6");
  EXPECT_EQ(libc["filesAnalyzed"], true);
  // sha1(sorted(sha1("abc"), sha1("")) concatenated), per SPDX 2.3 clause 7.9.
  EXPECT_EQ(libc["packageVerificationCode"]["packageVerificationCodeValue"],
            "29d0dbdfff975c93e2d75e5024fe8b650ec847af");
  EXPECT_EQ(libc["supplier"], "Organization: GNU Libc Maintainers (debian-glibc@lists.debian.org)");

  const json& node = findBy(doc["packages"], "name", "node");
  EXPECT_EQ(node["originator"], "Person: Jane Doe (jane@example.com)");
  EXPECT_EQ(node["filesAnalyzed"], false);
  const json& tool = findBy(doc["packages"], "name", "tool");
  EXPECT_EQ(tool["primaryPackagePurpose"], "FILE");
  EXPECT_EQ(tool["packageFileName"], "./opt/app/tool");
  EXPECT_EQ(tool["checksums"][0]["algorithm"], "SHA256");

  // Files: every one has a SHA1, names are "./" relative.
  ASSERT_EQ(doc["files"].size(), 3u);
  for (const auto& f : doc["files"]) {
    EXPECT_TRUE(f["fileName"].get<std::string>().starts_with("./usr/")) << f.dump();
    EXPECT_EQ(findBy(f["checksums"], "algorithm", "SHA1")["algorithm"], "SHA1");
  }
  std::size_t contains = 0;
  std::size_t dependsOn = 0;
  for (const auto& r : doc["relationships"]) {
    contains += r["relationshipType"] == "CONTAINS";
    dependsOn += r["relationshipType"] == "DEPENDS_ON";
  }
  EXPECT_EQ(contains, 5u + 3u);  // root contains 5 packages; packages contain 3 files
  EXPECT_EQ(dependsOn, 2u);
}

TEST(Spdx, IdsStayUniqueWhenRefsSanitiseAlike) {
  Bom bom;
  for (const char* ref : {"a+b", "a-b", "a/b", "a b"}) {
    Component c;
    c.name = ref;
    c.bomRef = ref;
    bom.components.push_back(c);
  }
  bom.normalize();
  json doc = json::parse(toSpdxJson(bom));
  std::set<std::string> ids;
  for (const auto& p : doc["packages"]) EXPECT_TRUE(ids.insert(p["SPDXID"]).second) << p["SPDXID"];
  EXPECT_TRUE(ids.contains("SPDXRef-Package-a-b"));
}

TEST(Spdx, NamespaceWithoutSerialIsStable) {
  Bom bom = sampleBom();
  bom.metadata.serialNumber.clear();
  json a = json::parse(toSpdxJson(bom));
  json b = json::parse(toSpdxJson(bom));
  EXPECT_EQ(a["documentNamespace"], b["documentNamespace"]);
  EXPECT_TRUE(
      a["documentNamespace"].get<std::string>().starts_with("https://tollgate.invalid/spdx/"));
}

// --- Table --------------------------------------------------------------------------------------

TEST(Table, RowsPerPackageAndSummary) {
  std::string t = toTable(sampleBom());
  std::vector<std::string> lines;
  for (std::size_t pos = 0, nl; (nl = t.find('\n', pos)) != std::string::npos; pos = nl + 1)
    lines.push_back(t.substr(pos, nl - pos));
  ASSERT_EQ(lines.size(), 6u);  // header, 4 packages (the file component is only counted), summary
  EXPECT_TRUE(lines[0].starts_with("TYPE")) << lines[0];
  EXPECT_NE(lines[0].find("PURL"), std::string::npos);
  EXPECT_EQ(lines.back(),
            "5 components (dpkg 2, file 1, npm 1, python 1), 1 file entries, 4 package files, "
            "2 dependency edges");
  // Columns line up: NAME starts at the same offset on every row.
  std::size_t nameCol = lines[0].find("NAME");
  for (std::size_t i = 1; i + 1 < lines.size(); ++i) EXPECT_NE(lines[i][nameCol], ' ') << lines[i];
  EXPECT_NE(t.find("@types/node"), std::string::npos);
  for (const auto& l : lines) EXPECT_FALSE(l.ends_with(' ')) << l;
}

TEST(Table, TruncatesLongCells) {
  Bom bom;
  Component c;
  c.name = std::string(300, 'n');
  c.version = "1";
  c.purl = "pkg:generic/" + std::string(100, 'p') + "@1?arch=amd64&distro=debian-12";
  bom.components.push_back(c);
  bom.normalize();
  std::string t = toTable(bom);
  std::string row = t.substr(t.find('\n') + 1);
  row = row.substr(0, row.find('\n'));
  EXPECT_LT(row.size(), 200u);
  EXPECT_NE(row.find("..."), std::string::npos);
  EXPECT_EQ(row.find("arch=amd64"), std::string::npos) << "qualifiers go first";
}

// --- Reader: round trips ------------------------------------------------------------------------

TEST(RoundTrip, CycloneDxWriteReadWrite) {
  Bom bom = sampleBom();
  std::string first = toCycloneDxJson(bom);
  auto back = readBom(first, "sample.cdx.json");
  ASSERT_TRUE(back) << back.error().describe();
  EXPECT_EQ(toCycloneDxJson(*back), first);

  // The model survives, field by field.
  ASSERT_EQ(back->components.size(), bom.components.size());
  for (std::size_t i = 0; i < bom.components.size(); ++i) {
    const Component& a = bom.components[i];
    const Component& b = back->components[i];
    EXPECT_EQ(b.bomRef, a.bomRef);
    EXPECT_EQ(b.type, a.type);
    EXPECT_EQ(b.name, a.name);
    EXPECT_EQ(b.group, a.group);
    EXPECT_EQ(b.version, a.version);
    EXPECT_EQ(b.purl, a.purl);
    EXPECT_EQ(b.supplier, a.supplier);
    EXPECT_EQ(b.author, a.author);
    EXPECT_EQ(b.description, a.description);
    EXPECT_EQ(b.hashes, a.hashes);
    EXPECT_EQ(b.evidencePaths, a.evidencePaths);
    EXPECT_EQ(b.sourceName, a.sourceName);
    EXPECT_EQ(b.sourceVersion, a.sourceVersion);
    EXPECT_EQ(b.foundBy, a.foundBy);
    EXPECT_EQ(b.properties, a.properties);
    ASSERT_EQ(b.files.size(), a.files.size());
    for (std::size_t k = 0; k < a.files.size(); ++k) {
      EXPECT_EQ(b.files[k].path, a.files[k].path);
      EXPECT_EQ(b.files[k].hashes, a.files[k].hashes);
    }
  }
  ASSERT_EQ(back->dependencies.size(), bom.dependencies.size());
  for (std::size_t i = 0; i < bom.dependencies.size(); ++i) {
    EXPECT_EQ(back->dependencies[i].ref, bom.dependencies[i].ref);
    EXPECT_EQ(back->dependencies[i].dependsOn, bom.dependencies[i].dependsOn);
  }
  EXPECT_EQ(back->metadata.serialNumber, bom.metadata.serialNumber);
  EXPECT_EQ(back->metadata.timestamp, bom.metadata.timestamp);
  EXPECT_EQ(back->metadata.subjectName, "debian");
  EXPECT_EQ(back->metadata.subjectType, "operating-system");
  EXPECT_EQ(back->metadata.properties, bom.metadata.properties);
}

TEST(RoundTrip, SpdxWriteReadWrite) {
  Bom bom = sampleBom();
  std::string first = toSpdxJson(bom);
  auto back = readBom(first, "sample.spdx.json");
  ASSERT_TRUE(back) << back.error().describe();
  EXPECT_EQ(toSpdxJson(*back), first);

  ASSERT_EQ(back->components.size(), bom.components.size());
  for (std::size_t i = 0; i < bom.components.size(); ++i) {
    const Component& a = bom.components[i];
    const Component& b = back->components[i];
    EXPECT_EQ(b.bomRef, a.bomRef);
    EXPECT_EQ(b.purl, a.purl);
    EXPECT_EQ(b.version, a.version);
    EXPECT_EQ(b.hashes, a.hashes);
    EXPECT_EQ(b.sourceName, a.sourceName);
    EXPECT_EQ(b.sourceVersion, a.sourceVersion);
    EXPECT_EQ(b.supplier, a.supplier);
  }
  const Component& libc = back->components[1];
  ASSERT_EQ(libc.name, "libc6");
  EXPECT_EQ(libc.files.size(), 2u);
  EXPECT_EQ(libc.licenses, bom.components[1].licenses);
  EXPECT_EQ(back->dependencies.size(), 2u);
  EXPECT_EQ(back->metadata.subjectName, "debian");
  EXPECT_EQ(back->metadata.subjectVersion, "12");
  EXPECT_EQ(back->metadata.toolName, "tollgate");
  EXPECT_EQ(back->metadata.toolVersion, "0.1.0");
}

TEST(RoundTrip, EmptyBom) {
  Bom bom;
  bom.metadata.subjectName = "/srv/empty";
  bom.normalize();
  for (Format f : {Format::kCycloneDxJson, Format::kSpdxJson}) {
    std::string first = write(bom, f);
    auto back = readBom(first, "empty");
    ASSERT_TRUE(back) << back.error().describe();
    EXPECT_TRUE(back->components.empty());
    EXPECT_EQ(write(*back, f), first);
  }
}

// The source package property is named after the package manager, and read back from each.
TEST(RoundTrip, SourcePackagePropertyPerPackageManager) {
  Bom bom;
  bom.metadata.subjectName = "/";
  struct Case {
    const char* purl;
    const char* property;
  } cases[] = {{"pkg:deb/debian/libssl3@3.0.11-1", "tollgate:dpkg:source"},
               {"pkg:rpm/fedora/openssl-libs@3.1.1-4.fc39", "tollgate:rpm:source"},
               {"pkg:apk/alpine/libssl3@3.1.4-r5", "tollgate:apk:source"}};
  for (const auto& c : cases) {
    Component comp;
    comp.name = c.purl;
    comp.version = "1";
    comp.purl = c.purl;
    comp.sourceName = "openssl";
    comp.sourceVersion = "3";
    bom.components.push_back(std::move(comp));
  }
  bom.normalize();
  auto doc = json::parse(toCycloneDxJson(bom));
  for (const auto& c : cases) {
    const json& comp = findBy(doc["components"], "purl", c.purl);
    EXPECT_EQ(findBy(comp["properties"], "name", c.property)["value"], "openssl") << c.purl;
    EXPECT_EQ(findBy(comp["properties"], "name", std::string(c.property) + "-version")["value"],
              "3")
        << c.purl;
  }
  auto back = readBom(doc.dump(), "x.cdx.json");
  ASSERT_TRUE(back) << back.error().describe();
  for (const auto& comp : back->components) {
    EXPECT_EQ(comp.sourceName, "openssl") << comp.purl;
    EXPECT_EQ(comp.sourceVersion, "3") << comp.purl;
    EXPECT_TRUE(comp.properties.empty()) << comp.purl;
  }
}

// --- Reader: the CycloneDX specification's examples
// -----------------------------------------------

std::vector<std::filesystem::path> examples(std::string_view prefix) {
  std::vector<std::filesystem::path> out;
  auto dir = std::filesystem::path(TOLLGATE_SHARED_DATA) / "cyclonedx" / "examples-1.6";
  for (const auto& e : std::filesystem::directory_iterator(dir))
    if (e.path().filename().string().starts_with(prefix) && e.path().extension() == ".json")
      out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

TEST(ReaderExamples, EveryValidCycloneDx16ExampleParses) {
  auto files = examples("valid-");
  ASSERT_GT(files.size(), 40u);
  for (const auto& f : files) {
    auto bom = readBom(readFile(f), f.filename().string());
    EXPECT_TRUE(bom) << f.filename() << ": " << bom.error().describe();
    if (bom) {
      // And what we read writes out again as a document we can read.
      auto again = readBom(toCycloneDxJson(*bom), "rewritten");
      EXPECT_TRUE(again) << f.filename();
    }
  }
}

TEST(ReaderExamples, InvalidExamplesDoNotCrash) {
  auto files = examples("invalid-");
  ASSERT_GT(files.size(), 20u);
  std::set<std::string> rejected;
  for (const auto& f : files) {
    auto bom = readBom(readFile(f), f.filename().string());
    if (!bom) {
      EXPECT_EQ(bom.error().context, f.filename().string());
      EXPECT_FALSE(bom.error().message.empty());
      rejected.insert(f.filename().string());
    }
  }
  // The structural ones are errors; the rest (patterns, enums) are the schema's business.
  for (const char* name :
       {"invalid-bomformat-1.6.json", "invalid-missing-component-type-1.6.json",
        "invalid-empty-component-1.6.json", "invalid-license-missing-id-and-name-1.6.json"})
    EXPECT_TRUE(rejected.contains(name)) << name;
}

TEST(ReaderExamples, ValidBomContent) {
  auto bom = readBom(readFile(std::filesystem::path(TOLLGATE_SHARED_DATA) / "cyclonedx" /
                              "examples-1.6" / "valid-bom-1.6.json"),
                     "valid-bom-1.6.json");
  ASSERT_TRUE(bom) << bom.error().describe();
  ASSERT_FALSE(bom->components.empty());
  bool anyPurl = std::any_of(bom->components.begin(), bom->components.end(),
                             [](const Component& c) { return !c.purl.empty(); });
  EXPECT_TRUE(anyPurl);
}

// --- Reader: errors -----------------------------------------------------------------------------

struct ErrorCase {
  std::string input;
  ErrorCode code;
  std::string message;  // a substring of the error message
};

class ReaderErrors : public ::testing::TestWithParam<ErrorCase> {};

TEST_P(ReaderErrors, NameWhatIsWrong) {
  auto bom = readBom(GetParam().input, "in.json");
  ASSERT_FALSE(bom) << "accepted: " << GetParam().input.substr(0, 200);
  EXPECT_EQ(bom.error().code, GetParam().code) << bom.error().describe();
  EXPECT_NE(bom.error().message.find(GetParam().message), std::string::npos)
      << bom.error().describe();
  EXPECT_EQ(bom.error().context, "in.json");
}

std::string nestedComponents(int depth) {
  std::string s = R"({"bomFormat":"CycloneDX","specVersion":"1.6","components":[)";
  for (int i = 0; i < depth; ++i) s += R"({"type":"library","name":"n","components":[)";
  for (int i = 0; i < depth; ++i) s += "]}";
  return s + "]}";
}

INSTANTIATE_TEST_SUITE_P(
    Cases, ReaderErrors,
    ::testing::Values(
        ErrorCase{"", ErrorCode::kInvalidInput, "not valid JSON"},
        ErrorCase{"{\"bomFormat\": ", ErrorCode::kInvalidInput, "not valid JSON"},
        ErrorCase{"{\"a\":\"\xff\"}", ErrorCode::kInvalidInput, "not valid JSON"},
        ErrorCase{"[]", ErrorCode::kInvalidInput, "expected a JSON object"},
        ErrorCase{R"({"name":"x"})", ErrorCode::kInvalidInput, "neither a CycloneDX"},
        ErrorCase{R"({"bomFormat":"SPDX","specVersion":"1.6"})", ErrorCode::kInvalidInput,
                  "$.bomFormat: expected \"CycloneDX\""},
        ErrorCase{R"({"bomFormat":"CycloneDX"})", ErrorCode::kInvalidInput,
                  "$.specVersion: missing"},
        ErrorCase{R"({"bomFormat":"CycloneDX","specVersion":"2.0"})", ErrorCode::kUnsupported,
                  "CycloneDX 2.0 is not supported"},
        ErrorCase{R"({"bomFormat":"CycloneDX","specVersion":"1.6","components":{}})",
                  ErrorCode::kInvalidInput, "$.components: expected an array, found an object"},
        ErrorCase{R"({"bomFormat":"CycloneDX","specVersion":"1.6","components":[1]})",
                  ErrorCode::kInvalidInput, "$.components[0]: expected an object, found a number"},
        ErrorCase{
            R"({"bomFormat":"CycloneDX","specVersion":"1.6","components":[{"type":"library","name":3}]})",
            ErrorCode::kInvalidInput, "$.components[0].name: expected a string, found a number"},
        ErrorCase{
            R"({"bomFormat":"CycloneDX","specVersion":"1.5","components":[{"type":"library","name":"a","hashes":[{"alg":"SHA-1"}]}]})",
            ErrorCode::kInvalidInput, "$.components[0].hashes[0].content: missing"},
        ErrorCase{
            R"({"bomFormat":"CycloneDX","specVersion":"1.6","components":[{"type":"library","name":"a","licenses":[{"license":{}}]}]})",
            ErrorCode::kInvalidInput, "$.components[0].licenses[0].license: neither"},
        ErrorCase{
            R"({"bomFormat":"CycloneDX","specVersion":"1.6","dependencies":[{"ref":"a","dependsOn":[1]}]})",
            ErrorCode::kInvalidInput, "$.dependencies[0].dependsOn[0]: expected a string"},
        ErrorCase{R"({"bomFormat":"CycloneDX","specVersion":"1.6","metadata":{"tools":"x"}})",
                  ErrorCode::kInvalidInput, "$.metadata.tools: expected an array or an object"},
        ErrorCase{nestedComponents(40), ErrorCode::kLimit, "nested deeper than 32"},
        ErrorCase{R"({"spdxVersion":"SPDX-3.0"})", ErrorCode::kUnsupported, "not supported"},
        ErrorCase{R"({"spdxVersion":"SPDX-2.3","packages":[{"SPDXID":"SPDXRef-a"}]})",
                  ErrorCode::kInvalidInput, "$.packages[0].name: missing"},
        ErrorCase{
            R"({"spdxVersion":"SPDX-2.3","files":[{"SPDXID":"f","fileName":"a","checksums":{}}]})",
            ErrorCode::kInvalidInput, "$.files[0].checksums: expected an array"},
        ErrorCase{R"({"spdxVersion":"SPDX-2.3","relationships":[{"spdxElementId":"a"}]})",
                  ErrorCode::kInvalidInput, "$.relationships[0].relationshipType: missing"},
        ErrorCase{R"({"@context":"https://spdx.org/rdf/3.0.1/spdx-context.jsonld"})",
                  ErrorCode::kUnsupported, "SPDX 3"}));

TEST(Reader, DeepArraysDoNotExhaustTheStack) {
  std::string deep(200000, '[');
  deep += std::string(200000, ']');
  auto bom = readBom(deep, "deep.json");
  EXPECT_FALSE(bom);
  std::string deepObj = R"({"bomFormat":"CycloneDX","specVersion":"1.6","x":)" +
                        std::string(200000, '[') + std::string(200000, ']') + "}";
  EXPECT_TRUE(readBom(deepObj, "deep.json")) << "unknown members are ignored, however deep";
}

TEST(Reader, ForeignSpellings) {
  // CycloneDX 1.4: legacy tools array, author string, licence names that are SPDX ids, syft's
  // source properties, upper-case hash names.
  std::string cdx = R"j({
    "bomFormat": "CycloneDX", "specVersion": "1.4",
    "metadata": {"tools": [{"vendor": "anchore", "name": "syft", "version": "0.90.0"}]},
    "components": [{
      "type": "library", "name": "libssl3", "version": "3.0.11", "author": "Someone",
      "purl": "pkg:deb/debian/libssl3@3.0.11",
      "licenses": [{"license": {"name": "MIT"}}, {"expression": "(Apache-2.0 AND BSD-3-Clause)"}],
      "hashes": [{"alg": "SHA-256", "content": "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855"}],
      "properties": [{"name": "syft:metadata:source", "value": "openssl"},
                     {"name": "syft:metadata:sourceVersion", "value": "3.0.11-1"}]
    }]})j";
  auto bom = readBom(cdx, "syft.json");
  ASSERT_TRUE(bom) << bom.error().describe();
  EXPECT_EQ(bom->metadata.toolName, "syft");
  EXPECT_EQ(bom->metadata.toolVersion, "0.90.0");
  ASSERT_EQ(bom->components.size(), 1u);
  const Component& c = bom->components[0];
  EXPECT_EQ(c.bomRef, "pkg:deb/debian/libssl3@3.0.11");
  EXPECT_EQ(c.author, "Someone");
  EXPECT_EQ(c.sourceName, "openssl");
  EXPECT_EQ(c.sourceVersion, "3.0.11-1");
  EXPECT_EQ(c.hashes, std::vector<Hash>{sha256(kSha256Empty)});
  EXPECT_EQ(c.licenses,
            (std::vector<License>{{"Apache-2.0", ""}, {"BSD-3-Clause", ""}, {"MIT", ""}}));

  // SPDX 2.2 style: documentDescribes, DEPENDENCY_OF, hasFiles, LicenseRef with a name.
  std::string spdx = R"j({
    "spdxVersion": "SPDX-2.2", "SPDXID": "SPDXRef-DOCUMENT", "name": "app",
    "documentDescribes": ["SPDXRef-app"],
    "hasExtractedLicensingInfos": [{"licenseId": "LicenseRef-1", "name": "Beerware", "extractedText": "..."}],
    "packages": [
      {"SPDXID": "SPDXRef-app", "name": "app", "versionInfo": "1.0", "downloadLocation": "NONE"},
      {"SPDXID": "SPDXRef-lib", "name": "lib", "versionInfo": "2.0", "downloadLocation": "NONE",
       "supplier": "Person: Ann (ann@example.com)", "licenseConcluded": "LicenseRef-1 AND MIT",
       "hasFiles": ["SPDXRef-f1"],
       "externalRefs": [{"referenceCategory": "PACKAGE_MANAGER", "referenceType": "purl",
                         "referenceLocator": "pkg:npm/lib@2.0"}]}],
    "files": [{"SPDXID": "SPDXRef-f1", "fileName": "./lib/index.js",
               "checksums": [{"algorithm": "SHA1", "checksumValue": "a9993e364706816aba3e25717850c26c9cd0d89d"}]},
              {"SPDXID": "SPDXRef-f2", "fileName": "./bin/extra",
               "checksums": [{"algorithm": "SHA1", "checksumValue": "da39a3ee5e6b4b0d3255bfef95601890afd80709"}]}],
    "relationships": [{"spdxElementId": "SPDXRef-lib", "relationshipType": "DEPENDENCY_OF",
                       "relatedSpdxElement": "SPDXRef-app"}]})j";
  auto sbom = readBom(spdx, "app.spdx.json");
  ASSERT_TRUE(sbom) << sbom.error().describe();
  EXPECT_EQ(sbom->metadata.subjectName, "app");
  EXPECT_EQ(sbom->metadata.subjectVersion, "1.0");
  ASSERT_EQ(sbom->components.size(), 2u);  // lib, and the file no package contains
  const Component& lib = sbom->components[1];
  EXPECT_EQ(lib.name, "lib");
  EXPECT_EQ(lib.purl, "pkg:npm/lib@2.0");
  EXPECT_EQ(lib.supplier, "Ann <ann@example.com>");
  EXPECT_EQ(lib.licenses, (std::vector<License>{{"", "Beerware"}, {"MIT", ""}}));
  ASSERT_EQ(lib.files.size(), 1u);
  EXPECT_EQ(lib.files[0].path, "/lib/index.js");
  const Component& extra = sbom->components[0];
  EXPECT_EQ(extra.type, ComponentType::kFile);
  EXPECT_EQ(extra.evidencePaths, std::vector<std::string>{"/bin/extra"});
}

}  // namespace
}  // namespace tollgate::sbom
