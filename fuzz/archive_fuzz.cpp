// Fuzzes safe expansion: archives (through libarchive) and container image layouts (our own
// manifest/index handling, whiteouts, layer application). Invariant checked: nothing is ever
// written outside the destination directory.
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "tollgate/catalog/archive.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace tollgate;
  namespace fs = std::filesystem;
  auto staging = catalog::StagingDir::create();
  if (!staging) return 0;
  fs::path in = staging->path() / "input";
  {
    std::ofstream f(in, std::ios::binary);
    f.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  }
  fs::path out = staging->path() / "out";
  fs::create_directory(out);
  Diagnostics diag;
  catalog::ArchiveLimits limits;
  limits.maxTotalBytes = 64ull << 20;
  limits.maxEntries = 10000;
  limits.maxDepth = 2;
  limits.maxRatio = 100;
  if (catalog::isImage(in))
    (void)catalog::expandImage(in, out, limits, diag);
  else
    (void)catalog::expandArchive(in, out, limits, diag);
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(staging->path(), ec)) {
    auto name = e.path().filename();
    if (name != "input" && name != "out") std::abort();  // an entry escaped the destination
  }
  return 0;
}
