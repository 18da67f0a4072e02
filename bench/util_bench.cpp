// Hot paths of the util module: SHA-256 through EVP, and the confined walk.
#include <benchmark/benchmark.h>

#include <string>

#include "tollgate/util/diagnostics.h"
#include "tollgate/util/file.h"
#include "tollgate/util/hash.h"
#include "tollgate/util/walk.h"

namespace {

void BM_Sha256_Block(benchmark::State& state) {
  std::string data(static_cast<std::size_t>(state.range(0)), 'x');
  tollgate::Sha256 h;
  for (auto _ : state) {
    h.update(data);
    benchmark::DoNotOptimize(h.digest());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * state.range(0));
}
BENCHMARK(BM_Sha256_Block)->Arg(4096)->Arg(1 << 20);

void BM_WalkTree_UsrShare(benchmark::State& state) {
  auto root = tollgate::RootDir::open("/usr/share");
  if (!root) {
    state.SkipWithError("no /usr/share");
    return;
  }
  std::size_t n = 0;
  for (auto _ : state) {
    tollgate::Diagnostics diag;
    auto r = tollgate::walkTree(
        *root,
        tollgate::WalkOptions{.excludes = {}, .threads = static_cast<unsigned>(state.range(0))},
        diag);
    n = r ? r->size() : 0;
  }
  state.counters["entries"] = static_cast<double>(n);
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * n));
}
BENCHMARK(BM_WalkTree_UsrShare)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond);

}  // namespace
