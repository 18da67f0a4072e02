#include "tollgate/fetch/fetch.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "temp_dir.h"

namespace tollgate::fetch {
namespace {

namespace fs = std::filesystem;
using tollgate::testing::TempDir;

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(OsvExportUrl, JoinsAndEncodes) {
  EXPECT_EQ(osvExportUrl(kDefaultOsvMirror, "npm"),
            "https://osv-vulnerabilities.storage.googleapis.com/npm/all.zip");
  EXPECT_EQ(osvExportUrl("https://m.example/osv/", "crates.io"),
            "https://m.example/osv/crates.io/all.zip");
  EXPECT_EQ(osvExportUrl("https://m.example", "Debian:12"), "https://m.example/Debian:12/all.zip");
  EXPECT_EQ(osvExportUrl("https://m.example", "Red Hat/x"),
            "https://m.example/Red%20Hat%2Fx/all.zip");
}

TEST(VerifyOsvZip, SharedExportsAreValid) {
  for (const char* eco : {"npm", "Maven", "RubyGems", "Debian"}) {
    auto r = verifyOsvZip(fs::path(TOLLGATE_SHARED_DATA) / "osv" / eco / "all.zip");
    ASSERT_TRUE(r) << eco << ": " << r.error().describe();
    EXPECT_GT(r->members, 0u) << eco;
  }
}

TEST(VerifyOsvZip, TruncatedAndCorruptAndEmpty) {
  TempDir tmp;
  std::string good = slurp(fs::path(TOLLGATE_SHARED_DATA) / "osv" / "npm" / "all.zip");
  ASSERT_GT(good.size(), 1000u);

  auto write = [&](const char* name, const std::string& bytes) {
    fs::path p = tmp.path() / name;
    std::ofstream(p, std::ios::binary) << bytes;
    return p;
  };
  auto truncated = verifyOsvZip(write("truncated.zip", good.substr(0, good.size() / 2)));
  ASSERT_FALSE(truncated);
  EXPECT_EQ(truncated.error().code, ErrorCode::kInvalidInput);
  EXPECT_NE(truncated.error().context.find("truncated.zip"), std::string::npos);

  std::string flipped = good;
  for (std::size_t i = 200; i < 600; ++i) flipped[i] = static_cast<char>(flipped[i] ^ 0x5a);
  auto corrupt = verifyOsvZip(write("corrupt.zip", flipped));
  ASSERT_FALSE(corrupt);
  EXPECT_EQ(corrupt.error().code, ErrorCode::kInvalidInput);

  auto text = verifyOsvZip(write("text.zip", "this is not a zip archive at all\n"));
  ASSERT_FALSE(text);
  EXPECT_EQ(text.error().code, ErrorCode::kInvalidInput);

  auto missing = verifyOsvZip(tmp.path() / "missing.zip");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
}

TEST(Download, RejectsOtherSchemes) {
  TempDir tmp;
  auto r = download("file:///etc/passwd", tmp.path() / "x", {});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kUsage);
  auto f = download("ftp://example.invalid/x", tmp.path() / "x", {});
  ASSERT_FALSE(f);
  EXPECT_EQ(f.error().code, ErrorCode::kUsage);
}

TEST(Download, UnresolvableHostIsOffline) {
  TempDir tmp;
  // .invalid never resolves (RFC 6761), so this needs no network and never leaves the machine.
  auto r = download("https://osv.example.invalid/npm/all.zip", tmp.path() / "all.zip",
                    {.connectTimeoutSeconds = 5});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kIo);
  EXPECT_NE(r.error().message.find("cannot reach osv.example.invalid (offline?)"),
            std::string::npos)
      << r.error().describe();
  EXPECT_FALSE(fs::exists(tmp.path() / "all.zip"));
}

}  // namespace
}  // namespace tollgate::fetch

namespace tollgate::fetch {
namespace {

TEST(VerifyOsvZipBytes, SameVerdictsAsFiles) {
  std::ifstream in(std::filesystem::path(TOLLGATE_SHARED_DATA) / "osv" / "npm" / "all.zip",
                   std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string good = ss.str();
  auto ok = verifyOsvZipBytes(good, "npm.zip");
  ASSERT_TRUE(ok) << ok.error().describe();
  EXPECT_GT(ok->members, 0u);
  auto cut = verifyOsvZipBytes(std::string_view(good).substr(0, good.size() / 3), "cut.zip");
  ASSERT_FALSE(cut);
  EXPECT_EQ(cut.error().context, "cut.zip");
  EXPECT_FALSE(verifyOsvZipBytes("", "empty.zip"));
}

}  // namespace
}  // namespace tollgate::fetch
