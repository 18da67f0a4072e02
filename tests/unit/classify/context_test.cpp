// hasContext (ContextWords: one vectorised pass over the window for all words, testing the
// first two bytes of each) against the plain definition:
// a word of the list, case-insensitive, with no letter before it and no lower-case letter after
// it, wholly inside the window before the value.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "../../../src/classify/validators.h"

namespace tollgate::classify::detail {
namespace {

bool letter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

bool reference(const std::vector<std::string>& words, std::string_view buf, std::size_t start,
               std::size_t window) {
  std::size_t from = start > window ? start - window : 0;
  std::string w(buf.substr(from, start - from));
  for (auto& c : w) c = (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
  for (const auto& word : words)
    for (auto p = w.find(word); p != std::string::npos; p = w.find(word, p + 1)) {
      bool left = p == 0 ? from == 0 || !letter(buf[from - 1]) : !letter(w[p - 1]);
      std::size_t after = from + p + word.size();
      bool right = after >= buf.size() || !(buf[after] >= 'a' && buf[after] <= 'z');
      if (left && right) return true;
    }
  return false;
}

TEST(Context, SameAsPlainSearch) {
  const std::vector<std::vector<std::string>> lists = {
      {"email", "e-mail", "mail", "contact", "from", "to", "reply"},
      {"ssn", "social security", "ss#", "ss no"},
      {"d.o.b", "dob", "né le", "born"},  // all start with letters
      {"#tag", "zip"},                    // a first byte that is not a letter
      {"x", "to", "t.o", "tel"},          // a one-letter word; pairs sharing a first byte
  };
  const std::string alphabet = "aeimlortx- #.:=_ABEMOTX0\r\xc3\xa9";
  std::mt19937 rng(5);
  int hits = 0;
  for (int round = 0; round < 20000; ++round) {
    const auto& words = lists[static_cast<std::size_t>(round) % lists.size()];
    std::string buf;
    std::size_t n = 1 + rng() % 300;
    while (buf.size() < n) {
      if (rng() % 4 == 0) {
        std::string w = words[rng() % words.size()];
        if (rng() % 3 == 0)
          for (auto& c : w) c = (c >= 'a' && c <= 'z') ? static_cast<char>(c - 32) : c;
        buf += w;
      } else {
        buf += alphabet[rng() % alphabet.size()];
      }
    }
    std::size_t start = rng() % (buf.size() + 1);
    std::size_t window = rng() % 2 ? 48 : rng() % 300;
    bool want = reference(words, buf, start, window);
    hits += want;
    ASSERT_EQ(hasContext(words, buf, start, window), want)
        << "buf '" << buf << "' start " << start << " window " << window;
  }
  EXPECT_GT(hits, 2000);  // both outcomes are exercised
}

}  // namespace
}  // namespace tollgate::classify::detail
