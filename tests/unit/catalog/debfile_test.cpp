// .deb package files as components: read in memory (ar and tar written here byte by byte),
// read from the layout an archive scan expands them to, and as the scanned root itself.
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

std::string field(std::string s, std::size_t width) {
  s.resize(width, ' ');
  return s;
}

// An ar archive ("!<arch>\n", 60-byte member headers, members padded to even lengths).
std::string ar(const std::vector<std::pair<std::string, std::string>>& members) {
  std::string out = "!<arch>\n";
  for (const auto& [name, data] : members) {
    out += field(name, 16) + field("0", 12) + field("0", 6) + field("0", 6) + field("100644", 8) +
           field(std::to_string(data.size()), 10) + "`\n" + data;
    if (data.size() % 2) out += '\n';
  }
  return out;
}

// An uncompressed ustar archive of regular files.
std::string tar(const std::vector<std::pair<std::string, std::string>>& files) {
  std::string out;
  for (const auto& [name, data] : files) {
    std::string h(512, '\0');
    h.replace(0, name.size(), name);
    auto octal = [&](std::size_t at, std::size_t width, std::uint64_t v) {
      char buf[32];
      std::snprintf(buf, sizeof buf, "%0*llo", static_cast<int>(width - 1),
                    static_cast<unsigned long long>(v));
      h.replace(at, width - 1, buf);
    };
    octal(100, 8, 0644);
    octal(108, 8, 0);
    octal(116, 8, 0);
    octal(124, 12, data.size());
    octal(136, 12, 0);
    h[156] = '0';
    h.replace(257, 6, std::string("ustar\0", 6));
    h.replace(263, 2, "00");
    h.replace(148, 8, "        ");
    unsigned sum = 0;
    for (unsigned char c : h) sum += c;
    char chk[8];
    std::snprintf(chk, sizeof chk, "%06o", sum);
    h.replace(148, 7, std::string(chk, 6) + '\0');
    out += h + data + std::string((512 - data.size() % 512) % 512, '\0');
  }
  return out + std::string(1024, '\0');
}

constexpr std::string_view kControl =
    "Package: hello\nVersion: 1:2.10-3\nArchitecture: amd64\nMaintainer: Santiago Vila "
    "<sanvila@debian.org>\nSource: hello-src (2.10-3)\nDepends: libc6 (>= 2.34)\n"
    "Installed-Size: 280\nHomepage: https://www.gnu.org/software/hello/\n"
    "Description: example package based on GNU hello\n more text\n";

std::string deb(std::string_view control, bool binaryFirst = true) {
  std::vector<std::pair<std::string, std::string>> m;
  if (binaryFirst) m.emplace_back("debian-binary", "2.0\n");
  m.emplace_back("control.tar", tar({{"./control", std::string(control)}, {"./md5sums", ""}}));
  if (!binaryFirst) m.emplace_back("debian-binary", "2.0\n");
  m.emplace_back("data.tar", tar({{"./usr/bin/hello", "ELF"}}));
  return ar(m);
}

using tollgate::testing::walkTempDir;

TEST(DebFiles, LoosePackageReadInMemory) {
  TempDir d;
  d.write("srv/pool/hello_2.10-3_amd64.deb", deb(kControl));
  d.write("var/cache/apt/archives/hello_2.10-3_amd64.deb", deb(kControl));  // apt's cache
  auto s = walkTempDir(d);
  Diagnostics diag;
  Catalogue c = catalogDebFiles(*s.tree, diag);
  EXPECT_EQ(diag.count(), 0u);
  ASSERT_EQ(c.components.size(), 1u);
  const auto& h = c.components[0];
  EXPECT_EQ(h.name, "hello");
  EXPECT_EQ(h.version, "1:2.10-3");
  EXPECT_EQ(h.purl, "pkg:deb/debian/hello@1:2.10-3?arch=amd64");
  EXPECT_EQ(h.bomRef, h.purl + "#/srv/pool/hello_2.10-3_amd64.deb");
  EXPECT_EQ(h.supplier, "Santiago Vila <sanvila@debian.org>");
  EXPECT_EQ(h.description, "example package based on GNU hello");
  EXPECT_EQ(h.sourceName, "hello-src");
  EXPECT_EQ(h.sourceVersion, "2.10-3");
  EXPECT_EQ(h.foundBy, "dpkg");
  EXPECT_TRUE(h.files.empty());
  EXPECT_EQ(h.evidencePaths, (std::vector<std::string>{"/srv/pool/hello_2.10-3_amd64.deb"}));
  EXPECT_EQ(h.properties.at("tollgate:dpkg:installed-size"), "280");
  EXPECT_EQ(h.properties.at("tollgate:deb:depends"), "libc6 (>= 2.34)");
}

TEST(DebFiles, ExpandedPackageOwnsItsDataMember) {
  TempDir d;
  const std::string p = "opt/bundle/hello.deb";
  d.write(p, "the expansion is read, not this");
  d.write(p + "!/debian-binary", "2.0\n");
  d.write(p + "!/control.tar.gz", "x");
  d.write(p + "!/control.tar.gz!/control", std::string(kControl));
  d.write(p + "!/data.tar.xz", "x");
  d.write(p + "!/data.tar.xz!/usr/bin/hello", "ELF");
  d.symlink("hello", p + "!/data.tar.xz!/usr/bin/hi");
  d.write(p + "!/data.tar.xz!/usr/share/doc/hello/copyright",
          "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n\n"
          "Files: *\nCopyright: FSF\nLicense: GPL-3+\n");
  d.write(p + "!/data.tar.xz!/usr/share/java/a.jar", "jar");
  d.write(p + "!/data.tar.xz!/usr/share/java/a.jar!/META-INF/MANIFEST.MF", "x");
  auto s = walkTempDir(d);
  Diagnostics diag;
  Catalogue c = catalogDebFiles(*s.tree, diag);
  ASSERT_EQ(c.components.size(), 1u);
  const auto& h = c.components[0];
  std::vector<std::string> files;
  for (const auto& f : h.files) files.push_back(f.path);
  EXPECT_EQ(files, (std::vector<std::string>{
                       "/opt/bundle/hello.deb!/data.tar.xz!/usr/bin/hello",
                       "/opt/bundle/hello.deb!/data.tar.xz!/usr/bin/hi",
                       "/opt/bundle/hello.deb!/data.tar.xz!/usr/share/doc/hello/copyright",
                       "/opt/bundle/hello.deb!/data.tar.xz!/usr/share/java/a.jar"}));
  ASSERT_EQ(h.licenses.size(), 1u);
  EXPECT_EQ(h.licenses[0].expression, "GPL-3.0-or-later");
  EXPECT_EQ(h.evidencePaths,
            (std::vector<std::string>{"/opt/bundle/hello.deb",
                                      "/opt/bundle/hello.deb!/control.tar.gz!/control"}));
  EXPECT_EQ(diag.count(), 0u);
}

TEST(DebFiles, TheScannedRootIsThePackage) {
  TempDir d;
  d.write("debian-binary", "2.0\n");
  d.write("control.tar.zst!/control",
          "Package: tool\nVersion: 1\nArchitecture: arm64\nMaintainer: Ubuntu Developers "
          "<ubuntu-devel-discuss@lists.ubuntu.com>\nDescription: x\n");
  d.write("data.tar.zst!/usr/bin/tool", "ELF");
  auto s = walkTempDir(d);
  Diagnostics diag;
  Catalogue c = catalogDebFiles(*s.tree, diag);
  ASSERT_EQ(c.components.size(), 1u);
  EXPECT_EQ(c.components[0].bomRef, "pkg:deb/ubuntu/tool@1?arch=arm64");
  EXPECT_EQ(c.components[0].files.size(), 1u);
  EXPECT_EQ(c.components[0].evidencePaths, (std::vector<std::string>{"/control.tar.zst!/control"}));
}

TEST(DebFiles, MalformedPackagesAreOneWarningEach) {
  TempDir d;
  d.write("p/random.deb", std::string(300, 'z'));
  d.write("p/no-control.deb", ar({{"debian-binary", "2.0\n"}, {"data.tar", tar({})}}));
  d.write("p/order.deb", deb(kControl, /*binaryFirst=*/false));
  d.write("p/two.deb", deb(std::string(kControl) + "\nPackage: b\nVersion: 1\n"));
  d.write("p/noversion.deb", deb("Package: x\nArchitecture: all\n"));
  d.write("p/no-control-file.deb",
          ar({{"debian-binary", "2.0\n"}, {"control.tar", tar({{"./md5sums", ""}})}}));
  d.write("p/bad-tar.deb", ar({{"debian-binary", "2.0\n"}, {"control.tar.gz", "not gzip"}}));
  d.write("p/good.deb", deb(kControl));
  auto s = walkTempDir(d);
  Diagnostics diag;
  Catalogue c = catalogDebFiles(*s.tree, diag);
  ASSERT_EQ(c.components.size(), 1u);
  EXPECT_EQ(c.components[0].evidencePaths[0], "/p/good.deb");
  auto w = diag.warnings();
  ASSERT_EQ(w.size(), 7u);
  for (const auto& x : w) EXPECT_NE(x.what.find("not catalogued as a package"), std::string::npos);
  auto what = [&](std::string_view where) {
    for (const auto& x : w)
      if (x.where == where) return x.what;
    return std::string();
  };
  EXPECT_NE(what("/p/no-control.deb").find("no control member"), std::string::npos);
  EXPECT_NE(what("/p/order.deb").find("before debian-binary"), std::string::npos);
  EXPECT_NE(what("/p/two.deb").find("2 packages"), std::string::npos);
  EXPECT_NE(what("/p/noversion.deb").find("Version"), std::string::npos);
  EXPECT_NE(what("/p/no-control-file.deb").find("no control file"), std::string::npos);
}

}  // namespace
}  // namespace tollgate::catalog
