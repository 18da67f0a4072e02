// Java metadata parsers (MANIFEST.MF, pom.properties, pom.xml, file names, identity rules) and
// the Java cataloger on archives written here as stored zip files, in memory and expanded.
#include "tollgate/catalog/java.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "scanned_tree.h"
#include "temp_dir.h"
#include "tollgate/catalog/catalog.h"
#include "tollgate/util/hash.h"

namespace tollgate::catalog {
namespace {

using tollgate::testing::TempDir;

// ---- MANIFEST.MF ------------------------------------------------------------------------------

TEST(JavaManifest, MainSectionWithContinuations) {
  std::string_view text =
      "Manifest-Version: 1.0\r\n"
      "Created-By: Apache Maven 3.6.3\r\n"
      "Bundle-Description: Guice is a lightweight dependency injection framewor\r\n"
      " k for Java 6 and above\r\n"
      "Implementation-Version: 4.2.3 \r\n"
      "Empty:\r\n"
      "\r\n"
      "Name: com/google/inject/\r\n"
      "Implementation-Version: 9.9\r\n";
  auto m = java::parseManifest(text);
  ASSERT_TRUE(m) << m.error().describe();
  EXPECT_EQ(m->main.size(), 5u);
  EXPECT_EQ(m->get("bundle-description"),
            "Guice is a lightweight dependency injection framework for Java 6 and above");
  EXPECT_EQ(m->get("IMPLEMENTATION-VERSION"), "4.2.3");  // main section only, trimmed
  EXPECT_EQ(m->get("Empty"), "");
  EXPECT_EQ(m->get("Missing"), "");
  // LF and lone CR line ends, a byte order mark, leading blank lines.
  auto lf = java::parseManifest("\xef\xbb\xbf\nA: 1\n B\rC: 2");
  ASSERT_TRUE(lf);
  EXPECT_EQ(lf->get("A"), "1B");
  EXPECT_EQ(lf->get("C"), "2");
}

TEST(JavaManifest, Malformed) {
  for (std::string_view bad :
       {std::string_view("Manifest-Version 1.0\n"), std::string_view(" continuation\n"),
        std::string_view(": x\n"), std::string_view("A:x\n"), std::string_view("A: 1\0\n", 6)}) {
    auto m = java::parseManifest(bad);
    EXPECT_FALSE(m) << bad;
    if (!m) {
      EXPECT_EQ(m.error().code, ErrorCode::kInvalidInput);
    }
  }
}

// ---- pom.properties ---------------------------------------------------------------------------

TEST(JavaPomProperties, PropertiesSyntax) {
  struct Case {
    std::string name, text, group, artifact, version;
  };
  for (const auto& c : std::vector<Case>{
           {"Maven",
            "#Created by Apache Maven 3.6.3\nversion=3.8.7\ngroupId=org.apache.maven\n"
            "artifactId=maven-core\n",
            "org.apache.maven", "maven-core", "3.8.7"},
           {"Separators", "groupId : g\nartifactId a\n! comment\nversion=  1.0  \n", "g", "a",
            "1.0"},
           {"Continuation", "groupId=org.\\\n    example\nartifactId=a\\\\\nversion=1\n",
            "org.example", "a\\", "1"},
           {"Escapes", "groupId=g\\u00e9\nartifact\\Id=x\nartifactId=a\\tb\nversion=1\\=2\n",
            "g\xc3\xa9", "a\tb", "1=2"},
           {"Latin1", "groupId=caf\xe9\nartifactId=a\nversion=1\n", "caf\xc3\xa9", "a", "1"},
           {"CrLf", "groupId=g\r\nartifactId=a\r\nversion=2\r\n", "g", "a", "2"},
       }) {
    auto p = java::parsePomProperties(c.text);
    ASSERT_TRUE(p) << c.name << ": " << p.error().describe();
    EXPECT_EQ(p->groupId, c.group) << c.name;
    EXPECT_EQ(p->artifactId, c.artifact) << c.name;
    EXPECT_EQ(p->version, c.version) << c.name;
  }
}

TEST(JavaPomProperties, MissingFields) {
  EXPECT_NE(java::parsePomProperties("artifactId=a\nversion=1").error().message.find("groupId"),
            std::string::npos);
  EXPECT_NE(java::parsePomProperties("groupId=g\nversion=1").error().message.find("artifactId"),
            std::string::npos);
  EXPECT_NE(
      java::parsePomProperties("groupId=g\nartifactId=a\nversion=").error().message.find("version"),
      std::string::npos);
  EXPECT_FALSE(java::parsePomProperties(std::string("groupId=g\0", 10)));
  EXPECT_FALSE(java::parsePomProperties(""));
}

// ---- pom.xml ----------------------------------------------------------------------------------

TEST(JavaPomXml, LiteralValuesParentAndLicences) {
  std::string_view text = R"(<?xml version="1.0" encoding="UTF-8"?>
<!-- a comment with <project> inside -->
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <parent><groupId>org.slf4j</groupId><artifactId>slf4j-parent</artifactId><version>1.7.32</version></parent>
  <artifactId>slf4j-simple</artifactId>
  <name>SLF4J Simple &amp; &#x41;&#66; Binding</name>
  <description><![CDATA[SLF4J Simple binding & more]]>
    second line</description>
  <url>http://www.slf4j.org</url>
  <dependencies><dependency><groupId>org.slf4j</groupId><version>${project.version}</version></dependency></dependencies>
  <licenses>
    <license><name>MIT License</name><url>http://www.opensource.org/licenses/mit-license.php</url></license>
    <license><name>Apache-2.0</name></license>
  </licenses>
  <empty/>
</project>
)";
  auto p = java::parsePomXml(text);
  ASSERT_TRUE(p) << p.error().describe();
  EXPECT_EQ(p->groupId, "org.slf4j");  // inherited from <parent>
  EXPECT_EQ(p->artifactId, "slf4j-simple");
  EXPECT_EQ(p->version, "1.7.32");
  EXPECT_EQ(p->name, "SLF4J Simple & AB Binding");
  EXPECT_EQ(p->description, "SLF4J Simple binding & more");
  EXPECT_EQ(p->url, "http://www.slf4j.org");
  EXPECT_EQ(p->licenses, (std::vector<std::string>{"MIT License", "Apache-2.0"}));
}

TEST(JavaPomXml, InterpolatedValuesAreLeftEmpty) {
  auto p = java::parsePomXml(
      "<project><groupId>g</groupId><artifactId>a</artifactId><version>${revision}</version>"
      "</project>");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->version, "");
}

TEST(JavaPomXml, Malformed) {
  std::string deep = "<project>";
  for (int i = 0; i < 70; ++i) deep += "<a>";
  for (std::string_view bad :
       {std::string_view("<notproject/>"), std::string_view("<project><a></b></project>"),
        std::string_view("<project><!-- open"), std::string_view("<project>"),
        std::string_view("<!DOCTYPE project [<!ENTITY x 'y'>]><project/>"), std::string_view(""),
        std::string_view("<project/><project/>"), std::string_view(deep)})
    EXPECT_FALSE(java::parsePomXml(bad)) << bad;
}

// ---- names and identity -----------------------------------------------------------------------

TEST(JavaJarName, Split) {
  struct Case {
    std::string in, name, version;
  };
  for (const auto& c : std::vector<Case>{
           {"commons-lang3-3.12.0.jar", "commons-lang3", "3.12.0"},
           {"guava-31.1-jre.jar", "guava", "31.1-jre"},
           {"log4j-1.2-api-2.17.1.jar", "log4j-1.2-api", "2.17.1"},
           {"spring-boot-3.1.0-SNAPSHOT.jar", "spring-boot", "3.1.0-SNAPSHOT"},
           {"jackson-databind-2.15.2.JAR", "jackson-databind", "2.15.2"},
           {"lib/dir/app.war", "app", ""},
           {"maven-core-3.x.jar", "maven-core", "3.x"},
           {"aopalliance.jar", "aopalliance", ""},
           {"-1.0.jar", "-1.0", ""},
       }) {
    auto n = java::splitJarFileName(c.in);
    EXPECT_EQ(n.name, c.name) << c.in;
    EXPECT_EQ(n.version, c.version) << c.in;
  }
}

TEST(JavaIdentify, OnePomIsTheArchive) {
  std::vector<java::PomProperties> poms = {{"org.apache.maven", "maven-core", "3.8.7"}};
  auto id = java::identify("maven-core-3.x.jar", nullptr, poms);
  EXPECT_EQ(id.self.groupId, "org.apache.maven");
  EXPECT_EQ(id.self.version, "3.8.7");
  EXPECT_EQ(id.self.source, java::Source::kPomProperties);
  EXPECT_TRUE(id.self.groupGuessedFrom.empty());
  EXPECT_TRUE(id.shaded.empty());
}

TEST(JavaIdentify, ShadedPomsAreSeparated) {
  std::vector<java::PomProperties> poms = {{"org.slf4j", "slf4j-simple", "1.7.32"},
                                           {"org.apache.maven", "maven-slf4j-provider", "3.8.7"}};
  auto id = java::identify("maven-slf4j-provider-3.x.jar", nullptr, poms);
  EXPECT_EQ(id.self.artifactId, "maven-slf4j-provider");
  EXPECT_EQ(id.self.pomIndex, 1u);
  ASSERT_EQ(id.shaded.size(), 1u);
  EXPECT_EQ(id.shaded[0].artifactId, "slf4j-simple");

  // None named by the file: the archive is identified by manifest and file name, all shaded.
  auto m = java::parseManifest("Implementation-Version: 9\nImplementation-Vendor-Id: com.acme\n");
  auto fat = java::identify("app-all.jar", &*m, poms);
  EXPECT_EQ(fat.self.artifactId, "app-all");
  EXPECT_EQ(fat.self.groupId, "com.acme");
  EXPECT_EQ(fat.self.version, "9");
  EXPECT_EQ(fat.self.source, java::Source::kManifest);
  EXPECT_EQ(fat.shaded.size(), 2u);
}

TEST(JavaIdentify, ManifestAndFileNameGuesses) {
  struct Case {
    std::string file, manifest, group, artifact, version, guessedFrom;
    java::Source source;
  };
  for (const auto& c : std::vector<Case>{
           {"guice-no-aop.jar", "Bundle-SymbolicName: com.google.inject\nBundle-Version: 4.2.3\n",
            "com.google.inject", "guice-no-aop", "4.2.3", "Bundle-SymbolicName",
            java::Source::kManifest},
           {"commons-io-2.11.jar", "Bundle-SymbolicName: org.apache.commons.io;singleton:=true\n",
            "org.apache", "commons-io", "2.11", "Bundle-SymbolicName", java::Source::kManifest},
           {"foo-bar-1.0.jar", "Bundle-SymbolicName: com.example.foo.bar\n", "com.example",
            "foo-bar", "1.0", "Bundle-SymbolicName", java::Source::kManifest},
           {"aopalliance-1.0.jar", "Created-By: javac\n", "aopalliance", "aopalliance", "1.0",
            "artifactId", java::Source::kFileName},
           {"x.jar", "Specification-Version: 2.1\n", "x", "x", "2.1", "artifactId",
            java::Source::kManifest},
       }) {
    auto m = java::parseManifest(c.manifest);
    ASSERT_TRUE(m) << c.file;
    auto id = java::identify(c.file, &*m, {});
    EXPECT_EQ(id.self.groupId, c.group) << c.file;
    EXPECT_EQ(id.self.artifactId, c.artifact) << c.file;
    EXPECT_EQ(id.self.version, c.version) << c.file;
    EXPECT_EQ(id.self.groupGuessedFrom, c.guessedFrom) << c.file;
    EXPECT_EQ(id.self.source, c.source) << c.file;
  }
  EXPECT_EQ(java::toString(java::Source::kPomXml), std::string("pom.xml"));
}

// ---- cataloger --------------------------------------------------------------------------------

std::uint32_t crc32(std::string_view s) {
  std::uint32_t c = 0xffffffffu;
  for (unsigned char b : s) {
    c ^= b;
    for (int k = 0; k < 8; ++k) c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1u)));
  }
  return ~c;
}

void le(std::string& s, std::uint32_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) s.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

// A zip archive with stored (uncompressed) entries.
std::string zip(const std::vector<std::pair<std::string, std::string>>& entries) {
  std::string body, central;
  for (const auto& [name, data] : entries) {
    std::uint32_t offset = static_cast<std::uint32_t>(body.size());
    std::uint32_t crc = crc32(data);
    auto common = [&](std::string& s) {
      le(s, 20, 2);  // version needed
      le(s, 0, 2);   // flags
      le(s, 0, 2);   // stored
      le(s, 0, 4);   // time, date
      le(s, crc, 4);
      le(s, static_cast<std::uint32_t>(data.size()), 4);
      le(s, static_cast<std::uint32_t>(data.size()), 4);
      le(s, static_cast<std::uint32_t>(name.size()), 2);
      le(s, 0, 2);  // extra length
    };
    le(body, 0x04034b50, 4);
    common(body);
    body += name + data;
    le(central, 0x02014b50, 4);
    le(central, 20, 2);  // version made by
    common(central);
    le(central, 0, 2);  // comment length
    le(central, 0, 2);  // disk
    le(central, 0, 2);  // internal attributes
    le(central, 0, 4);  // external attributes
    le(central, offset, 4);
    central += name;
  }
  std::string end;
  le(end, 0x06054b50, 4);
  le(end, 0, 4);
  le(end, static_cast<std::uint32_t>(entries.size()), 2);
  le(end, static_cast<std::uint32_t>(entries.size()), 2);
  le(end, static_cast<std::uint32_t>(central.size()), 4);
  le(end, static_cast<std::uint32_t>(body.size()), 4);
  le(end, 0, 2);
  return body + central + end;
}

using tollgate::testing::walkTempDir;

const sbom::Component* byName(const Catalogue& c, std::string_view name) {
  for (const auto& comp : c.components)
    if (comp.name == name) return &comp;
  return nullptr;
}

std::string prop(const sbom::Component& c, const std::string& name) {
  auto it = c.properties.find(name);
  return it == c.properties.end() ? std::string() : it->second;
}

const std::string kLibJar = zip({
    {"META-INF/MANIFEST.MF",
     "Manifest-Version: 1.0\r\nImplementation-Title: lib\r\n"
     "Implementation-Vendor: Acme\r\nBundle-License: Apache-2.0\r\n\r\n"},
    {"META-INF/maven/com.acme/lib/pom.properties",
     "groupId=com.acme\nartifactId=lib\nversion=1.2\n"},
    {"META-INF/maven/com.acme/lib/pom.xml",
     "<project><licenses><license><name>MIT</name></license></licenses></project>"},
    {"com/acme/Lib.class", "\xca\xfe\xba\xbe"},
});

TEST(JavaCataloger, JarsWarsAndNestedArchivesInMemory) {
  TempDir d;
  d.write("opt/app/lib/lib-1.2.jar", kLibJar);
  std::string war = zip({
      {"META-INF/MANIFEST.MF", "Manifest-Version: 1.0\nImplementation-Version: 7.0\n"},
      {"WEB-INF/lib/lib-1.2.jar", kLibJar},
      {"WEB-INF/lib/broken.jar", "PK\x03\x04 not really"},
      {"index.html", "<html/>"},
  });
  d.write("srv/webapps/shop.war", war);
  d.write("srv/notes.txt", "x");
  auto s = walkTempDir(d);
  Diagnostics diag;
  Catalogue c = catalogJava(*s.tree, diag);
  ASSERT_EQ(c.components.size(), 4u);
  const sbom::Component* lib = nullptr;
  const sbom::Component* nested = nullptr;
  for (const auto& comp : c.components) {
    if (comp.name != "lib") continue;
    (prop(comp, "tollgate:java:nested-in").empty() ? lib : nested) = &comp;
  }
  ASSERT_TRUE(lib && nested);
  EXPECT_EQ(lib->purl, "pkg:maven/com.acme/lib@1.2");
  EXPECT_EQ(lib->group, "com.acme");
  EXPECT_EQ(lib->bomRef, "pkg:maven/com.acme/lib@1.2#/opt/app/lib/lib-1.2.jar");
  EXPECT_EQ(lib->supplier, "Acme");
  ASSERT_EQ(lib->licenses.size(), 1u);  // pom.xml wins over Bundle-License
  EXPECT_EQ(lib->licenses[0].expression, "MIT");
  ASSERT_EQ(lib->hashes.size(), 2u);
  EXPECT_EQ(lib->hashes[0].algorithm, "SHA-1");
  EXPECT_EQ(lib->hashes[1].value, sha256Hex(kLibJar));
  EXPECT_EQ(prop(*lib, "tollgate:java:purl-derived-from"), "pom.properties");
  EXPECT_EQ(prop(*lib, "tollgate:java:manifest:implementation-title"), "lib");
  EXPECT_EQ(lib->evidencePaths,
            (std::vector<std::string>{
                "/opt/app/lib/lib-1.2.jar",
                "/opt/app/lib/lib-1.2.jar!/META-INF/maven/com.acme/lib/pom.properties"}));
  EXPECT_EQ(nested->properties.at("tollgate:java:archive"),
            "/srv/webapps/shop.war!/WEB-INF/lib/lib-1.2.jar");
  EXPECT_EQ(lib->hashes, nested->hashes);

  const sbom::Component* shop = byName(c, "shop");
  ASSERT_TRUE(shop);
  EXPECT_EQ(shop->purl, "pkg:maven/shop/shop@7.0?type=war");
  EXPECT_EQ(shop->type, sbom::ComponentType::kApplication);
  EXPECT_EQ(prop(*shop, "tollgate:java:group-guessed-from"), "artifactId");
  const sbom::Component* broken = byName(c, "broken");
  ASSERT_TRUE(broken);  // still listed: found, hashed, named by its file

  ASSERT_EQ(c.dependencies.size(), 1u);
  EXPECT_EQ(c.dependencies[0].ref, shop->bomRef);
  EXPECT_EQ(c.dependencies[0].dependsOn.size(), 2u);

  auto w = diag.warnings();
  ASSERT_EQ(w.size(), 1u);
  EXPECT_EQ(w[0].where, "/srv/webapps/shop.war!/WEB-INF/lib/broken.jar");
}

TEST(JavaCataloger, ExpandedArchivesAreReadFromTheTree) {
  TempDir d;
  // As an archive scan leaves them: the jar and its expansion beside it.
  d.write("app/lib/x.jar", "not read as a zip when expanded");
  d.write("app/lib/x.jar!/META-INF/MANIFEST.MF", "Manifest-Version: 1.0\nBundle-Version: 3\n");
  d.write("app/lib/x.jar!/META-INF/maven/org.x/x-core/pom.properties",
          "groupId=org.x\nartifactId=x-core\nversion=3.0.1\n");
  d.write("app/lib/x.jar!/META-INF/maven/org.y/y/pom.properties",
          "groupId=org.y\nartifactId=y\nversion=1\n");
  d.write("app/lib/x.jar!/META-INF/maven/org.z/z/pom.properties", "broken");
  auto s = walkTempDir(d);
  Diagnostics diag;
  Catalogue c = catalogJava(*s.tree, diag);
  // Two poms, neither named by "x.jar": the archive from manifest and name, both shaded.
  ASSERT_EQ(c.components.size(), 3u);
  const sbom::Component* x = byName(c, "x");
  ASSERT_TRUE(x);
  EXPECT_EQ(x->version, "3");
  EXPECT_EQ(x->hashes[1].value, sha256Hex("not read as a zip when expanded"));
  const sbom::Component* core = byName(c, "x-core");
  ASSERT_TRUE(core);
  EXPECT_EQ(core->purl, "pkg:maven/org.x/x-core@3.0.1");
  EXPECT_EQ(prop(*core, "tollgate:java:shaded-in"), "/app/lib/x.jar");
  EXPECT_EQ(
      core->evidencePaths,
      (std::vector<std::string>{"/app/lib/x.jar!/META-INF/maven/org.x/x-core/pom.properties"}));
  ASSERT_EQ(c.dependencies.size(), 1u);
  EXPECT_EQ(c.dependencies[0].dependsOn.size(), 2u);
  auto w = diag.warnings();
  ASSERT_EQ(w.size(), 1u);
  EXPECT_EQ(w[0].where, "/app/lib/x.jar");
  EXPECT_NE(w[0].what.find("pom.properties"), std::string::npos) << w[0].what;
}

// --no-hash: the archives' digests are off with the rest of the hashing, and identification
// (purls, shaded artifacts, nesting) does not change. Also the scanned archive's own SHA-256.
TEST(JavaCataloger, NoHashComputesNoDigests) {
  TempDir d;
  std::string war = zip({
      {"META-INF/MANIFEST.MF", "Manifest-Version: 1.0\nImplementation-Version: 7.0\n"},
      {"WEB-INF/lib/lib-1.2.jar", kLibJar},
  });
  d.write("in/app.zip", zip({{"opt/lib/lib-1.2.jar", kLibJar}, {"srv/shop.war", war}}));
  auto components = [](const sbom::Bom& bom) {
    std::vector<std::string> out;
    for (const auto& c : bom.components)
      if (c.foundBy == "java") out.push_back(c.bomRef);
    std::sort(out.begin(), out.end());
    return out;
  };
  auto scan = [&](bool hash) {
    ScanOptions opts;
    opts.hashFiles = hash;
    opts.hashArchives = hash;
    Diagnostics diag;
    auto bom = scanPath(d.path() / "in/app.zip", opts, ArchiveLimits{}, diag);
    EXPECT_TRUE(bom) << bom.error().describe();
    return bom ? std::move(*bom) : sbom::Bom{};
  };
  sbom::Bom hashed = scan(true);
  sbom::Bom bare = scan(false);
  ASSERT_EQ(components(hashed).size(), 3u);  // lib, shop, lib nested in shop
  EXPECT_EQ(components(hashed), components(bare));
  for (const auto& c : hashed.components)
    if (c.foundBy == "java") {
      ASSERT_EQ(c.hashes.size(), 2u) << c.bomRef;
      EXPECT_EQ(c.hashes[0].algorithm, "SHA-1");
    }
  EXPECT_TRUE(hashed.metadata.properties.contains("tollgate:archive:sha256"));
  for (const auto& c : bare.components) {
    EXPECT_TRUE(c.hashes.empty()) << c.bomRef;
    for (const auto& f : c.files) EXPECT_TRUE(f.hashes.empty()) << f.path;
  }
  EXPECT_FALSE(bare.metadata.properties.contains("tollgate:archive:sha256"));
}

TEST(JavaCataloger, MalformedManifestFallsBackToTheFileName) {
  TempDir d;
  d.write("x/tool-2.5.jar", zip({{"META-INF/MANIFEST.MF", "garbage line\n"}}));
  d.write("x/empty.jar", std::string(30, '\0'));
  auto s = walkTempDir(d);
  Diagnostics diag;
  Catalogue c = catalogJava(*s.tree, diag);
  ASSERT_EQ(c.components.size(), 2u);
  const sbom::Component* t = byName(c, "tool");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->purl, "pkg:maven/tool/tool@2.5");
  EXPECT_EQ(prop(*t, "tollgate:java:purl-derived-from"), "filename");
  EXPECT_EQ(diag.warnings().size(), 2u);
}

}  // namespace
}  // namespace tollgate::catalog
