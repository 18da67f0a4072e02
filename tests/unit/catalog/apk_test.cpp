// apk installed-database parser (records, files, checksums, malformed records) and the apk
// cataloger on small roots. The fixtures follow the documented format
// (https://wiki.alpinelinux.org/wiki/Apk_spec) and real Alpine 3.19 records.
#include "tollgate/catalog/apk.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "scanned_tree.h"
#include "temp_dir.h"
#include "tollgate/catalog/catalog.h"

namespace tollgate::catalog {
namespace {

using tollgate::testing::TempDir;

constexpr std::string_view kMusl =
    "C:Q1qKcZ+j23xssAXmgQhkOO8dHnbWw=\n"
    "P:musl\n"
    "V:1.2.4_git20230717-r4\n"
    "A:x86_64\n"
    "S:407797\n"
    "I:663552\n"
    "T:the musl c library (libc) implementation\n"
    "U:https://musl.libc.org/\n"
    "L:MIT\n"
    "o:musl\n"
    "m:Timo Ter\xc3\xa4s <timo.teras@iki.fi>\n"
    "t:1700000000\n"
    "c:2f0e3a1c0b7f0dd8f9ad9a8f1d3e1a7a9d4e2b10\n"
    "p:so:libc.musl-x86_64.so.1=1\n"
    "F:lib\n"
    "R:ld-musl-x86_64.so.1\n"
    "a:0:0:755\n"
    "Z:Q1Dqzm5N4Z6M6Vxb/4gZqTQ4wIbSo=\n"
    "R:libc.musl-x86_64.so.1\n"
    "a:0:0:777\n"
    "Z:Q17yJ3JFNypA4mxhJJr0ou6CzsJVI=\n";

constexpr std::string_view kBusybox =
    "P:busybox\n"
    "V:1.36.1-r15\n"
    "A:x86_64\n"
    "L:GPL-2.0-only\n"
    "o:busybox\n"
    "D:so:libc.musl-x86_64.so.1 !busybox-extras musl>=1.2\n"
    "p:/bin/sh cmd:busybox=1.36.1-r15 cmd:sh=1.36.1-r15\n"
    "F:bin\n"
    "R:busybox\n"
    "Z:d41d8cd98f00b204e9800998ecf8427e\n"
    "F:etc/busybox-paths.d\n"
    "M:0:0:755\n";

TEST(ApkInstalled, ParsesRecordsFilesAndChecksums) {
  std::string text = std::string(kMusl) + "\n" + std::string(kBusybox) + "\n";
  auto db = apk::parseInstalled(text, "/lib/apk/db/installed");
  EXPECT_TRUE(db.warnings.empty());
  ASSERT_EQ(db.packages.size(), 2u);
  const auto& m = db.packages[0];
  EXPECT_EQ(m.name, "musl");
  EXPECT_EQ(m.version, "1.2.4_git20230717-r4");
  EXPECT_EQ(m.arch, "x86_64");
  EXPECT_EQ(m.license, "MIT");
  EXPECT_EQ(m.origin, "musl");
  EXPECT_EQ(m.maintainer, "Timo Ter\xc3\xa4s <timo.teras@iki.fi>");
  EXPECT_EQ(m.description, "the musl c library (libc) implementation");
  EXPECT_EQ(m.url, "https://musl.libc.org/");
  EXPECT_EQ(m.installedSize, 663552u);
  EXPECT_EQ(m.buildTime, "1700000000");
  EXPECT_EQ(m.provides, (std::vector<std::string>{"so:libc.musl-x86_64.so.1=1"}));
  ASSERT_EQ(m.files.size(), 2u);
  EXPECT_EQ(m.files[0].path, "/lib/ld-musl-x86_64.so.1");
  EXPECT_EQ(m.files[0].algorithm, "SHA-1");
  EXPECT_EQ(m.files[0].checksum, "0eace6e4de19e8ce95c5bff8819a93438c086d2a");
  EXPECT_EQ(m.files[1].path, "/lib/libc.musl-x86_64.so.1");
  EXPECT_EQ(m.line, 1u);
  const auto& b = db.packages[1];
  EXPECT_EQ(b.depends.size(), 3u);
  EXPECT_EQ(b.directories, (std::vector<std::string>{"/bin", "/etc/busybox-paths.d"}));
  ASSERT_EQ(b.files.size(), 1u);
  EXPECT_EQ(b.files[0].algorithm, "MD5");
  EXPECT_EQ(b.line, 23u);
}

TEST(ApkInstalled, BlankLinesCrlfAndUnknownKeys) {
  auto db = apk::parseInstalled("\n\r\nP:a\r\nV:1\r\nX:future key\r\n \n\n\nP:b\nV:2", "db");
  EXPECT_TRUE(db.warnings.empty());
  ASSERT_EQ(db.packages.size(), 2u);
  EXPECT_EQ(db.packages[0].version, "1");
  EXPECT_EQ(db.packages[1].name, "b");
  EXPECT_TRUE(apk::parseInstalled("", "db").packages.empty());
}

struct Malformed {
  std::string name;
  std::string record;
  std::string expect;
};

class ApkMalformed : public ::testing::TestWithParam<Malformed> {};

TEST_P(ApkMalformed, SkipsTheRecordWithOneWarning) {
  const auto& c = GetParam();
  std::string text = "P:good1\nV:1\n\n" + c.record + "\n\nP:good2\nV:2\n";
  auto db = apk::parseInstalled(text, "/lib/apk/db/installed");
  ASSERT_EQ(db.warnings.size(), 1u);
  EXPECT_NE(db.warnings[0].message.find(c.expect), std::string::npos) << db.warnings[0].message;
  EXPECT_NE(db.warnings[0].message.find("line 4"), std::string::npos);
  EXPECT_EQ(db.warnings[0].context, "/lib/apk/db/installed");
  EXPECT_EQ(db.warnings[0].offset, 13u);
  ASSERT_EQ(db.packages.size(), 2u);
  EXPECT_EQ(db.packages[1].name, "good2");
}

INSTANTIATE_TEST_SUITE_P(
    Apk, ApkMalformed,
    ::testing::ValuesIn(std::vector<Malformed>{
        {"NoName", "V:1\nA:x86_64", "no P:"},
        {"NoVersion", "P:x", "no V:"},
        {"NotKeyValue", "P:x\nV:1\nthis is not a field", "not a KEY:VALUE"},
        {"DigitKey", "P:x\nV:1\n1:one", "not a KEY:VALUE"},
        {"Nul", std::string("P:x\nV:1\nT:a\0b", 13), "not a KEY:VALUE"},
        {"FileBeforeDir", "P:x\nV:1\nR:file", "R: before any F:"},
        {"ChecksumBeforeFile", "P:x\nV:1\nF:bin\nZ:Q1abc=", "Z: before any R:"},
        {"AclBeforeFile", "P:x\nV:1\na:0:0:755", "a: before any R:"},
        {"ModeBeforeDir", "P:x\nV:1\nM:0:0:755", "M: before any F:"},
        {"SlashInName", "P:x\nV:1\nF:bin\nR:../etc/passwd", "bad file name"},
        {"DotDot", "P:x\nV:1\nF:bin\nR:..", "bad file name"},
        {"DirClimbs", "P:x\nV:1\nF:usr/../../etc\nR:passwd", "bad directory name"},
    }),
    [](const auto& info) { return info.param.name; });

TEST(ApkInstalled, UndecodableChecksumIsKeptEmpty) {
  auto db = apk::parseInstalled("P:x\nV:1\nF:bin\nR:a\nZ:Q1***\nR:b\nZ:Q1AAAA\n", "db");
  ASSERT_EQ(db.packages.size(), 1u);
  EXPECT_TRUE(db.packages[0].files[0].checksum.empty());
  EXPECT_TRUE(db.packages[0].files[1].checksum.empty());  // wrong length for SHA-1
}

TEST(ApkInstalled, GarbageNeverCrashes) {
  std::string seed = std::string(kMusl) + "\n" + std::string(kBusybox);
  for (std::size_t i = 0; i < seed.size(); ++i) {
    std::string t = seed;
    t[i] = static_cast<char>(t[i] ^ 0x5a);
    (void)apk::parseInstalled(t, "db");
    (void)apk::parseInstalled(std::string_view(seed).substr(0, i), "db");
  }
}

TEST(ApkDependencyName, StripsConstraints) {
  struct Case {
    std::string in, out;
  };
  for (const auto& c : std::vector<Case>{
           {"musl", "musl"},
           {"musl>=1.2", "musl"},
           {"so:libz.so.1=1.3.1-r0", "so:libz.so.1"},
           {"cmd:sh", "cmd:sh"},
           {"/bin/sh", "/bin/sh"},
           {"pc:zlib>1", "pc:zlib"},
           {"python3~3.11", "python3"},
           {"foo<2", "foo"},
           {"!busybox-extras", ""},
           {"=1", ""},
           {"", ""},
       })
    EXPECT_EQ(apk::dependencyName(c.in), c.out) << c.in;
}

// ---- cataloger --------------------------------------------------------------------------------

using tollgate::testing::walkTempDir;

TEST(ApkCataloger, ComponentsDependenciesAndWarnings) {
  TempDir d;
  d.write("etc/os-release", "NAME=\"Alpine Linux\"\nID=alpine\nVERSION_ID=3.19.1\n");
  std::string ssl =
      "P:ssl_client\nV:1.36.1-r15\nA:x86_64\nL:MIT BSD-2-Clause\no:busybox\n"
      "D:so:libc.musl-x86_64.so.1 so:libcrypto.so.3 missing-lib\n";
  std::string crypto =
      "P:libcrypto3\nV:3.1.4-r5\nA:x86_64\nL:Apache-2.0\no:openssl\n"
      "p:so:libcrypto.so.3=3\n";
  d.write("lib/apk/db/installed", std::string(kMusl) + "\n" + std::string(kBusybox) + "\n" + ssl +
                                      "\n" + crypto + "\nbroken\n");
  d.write("lib/ld-musl-x86_64.so.1", "elf");
  auto s = walkTempDir(d);
  Diagnostics diag;
  Catalogue c = catalogApk(*s.tree, diag);
  ASSERT_EQ(c.components.size(), 4u);
  const auto& m = c.components[0];
  EXPECT_EQ(m.purl, "pkg:apk/alpine/musl@1.2.4_git20230717-r4?arch=x86_64&distro=alpine-3.19.1");
  EXPECT_EQ(m.bomRef, m.purl);
  EXPECT_EQ(m.foundBy, "apk");
  EXPECT_EQ(m.sourceName, "musl");
  EXPECT_EQ(m.supplier, "Timo Ter\xc3\xa4s <timo.teras@iki.fi>");
  ASSERT_EQ(m.files.size(), 2u);
  EXPECT_EQ(m.files[0].path, "/lib/ld-musl-x86_64.so.1");
  EXPECT_EQ(m.evidencePaths, (std::vector<std::string>{"/lib/apk/db/installed"}));
  const auto& sc = c.components[2];
  EXPECT_EQ(sc.sourceName, "busybox");
  ASSERT_EQ(sc.licenses.size(), 2u);  // space-separated list of ids
  EXPECT_EQ(sc.licenses[0].expression, "MIT");
  EXPECT_EQ(sc.licenses[1].expression, "BSD-2-Clause");
  EXPECT_EQ(sc.properties.at("tollgate:apk:origin"), "busybox");

  ASSERT_EQ(c.dependencies.size(), 2u);
  EXPECT_EQ(c.dependencies[0].ref, c.components[1].bomRef);  // busybox -> musl (so: and name)
  EXPECT_EQ(c.dependencies[0].dependsOn, (std::vector<std::string>{m.bomRef}));
  EXPECT_EQ(c.dependencies[1].ref, sc.bomRef);
  EXPECT_EQ(c.dependencies[1].dependsOn.size(), 2u);  // musl and libcrypto3; missing-lib dropped

  auto w = diag.warnings();
  ASSERT_EQ(w.size(), 1u);
  EXPECT_EQ(w[0].where, "/lib/apk/db/installed");
  EXPECT_NE(w[0].what.find("not a KEY:VALUE"), std::string::npos);
}

TEST(ApkCataloger, WolfiNamespaceAndNoDatabase) {
  TempDir d;
  d.write("etc/os-release", "ID=wolfi\n");
  d.write("lib/apk/db/installed", "P:glibc\nV:2.38-r1\nA:x86_64\n");
  auto s = walkTempDir(d);
  Diagnostics diag;
  Catalogue c = catalogApk(*s.tree, diag);
  ASSERT_EQ(c.components.size(), 1u);
  EXPECT_EQ(c.components[0].purl, "pkg:apk/wolfi/glibc@2.38-r1?arch=x86_64");

  TempDir empty;
  empty.write("etc/hostname", "x");
  auto e = walkTempDir(empty);
  EXPECT_TRUE(catalogApk(*e.tree, diag).components.empty());
  EXPECT_EQ(diag.count(), 0u);
}

}  // namespace
}  // namespace tollgate::catalog
