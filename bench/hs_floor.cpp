// hs_floor PATTERNS CORPUS [RUNS]: how fast Hyperscan alone scans CORPUS with the patterns of
// tollgate's every-byte database, for bench/classify.sh: a floor under `tollgate classify`,
// which scans every byte with that database and does all its other work besides.
//
// PATTERNS has one pattern per line as "FLAGS<TAB>EXPRESSION", FLAGS a combination of S
// (HS_FLAG_SOM_LEFTMOST) and C (HS_FLAG_CASELESS), or "-" for none. The corpus is read into
// memory first and scanned in 256 KiB blocks (as tollgate's rounds), the callback only counting;
// printed: bytes, matches and the best CPU seconds of RUNS (default 3) scans.
//
// Built by bench/classify.sh with g++ (not part of the project's build: a benchmark tool).
#include <hs/hs.h>
#include <time.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace {

double cpuSeconds() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) * 1e-9;
}

int count(unsigned, unsigned long long, unsigned long long, unsigned, void* ctx) {
  ++*static_cast<unsigned long long*>(ctx);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: hs_floor PATTERNS CORPUS [RUNS]\n");
    return 2;
  }
  const int runs = argc > 3 ? std::max(1, std::atoi(argv[3])) : 3;
  std::ifstream pf(argv[1]);
  if (!pf) {
    std::fprintf(stderr, "hs_floor: %s: cannot open\n", argv[1]);
    return 2;
  }
  std::vector<std::string> exprs;
  std::vector<unsigned> flags, ids;
  for (std::string line; std::getline(pf, line);) {
    auto tab = line.find('\t');
    if (tab == std::string::npos) continue;
    unsigned f = 0;
    for (char c : line.substr(0, tab)) {
      if (c == 'S') f |= HS_FLAG_SOM_LEFTMOST;
      if (c == 'C') f |= HS_FLAG_CASELESS;
    }
    exprs.push_back(line.substr(tab + 1));
    flags.push_back(f);
    ids.push_back(static_cast<unsigned>(ids.size()));
  }
  std::vector<const char*> ptrs;
  for (const auto& e : exprs) ptrs.push_back(e.c_str());
  hs_database_t* db = nullptr;
  hs_compile_error_t* err = nullptr;
  if (hs_compile_multi(ptrs.data(), flags.data(), ids.data(), static_cast<unsigned>(ptrs.size()),
                       HS_MODE_BLOCK, nullptr, &db, &err) != HS_SUCCESS) {
    std::fprintf(stderr, "hs_floor: %s: pattern %d: %s\n", argv[1], err->expression, err->message);
    hs_free_compile_error(err);
    return 2;
  }
  hs_scratch_t* scratch = nullptr;
  if (hs_alloc_scratch(db, &scratch) != HS_SUCCESS) {
    std::fprintf(stderr, "hs_floor: cannot allocate scratch\n");
    return 3;
  }
  std::ifstream cf(argv[2], std::ios::binary);
  if (!cf) {
    std::fprintf(stderr, "hs_floor: %s: cannot open\n", argv[2]);
    return 2;
  }
  const std::string data((std::istreambuf_iterator<char>(cf)), std::istreambuf_iterator<char>());
  constexpr std::size_t kBlock = 256 * 1024;
  double best = 0;
  unsigned long long matches = 0;
  for (int r = 0; r < runs; ++r) {
    matches = 0;
    const double t0 = cpuSeconds();
    for (std::size_t at = 0; at < data.size(); at += kBlock)
      hs_scan(db, data.data() + at, static_cast<unsigned>(std::min(kBlock, data.size() - at)), 0,
              scratch, count, &matches);
    const double t = cpuSeconds() - t0;
    if (r == 0 || t < best) best = t;
  }
  std::printf("%zu %llu %.3f\n", data.size(), matches, best);
  hs_free_scratch(scratch);
  hs_free_database(db);
  return 0;
}
