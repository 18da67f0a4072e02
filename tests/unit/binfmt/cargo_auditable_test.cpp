// cargo-auditable dependency lists: JSON shape, zlib framing, and the section found in an ELF
// (built here by gcc + objcopy: there is no cargo-auditable in Debian 12, so real Rust binaries
// are not tested; see docs/binaries.md).
#include <gtest/gtest.h>

#include <random>

#include "temp_dir.h"
#include "test_util.h"
#include "tollgate/binfmt/binary.h"
#include "tollgate/binfmt/cargo_auditable.h"

namespace tollgate::binfmt {
namespace {

using testing::readBytes;
using testing::run;
using testing::shellQuote;
using tollgate::testing::TempDir;

// The shape auditable-serde writes (cargo-auditable's README example, plus a build dependency).
const char* kJson = R"({"packages":[
  {"name":"adler","version":"1.0.2","source":"crates.io"},
  {"name":"cc","version":"1.0.79","source":"crates.io","kind":"build"},
  {"name":"hello-auditable","version":"0.1.0","source":"local","dependencies":[2,1,99],"root":true},
  {"name":"miniz_oxide","version":"0.7.1","source":"crates.io","dependencies":[0]},
  {"name":"","version":"1.0"},
  "not an object"
]})";

TEST(CargoAuditable, ParsesJson) {
  // Index 2 of the "dependencies" array above refers to miniz_oxide only after skipping
  // nothing: indices are positions in the array as written.
  auto info = parseCargoAuditableJson(kJson);
  ASSERT_TRUE(info) << info.error().describe();
  ASSERT_EQ(info->packages.size(), 4u);
  const auto& root = info->packages[2];
  EXPECT_EQ(root.name, "hello-auditable");
  EXPECT_TRUE(root.root);
  EXPECT_EQ(root.source, "local");
  EXPECT_EQ(root.kind, "runtime");
  // [2 (itself: dropped), 1 (cc), 99 (out of range: dropped)]
  EXPECT_EQ(root.dependencies, std::vector<std::size_t>{1});
  EXPECT_EQ(info->packages[1].kind, "build");
  EXPECT_EQ(info->packages[3].dependencies, std::vector<std::size_t>{0});
  for (const char* bad : {"", "[]", "{}", "{\"packages\":{}}", "{not json"}) {
    auto r = parseCargoAuditableJson(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidInput);
  }
}

TEST(CargoAuditable, FromAnElfSection) {
  if (!testing::haveTool("objcopy") || !testing::haveTool("gcc") || !testing::haveTool("python3"))
    GTEST_SKIP();
  TempDir dir;
  dir.write("main.c", "int main(void){return 0;}\n");
  dir.write("deps.json", kJson);
  std::string cd = "cd " + shellQuote(dir.path().string()) + " && ";
  ASSERT_TRUE(run(cd +
                  "python3 -c 'import zlib,sys; sys.stdout.buffer.write(zlib.compress("
                  "open(\"deps.json\",\"rb\").read(), 9))' > dep-v0 && "
                  "gcc -o plain main.c && objcopy --add-section .dep-v0=dep-v0 plain audited && "
                  "head -c 40 dep-v0 > truncated && "
                  "objcopy --add-section .dep-v0=truncated plain broken"));
  auto b = inspect(readBytes(dir.path() / "audited"));
  ASSERT_TRUE(b);
  ASSERT_TRUE(b->cargo);
  EXPECT_EQ(b->cargo->packages.size(), 4u);
  auto broken = inspect(readBytes(dir.path() / "broken"));
  ASSERT_TRUE(broken);  // the ELF facts stand; the bad section is a problem
  EXPECT_FALSE(broken->cargo);
  ASSERT_EQ(broken->problems.size(), 1u);
  EXPECT_NE(broken->problems[0].describe().find("cargo auditable"), std::string::npos);
}

TEST(CargoAuditable, ZlibBombAndGarbage) {
  // 64 MiB of spaces compresses to ~64 KiB; the cap stops inflation at 16 MiB.
  if (!testing::haveTool("python3")) GTEST_SKIP();
  TempDir dir;
  auto path = dir.path() / "bomb";
  ASSERT_TRUE(
      run("python3 -c 'import zlib,sys; sys.stdout.buffer.write(zlib.compress(b\" \" * "
          "(64 << 20), 9))' > " +
          shellQuote(path.string())));
  auto r = parseCargoAuditable(readBytes(path));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kLimit);
  std::mt19937 rng(5);
  for (int i = 0; i < 200; ++i) {
    std::vector<std::byte> junk(rng() % 256);
    for (auto& b : junk) b = static_cast<std::byte>(rng());
    auto j = parseCargoAuditable(junk);
    EXPECT_FALSE(j);
  }
}

}  // namespace
}  // namespace tollgate::binfmt
