// ELF facts against readelf(1): every fact tollgate reports must equal what binutils prints, on
// binaries of this machine and on binaries the test builds with gcc (RPATH, RUNPATH, SONAME,
// static, relocatable, section headers stripped, big-endian hand-made).
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <memory>
#include <random>
#include <regex>
#include <sstream>

#include "temp_dir.h"
#include "test_util.h"
#include "tollgate/binfmt/elf.h"

namespace tollgate::binfmt {
namespace {

using testing::readBytes;
using testing::run;
using testing::shellQuote;
using tollgate::testing::TempDir;

struct ReadelfFacts {
  std::string type;      // "DYN", "EXEC", ...
  std::string machine;   // readelf's long name
  std::string elfClass;  // "ELF64"
  std::string buildId;
  std::string interpreter;
  std::string soname;
  std::vector<std::string> needed;
  std::string rpath;
  std::string runpath;
};

std::string field(const std::string& text, const std::string& label) {
  std::regex re("\\n\\s*" + label + ":\\s*([^\\n]*)");
  std::smatch m;
  if (!std::regex_search(text, m, re)) return {};
  std::string v = m[1].str();
  while (!v.empty() && v.back() == ' ') v.pop_back();
  return v;
}

ReadelfFacts readelf(const std::filesystem::path& p) {
  ReadelfFacts f;
  std::string q = shellQuote(p.string());
  std::string header = "\n" + run("LC_ALL=C readelf -h -W " + q).value_or("");
  f.type = field(header, "Type");
  f.type = f.type.substr(0, f.type.find(' '));
  f.machine = field(header, "Machine");
  f.elfClass = field(header, "Class");
  std::string notes = run("LC_ALL=C readelf -n -W " + q).value_or("");
  std::smatch m;
  if (std::regex_search(notes, m, std::regex("Build ID: ([0-9a-f]+)"))) f.buildId = m[1].str();
  std::string phdrs = run("LC_ALL=C readelf -l -W " + q).value_or("");
  if (std::regex_search(phdrs, m, std::regex("Requesting program interpreter: ([^\\]]*)\\]")))
    f.interpreter = m[1].str();
  std::string dyn = run("LC_ALL=C readelf -d -W " + q).value_or("");
  std::istringstream lines(dyn);
  std::string line;
  std::regex entry("\\((NEEDED|SONAME|RPATH|RUNPATH)\\)[^\\[]*\\[(.*)\\]\\s*$");
  while (std::getline(lines, line)) {
    if (!std::regex_search(line, m, entry)) continue;
    std::string tag = m[1].str(), value = m[2].str();
    if (tag == "NEEDED") f.needed.push_back(value);
    if (tag == "SONAME") f.soname = value;
    if (tag == "RPATH") f.rpath = value;
    if (tag == "RUNPATH") f.runpath = value;
  }
  return f;
}

// readelf's names for the machines these tests meet.
std::string readelfMachine(std::uint16_t m) {
  static const std::map<std::uint16_t, std::string> kNames = {
      {3, "Intel 80386"}, {8, "MIPS R3000"}, {20, "PowerPC"},
      {21, "PowerPC64"},  {40, "ARM"},       {62, "Advanced Micro Devices X86-64"},
      {183, "AArch64"},   {243, "RISC-V"}};
  auto it = kNames.find(m);
  return it == kNames.end() ? "?" : it->second;
}

// Files built once for the whole suite.
class ElfFixtures : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = std::make_unique<TempDir>();
    const auto& d = dir_->path();
    dir_->write("main.c", "#include <stdio.h>\nint main(void){puts(\"hi\");return 0;}\n");
    dir_->write("lib.c", "#include <math.h>\ndouble demo(double x){return sqrt(x);}\n");
    std::string cd = "cd " + shellQuote(d.string()) + " && ";
    auto build = [&](const std::string& name, const std::string& cmd) {
      if (run(cd + cmd)) built_.push_back(d / name);
    };
    build("rpath-exe",
          "gcc -O1 -o rpath-exe main.c -Wl,-rpath,/opt/x:/opt/y -Wl,--disable-new-dtags");
    build("libdemo.so.1.2",
          "gcc -O1 -shared -fPIC -o libdemo.so.1.2 lib.c -lm -Wl,-soname,libdemo.so.1 "
          "'-Wl,-rpath,$ORIGIN/../lib' -Wl,--enable-new-dtags");
    build("static-exe", "gcc -O1 -static -o static-exe main.c");
    build("main.o", "gcc -O1 -c -o main.o main.c");
    build("no-build-id", "gcc -O1 -Wl,--build-id=none -o no-build-id main.c");
    build("sha1-build-id", "gcc -O1 -Wl,--build-id=sha1 -o sha1-build-id main.c");
    build("m32-exe", "gcc -m32 -O1 -o m32-exe main.c");
    // The same executable without section headers (as sstrip leaves it): everything must still
    // come from the program headers.
    if (std::filesystem::exists(d / "rpath-exe")) {
      auto bytes = readBytes(d / "rpath-exe");
      for (std::size_t i : {40, 41, 42, 43, 44, 45, 46, 47, 60, 61, 62, 63})
        bytes[i] = std::byte{0};
      std::string s(reinterpret_cast<const char*>(bytes.data()), bytes.size());
      built_.push_back(dir_->write("no-section-headers", s));
    }
    built_.push_back(dir_->write("big-endian-32", bigEndianElf()));
  }
  static void TearDownTestSuite() {
    built_.clear();
    dir_.reset();
  }

  // A hand-made 32-bit big-endian MIPS executable: ELF header, PT_INTERP, PT_NOTE with a build
  // id, PT_DYNAMIC with DT_NEEDED/DT_SONAME/DT_RUNPATH and a PT_LOAD mapping the string table.
  static std::string bigEndianElf() {
    std::string f(0x200, '\0');
    auto put16 = [&](std::size_t o, std::uint16_t v) {
      f[o] = static_cast<char>(v >> 8);
      f[o + 1] = static_cast<char>(v);
    };
    auto put32 = [&](std::size_t o, std::uint32_t v) {
      for (int i = 0; i < 4; ++i) f[o + i] = static_cast<char>(v >> (24 - 8 * i));
    };
    f.replace(0, 4,
              "\x7f"
              "ELF");
    f[4] = 1, f[5] = 2, f[6] = 1;
    put16(16, 2), put16(18, 8), put32(20, 1), put32(24, 0x400100), put32(28, 52);
    put16(40, 52), put16(42, 32), put16(44, 4), put16(46, 40);
    auto phdr = [&](int i, std::uint32_t type, std::uint32_t off, std::uint32_t vaddr,
                    std::uint32_t size, std::uint32_t align) {
      std::size_t o = 52 + 32 * i;
      put32(o, type), put32(o + 4, off), put32(o + 8, vaddr), put32(o + 12, vaddr);
      put32(o + 16, size), put32(o + 20, size), put32(o + 24, 4), put32(o + 28, align);
    };
    phdr(0, 1, 0, 0x400000, 0x200, 0x1000);
    phdr(1, 3, 0x100, 0x400100, 20, 1);
    phdr(2, 4, 0x120, 0x400120, 28, 4);
    phdr(3, 2, 0x140, 0x400140, 48, 4);
    f.replace(0x100, 20, std::string("/lib/ld.so.1\0\0\0\0\0\0\0\0", 20));
    put32(0x120, 4), put32(0x124, 8), put32(0x128, 3);
    f.replace(0x12c, 4, std::string("GNU\0", 4));
    f.replace(0x130, 8, "\xde\xad\xbe\xef\x01\x02\x03\x04");
    // Dynamic: NEEDED libc.so.6, SONAME libbe.so, RUNPATH /opt/be, STRTAB, STRSZ, NULL.
    const std::string strtab = std::string("\0libc.so.6\0libbe.so\0/opt/be\0", 27);
    f.replace(0x180, strtab.size(), strtab);
    std::uint32_t dyn[] = {1, 1, 14, 11, 29, 19, 5, 0x400180, 10, 27, 0, 0};
    for (int i = 0; i < 12; ++i) put32(0x140 + 4 * i, dyn[i]);
    return f;
  }

  static inline std::unique_ptr<TempDir> dir_;
  static inline std::vector<std::filesystem::path> built_;
};

void expectMatchesReadelf(const std::filesystem::path& p) {
  SCOPED_TRACE(p.string());
  auto bytes = readBytes(p);
  auto elf = parseElf(bytes);
  ASSERT_TRUE(elf.has_value()) << elf.error().describe();
  ReadelfFacts want = readelf(p);
  ASSERT_FALSE(want.type.empty()) << "readelf could not read it";
  EXPECT_EQ(elf->typeName(), want.type);
  EXPECT_EQ(readelfMachine(elf->machine), want.machine);
  EXPECT_EQ(elf->is64 ? "ELF64" : "ELF32", want.elfClass);
  EXPECT_EQ(elf->buildId, want.buildId);
  EXPECT_EQ(elf->interpreter, want.interpreter);
  EXPECT_EQ(elf->soname, want.soname);
  EXPECT_EQ(elf->needed, want.needed);
  EXPECT_EQ(elf->rpath, want.rpath);
  EXPECT_EQ(elf->runpath, want.runpath);
}

TEST_F(ElfFixtures, SystemBinariesMatchReadelf) {
  int checked = 0;
  for (const char* p :
       {"/bin/ls", "/bin/sh", "/sbin/ldconfig", "/lib/x86_64-linux-gnu/libc.so.6",
        "/lib64/ld-linux-x86-64.so.2", "/usr/lib/x86_64-linux-gnu/libssl.so.3",
        "/usr/lib/x86_64-linux-gnu/libz.so.1", "/usr/lib/aarch64-linux-gnu/libc.so.6"}) {
    if (!std::filesystem::exists(p)) continue;
    expectMatchesReadelf(p);
    ++checked;
  }
  EXPECT_GE(checked, 3);
}

TEST_F(ElfFixtures, BuiltBinariesMatchReadelf) {
  // gcc -m32 needs multilib; the rest needs only gcc and libc6-dev.
  EXPECT_GE(built_.size(), 7u);
  for (const auto& p : built_) expectMatchesReadelf(p);
}

TEST_F(ElfFixtures, FactsOfBuiltFixtures) {
  const auto& d = dir_->path();
  auto lib = parseElf(readBytes(d / "libdemo.so.1.2"));
  ASSERT_TRUE(lib);
  EXPECT_EQ(lib->soname, "libdemo.so.1");
  EXPECT_EQ(lib->runpath, "$ORIGIN/../lib");
  EXPECT_TRUE(std::find(lib->needed.begin(), lib->needed.end(), "libm.so.6") != lib->needed.end());
  EXPECT_EQ(lib->buildId.size(), 40u);  // gcc's default: sha1
  auto obj = parseElf(readBytes(d / "main.o"));
  ASSERT_TRUE(obj);
  EXPECT_EQ(obj->typeName(), "REL");
  EXPECT_TRUE(obj->segments.empty());
  EXPECT_TRUE(obj->hasSymtab);
  auto be = parseElf(readBytes(d / "big-endian-32"));
  ASSERT_TRUE(be);
  EXPECT_TRUE(be->bigEndian);
  EXPECT_EQ(be->machineName(), "mips");
  EXPECT_EQ(be->buildId, "deadbeef01020304");
  EXPECT_EQ(be->needed, std::vector<std::string>{"libc.so.6"});
  if (std::filesystem::exists(d / "static-exe")) {
    auto st = parseElf(readBytes(d / "static-exe"));
    ASSERT_TRUE(st);
    EXPECT_FALSE(st->hasDynamic);
    EXPECT_TRUE(st->interpreter.empty());
  }
}

// nm's undefined dynamic symbols ("U mprotect@GLIBC_2.2.5", "w __gmon_start__"), versions cut.
std::vector<std::string> nmImports(const std::filesystem::path& p) {
  std::string text = run("LC_ALL=C nm -D --undefined-only " + shellQuote(p.string())).value_or("");
  std::istringstream in(text);
  std::vector<std::string> out;
  std::string kind, name;
  while (in >> kind >> name) out.push_back(name.substr(0, name.find('@')));
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

std::vector<std::byte> withoutSectionHeaders(std::vector<std::byte> bytes) {
  for (std::size_t i : {40, 41, 42, 43, 44, 45, 46, 47, 60, 61, 62, 63}) bytes[i] = std::byte{0};
  return bytes;
}

TEST_F(ElfFixtures, ImportedSymbolsMatchNm) {
  const auto& d = dir_->path();
  dir_->write("loader.c",
              "#include <dirent.h>\n#include <sys/mman.h>\n"
              "int load(void){DIR*d=opendir(\".\");void*p=mmap(0,4096,3,0x22,-1,0);"
              "return readdir(d)!=0 && mprotect(p,4096,5)==0;}\n");
  std::string cd = "cd " + shellQuote(d.string()) + " && ";
  ASSERT_TRUE(run(cd + "gcc -O1 -shared -fPIC -o libgnu.so loader.c"));
  ASSERT_TRUE(run(cd + "gcc -O1 -shared -fPIC -Wl,--hash-style=sysv -o libsysv.so loader.c"));
  std::vector<std::filesystem::path> files = {d / "libgnu.so", d / "libsysv.so"};
  for (const auto& p : built_)
    if (p.filename() != "no-section-headers" && p.filename() != "big-endian-32" &&
        p.filename() != "main.o")
      files.push_back(p);
  for (const char* p : {"/bin/ls", "/usr/lib/x86_64-linux-gnu/libssl.so.3"})
    if (std::filesystem::exists(p)) files.emplace_back(p);
  for (const auto& p : files) {
    SCOPED_TRACE(p.string());
    auto bytes = readBytes(p);
    auto elf = parseElf(bytes);
    ASSERT_TRUE(elf);
    EXPECT_EQ(elf->importedSymbols, nmImports(p));
    // Without section headers the table comes from DT_SYMTAB, sized by DT_GNU_HASH or DT_HASH.
    auto stripped = withoutSectionHeaders(bytes);
    auto bare = parseElf(stripped);
    ASSERT_TRUE(bare);
    if (elf->hasDynamic) {
      EXPECT_EQ(bare->importedSymbols, elf->importedSymbols);
    }
  }
  auto lib = parseElf(readBytes(d / "libsysv.so"));
  ASSERT_TRUE(lib);
  for (const char* want : {"mprotect", "mmap", "opendir", "readdir"})
    EXPECT_TRUE(std::binary_search(lib->importedSymbols.begin(), lib->importedSymbols.end(),
                                   std::string(want)))
        << want;
}

TEST(Elf, SectionDataByName) {
  auto bytes = readBytes("/bin/ls");
  auto elf = parseElf(bytes);
  ASSERT_TRUE(elf);
  auto interp = elfSectionData(bytes, *elf, ".interp");
  ASSERT_TRUE(interp.has_value());
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(interp->data())), elf->interpreter);
  EXPECT_FALSE(elfSectionData(bytes, *elf, ".no-such-section").has_value());
}

TEST(Elf, RejectsNonElfAndBadHeaders) {
  struct Case {
    const char* name;
    std::string bytes;
  };
  std::string good(64, '\0');
  good.replace(0, 4,
               "\x7f"
               "ELF");
  good[4] = 2, good[5] = 1;
  std::string badClass = good, badData = good, shortHeader = good.substr(0, 40);
  badClass[4] = 7;
  badData[5] = 0;
  std::string tinyPhent = good;
  tinyPhent[32] = 64, tinyPhent[56] = 1, tinyPhent[54] = 8;  // phoff 64, phnum 1, phentsize 8
  for (const Case& c : {Case{"empty", ""}, Case{"text", "hello world, not a binary"},
                        Case{"magic only",
                             "\x7f"
                             "ELF"},
                        Case{"bad class", badClass}, Case{"bad data", badData},
                        Case{"short header", shortHeader}, Case{"tiny phentsize", tinyPhent}}) {
    SCOPED_TRACE(c.name);
    auto r = parseElf(std::as_bytes(std::span(c.bytes)));
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidInput);
  }
  auto ok = parseElf(std::as_bytes(std::span(good)));
  EXPECT_TRUE(ok.has_value());  // a bare header with no tables is a (useless) valid ELF
}

// Truncations and corruptions never crash and never read out of bounds (ASan builds check it);
// a truncated file still reports the facts its first bytes hold.
TEST(Elf, TruncatedAndCorruptedInputs) {
  auto full = readBytes("/bin/ls");
  ASSERT_GT(full.size(), 4096u);
  auto whole = parseElf(full);
  ASSERT_TRUE(whole);
  for (std::size_t n = 0; n < 8192 && n < full.size(); n += 7) {
    std::vector<std::byte> cut(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(n));
    (void)parseElf(cut);
  }
  std::vector<std::byte> head(full.begin(), full.begin() + 4096);
  auto partial = parseElf(head);
  ASSERT_TRUE(partial);
  EXPECT_EQ(partial->interpreter, whole->interpreter);
  EXPECT_EQ(partial->buildId, whole->buildId);
  std::mt19937 rng(12345);
  for (int round = 0; round < 2000; ++round) {
    std::vector<std::byte> copy(full.begin(), full.begin() + 16384);
    for (int k = 0; k < 8; ++k) {
      std::size_t at = 16 + rng() % 1024;  // the headers and tables live at the front
      copy[at] = static_cast<std::byte>(rng());
    }
    (void)parseElf(copy);
  }
}

}  // namespace
}  // namespace tollgate::binfmt
