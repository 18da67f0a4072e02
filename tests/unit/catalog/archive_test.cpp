// Container image layouts whose JSON documents have the wrong shape: expandImage reports them as
// errors (the fuzz target found nlohmann::json's operator[] throwing on an array index.json).
#include "tollgate/catalog/archive.h"

#include <gtest/gtest.h>

#include <string>

#include "temp_dir.h"
#include "tollgate/util/diagnostics.h"
#include "tollgate/util/hash.h"

namespace tollgate::catalog {
namespace {

using tollgate::testing::TempDir;

// An OCI layout directory with the given index.json; `blob` is stored under its sha256.
std::string ociLayout(const TempDir& dir, const std::string& index, const std::string& blob = {}) {
  dir.write("oci-layout", R"({"imageLayoutVersion":"1.0.0"})");
  dir.write("index.json", index);
  std::string hex = sha256Hex(blob);
  if (!blob.empty()) dir.write("blobs/sha256/" + hex, blob);
  return "sha256:" + hex;
}

Result<ImageInfo> expand(const TempDir& layout) {
  auto staging = StagingDir::create();
  EXPECT_TRUE(staging.has_value());
  Diagnostics diag;
  return expandImage(layout.path(), staging->path(), ArchiveLimits{}, diag);
}

TEST(ExpandImage, IndexOfTheWrongJsonTypeIsAnError) {
  for (const char* index : {"[]", "[1,2]", R"("manifests")", "42", "null", R"({"manifests":{}})"}) {
    TempDir dir;
    ociLayout(dir, index);
    auto r = expand(dir);
    ASSERT_FALSE(r.has_value()) << index;
    EXPECT_EQ(r.error().message, "index lists no manifests") << index;
  }
}

TEST(ExpandImage, ManifestOfTheWrongJsonTypeIsAnError) {
  for (const char* manifest : {"[1]", R"("layers")", R"({"layers":{}})"}) {
    TempDir dir;
    std::string digest = ociLayout(dir, "", manifest);
    dir.write("index.json", R"({"manifests":[{"digest":")" + digest + R"("}]})");
    auto r = expand(dir);
    ASSERT_FALSE(r.has_value()) << manifest;
    EXPECT_EQ(r.error().message, "manifest has no layers") << manifest;
  }
}

}  // namespace
}  // namespace tollgate::catalog
