// Go build info decoding on constructed blobs (inline Go 1.18+ form and the older pointer form,
// placed in a real ELF section with objcopy) and malformed ones. The differential check against
// `go version -m` on binaries built by Debian's Go is tests/integration/binfmt_test.sh (Go builds
// are too slow for a unit test).
#include <gtest/gtest.h>

#include <random>

#include "temp_dir.h"
#include "test_util.h"
#include "tollgate/binfmt/binary.h"
#include "tollgate/binfmt/gobuildinfo.h"

namespace tollgate::binfmt {
namespace {

using testing::readBytes;
using testing::run;
using testing::shellQuote;
using tollgate::testing::TempDir;

const std::string kInfoStart("0w\xaf\x0c\x92t\x08\x02\x41\xe1\xc1\x07\xe6\xd6\x18\xe6", 16);
const std::string kInfoEnd("\xf9\x32\x43\x31\x86\x18 r\x00\x82\x42\x10\x41\x16\xd8\xf2", 16);

const std::string kModInfo =
    "path\texample.com/hello\n"
    "mod\texample.com/hello\t(devel)\t\n"
    "dep\tgithub.com/google/uuid\tv1.3.0\th1:t6JiXgmwXMjEs8VusXIJk2BXHsn+wx8BZdTaoZ5fu7I=\n"
    "dep\tgithub.com/pkg/errors\tv0.9.1\th1:FEBLx1zS214owpjy7qsBeixbURkuhQAwrK5UwLGTwt4=\n"
    "=>\t./third_party/errors\t\t\n"
    "build\t-compiler=gc\n"
    "build\t-ldflags=\"-s -w\"\n"
    "build\tCGO_ENABLED=0\n"
    "build\tvcs.revision=0123abcd\n";

std::string varint(std::uint64_t v) {
  std::string out;
  while (v >= 0x80) {
    out += static_cast<char>((v & 0x7f) | 0x80);
    v >>= 7;
  }
  out += static_cast<char>(v);
  return out;
}

std::string inlineBlob(const std::string& version, const std::string& mod) {
  std::string b("\xff Go buildinf:", 14);
  b += '\x08';
  b += '\x02';
  b.resize(32, '\0');
  b += varint(version.size()) + version + varint(mod.size()) + mod;
  return b;
}

TEST(GoBuildInfo, ParsesModuleInfoText) {
  auto info = parseGoModInfo(kModInfo);
  ASSERT_TRUE(info) << info.error().describe();
  EXPECT_EQ(info->path, "example.com/hello");
  ASSERT_TRUE(info->main);
  EXPECT_EQ(info->main->path, "example.com/hello");
  EXPECT_EQ(info->main->version, "(devel)");
  EXPECT_EQ(info->main->sum, "");
  ASSERT_EQ(info->deps.size(), 2u);
  EXPECT_EQ(info->deps[0].path, "github.com/google/uuid");
  EXPECT_EQ(info->deps[0].version, "v1.3.0");
  EXPECT_EQ(info->deps[0].sum, "h1:t6JiXgmwXMjEs8VusXIJk2BXHsn+wx8BZdTaoZ5fu7I=");
  EXPECT_FALSE(info->deps[0].replacement);
  ASSERT_TRUE(info->deps[1].replacement);
  EXPECT_EQ(info->deps[1].replacement->first, "./third_party/errors");
  EXPECT_EQ(info->deps[1].replacement->second, "");
  ASSERT_EQ(info->settings.size(), 4u);
  EXPECT_EQ(info->settings[1], (std::pair<std::string, std::string>{"-ldflags", "-s -w"}));
  EXPECT_EQ(info->settings[3].second, "0123abcd");
}

TEST(GoBuildInfo, RejectsBrokenModuleInfo) {
  EXPECT_FALSE(parseGoModInfo("=>\tx\tv1\n"));                         // replacement of nothing
  EXPECT_FALSE(parseGoModInfo("dep\tx\n"));                            // no version
  EXPECT_FALSE(parseGoModInfo("dep\ta\tv1\n=>\tb\tv2\n=>\tc\tv3\n"));  // replaced twice
  auto odd = parseGoModInfo("future\tthing\nbuild\tnoequals\n\n");
  ASSERT_TRUE(odd);
  EXPECT_TRUE(odd->settings.empty());
}

TEST(GoBuildInfo, InlineBlobInMemory) {
  std::string file(48, '\x90');  // the blob must be 16-byte aligned from the data start
  file += inlineBlob("go1.21.5", kInfoStart + kModInfo + kInfoEnd);
  std::vector<MemoryRegion> mem = {{0x1000, 48, file.size() - 48}};
  auto info = findGoBuildInfo(std::as_bytes(std::span(file)), mem, 0x1000);
  ASSERT_TRUE(info) << info.error().describe();
  ASSERT_TRUE(*info);
  EXPECT_EQ((*info)->goVersion, "go1.21.5");
  EXPECT_EQ((*info)->deps.size(), 2u);
  // Not aligned: Go ignores it, so do we.
  std::string shifted = std::string(56, '\0') + inlineBlob("go1.21.5", kInfoStart + kInfoEnd);
  std::vector<MemoryRegion> mem2 = {{0x1000, 48, shifted.size() - 48}};
  auto none = findGoBuildInfo(std::as_bytes(std::span(shifted)), mem2, 0x1000);
  ASSERT_TRUE(none);
  EXPECT_FALSE(*none);
  // Unframed module info: version only.
  std::string unframed = inlineBlob("go1.20", "mod\tx\tv1\n");
  std::vector<MemoryRegion> mem3 = {{0, 0, unframed.size()}};
  auto bare = findGoBuildInfo(std::as_bytes(std::span(unframed)), mem3, 0);
  ASSERT_TRUE(bare && *bare);
  EXPECT_EQ((*bare)->goVersion, "go1.20");
  EXPECT_FALSE((*bare)->main);
}

// Before Go 1.18 the header held pointers to Go string headers {data, len}.
TEST(GoBuildInfo, PointerBlobFollowsAddresses) {
  std::string mod = kInfoStart + kModInfo + kInfoEnd;
  std::string version = "go1.16.15";
  std::string file(0x400, '\0');
  auto put64 = [&](std::size_t o, std::uint64_t v) {
    for (int i = 0; i < 8; ++i) file[o + i] = static_cast<char>(v >> (8 * i));
  };
  file.replace(0, 14, "\xff Go buildinf:");
  file[14] = 8, file[15] = 0;                // pointer size 8, little-endian
  put64(16, 0x500100), put64(24, 0x500110);  // addresses of the two string headers
  put64(0x100, 0x500200), put64(0x108, version.size());
  put64(0x110, 0x500300), put64(0x118, mod.size());
  file.replace(0x200, version.size(), version);
  file.resize(0x300);
  file += mod;
  std::vector<MemoryRegion> mem = {{0x500000, 0, file.size()}};
  auto info = findGoBuildInfo(std::as_bytes(std::span(file)), mem, 0x500000);
  ASSERT_TRUE(info) << info.error().describe();
  ASSERT_TRUE(*info);
  EXPECT_EQ((*info)->goVersion, "go1.16.15");
  EXPECT_EQ((*info)->path, "example.com/hello");
  // A pointer outside the mapped memory is an error, not a crash.
  put64(16, 0x900000);
  auto bad = findGoBuildInfo(std::as_bytes(std::span(file)), mem, 0x500000);
  EXPECT_FALSE(bad);
}

TEST(GoBuildInfo, FromAnElfSection) {
  if (!testing::haveTool("objcopy") || !testing::haveTool("gcc")) GTEST_SKIP();
  TempDir dir;
  dir.write("main.c", "int main(void){return 0;}\n");
  dir.write("blob", inlineBlob("go1.19.8", kInfoStart + kModInfo + kInfoEnd));
  std::string cd = "cd " + shellQuote(dir.path().string()) + " && ";
  ASSERT_TRUE(run(cd + "gcc -o plain main.c && objcopy --add-section .go.buildinfo=blob "
                       "--set-section-flags .go.buildinfo=alloc,data plain with-go"));
  auto bytes = readBytes(dir.path() / "with-go");
  auto b = inspect(bytes);
  ASSERT_TRUE(b) << b.error().describe();
  ASSERT_TRUE(b->go);
  EXPECT_EQ(b->go->goVersion, "go1.19.8");
  EXPECT_EQ(b->go->deps.size(), 2u);
  auto plain = inspect(readBytes(dir.path() / "plain"));
  ASSERT_TRUE(plain);
  EXPECT_FALSE(plain->go);
  EXPECT_TRUE(plain->problems.empty());
}

TEST(GoBuildInfo, MalformedBlobsNeverCrash) {
  std::string good = inlineBlob("go1.21.5", kInfoStart + kModInfo + kInfoEnd);
  std::mt19937 rng(3);
  for (std::size_t n = 0; n <= good.size(); ++n) {
    std::string cut = good.substr(0, n);
    std::vector<MemoryRegion> mem = {{0, 0, cut.size()}};
    (void)findGoBuildInfo(std::as_bytes(std::span(cut)), mem, 0);
  }
  for (int round = 0; round < 5000; ++round) {
    std::string c = good;
    for (int k = 0; k < 3; ++k) c[14 + rng() % (c.size() - 14)] = static_cast<char>(rng());
    std::vector<MemoryRegion> mem = {{0, 0, c.size()}, {0x100, 0, c.size()}};
    (void)findGoBuildInfo(std::as_bytes(std::span(c)), mem, 0);
  }
  // A length varint claiming far more than the file holds.
  std::string huge = std::string("\xff Go buildinf:\x08\x02", 16);
  huge.resize(32, '\0');
  huge += "\xff\xff\xff\xff\x0f";
  std::vector<MemoryRegion> mem = {{0, 0, huge.size()}};
  auto r = findGoBuildInfo(std::as_bytes(std::span(huge)), mem, 0);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidInput);
}

}  // namespace
}  // namespace tollgate::binfmt
