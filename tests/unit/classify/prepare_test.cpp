// Scanner::prepare/commit (reading into the scanner's own buffer) gives what feed() gives, for
// plain streams and with decoding, whatever the sizes read.
#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "encodings.h"
#include "match_keys.h"
#include "tollgate/classify/scanner.h"

namespace tollgate::classify {
namespace {

using testing::db;

// A few MB of filler with values every few hundred bytes, so that rounds and reads cut them.
std::string body() {
  std::mt19937 rng(11);
  const std::vector<std::string> items = {"mail jane.roe@example.org now",
                                          "card 4539 1488 0343 6467 ok",
                                          "ssn 536-90-4399 x",
                                          "host 81.2.69.142 up",
                                          "payload=eyJlbWFpbCI6ICJib2JAY29ycC5leGFtcGxlLmNvbSJ9",
                                          "AKIAZ3MSJV4WWNKWW5FG"};
  std::string s;
  while (s.size() < (3u << 20) + 12345) {
    s += items[rng() % items.size()];
    s.append(rng() % 400, rng() % 2 ? 'x' : ' ');
    s += '\n';
  }
  return s;
}

// Reads `data` through prepare/commit, `sizes` bytes at a time (cycled), as a reader short of
// the room it asked for would.
std::vector<Match> viaPrepare(std::string_view data, const std::vector<std::size_t>& sizes,
                              const ScanOptions& opt) {
  auto sc = Scanner::open(db(), opt);
  EXPECT_TRUE(sc);
  std::vector<Match> out;
  std::size_t i = 0, k = 0;
  for (;;) {
    auto room = sc->prepare(1 << 20);
    std::size_t n = std::min({sizes[k++ % sizes.size()], room.size(), data.size() - i});
    std::memcpy(room.data(), data.data() + i, n);
    i += n;
    EXPECT_TRUE(sc->commit(n, out));
    if (n == 0) break;
  }
  EXPECT_TRUE(sc->finish(out));
  EXPECT_EQ(sc->bytes(), data.size());
  return out;
}

TEST(Prepare, SameAsFeed) {
  const std::string data = body();
  for (bool decode : {false, true}) {
    ScanOptions opt;
    opt.decode = decode;
    auto want = scan(db(), data, opt);
    ASSERT_TRUE(want);
    ASSERT_GT(want->size(), 1000u);
    for (const auto& sizes :
         std::vector<std::vector<std::size_t>>{{1 << 20}, {65536}, {3}, {1 << 20, 7, 300000, 1}}) {
      auto got = viaPrepare(data, sizes, opt);
      EXPECT_EQ(keys(got), keys(*want)) << "decode " << decode << " first size " << sizes[0];
    }
  }
}

}  // namespace
}  // namespace tollgate::classify
