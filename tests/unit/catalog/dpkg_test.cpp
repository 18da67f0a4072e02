#include "tollgate/catalog/dpkg.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <memory>
#include <string>

#include "scanned_tree.h"
#include "temp_dir.h"
#include "tollgate/catalog/catalog.h"

namespace tollgate::catalog {
namespace {

using dpkg::Alternatives;
using dpkg::Relation;
using tollgate::testing::TempDir;

// ---- deb822 ---------------------------------------------------------------------------------

TEST(Deb822, FieldsContinuationsAndParagraphs) {
  std::string_view text =
      "Package: a\nDescription: short\n long line one\n .\n line two\n\n\n"
      "package: b\r\nVersion: 1\r\n \r\n# comment\nPackage: c\n";
  auto d = dpkg::parseDeb822(text, "t");
  EXPECT_TRUE(d.warnings.empty());
  ASSERT_EQ(d.paragraphs.size(), 3u);
  EXPECT_EQ(d.paragraphs[0].firstLine("package"), "a");  // names are case-insensitive
  EXPECT_EQ(d.paragraphs[0].firstLine("Description"), "short");
  EXPECT_EQ(d.paragraphs[0].folded("Description"), "short long line one . line two");
  EXPECT_EQ(d.paragraphs[0].line, 1u);
  EXPECT_EQ(d.paragraphs[1].firstLine("Package"), "b");
  EXPECT_EQ(d.paragraphs[1].firstLine("Version"), "1");  // CRLF tolerated
  EXPECT_EQ(d.paragraphs[1].line, 8u);
  EXPECT_EQ(d.paragraphs[2].firstLine("Package"), "c");
  EXPECT_FALSE(d.paragraphs[2].raw("Version").has_value());
}

struct MalformedCase {
  std::string name;
  std::string text;
  std::string expect;  // substring of the warning
};

class Deb822Malformed : public ::testing::TestWithParam<MalformedCase> {};

TEST_P(Deb822Malformed, SkipsParagraphWithOneWarning) {
  const auto& c = GetParam();
  std::string text = "Package: good1\n\n" + c.text + "\n\nPackage: good2\n";
  auto d = dpkg::parseDeb822(text, "/var/lib/dpkg/status");
  ASSERT_EQ(d.warnings.size(), 1u);
  EXPECT_NE(d.warnings[0].message.find(c.expect), std::string::npos) << d.warnings[0].message;
  EXPECT_EQ(d.warnings[0].context, "/var/lib/dpkg/status");
  EXPECT_EQ(d.warnings[0].offset, 16u);
  EXPECT_NE(d.warnings[0].describe().find("line 3"), std::string::npos);
  ASSERT_EQ(d.paragraphs.size(), 2u);
  EXPECT_EQ(d.paragraphs[0].firstLine("Package"), "good1");
  EXPECT_EQ(d.paragraphs[1].firstLine("Package"), "good2");
}

INSTANTIATE_TEST_SUITE_P(
    Cases, Deb822Malformed,
    ::testing::Values(MalformedCase{"NoColon", "Package: x\nthis line has no colon", "no ':'"},
                      MalformedCase{"LeadingContinuation", " continuation first\nPackage: x",
                                    "before any field"},
                      MalformedCase{"EmptyName", "Package: x\n: value", "bad field name"},
                      MalformedCase{"Duplicate", "Package: x\nVersion: 1\nversion: 2", "duplicate"},
                      MalformedCase{"BinaryName", std::string("Package: x\nVer\x01sion: 1", 21),
                                    "bad field name"}),
    [](const auto& info) { return info.param.name; });

// ---- status ---------------------------------------------------------------------------------

constexpr std::string_view kStatus = R"(Package: libc6
Status: install ok installed
Priority: optional
Section: libs
Installed-Size: 13001
Maintainer: GNU Libc Maintainers <debian-glibc@lists.debian.org>
Architecture: amd64
Multi-Arch: same
Source: glibc
Version: 2.36-9+deb12u14
Depends: libgcc-s1
Recommends: libidn2-0 (>= 2.0.5~)
Conffiles:
 /etc/ld.so.conf.d/x86_64-linux-gnu.conf d4e7a7b88a71b5ffd9e2644e71a0cfab
Description: GNU C Library: Shared libraries
 Contains the standard libraries that are used by nearly all programs on
 the system.
Homepage: https://www.gnu.org/software/libc/libc.html

Package: libgcc-s1
Status: install ok installed
Architecture: amd64
Multi-Arch: same
Source: gcc-12 (12.2.0-14)
Version: 12.3.0-14
Pre-Depends: libc6 (>= 2.14),
 libgcc-s1-helper
Depends: gcc-12-base (= 12.2.0-14)
Provides: libgcc1 (= 1:12.2.0-14)
Description: GCC support library

Package: oldpkg
Status: deinstall ok config-files
Architecture: amd64
Version: 1.0

Package: gone
Status: purge ok not-installed
Architecture: amd64

Package: half
Status: install reinstreq half-configured
Architecture: all
Version: 2:3.4~rc1-1
)";

TEST(DpkgStatus, InstalledPackagesAndFields) {
  auto st = dpkg::parseDpkgStatus(kStatus, "status");
  EXPECT_TRUE(st.warnings.empty()) << st.warnings[0].describe();
  ASSERT_EQ(st.packages.size(), 4u);  // "gone" is not-installed: dpkg-query -W skips it too
  const auto& libc = st.packages[0];
  EXPECT_EQ(libc.name, "libc6");
  EXPECT_EQ(libc.want, "install");
  EXPECT_EQ(libc.flag, "ok");
  EXPECT_EQ(libc.state, "installed");
  EXPECT_EQ(libc.version, "2.36-9+deb12u14");
  EXPECT_EQ(libc.architecture, "amd64");
  EXPECT_EQ(libc.sourceName, "glibc");
  EXPECT_EQ(libc.sourceVersion, "");
  EXPECT_EQ(libc.maintainer, "GNU Libc Maintainers <debian-glibc@lists.debian.org>");
  EXPECT_EQ(libc.description, "GNU C Library: Shared libraries");
  EXPECT_EQ(libc.depends, "libgcc-s1");
  EXPECT_EQ(libc.installedSize, "13001");
  EXPECT_EQ(libc.multiArch, "same");
  EXPECT_EQ(libc.homepage, "https://www.gnu.org/software/libc/libc.html");
  EXPECT_EQ(libc.line, 1u);
  const auto& gcc = st.packages[1];
  EXPECT_EQ(gcc.sourceName, "gcc-12");
  EXPECT_EQ(gcc.sourceVersion, "12.2.0-14");
  EXPECT_EQ(gcc.preDepends, "libc6 (>= 2.14), libgcc-s1-helper");  // folded
  EXPECT_EQ(gcc.provides, "libgcc1 (= 1:12.2.0-14)");
  EXPECT_EQ(st.packages[2].name, "oldpkg");
  EXPECT_EQ(st.packages[2].state, "config-files");
  EXPECT_EQ(st.packages[3].name, "half");
  EXPECT_EQ(st.packages[3].flag, "reinstreq");
  EXPECT_EQ(st.packages[3].version, "2:3.4~rc1-1");
}

TEST(DpkgStatus, DuplicateRecordKeepsTheLast) {
  auto st = dpkg::parseDpkgStatus(
      "Package: a\nStatus: install ok installed\nVersion: 1\nArchitecture: amd64\n\n"
      "Package: a\nStatus: install ok installed\nVersion: 1\nArchitecture: i386\n\n"
      "Package: a\nStatus: install ok installed\nVersion: 2\nArchitecture: amd64\n",
      "s");
  ASSERT_EQ(st.packages.size(), 2u);
  EXPECT_EQ(st.packages[0].version, "2");
  EXPECT_EQ(st.packages[0].architecture, "amd64");
  EXPECT_EQ(st.packages[1].architecture, "i386");
}

TEST(DpkgStatus, NotInstalledSupersedesAndIsReported) {
  auto st = dpkg::parseDpkgStatus(
      "Package: a\nStatus: install ok installed\nVersion: 1\nArchitecture: amd64\n\n"
      "Package: b\nStatus: install ok installed\nVersion: 1\nArchitecture: amd64\n\n"
      "Package: a\nStatus: purge ok not-installed\nArchitecture: amd64\n",
      "s");
  ASSERT_EQ(st.packages.size(), 1u);
  EXPECT_EQ(st.packages[0].name, "b");
  ASSERT_EQ(st.notInstalled.size(), 1u);
  EXPECT_EQ(st.notInstalled[0], (std::pair<std::string, std::string>{"a", "amd64"}));
}

TEST(DpkgStatus, DistrolessStatusIsOptional) {
  std::string_view text = "Package: a\nVersion: 1\n\nPackage: b\nStatus: bogus\nVersion: 1\n";
  EXPECT_EQ(dpkg::parseDpkgStatus(text, "s").packages.size(), 0u);
  auto st = dpkg::parseDpkgStatus(text, "s", true);
  ASSERT_EQ(st.packages.size(), 1u);
  EXPECT_EQ(st.packages[0].state, "installed");
  EXPECT_EQ(st.warnings.size(), 1u);  // a Status that is present must be valid
}

class DpkgStatusMalformed : public ::testing::TestWithParam<MalformedCase> {};

TEST_P(DpkgStatusMalformed, SkippedWithWarning) {
  const auto& c = GetParam();
  std::string text = "Package: ok1\nStatus: install ok installed\nVersion: 1\n\n" + c.text +
                     "\n\nPackage: ok2\nStatus: install ok installed\nVersion: 1\n";
  auto st = dpkg::parseDpkgStatus(text, "status");
  ASSERT_EQ(st.warnings.size(), 1u);
  EXPECT_NE(st.warnings[0].message.find(c.expect), std::string::npos) << st.warnings[0].message;
  ASSERT_EQ(st.packages.size(), 2u);
  EXPECT_EQ(st.packages[0].name, "ok1");
  EXPECT_EQ(st.packages[1].name, "ok2");
}

INSTANTIATE_TEST_SUITE_P(
    Cases, DpkgStatusMalformed,
    ::testing::Values(
        MalformedCase{"NoPackage", "Status: install ok installed\nVersion: 1", "no Package"},
        MalformedCase{"NoStatus", "Package: x\nVersion: 1", "bad Status"},
        MalformedCase{"ShortStatus", "Package: x\nStatus: install ok\nVersion: 1", "bad Status"},
        MalformedCase{"UnknownState", "Package: x\nStatus: install ok sideways\nVersion: 1",
                      "bad Status"},
        MalformedCase{"NoVersion", "Package: x\nStatus: install ok installed", "no Version"},
        MalformedCase{"SpaceInName", "Package: x y\nStatus: install ok installed\nVersion: 1",
                      "bad package name"},
        MalformedCase{"Garbage", "Package: x\n\x7f\x45LF garbage", "no ':'"}),
    [](const auto& info) { return info.param.name; });

TEST(DpkgStatus, EmptyAndBinaryInputs) {
  EXPECT_TRUE(dpkg::parseDpkgStatus("", "s").packages.empty());
  EXPECT_TRUE(dpkg::parseDpkgStatus("\n\n\n", "s").warnings.empty());
  std::string bin(4096, '\0');
  for (std::size_t i = 0; i < bin.size(); ++i) bin[i] = static_cast<char>(i * 131 % 256);
  auto st = dpkg::parseDpkgStatus(bin, "s");
  EXPECT_TRUE(st.packages.empty());
}

// ---- relations ------------------------------------------------------------------------------

struct RelCase {
  std::string field;
  std::vector<Alternatives> want;
};

class Relations : public ::testing::TestWithParam<RelCase> {};

TEST_P(Relations, Parse) {
  auto got = dpkg::parseRelations(GetParam().field);
  ASSERT_TRUE(got.has_value()) << got.error().describe();
  EXPECT_EQ(*got, GetParam().want);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, Relations,
    ::testing::Values(RelCase{"", {}}, RelCase{"libc6", {{{"libc6", "", "", ""}}}},
                      RelCase{"libc6 (>= 2.34), libgcc-s1 (>= 3.0)",
                              {{{"libc6", "", ">=", "2.34"}}, {{"libgcc-s1", "", ">=", "3.0"}}}},
                      RelCase{"debconf (>= 0.5) | debconf-2.0",
                              {{{"debconf", "", ">=", "0.5"}, {"debconf-2.0", "", "", ""}}}},
                      RelCase{"python3:any (>= 3.11~), perl:native, libfoo:amd64",
                              {{{"python3", "any", ">=", "3.11~"}},
                               {{"perl", "native", "", ""}},
                               {{"libfoo", "amd64", "", ""}}}},
                      RelCase{"a (<< 1:2.0-1~bpo1), b (<=1), c(=2), d (>> 3), e (< 4), f (> 5)",
                              {{{"a", "", "<<", "1:2.0-1~bpo1"}},
                               {{"b", "", "<=", "1"}},
                               {{"c", "", "=", "2"}},
                               {{"d", "", ">>", "3"}},
                               {{"e", "", "<=", "4"}},
                               {{"f", "", ">=", "5"}}}},
                      RelCase{"a,, b ,", {{{"a", "", "", ""}}, {{"b", "", "", ""}}}},
                      RelCase{
                          "gcc [amd64 i386] <!nocheck> <cross>, libc6-dev (>= 2.36) [linux-any]",
                          {{{"gcc", "", "", ""}}, {{"libc6-dev", "", ">=", "2.36"}}}},
                      RelCase{"libstdc++6 (>= 12), libc6.1 | libc0.3",
                              {{{"libstdc++6", "", ">=", "12"}},
                               {{"libc6.1", "", "", ""}, {"libc0.3", "", "", ""}}}}));

TEST(Relations, MalformedAreErrors) {
  for (std::string_view bad : {"a |", "| a", "a (>= 1", "a (~ 1)", "a (>=)", "a b", "(>= 1)", "a:",
                               "a (>= 1 2)", "a [amd64", "a <nocheck", "a (>= 1) garbage", "ä"}) {
    auto r = dpkg::parseRelations(bad);
    EXPECT_FALSE(r.has_value()) << bad;
    if (!r) {
      EXPECT_EQ(r.error().code, ErrorCode::kInvalidInput);
    }
  }
}

// ---- copyright ------------------------------------------------------------------------------

TEST(Copyright, Dep5LicensesOfFilesParagraphs) {
  std::string_view text =
      R"(Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: demo
License: GPL-2+

Files: *
Copyright: 2001 Someone
License: GPL-2+

Files: lib/*
Copyright: 2002 Other
License: BSD-3-clause
 Redistribution and use in source and binary forms...

Files: debian/*
Copyright: 2003 Packager
License: GPL-2+

Files: contrib/x.c
Copyright: 2004 X
License: GPL-3+ with GCC-Runtime-Library exception

License: BSD-3-clause
 Stand-alone text, not counted.

License: Apache-2.0
 Only a text paragraph.
)";
  auto c = dpkg::parseCopyright(text, "copyright");
  ASSERT_TRUE(c.has_value());
  EXPECT_TRUE(c->warnings.empty());
  EXPECT_EQ(c->licenses, (std::vector<std::string>{"GPL-2+", "BSD-3-clause",
                                                   "GPL-3+ with GCC-Runtime-Library exception"}));
}

TEST(Copyright, FreeFormIsUnsupported) {
  auto c = dpkg::parseCopyright(
      "This is the Debian prepackaged version of foo.\n\nCopyright: 1999 X\nLicense: GPL\n", "c");
  ASSERT_FALSE(c.has_value());
  EXPECT_EQ(c.error().code, ErrorCode::kUnsupported);
  EXPECT_FALSE(dpkg::parseCopyright("", "c").has_value());
}

TEST(Copyright, DraftFormatAndMalformedParagraphs) {
  auto c = dpkg::parseCopyright(
      "Format-Specification: http://svn.debian.org/wsvn/dep/web/deps/dep5.mdwn?op=file&rev=135\n"
      "\nFiles: *\nCopyright: x\nLicense: MIT\n"
      "\nFiles: a\nthis is broken\nLicense: Zlib\n"
      "\nFiles: b\nCopyright: y\n",
      "c");
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->licenses, std::vector<std::string>{"MIT"});
  ASSERT_EQ(c->warnings.size(), 2u);
  EXPECT_NE(c->warnings[0].message.find("no ':'"), std::string::npos);
  EXPECT_NE(c->warnings[1].message.find("without a License"), std::string::npos);
}

// ---- the cataloger over a small root --------------------------------------------------------

using tollgate::testing::walkTempDir;

const sbom::Component* byName(const Catalogue& c, std::string_view name,
                              std::string_view arch = {}) {
  for (const auto& comp : c.components) {
    if (comp.name != name) continue;
    if (!arch.empty() && comp.properties.at("tollgate:dpkg:arch") != arch) continue;
    return &comp;
  }
  return nullptr;
}

std::vector<std::string> paths(const sbom::Component& c) {
  std::vector<std::string> out;
  for (const auto& f : c.files) out.push_back(f.path);
  std::sort(out.begin(), out.end());
  return out;
}

const std::vector<std::string>* depsOf(const Catalogue& c, const std::string& ref) {
  for (const auto& d : c.dependencies)
    if (d.ref == ref) return &d.dependsOn;
  return nullptr;
}

constexpr std::string_view kRootStatus = R"(Package: libc6
Status: install ok installed
Maintainer: GNU Libc Maintainers <debian-glibc@lists.debian.org>
Architecture: amd64
Multi-Arch: same
Source: glibc
Version: 2.36-9
Installed-Size: 100
Depends: libgcc-s1
Description: GNU C Library: Shared libraries

Package: libc6
Status: install ok installed
Architecture: i386
Multi-Arch: same
Source: glibc
Version: 2.36-9
Description: GNU C Library: Shared libraries (i386)

Package: libgcc-s1
Status: install ok installed
Architecture: amd64
Source: gcc-12 (12.2.0-14)
Version: 12.3.0-14
Pre-Depends: libc6 (>= 2.14)
Description: GCC support library

Package: coreutils
Status: install ok installed
Architecture: amd64
Version: 9.1-1
Multi-Arch: foreign
Pre-Depends: libc6 (>= 2.34), missing-pkg | libgcc-s1
Depends: mail-transport-agent | libc6, python3:any
Description: GNU core utilities

Package: exim
Status: install ok installed
Architecture: amd64
Version: 4.96
Provides: mail-transport-agent

Package: python3
Status: install ok installed
Architecture: amd64
Multi-Arch: allowed
Version: 3.11.2-1
Depends: libc6:i386, badly (formed

Package: broken
Status: install ok
Version: 1
)";

TEST(DpkgCataloger, ReadsStatusListsCopyrightAndDependencies) {
  TempDir d;
  d.write("etc/os-release",
          "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nID=debian\n"
          "VERSION_ID=\"12\"\n");
  d.write("var/lib/dpkg/status", kRootStatus);
  d.write("var/lib/dpkg/info/libc6:amd64.list",
          "/.\n/usr\n/usr/lib\n/usr/lib/x86_64-linux-gnu\n/usr/lib/x86_64-linux-gnu/libc.so.6\n"
          "/lib\n/lib/x86_64-linux-gnu/ld-linux.so.2\n/usr/share/doc/libc6\n"
          "/usr/share/doc/libc6/copyright\n/usr/lib/x86_64-linux-gnu/gconv\n");
  d.write("var/lib/dpkg/info/libgcc-s1.list", "/usr/lib/x86_64-linux-gnu/libgcc_s.so.1\n");
  // Merged /usr: /bin is a symlink; coreutils lists /bin as a directory and /bin/ls as a file.
  d.write("var/lib/dpkg/info/coreutils.list",
          "/.\n/bin\n/bin/ls\n/usr/bin/empty-dir\n/etc/missing.conf\n");
  d.write("usr/lib/x86_64-linux-gnu/libc.so.6", "ELF");
  d.write("usr/lib/x86_64-linux-gnu/ld-linux.so.2", "ELF");
  d.mkdir("usr/lib/x86_64-linux-gnu/gconv");  // an empty directory the package ships
  d.write("usr/lib/x86_64-linux-gnu/libgcc_s.so.1", "ELF");
  d.write("usr/bin/ls", "ELF");
  d.mkdir("usr/bin/empty-dir");
  d.symlink("usr/bin", "bin");
  d.symlink("usr/lib", "lib");
  d.write("usr/share/doc/coreutils/copyright",
          "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n\n"
          "Files: *\nCopyright: FSF\nLicense: GPL-3+\n\nFiles: lib/*\nCopyright: x\n"
          "License: BSD-4-clause-UC\n\nFiles: man/*\nCopyright: x\nLicense: GPL-3+\n");
  d.write("usr/share/doc/libc6/copyright", "Free-form text about glibc.\n");
  d.mkdir("usr/share/doc/libgcc-s1-real");
  d.write("usr/share/doc/libgcc-s1-real/copyright",
          "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n\n"
          "Files: *\nCopyright: x\nLicense: GPL-3+ with GCC-Runtime-Library exception\n\n"
          "Files: broken\nno colon here\n");
  d.symlink("libgcc-s1-real", "usr/share/doc/libgcc-s1");

  auto s = walkTempDir(d);
  Diagnostics diag;
  Catalogue c = catalogDpkg(*s.tree, diag);
  ASSERT_EQ(c.components.size(), 6u);  // "broken" is skipped

  const auto* libc = byName(c, "libc6", "amd64");
  ASSERT_NE(libc, nullptr);
  EXPECT_EQ(libc->version, "2.36-9");
  EXPECT_EQ(libc->purl, "pkg:deb/debian/libc6@2.36-9?arch=amd64&distro=debian-12");
  EXPECT_EQ(libc->bomRef, libc->purl);
  EXPECT_EQ(libc->supplier, "GNU Libc Maintainers <debian-glibc@lists.debian.org>");
  EXPECT_EQ(libc->description, "GNU C Library: Shared libraries");
  EXPECT_EQ(libc->sourceName, "glibc");
  EXPECT_EQ(libc->sourceVersion, "2.36-9");
  EXPECT_EQ(libc->foundBy, "dpkg");
  EXPECT_EQ(libc->evidencePaths, std::vector<std::string>{"/var/lib/dpkg/status"});
  EXPECT_EQ(libc->properties.at("tollgate:dpkg:multi-arch"), "same");
  EXPECT_EQ(libc->properties.at("tollgate:dpkg:installed-size"), "100");
  EXPECT_EQ(libc->properties.at("tollgate:dpkg:status"), "install ok installed");
  EXPECT_EQ(libc->properties.at("tollgate:dpkg:file-list"), "/var/lib/dpkg/info/libc6:amd64.list");
  EXPECT_EQ(paths(*libc), (std::vector<std::string>{"/lib/x86_64-linux-gnu/ld-linux.so.2",
                                                    "/usr/lib/x86_64-linux-gnu/libc.so.6",
                                                    "/usr/share/doc/libc6/copyright"}));
  EXPECT_TRUE(libc->licenses.empty());  // free-form copyright

  const auto* libc32 = byName(c, "libc6", "i386");
  ASSERT_NE(libc32, nullptr);
  EXPECT_EQ(libc32->purl, "pkg:deb/debian/libc6@2.36-9?arch=i386&distro=debian-12");
  EXPECT_NE(libc32->bomRef, libc->bomRef);
  EXPECT_TRUE(libc32->files.empty());

  const auto* gcc = byName(c, "libgcc-s1");
  ASSERT_NE(gcc, nullptr);
  EXPECT_EQ(gcc->purl, "pkg:deb/debian/libgcc-s1@12.3.0-14?arch=amd64&distro=debian-12");
  EXPECT_EQ(gcc->sourceName, "gcc-12");
  EXPECT_EQ(gcc->sourceVersion, "12.2.0-14");
  ASSERT_EQ(gcc->licenses.size(), 1u);  // through the symlinked doc directory
  EXPECT_EQ(gcc->licenses[0].expression, "GPL-3.0-or-later WITH GCC-exception-3.1");

  const auto* cu = byName(c, "coreutils");
  ASSERT_NE(cu, nullptr);
  EXPECT_EQ(cu->sourceName, "coreutils");  // defaults to the binary package
  EXPECT_EQ(cu->sourceVersion, "9.1-1");
  EXPECT_EQ(paths(*cu), (std::vector<std::string>{"/bin/ls", "/etc/missing.conf"}));
  ASSERT_EQ(cu->licenses.size(), 2u);
  EXPECT_EQ(cu->licenses[0].expression, "GPL-3.0-or-later");
  EXPECT_EQ(cu->licenses[1].expression, "BSD-4-Clause-UC");

  // Dependencies: first installed alternative, virtual packages, arch qualifiers.
  const auto* deps = depsOf(c, cu->bomRef);
  ASSERT_NE(deps, nullptr);
  const auto* exim = byName(c, "exim");
  const auto* py = byName(c, "python3");
  std::vector<std::string> want = {libc->bomRef, gcc->bomRef, exim->bomRef, py->bomRef};
  std::sort(want.begin(), want.end());
  EXPECT_EQ(*deps, want);
  ASSERT_NE(depsOf(c, libc->bomRef), nullptr);
  EXPECT_EQ(*depsOf(c, libc->bomRef), std::vector<std::string>{gcc->bomRef});
  ASSERT_NE(depsOf(c, gcc->bomRef), nullptr);
  EXPECT_EQ(*depsOf(c, gcc->bomRef), std::vector<std::string>{libc->bomRef});  // same arch
  EXPECT_EQ(depsOf(c, py->bomRef), nullptr);  // malformed Depends: warned, no edges

  // One warning per malformed file or field, each naming its path.
  auto ws = diag.warnings();
  auto has = [&](std::string_view where, std::string_view what) {
    return std::any_of(ws.begin(), ws.end(), [&](const Warning& w) {
      return w.where == where && w.what.find(what) != std::string::npos;
    });
  };
  EXPECT_TRUE(has("/var/lib/dpkg/status", "bad Status")) << ws.size();
  EXPECT_TRUE(has("/var/lib/dpkg/status", "python3: malformed Depends"));
  EXPECT_TRUE(has("/usr/share/doc/libgcc-s1/copyright", "no ':'"));
  EXPECT_EQ(ws.size(), 3u);
}

TEST(DpkgCataloger, DistrolessStatusD) {
  TempDir d;
  d.write("etc/os-release", "ID=debian\n");  // no VERSION_ID: no distro qualifier
  d.write("var/lib/dpkg/status.d/base-files",
          "Package: base-files\nStatus: install ok installed\nVersion: 12.4\n"
          "Architecture: amd64\nMaintainer: Santiago Vila <sanvila@debian.org>\n");
  d.write("var/lib/dpkg/status.d/base-files.md5sums",
          "d41d8cd98f00b204e9800998ecf8427e  etc/debian_version\n"
          "not an md5 line\n"
          "0123456789abcdef0123456789abcdef  usr/share/doc/base-files/README\n");
  // Copies of control files: no Status field.
  d.write("var/lib/dpkg/status.d/libssl3",
          "Package: libssl3\nVersion: 3.0.11-1~deb12u2\nArchitecture: amd64\nSource: openssl\n");
  d.write("var/lib/dpkg/status.d/bad", "Package: bad\nStatus: install ok\nVersion: 1\n");
  d.write("etc/debian_version", "12.4\n");
  auto s = walkTempDir(d);
  Diagnostics diag;
  Catalogue c = catalogDpkg(*s.tree, diag);
  ASSERT_EQ(c.components.size(), 2u);
  const auto* bf = byName(c, "base-files");
  ASSERT_NE(bf, nullptr);
  EXPECT_EQ(bf->evidencePaths, std::vector<std::string>{"/var/lib/dpkg/status.d/base-files"});
  EXPECT_EQ(paths(*bf),
            (std::vector<std::string>{"/etc/debian_version", "/usr/share/doc/base-files/README"}));
  EXPECT_EQ(bf->purl, "pkg:deb/debian/base-files@12.4?arch=amd64");  // no VERSION_ID: no distro
  const auto* ssl = byName(c, "libssl3");
  ASSERT_NE(ssl, nullptr);
  EXPECT_EQ(ssl->sourceName, "openssl");
  EXPECT_EQ(ssl->properties.at("tollgate:dpkg:status"), "install ok installed");
  EXPECT_TRUE(ssl->files.empty());
  auto ws = diag.warnings();
  ASSERT_EQ(ws.size(), 2u);
  EXPECT_EQ(ws[0].where, "/var/lib/dpkg/status.d/bad");
  EXPECT_EQ(ws[1].where, "/var/lib/dpkg/status.d/base-files.md5sums");
}

TEST(DpkgCataloger, UpdatesJournalIsApplied) {
  TempDir d;
  d.write("var/lib/dpkg/status",
          "Package: a\nStatus: install ok installed\nVersion: 1\nArchitecture: amd64\n\n"
          "Package: b\nStatus: install ok installed\nVersion: 1\nArchitecture: amd64\n");
  // dpkg's journal, folded into status at its next run; dpkg-query applies it in numeric order.
  d.write("var/lib/dpkg/updates/0002",
          "Package: b\nStatus: install ok installed\nVersion: 3\nArchitecture: amd64\n");
  d.write("var/lib/dpkg/updates/0001",
          "Package: b\nStatus: install ok unpacked\nVersion: 2\nArchitecture: amd64\n\n"
          "Package: a\nStatus: purge ok not-installed\nArchitecture: amd64\n\n"
          "Package: c\nStatus: install ok installed\nVersion: 1\nArchitecture: all\n");
  d.write("var/lib/dpkg/updates/tmp.i", "Package: junk\nStatus: install ok installed\n");
  auto s = walkTempDir(d);
  Diagnostics diag;
  Catalogue c = catalogDpkg(*s.tree, diag);
  EXPECT_EQ(diag.count(), 0u);
  ASSERT_EQ(c.components.size(), 2u);
  EXPECT_EQ(byName(c, "a"), nullptr);
  ASSERT_NE(byName(c, "b"), nullptr);
  EXPECT_EQ(byName(c, "b")->version, "3");
  EXPECT_EQ(byName(c, "b")->evidencePaths, std::vector<std::string>{"/var/lib/dpkg/updates/0002"});
  ASSERT_NE(byName(c, "c"), nullptr);
}

TEST(DpkgCataloger, PurlFromOsRelease) {
  TempDir d;
  d.write("usr/lib/os-release", "NAME=\"Ubuntu\"\nID=ubuntu\nVERSION_ID=\"22.04\"\n");
  d.symlink("../usr/lib/os-release", "etc/os-release");
  d.write("var/lib/dpkg/status",
          "Package: libattr1\nStatus: install ok installed\nVersion: 1:2.5.1-4+b1\n"
          "Architecture: amd64\n");
  auto s = walkTempDir(d);
  Diagnostics diag;
  Catalogue c = catalogDpkg(*s.tree, diag);
  ASSERT_EQ(c.components.size(), 1u);
  EXPECT_EQ(c.components[0].purl,
            "pkg:deb/ubuntu/libattr1@1:2.5.1-4%2Bb1?arch=amd64&distro=ubuntu-22.04");
  EXPECT_EQ(c.components[0].version, "1:2.5.1-4+b1");
}

TEST(DpkgCataloger, NoDatabaseNoComponents) {
  TempDir d;
  d.write("etc/os-release", "ID=debian\n");
  auto s = walkTempDir(d);
  Diagnostics diag;
  EXPECT_TRUE(catalogDpkg(*s.tree, diag).components.empty());
  EXPECT_EQ(diag.count(), 0u);
}

}  // namespace
}  // namespace tollgate::catalog
