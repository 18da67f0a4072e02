// The SBOM serialisations on a synthetic live-root-sized BOM: 2,000 packages owning 100 files
// each (200k package files, every one with a SHA-1 and a SHA-256), about what a desktop Debian
// root gives. Run: build/bench/micro --benchmark_filter=Sbom
#include <benchmark/benchmark.h>

#include <string>

#include "tollgate/sbom/bom.h"
#include "tollgate/sbom/writers.h"
#include "tollgate/util/hash.h"

namespace {

using namespace tollgate::sbom;

const Bom& syntheticBom() {
  static const Bom bom = [] {
    Bom b;
    b.metadata.toolVersion = "0.1.0";
    b.metadata.timestamp = "2024-01-01T00:00:00Z";
    b.metadata.serialNumber = "urn:uuid:11111111-2222-4333-8444-555555555555";
    b.metadata.subjectName = "debian";
    b.metadata.subjectType = "operating-system";
    for (int p = 0; p < 2000; ++p) {
      Component c;
      c.name = "package-" + std::to_string(p);
      c.version = "1." + std::to_string(p) + "-1+deb12u1";
      c.purl = "pkg:deb/debian/" + c.name + "@" + c.version + "?arch=amd64&distro=debian-12";
      c.supplier = "Debian Maintainers <maintainers@lists.debian.org>";
      c.description = "A synthetic package for benchmarking the writers";
      c.licenses = {License{"GPL-2.0-or-later", {}}, License{"MIT", {}}};
      c.sourceName = "source-" + std::to_string(p / 3);
      c.foundBy = "dpkg";
      c.evidencePaths = {"/var/lib/dpkg/status"};
      for (int f = 0; f < 100; ++f) {
        std::string path =
            "/usr/lib/x86_64-linux-gnu/" + c.name + "/file-" + std::to_string(f) + ".so";
        std::string digest = tollgate::sha256Hex(path);
        c.files.push_back(
            FileRef{path, {Hash{"SHA-1", digest.substr(0, 40)}, Hash{"SHA-256", digest}}});
      }
      if (p > 0)
        b.dependencies.push_back(Dependency{
            c.purl, {"pkg:deb/debian/package-0@1.0-1+deb12u1?arch=amd64&distro=debian-12"}});
      b.components.push_back(std::move(c));
    }
    b.normalize();
    return b;
  }();
  return bom;
}

void BM_Sbom_Write(benchmark::State& state, Format format) {
  const Bom& bom = syntheticBom();
  std::size_t bytes = 0;
  for (auto _ : state) {
    std::string out = write(bom, format);
    bytes = out.size();
    benchmark::DoNotOptimize(out.data());
  }
  state.counters["MB"] = static_cast<double>(bytes) / 1e6;
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * bytes));
}
BENCHMARK_CAPTURE(BM_Sbom_Write, CycloneDx, Format::kCycloneDxJson)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Sbom_Write, Spdx, Format::kSpdxJson)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Sbom_Write, Table, Format::kTable)->Unit(benchmark::kMillisecond);

void BM_Sbom_Read(benchmark::State& state, Format format) {
  const std::string text = write(syntheticBom(), format);
  for (auto _ : state) {
    auto bom = readBom(text, "bench");
    if (!bom) state.SkipWithError(bom.error().describe().c_str());
    benchmark::DoNotOptimize(bom);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * text.size()));
}
BENCHMARK_CAPTURE(BM_Sbom_Read, CycloneDx, Format::kCycloneDxJson)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Sbom_Read, Spdx, Format::kSpdxJson)->Unit(benchmark::kMillisecond);

}  // namespace
