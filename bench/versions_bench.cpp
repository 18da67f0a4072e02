// Micro benchmarks of versions::compare(), one per scheme, over realistic pairs (the matcher
// compares a package version with every event of every candidate advisory).
#include <benchmark/benchmark.h>

#include <array>
#include <string_view>
#include <utility>

#include "tollgate/versions/versions.h"

namespace {

using tollgate::versions::Scheme;
using Pair = std::pair<std::string_view, std::string_view>;

template <std::size_t N>
void run(benchmark::State& state, Scheme scheme, const std::array<Pair, N>& pairs) {
  for (auto _ : state) {
    for (const auto& [a, b] : pairs)
      benchmark::DoNotOptimize(tollgate::versions::compare(scheme, a, b));
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * N));
}

constexpr std::array<Pair, 4> kDpkg = {{{"2.36-9+deb12u4", "2.36-9+deb12u7"},
                                        {"1:9.18.28-1~deb12u2", "1:9.18.19-1~deb12u1"},
                                        {"3.0.11-1~deb12u2", "3.0.15-1~deb12u1"},
                                        {"252.30-1~deb12u2", "252.31-1~deb12u1"}}};
constexpr std::array<Pair, 4> kSemver = {{{"4.17.20", "4.17.21"},
                                          {"1.0.0-beta.11", "1.0.0-rc.1"},
                                          {"v0.0.0-20191109021931-daa7c04131f5", "v0.1.0"},
                                          {"7.5.2", "7.5.10"}}};
constexpr std::array<Pair, 4> kPep440 = {{{"2.31.0", "2.32.0"},
                                          {"1.26.18", "1.26.5"},
                                          {"4.2rc1", "4.2.1"},
                                          {"1!2.0.post1.dev3+local.7", "1!2.0.post1"}}};
constexpr std::array<Pair, 4> kMaven = {{{"2.14.1", "2.15.0-rc2"},
                                         {"5.3.18", "5.3.20"},
                                         {"9.0.0.M1", "9.0.0-M11"},
                                         {"1.0-SNAPSHOT", "1.0-alpha-1"}}};
constexpr std::array<Pair, 4> kRpm = {{{"1.1.1k-7.el8_6", "1.1.1k-12.el8_9"},
                                       {"2:8.2.2637-20.el9_1", "2:8.2.2637-21.el9"},
                                       {"1.0~rc1", "1.0^git1"},
                                       {"4.18.0-477.10.1.el8_8", "4.18.0-477.13.1.el8_8"}}};
constexpr std::array<Pair, 4> kApk = {{{"1.36.1-r5", "1.36.1-r7"},
                                       {"3.1.4-r0", "3.1.4_p1-r0"},
                                       {"2.4.57-r0", "2.4.58-r0"},
                                       {"1.2_rc1", "1.2"}}};
constexpr std::array<Pair, 4> kRubyGems = {{{"6.1.7.3", "6.1.7.10"},
                                            {"1.13.10", "1.14.3"},
                                            {"7.0.0.rc1", "7.0.0"},
                                            {"2.2.6.4", "2.2.8.1"}}};

void BM_Versions_Compare_Dpkg(benchmark::State& s) { run(s, Scheme::kDpkg, kDpkg); }
void BM_Versions_Compare_Semver(benchmark::State& s) { run(s, Scheme::kSemver, kSemver); }
void BM_Versions_Compare_Pep440(benchmark::State& s) { run(s, Scheme::kPep440, kPep440); }
void BM_Versions_Compare_Maven(benchmark::State& s) { run(s, Scheme::kMaven, kMaven); }
void BM_Versions_Compare_Rpm(benchmark::State& s) { run(s, Scheme::kRpm, kRpm); }
void BM_Versions_Compare_Apk(benchmark::State& s) { run(s, Scheme::kApk, kApk); }
void BM_Versions_Compare_RubyGems(benchmark::State& s) { run(s, Scheme::kRubyGems, kRubyGems); }

}  // namespace

BENCHMARK(BM_Versions_Compare_Dpkg);
BENCHMARK(BM_Versions_Compare_Semver);
BENCHMARK(BM_Versions_Compare_Pep440);
BENCHMARK(BM_Versions_Compare_Maven);
BENCHMARK(BM_Versions_Compare_Rpm);
BENCHMARK(BM_Versions_Compare_Apk);
BENCHMARK(BM_Versions_Compare_RubyGems);
