#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>

#include "scanned_tree.h"
#include "temp_dir.h"
#include "tollgate/catalog/catalog.h"
#include "tollgate/util/hash.h"

namespace tollgate::catalog {
namespace {

using tollgate::testing::TempDir;

using tollgate::testing::walkTempDir;

const sbom::Component* byName(const Catalogue& c, std::string_view name) {
  for (const auto& comp : c.components)
    if (comp.name == name) return &comp;
  return nullptr;
}

TEST(FileCataloger, ExecutablesAndLibrariesByMagicAndMode) {
  TempDir d;
  std::filesystem::create_directories(d.path() / "opt/app");
  std::filesystem::copy_file("/bin/true", d.path() / "opt/app/true");
  std::filesystem::copy_file("/bin/true", d.path() / "opt/app/libplugin.so.1");
  ::chmod((d.path() / "opt/app/libplugin.so.1").c_str(), 0644);
  auto script = d.write("opt/app/run.sh", "#!/bin/sh\necho hi\n");
  ::chmod(script.c_str(), 0755);
  d.write("opt/app/libc.so", "/* GNU ld script */ GROUP ( libc.so.6 )");  // text, not a binary
  d.write("opt/app/app.dll", "MZ\x90");
  d.write("opt/app/readme.txt", "hello");
  auto s = walkTempDir(d);
  Diagnostics diag;
  Catalogue c = catalogFiles(*s.tree, {}, diag);
  ASSERT_NE(byName(c, "true"), nullptr);
  EXPECT_EQ(byName(c, "true")->properties.at("tollgate:file:kind"), "elf");
  EXPECT_EQ(byName(c, "true")->bomRef, "file:/opt/app/true");
  EXPECT_EQ(byName(c, "true")->type, sbom::ComponentType::kFile);
  ASSERT_NE(byName(c, "libplugin.so.1"), nullptr);
  ASSERT_NE(byName(c, "run.sh"), nullptr);
  EXPECT_EQ(byName(c, "run.sh")->properties.at("tollgate:file:kind"), "script");
  ASSERT_NE(byName(c, "app.dll"), nullptr);
  EXPECT_EQ(byName(c, "app.dll")->properties.at("tollgate:file:kind"), "pe");
  EXPECT_EQ(byName(c, "libc.so"), nullptr);
  EXPECT_EQ(byName(c, "readme.txt"), nullptr);
}

TEST(FileCataloger, PackageOwnedFilesAreNotRepeated) {
  TempDir d;
  std::filesystem::create_directories(d.path() / "usr/bin");
  std::filesystem::copy_file("/bin/true", d.path() / "usr/bin/true");
  std::filesystem::copy_file("/bin/true", d.path() / "usr/bin/stray");
  d.symlink("usr/bin", "bin");
  auto s = walkTempDir(d);
  sbom::Component pkg;
  pkg.name = "coreutils";
  pkg.files.push_back({"/bin/true", {}});  // declared through the merged-/usr symlink
  Diagnostics diag;
  Catalogue c = catalogFiles(*s.tree, {pkg}, diag);
  ASSERT_EQ(c.components.size(), 1u);
  EXPECT_EQ(c.components[0].name, "stray");
}

TEST(ScanTree, HashesFileEntriesAndOwnedFiles) {
  TempDir d;
  auto exe = d.write("srv/tool", "#!/bin/sh\nexit 0\n");
  ::chmod(exe.c_str(), 0755);
  auto root = RootDir::open(d.path());
  Diagnostics diag;
  auto bom = scanTree(*root, ScanOptions{}, diag);
  ASSERT_TRUE(bom);
  ASSERT_EQ(bom->components.size(), 1u);
  ASSERT_EQ(bom->components[0].hashes.size(), 1u);
  EXPECT_EQ(bom->components[0].hashes[0].value, sha256Hex("#!/bin/sh\nexit 0\n"));
  EXPECT_EQ(bom->components[0].foundBy, "file");
}

TEST(ScanTree, OsReleaseDescribesTheSubject) {
  TempDir d;
  d.write("usr/lib/os-release",
          "ID=debian\nVERSION_ID=\"12\"\nPRETTY_NAME=\"Debian GNU/Linux 12\"\n");
  d.symlink("../usr/lib/os-release", "etc/os-release");
  auto root = RootDir::open(d.path());
  Diagnostics diag;
  auto bom = scanTree(*root, ScanOptions{}, diag);
  ASSERT_TRUE(bom);
  EXPECT_EQ(bom->metadata.subjectType, "operating-system");
  EXPECT_EQ(bom->metadata.subjectName, "debian");
  EXPECT_EQ(bom->metadata.subjectVersion, "12");
}

}  // namespace
}  // namespace tollgate::catalog
