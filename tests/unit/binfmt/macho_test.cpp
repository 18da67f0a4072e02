// Mach-O facts against llvm-objdump (--macho --private-headers) on real Mach-O files: the samples
// Go ships in its source tree (Debian's golang-1.19-src, decoded from base64) and objects clang
// builds for macOS; code signature fields on hand-made bytes (there is no Apple toolchain here).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <random>
#include <sstream>
#include <tuple>

#include "temp_dir.h"
#include "test_util.h"
#include "tollgate/binfmt/macho.h"
#include "tollgate/binfmt/plist.h"

namespace tollgate::binfmt {
namespace {

using testing::readBytes;
using testing::run;
using testing::shellQuote;
using tollgate::testing::TempDir;

struct SliceFacts {
  std::string uuid, minOs, sdk, platform;
  std::vector<std::string> dylibs, rpaths;
  bool codeSignature = false;
};

std::string firstWord(const std::string& s) { return s.substr(0, s.find(' ')); }

// Per architecture ("" for a thin file), from llvm-objdump's load command listing.
std::map<std::string, SliceFacts> objdumpFacts(const std::filesystem::path& p) {
  std::map<std::string, SliceFacts> out;
  std::string text =
      run("llvm-objdump-19 --macho --private-headers --arch=all " + shellQuote(p.string()))
          .value_or("");
  std::istringstream in(text);
  std::string line, arch, cmd;
  while (std::getline(in, line)) {
    auto a = line.find("(architecture ");
    if (a != std::string::npos && line.ends_with("):")) {
      arch = line.substr(a + 14, line.size() - a - 16);
      continue;
    }
    std::istringstream ls(line);
    std::string key;
    ls >> key;
    std::string value;
    std::getline(ls, value);
    value.erase(0, value.find_first_not_of(' '));
    SliceFacts& f = out[arch];
    if (key == "cmd") {
      cmd = value;
      if (cmd == "LC_CODE_SIGNATURE") f.codeSignature = true;
    } else if (key == "uuid" && cmd == "LC_UUID") {
      f.uuid = value;
    } else if (key == "name" && (cmd == "LC_LOAD_DYLIB" || cmd == "LC_LOAD_WEAK_DYLIB" ||
                                 cmd == "LC_REEXPORT_DYLIB")) {
      f.dylibs.push_back(value.substr(0, value.rfind(" (offset")));
    } else if (key == "path" && cmd == "LC_RPATH") {
      f.rpaths.push_back(value.substr(0, value.rfind(" (offset")));
    } else if (key == "version" && cmd.starts_with("LC_VERSION_MIN")) {
      f.minOs = value;
    } else if (key == "minos") {
      f.minOs = value;
    } else if (key == "sdk" && (cmd.starts_with("LC_VERSION_MIN") || cmd == "LC_BUILD_VERSION")) {
      f.sdk = value == "n/a" ? "" : value;
    } else if (key == "platform") {
      f.platform = firstWord(value);
    }
  }
  return out;
}

void expectMatchesObjdump(const std::filesystem::path& p) {
  SCOPED_TRACE(p.string());
  auto bytes = readBytes(p);
  auto m = parseMachO(bytes);
  ASSERT_TRUE(m) << m.error().describe();
  auto want = objdumpFacts(p);
  // llvm-objdump rejects some broken samples outright (gcc-...-with-bad-dysym); tollgate reads
  // their headers anyway.
  if (want.empty()) return;
  for (const auto& s : m->slices) {
    std::string arch = m->universal ? s.cpuName() : "";
    SCOPED_TRACE(arch);
    ASSERT_TRUE(want.contains(arch));
    const SliceFacts& w = want[arch];
    EXPECT_EQ(s.uuid, w.uuid);
    EXPECT_EQ(s.dylibs, w.dylibs);
    EXPECT_EQ(s.rpaths, w.rpaths);
    EXPECT_EQ(s.minOs, w.minOs);
    EXPECT_EQ(s.sdk, w.sdk);
    if (!w.platform.empty()) {
      EXPECT_EQ(s.platform, w.platform);
    }
    EXPECT_EQ(s.hasCodeSignature, w.codeSignature);
  }
}

std::vector<std::filesystem::path> goSamples(const TempDir& dir) {
  std::vector<std::filesystem::path> out;
  std::error_code ec;
  for (const auto& goroot : std::filesystem::directory_iterator("/usr/lib", ec)) {
    if (!goroot.path().filename().string().starts_with("go-")) continue;
    auto td = goroot.path() / "src/debug/macho/testdata";
    for (const auto& f : std::filesystem::directory_iterator(td, ec)) {
      if (f.path().extension() != ".base64") continue;
      auto dst = dir.path() / f.path().stem();
      if (run("base64 -d " + shellQuote(f.path().string()) + " > " + shellQuote(dst.string())))
        out.push_back(dst);
    }
    if (!out.empty()) break;
  }
  return out;
}

TEST(MachO, GoSamplesMatchLlvmObjdump) {
  if (!testing::haveTool("llvm-objdump-19")) GTEST_SKIP() << "llvm-19 missing";
  TempDir dir;
  auto samples = goSamples(dir);
  if (samples.empty()) GTEST_SKIP() << "golang-src samples missing (scripts/deps.sh test)";
  for (const auto& p : samples) expectMatchesObjdump(p);
  auto fat = parseMachO(readBytes(dir.path() / "fat-gcc-386-amd64-darwin-exec"));
  ASSERT_TRUE(fat);
  EXPECT_TRUE(fat->universal);
  ASSERT_EQ(fat->slices.size(), 2u);
  EXPECT_EQ(fat->slices[0].cpuName(), "i386");
  EXPECT_EQ(fat->slices[1].cpuName(), "x86_64");
  EXPECT_EQ(fat->slices[1].fileTypeName(), "execute");
  EXPECT_EQ(fat->slices[1].dylibs,
            (std::vector<std::string>{"/usr/lib/libgcc_s.1.dylib", "/usr/lib/libSystem.B.dylib"}));
  EXPECT_GT(fat->slices[1].offset, 0u);
  auto rpath = parseMachO(readBytes(dir.path() / "clang-amd64-darwin-exec-with-rpath"));
  ASSERT_TRUE(rpath);
  EXPECT_FALSE(rpath->slices[0].rpaths.empty());
  EXPECT_EQ(rpath->slices[0].platform, "macos");
}

TEST(MachO, ClangObjectsMatchLlvmObjdump) {
  if (!testing::haveTool("clang-19") || !testing::haveTool("llvm-objdump-19"))
    GTEST_SKIP() << "clang-19/llvm-19 missing";
  TempDir dir;
  dir.write("x.c", "int answer(void) { return 42; }\n");
  std::string cd = "cd " + shellQuote(dir.path().string()) + " && ";
  int built = 0;
  for (const char* target :
       {"arm64-apple-macos11", "x86_64-apple-macos10.13", "arm64-apple-ios15"}) {
    std::string out = std::string(target) + ".o";
    if (!run(cd + "clang-19 -c -target " + target + " -o " + out + " x.c")) continue;
    ++built;
    expectMatchesObjdump(dir.path() / out);
  }
  EXPECT_EQ(built, 3);
  auto obj = parseMachO(readBytes(dir.path() / "arm64-apple-ios15.o"));
  ASSERT_TRUE(obj);
  EXPECT_EQ(obj->slices[0].platform, "ios");
  EXPECT_EQ(obj->slices[0].minOs, "15.0");
  EXPECT_EQ(obj->slices[0].fileTypeName(), "object");
  EXPECT_EQ(obj->slices[0].cpuName(), "arm64");
}

// A minimal 64-bit little-endian MH_EXECUTE: LC_UUID, LC_BUILD_VERSION, LC_LOAD_DYLIB, LC_RPATH,
// LC_CODE_SIGNATURE pointing at a SuperBlob with a CodeDirectory (v0x20400, identifier and team
// id) and a CMS blob wrapper.
std::string handMadeSigned(bool adhoc, bool withTeam) {
  std::string f(0x400, '\0');
  auto le32 = [&](std::size_t o, std::uint32_t v) {
    for (int i = 0; i < 4; ++i) f[o + i] = static_cast<char>(v >> (8 * i));
  };
  auto be32 = [&](std::size_t o, std::uint32_t v) {
    for (int i = 0; i < 4; ++i) f[o + i] = static_cast<char>(v >> (24 - 8 * i));
  };
  le32(0, 0xfeedfacf), le32(4, 0x0100000c), le32(8, 0), le32(12, 2);
  std::size_t p = 32;
  std::uint32_t ncmds = 0;
  // LC_UUID
  le32(p, 0x1b), le32(p + 4, 24);
  for (int i = 0; i < 16; ++i) f[p + 8 + i] = static_cast<char>(0x10 + i);
  p += 24, ++ncmds;
  // LC_BUILD_VERSION macos 12.3.1 sdk 13.0
  le32(p, 0x32), le32(p + 4, 24), le32(p + 8, 1), le32(p + 12, 0x000c0301),
      le32(p + 16, 0x000d0000);
  p += 24, ++ncmds;
  // LC_LOAD_DYLIB
  le32(p, 0xc), le32(p + 4, 56), le32(p + 8, 24);
  f.replace(p + 24, 26, "/usr/lib/libSystem.B.dylib");
  p += 56, ++ncmds;
  // LC_RPATH
  le32(p, 0x8000001c), le32(p + 4, 32), le32(p + 8, 12);
  f.replace(p + 12, 19, "@loader_path/../lib");
  p += 32, ++ncmds;
  // LC_CODE_SIGNATURE at 0x200, 0x180 bytes
  le32(p, 0x1d), le32(p + 4, 16), le32(p + 8, 0x200), le32(p + 12, 0x180);
  p += 16, ++ncmds;
  le32(16, ncmds), le32(20, static_cast<std::uint32_t>(p - 32));
  // SuperBlob: 2 entries, CodeDirectory at +0x20, CMS wrapper at +0x100.
  const std::size_t sb = 0x200;
  be32(sb, 0xfade0cc0), be32(sb + 4, 0x180), be32(sb + 8, 2);
  be32(sb + 12, 0), be32(sb + 16, 0x20);
  be32(sb + 20, 0x10000), be32(sb + 24, 0x100);
  const std::size_t cd = sb + 0x20;
  be32(cd, 0xfade0c02), be32(cd + 4, 0xc0), be32(cd + 8, 0x20400);
  be32(cd + 12, adhoc ? 0x20002 : 0x10000);  // flags: adhoc|linker-signed, or runtime
  be32(cd + 20, 0x60);                       // identOffset
  be32(cd + 48, withTeam ? 0x80 : 0);        // teamOffset
  f.replace(cd + 0x60, 15, "com.example.app");
  if (withTeam) f.replace(cd + 0x80, 10, "ABCDE12345");
  be32(sb + 0x100, 0xfade0b01), be32(sb + 0x104, adhoc ? 8 : 0x40);
  return f;
}

// llvm-nm's undefined symbols, C's leading underscore removed (as parseMachO reports them).
std::vector<std::string> nmImports(const std::filesystem::path& p) {
  std::string text =
      run("llvm-nm-19 --undefined-only --just-symbol-name " + shellQuote(p.string())).value_or("");
  std::istringstream in(text);
  std::vector<std::string> out;
  for (std::string name; in >> name;) out.push_back(name.starts_with('_') ? name.substr(1) : name);
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

// Executables linked by ld64.lld against a stand-in libSystem (there is no macOS SDK here):
// x86_64 for macOS 11 (dyld bind opcodes) and arm64 for macOS 13 (chained fixups), one with an
// embedded __TEXT,__info_plist.
TEST(MachO, LinkedImportsMatchLlvmNm) {
  const std::string ld64 = "/usr/lib/llvm-19/bin/ld64.lld";
  if (!testing::haveTool("clang-19") || !std::filesystem::exists(ld64) ||
      !testing::haveTool("llvm-nm-19"))
    GTEST_SKIP() << "clang-19, lld-19 or llvm-19 missing";
  TempDir dir;
  dir.write("sys.c",
            "int puts(const char*s){return s!=0;}\nint mprotect(void*a,unsigned long n,int p)"
            "{return a&&n&&p;}\nvoid*opendir(const char*p){return (void*)p;}\n"
            "void b(void) __asm__(\"dyld_stub_binder\");\nvoid b(void){}\n");
  dir.write("app.c",
            "int puts(const char*);int mprotect(void*,unsigned long,int);void*opendir(const "
            "char*);\nstatic char pg[4096];\nint main(void){opendir(\".\");mprotect(pg,4096,5);"
            "return puts(\"x\");}\n");
  dir.write("Info.plist",
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><plist version=\"1.0\"><dict>"
            "<key>CFBundleIdentifier</key><string>com.example.app</string>"
            "<key>CFBundleShortVersionString</key><string>2.4.1</string>"
            "<key>CFBundleVersion</key><string>2401</string></dict></plist>");
  std::string cd = "cd " + shellQuote(dir.path().string()) + " && ";
  for (auto [arch, target, os] : {std::tuple{"x86_64", "x86_64-apple-macos11", "11.0"},
                                  std::tuple{"arm64", "arm64-apple-macos13", "13.0"}}) {
    SCOPED_TRACE(arch);
    std::string a(arch);
    std::string ld = ld64 + " -arch " + a + " -platform_version macos " + os + " " + os;
    ASSERT_TRUE(run(cd + "clang-19 -target " + target + " -c sys.c -o sys-" + a + ".o && " + ld +
                    " -dylib -install_name /usr/lib/libSystem.B.dylib sys-" + a +
                    ".o -o libSystem-" + a + ".dylib && clang-19 -target " + target +
                    " -c app.c -o app-" + a + ".o && " + ld + " -execute app-" + a +
                    ".o libSystem-" + a +
                    ".dylib -sectcreate __TEXT __info_plist Info.plist -o app-" + a));
    auto path = dir.path() / ("app-" + a);
    auto bytes = readBytes(path);
    auto m = parseMachO(bytes);
    ASSERT_TRUE(m) << m.error().describe();
    ASSERT_EQ(m->slices.size(), 1u);
    const auto& s = m->slices[0];
    EXPECT_EQ(s.importedSymbols, nmImports(path));
    for (const char* want : {"mprotect", "opendir", "puts"})
      EXPECT_TRUE(
          std::binary_search(s.importedSymbols.begin(), s.importedSymbols.end(), std::string(want)))
          << want;
    EXPECT_EQ(s.dylibs, std::vector<std::string>{"/usr/lib/libSystem.B.dylib"});
    // With LC_SYMTAB's symbol count zeroed, the imports come from the bind opcodes (x86_64) or
    // the chained fixups (arm64) alone: the same ones the image binds (for arm64 ld64.lld leaves
    // an unused undefined dyld_stub_binder in the symbol table, which no fixup names).
    auto noSymtab = bytes;
    for (std::uint32_t pos = 32, i = 0, ncmds = testing::le32(bytes, 16); i < ncmds; ++i) {
      std::uint32_t cmd = testing::le32(bytes, pos), size = testing::le32(bytes, pos + 4);
      if (cmd == 0x2)
        for (int k = 0; k < 4; ++k) noSymtab[pos + 12 + k] = std::byte{0};  // nsyms
      pos += size;
    }
    auto bare = parseMachO(noSymtab);
    ASSERT_TRUE(bare);
    std::vector<std::string> bound = s.importedSymbols;
    if (a == "arm64") std::erase(bound, "dyld_stub_binder");
    EXPECT_EQ(bare->slices[0].importedSymbols, bound);
    auto plist = machOSectionData(machOSliceBytes(bytes, s), s, "__TEXT", "__info_plist");
    ASSERT_FALSE(plist.empty());
    auto bundle = parseInfoPlist(plist);
    ASSERT_TRUE(bundle) << bundle.error().describe();
    EXPECT_EQ(bundle->identifier, "com.example.app");
    EXPECT_EQ(bundle->versionText(), "2.4.1 (2401)");
    EXPECT_TRUE(machOSectionData(machOSliceBytes(bytes, s), s, "__TEXT", "__nothing").empty());
  }
}

TEST(Plist, XmlBinaryAndMalformed) {
  const std::string xml =
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE plist PUBLIC \"-//Apple//DTD PLIST "
      "1.0//EN\" \"http://www.apple.com/DTDs/PropertyList-1.0.dtd\">\n<plist version=\"1.0\"><dict>"
      "<key>CFBundleName</key><string>Codec</string><key>CFBundleExecutable</key>"
      "<string>Codec</string><key>CFBundleShortVersionString</key><string>1.0</string>"
      "<key>CFBundleVersion</key><integer>100</integer></dict></plist>\n";
  auto b = parseInfoPlist(std::as_bytes(std::span(xml.data(), xml.size())));
  ASSERT_TRUE(b) << b.error().describe();
  EXPECT_EQ(b->name, "Codec");
  EXPECT_EQ(b->executable, "Codec");
  EXPECT_EQ(b->shortVersion, "1.0");
  EXPECT_EQ(b->bundleVersion, "");  // not a string
  EXPECT_EQ(b->versionText(), "1.0");
  if (testing::haveTool("plistutil")) {
    TempDir dir;
    auto in = dir.write("in.plist", xml);
    auto out = dir.path() / "out.plist";
    ASSERT_TRUE(run("plistutil -i " + shellQuote(in.string()) + " -o " + shellQuote(out.string()) +
                    " -f bin"));
    auto bin = readBytes(out);
    ASSERT_TRUE(std::string_view(reinterpret_cast<const char*>(bin.data()), 8) == "bplist00");
    auto bb = parseInfoPlist(bin);
    ASSERT_TRUE(bb) << bb.error().describe();
    EXPECT_EQ(bb->shortVersion, "1.0");
    EXPECT_EQ(bb->name, "Codec");
  }
  for (std::string bad : {std::string(), std::string("bplist00\x01\x02"), std::string("<plist>"),
                          std::string("<?xml version=\"1.0\"?><plist><array><string>x</string>"
                                      "</array></plist>"),
                          std::string(4096, 'A')}) {
    auto r = parseInfoPlist(std::as_bytes(std::span(bad.data(), bad.size())));
    EXPECT_FALSE(r) << bad.substr(0, 40);
  }
}

TEST(MachO, HandMadeCodeSignature) {
  std::string s = handMadeSigned(false, true);
  auto m = parseMachO(std::as_bytes(std::span(s)));
  ASSERT_TRUE(m) << m.error().describe();
  ASSERT_EQ(m->slices.size(), 1u);
  const MachOSlice& sl = m->slices[0];
  EXPECT_FALSE(m->universal);
  EXPECT_EQ(sl.cpuName(), "arm64");
  EXPECT_EQ(sl.uuid, "10111213-1415-1617-1819-1A1B1C1D1E1F");
  EXPECT_EQ(sl.platform, "macos");
  EXPECT_EQ(sl.minOs, "12.3.1");
  EXPECT_EQ(sl.sdk, "13.0");
  EXPECT_EQ(sl.dylibs, std::vector<std::string>{"/usr/lib/libSystem.B.dylib"});
  EXPECT_EQ(sl.rpaths, std::vector<std::string>{"@loader_path/../lib"});
  EXPECT_TRUE(sl.hasCodeSignature);
  EXPECT_EQ(sl.signingId, "com.example.app");
  EXPECT_EQ(sl.teamId, "ABCDE12345");
  EXPECT_FALSE(sl.adhocSigned);
  EXPECT_TRUE(sl.hasCmsSignature);

  std::string adhoc = handMadeSigned(true, false);
  auto a = parseMachO(std::as_bytes(std::span(adhoc)));
  ASSERT_TRUE(a);
  EXPECT_TRUE(a->slices[0].adhocSigned);
  EXPECT_FALSE(a->slices[0].hasCmsSignature);
  EXPECT_EQ(a->slices[0].teamId, "");

  // llvm-objdump reads the hand-made file the same way.
  if (testing::haveTool("llvm-objdump-19")) {
    TempDir dir;
    expectMatchesObjdump(dir.write("handmade", s));
  }

  // The same slice wrapped in a universal header (and the Java class file look-alike).
  std::string fat(0x1000, '\0');
  const unsigned char hdr[] = {0xca, 0xfe, 0xba, 0xbe, 0,    0, 0, 1, 0x01, 0, 0, 0x0c, 0, 0,
                               0,    0,    0,    0,    0x10, 0, 0, 0, 0x04, 0, 0, 0,    0, 12};
  fat.replace(0, sizeof hdr, reinterpret_cast<const char*>(hdr), sizeof hdr);
  fat.resize(0x1000);
  fat += s;
  auto u = parseMachO(std::as_bytes(std::span(fat)));
  ASSERT_TRUE(u) << u.error().describe();
  EXPECT_TRUE(u->universal);
  ASSERT_EQ(u->slices.size(), 1u);
  EXPECT_EQ(u->slices[0].offset, 0x1000u);
  EXPECT_EQ(u->slices[0].teamId, "ABCDE12345");
  EXPECT_EQ(machOSliceBytes(std::as_bytes(std::span(fat)), u->slices[0]).size(), s.size());
  const unsigned char javaClass[] = {0xca, 0xfe, 0xba, 0xbe, 0, 0, 0, 0x34, 0, 0x1d};
  auto j = parseMachO(std::as_bytes(std::span(javaClass)));
  ASSERT_FALSE(j);
  EXPECT_EQ(j.error().code, ErrorCode::kInvalidInput);
}

TEST(MachO, TruncatedAndCorruptedInputs) {
  std::string s = handMadeSigned(false, true);
  for (std::size_t n = 0; n <= s.size(); ++n)
    (void)parseMachO(std::as_bytes(std::span(s).first(n)));
  std::mt19937 rng(7);
  for (int round = 0; round < 5000; ++round) {
    std::string c = s;
    for (int k = 0; k < 4; ++k) c[rng() % c.size()] = static_cast<char>(rng());
    (void)parseMachO(std::as_bytes(std::span(c)));
  }
  for (const char* bad : {"", "\xfe\xed", "not a mach-o file"}) {
    auto r = parseMachO(std::as_bytes(std::span(bad, std::strlen(bad))));
    EXPECT_FALSE(r);
  }
}

}  // namespace
}  // namespace tollgate::binfmt
