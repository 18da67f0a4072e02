// Hot paths of the classify module: what a proxy pays per URL (one-shot scan against a scanner
// kept and reset), and plain-text throughput of one scanner over a buffer of mixed text.
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "tollgate/classify/scanner.h"

namespace {

namespace classify = tollgate::classify;

const std::shared_ptr<const classify::Database>& db() {
  static const auto d = classify::Database::defaults().value();
  return d;
}

constexpr const char* kUrl =
    "/api/v2/track?uid=58213&email=jane.roe%40example.org&ts=1732291200&ref=home&session=9f2c";

classify::ScanOptions formOptions() {
  classify::ScanOptions o;
  o.contentType = "application/x-www-form-urlencoded";
  return o;
}

// classify::scan per URL: opens a scanner each time (scratch from the database's pool).
void BM_Classify_OneShotUrl(benchmark::State& state) {
  auto opt = formOptions();
  for (auto _ : state) {
    auto found = classify::scan(db(), kUrl, opt);
    benchmark::DoNotOptimize(found);
  }
}
BENCHMARK(BM_Classify_OneShotUrl);

// The reusable form: one scanner per worker, Scanner::scanAll per URL.
void BM_Classify_ReusedScannerUrl(benchmark::State& state) {
  auto opt = formOptions();
  auto scanner = classify::Scanner::open(db(), opt).value();
  std::vector<classify::Match> found;
  for (auto _ : state) {
    found.clear();
    if (!scanner.scanAll(kUrl, opt, found)) state.SkipWithError("scan failed");
    benchmark::DoNotOptimize(found);
  }
}
BENCHMARK(BM_Classify_ReusedScannerUrl);

// Plain text with a few values in it, no decoding and with decoding, one scanner reused.
void BM_Classify_PlainText(benchmark::State& state) {
  std::string unit =
      "The quick brown fox jumps over the lazy dog; version 2.4.1 released 2024-05-01.\n"
      "def handler(request): return self.render(request, 'index.html', {'items': items})\n"
      "Contact: jane.roe@example.org, card 4539 1488 0343 6467, from 198.51.7.20:8443\n";
  std::string text;
  while (text.size() < (1u << 20)) text += unit;
  classify::ScanOptions opt;
  opt.decode = state.range(0) != 0;
  auto scanner = classify::Scanner::open(db(), opt).value();
  std::vector<classify::Match> found;
  for (auto _ : state) {
    found.clear();
    if (!scanner.scanAll(text, opt, found)) state.SkipWithError("scan failed");
    benchmark::DoNotOptimize(found);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) *
                          static_cast<std::int64_t>(text.size()));
}
BENCHMARK(BM_Classify_PlainText)->Arg(0)->Arg(1);

}  // namespace
