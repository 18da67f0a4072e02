// The binary cataloger through scanTree: ELF facts, PE version resources and Authenticode
// verdicts as properties, purls, Go modules and Rust crates as components with edges, warnings
// for broken binaries.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <filesystem>

#include "../binfmt/pe_fixtures.h"
#include "temp_dir.h"
#include "tollgate/catalog/catalog.h"

namespace tollgate::catalog {
namespace {

using binfmt::testing::run;
using binfmt::testing::shellQuote;
using tollgate::testing::TempDir;

const sbom::Component* byRef(const sbom::Bom& bom, std::string_view ref) {
  for (const auto& c : bom.components)
    if (c.bomRef == ref) return &c;
  return nullptr;
}

std::string prop(const sbom::Component* c, const std::string& key) {
  if (!c) return "<no component>";
  auto it = c->properties.find(key);
  return it == c->properties.end() ? "<absent>" : it->second;
}

const sbom::Dependency* depsOf(const sbom::Bom& bom, std::string_view ref) {
  for (const auto& d : bom.dependencies)
    if (d.ref == ref) return &d;
  return nullptr;
}

sbom::Bom scan(const TempDir& d, Diagnostics& diag) {
  auto root = RootDir::open(d.path());
  auto bom = scanTree(*root, ScanOptions{}, diag);
  EXPECT_TRUE(bom);
  return bom ? std::move(*bom) : sbom::Bom{};
}

TEST(BinaryCataloger, ElfFactsAndBrokenBinaries) {
  TempDir d;
  std::filesystem::create_directories(d.path() / "opt/app");
  std::filesystem::copy_file("/bin/ls", d.path() / "opt/app/ls");
  d.write("opt/app/libbroken.so", std::string("\x7f"
                                              "ELF\x07",
                                              5) +
                                      std::string(80, '\0'));
  auto script = d.write("opt/app/run.sh", "#!/bin/sh\n");
  ::chmod(script.c_str(), 0755);
  Diagnostics diag;
  auto bom = scan(d, diag);
  const auto* ls = byRef(bom, "file:/opt/app/ls");
  ASSERT_NE(ls, nullptr);
  EXPECT_EQ(prop(ls, "tollgate:binary:format"), "elf");
  EXPECT_EQ(prop(ls, "tollgate:elf:machine").empty(), false);
  EXPECT_EQ(prop(ls, "tollgate:elf:build-id").size(), 40u);
  EXPECT_NE(prop(ls, "tollgate:elf:needed").find("libc.so.6"), std::string::npos);
  EXPECT_EQ(prop(ls, "tollgate:elf:linking"), "dynamic");
  EXPECT_EQ(prop(ls, "tollgate:elf:type"), "DYN");
  EXPECT_EQ(ls->hashes.size(), 1u);  // still hashed as a file component
  EXPECT_EQ(prop(byRef(bom, "file:/opt/app/run.sh"), "tollgate:binary:format"), "<absent>");
  auto warnings = diag.warnings();
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_EQ(warnings[0].where, "/opt/app/libbroken.so");
  EXPECT_NE(warnings[0].what.find("ELF"), std::string::npos);
}

TEST(BinaryCataloger, PeVersionResourceAndAuthenticode) {
  TOLLGATE_NEED_PE_FIXTURES(fx);
  TempDir d;
  std::filesystem::create_directories(d.path() / "app");
  for (const char* f : {"signed.exe", "signed.dll", "tampered.exe", "padded.exe", "fixture.exe"})
    std::filesystem::copy_file(fx / f, d.path() / "app" / f);
  Diagnostics diag;
  auto bom = scan(d, diag);
  EXPECT_EQ(diag.count(), 0u);
  const auto* dll = byRef(bom, "file:/app/signed.dll");
  ASSERT_NE(dll, nullptr);
  EXPECT_EQ(dll->name, "Tollgate Fixture Suite");
  EXPECT_EQ(dll->version, "1.2.0");
  EXPECT_EQ(dll->supplier, "Tollgate Test Corp");
  EXPECT_EQ(dll->purl, "pkg:generic/Tollgate%20Test%20Corp/Tollgate%20Fixture%20Suite@1.2.0");
  EXPECT_EQ(dll->type, sbom::ComponentType::kFile);
  EXPECT_EQ(prop(dll, "tollgate:pe:kind"), "dll");
  EXPECT_EQ(prop(dll, "tollgate:pe:company-name"), "Tollgate Test Corp");
  EXPECT_EQ(prop(dll, "tollgate:pe:file-version"), "1.2.3.4");
  EXPECT_EQ(prop(dll, "tollgate:pe:original-filename"), "fixture.dll");
  EXPECT_EQ(prop(dll, "tollgate:authenticode:status"), "valid");
  EXPECT_EQ(prop(dll, "tollgate:authenticode:signer"),
            "CN=Tollgate Test Code Signing,O=Tollgate Test Corp");
  EXPECT_EQ(prop(dll, "tollgate:authenticode:slack-bytes"), "0");
  EXPECT_EQ(prop(dll, "tollgate:pe:checksum"), "valid");
  const auto* padded = byRef(bom, "file:/app/padded.exe");
  EXPECT_EQ(prop(padded, "tollgate:authenticode:status"), "valid");
  EXPECT_EQ(prop(padded, "tollgate:authenticode:slack-bytes"), "4096");
  EXPECT_EQ(prop(padded, "tollgate:authenticode:padding-nonzero"), "true");
  EXPECT_EQ(prop(padded, "tollgate:pe:checksum"), "invalid");
  const auto* tampered = byRef(bom, "file:/app/tampered.exe");
  EXPECT_EQ(prop(tampered, "tollgate:authenticode:status"), "invalid");
  EXPECT_EQ(prop(tampered, "tollgate:authenticode:reason"),
            "image digest does not match the signed digest");
  const auto* plain = byRef(bom, "file:/app/fixture.exe");
  EXPECT_EQ(prop(plain, "tollgate:authenticode:status"), "unsigned");
  EXPECT_EQ(prop(plain, "tollgate:authenticode:signer"), "<absent>");
  EXPECT_NE(prop(plain, "tollgate:pe:imports").find("fixture.dll"), std::string::npos);
  EXPECT_EQ(prop(plain, "tollgate:pe:subsystem"), "console");
}

std::string varint(std::uint64_t v) {
  std::string out;
  while (v >= 0x80) {
    out += static_cast<char>((v & 0x7f) | 0x80);
    v >>= 7;
  }
  return out + static_cast<char>(v);
}

TEST(BinaryCataloger, GoModulesAndRustCratesBecomeComponents) {
  if (!run("command -v objcopy && command -v gcc && command -v python3")) GTEST_SKIP();
  TempDir d;
  const std::string mod =
      std::string("0w\xaf\x0c\x92t\x08\x02\x41\xe1\xc1\x07\xe6\xd6\x18\xe6", 16) +
      "path\texample.com/hello\nmod\texample.com/hello\t(devel)\t\n"
      "dep\tgithub.com/google/uuid\tv1.3.0\th1:t6JiXgmwXMjEs8VusXIJk2BXHsn+wx8BZdTaoZ5fu7I=\n"
      "dep\tgithub.com/pkg/errors\tv0.9.1\th1:abc=\n=>\tgithub.com/fork/errors\tv0.9.2\th1:def=\n"
      "build\tvcs.revision=0123abcd\n" +
      std::string("\xf9\x32\x43\x31\x86\x18 r\x00\x82\x42\x10\x41\x16\xd8\xf2", 16);
  std::string blob = std::string("\xff Go buildinf:\x08\x02", 16) + std::string(16, '\0') +
                     varint(8) + "go1.19.8" + varint(mod.size()) + mod;
  d.write("work/blob", blob);
  d.write("work/main.c", "int main(void){return 0;}\n");
  d.write("work/deps.json",
          R"({"packages":[{"name":"adler","version":"1.0.2","source":"crates.io"},)"
          R"({"name":"tool","version":"0.1.0","source":"local","dependencies":[0],"root":true}]})");
  std::string cd = "cd " + shellQuote((d.path() / "work").string()) + " && ";
  ASSERT_TRUE(run(cd + "gcc -o plain main.c && objcopy --add-section .go.buildinfo=blob plain "
                       "../gotool && python3 -c 'import zlib,sys; sys.stdout.buffer.write("
                       "zlib.compress(open(\"deps.json\",\"rb\").read()))' > dep && objcopy "
                       "--add-section .dep-v0=dep plain ../rusttool && rm -f plain"));
  Diagnostics diag;
  auto bom = scan(d, diag);
  bom.normalize();
  EXPECT_EQ(diag.count(), 0u);
  const auto* go = byRef(bom, "file:/gotool");
  ASSERT_NE(go, nullptr);
  EXPECT_EQ(prop(go, "tollgate:go:version"), "go1.19.8");
  EXPECT_EQ(prop(go, "tollgate:go:main-module"), "example.com/hello");
  EXPECT_EQ(prop(go, "tollgate:go:setting:vcs.revision"), "0123abcd");
  const auto* uuid = byRef(bom, "pkg:golang/github.com/google/uuid@v1.3.0");
  ASSERT_NE(uuid, nullptr);
  EXPECT_EQ(uuid->name, "github.com/google/uuid");
  EXPECT_EQ(uuid->version, "v1.3.0");
  EXPECT_EQ(prop(uuid, "tollgate:go:sum"), "h1:t6JiXgmwXMjEs8VusXIJk2BXHsn+wx8BZdTaoZ5fu7I=");
  EXPECT_EQ(uuid->evidencePaths, std::vector<std::string>{"/gotool"});
  const auto* fork = byRef(bom, "pkg:golang/github.com/fork/errors@v0.9.2");
  ASSERT_NE(fork, nullptr);
  EXPECT_EQ(prop(fork, "tollgate:go:replaces"), "github.com/pkg/errors v0.9.1");
  const auto* mainMod = byRef(bom, "pkg:golang/example.com/hello");
  ASSERT_NE(mainMod, nullptr);
  EXPECT_EQ(prop(mainMod, "tollgate:go:main-module"), "true");
  const auto* edges = depsOf(bom, "file:/gotool");
  ASSERT_NE(edges, nullptr);
  EXPECT_EQ(edges->dependsOn.size(), 3u);

  const auto* rust = byRef(bom, "file:/rusttool");
  EXPECT_EQ(prop(rust, "tollgate:cargo:packages"), "2");
  ASSERT_NE(byRef(bom, "pkg:cargo/adler@1.0.2"), nullptr);
  const auto* root = depsOf(bom, "file:/rusttool");
  ASSERT_NE(root, nullptr);
  EXPECT_EQ(root->dependsOn, std::vector<std::string>{"pkg:cargo/tool@0.1.0"});
  const auto* tool = depsOf(bom, "pkg:cargo/tool@0.1.0");
  ASSERT_NE(tool, nullptr);
  EXPECT_EQ(tool->dependsOn, std::vector<std::string>{"pkg:cargo/adler@1.0.2"});
}

}  // namespace
}  // namespace tollgate::catalog
