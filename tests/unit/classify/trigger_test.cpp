// Triggers are a speed setting only: every detector restricted to its trigger's windows (digit
// runs, '@', IPv6 colon pairs, context words) finds exactly what it finds when its pattern runs
// over every byte. Differential test on real text of this machine and on generated values.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include "machine_text.h"

#include "match_keys.h"
#include "tollgate/classify/scanner.h"

namespace tollgate::classify {
namespace {

struct Pair {
  std::shared_ptr<const Database> triggered;
  std::shared_ptr<const Database> everywhere;
};

const Pair& dbs() {
  static const Pair kPair = [] {
    auto defs = *parseDetectors(defaultDetectorsYaml(), "<defaults>");
    auto flat = defs;
    for (auto& d : flat) d.trigger = Trigger::kEverywhere;
    return Pair{*Database::compile(defs), *Database::compile(flat)};
  }();
  return kPair;
}

// Values every trigger must catch, next to look-alikes, in several layouts.
std::string generated() {
  std::mt19937 rng(7);
  const std::vector<std::string> items = {
      "Card: 4539 1488 0343 6467 (exp 12/29)",
      "IBAN DE89 3704 0044 0532 0130 00",
      "iban GB29 NWBK 6016 1331 9268 19",
      "NI number JG 10 37 59 A",
      "nino=jg103759a",
      "SSN 536-90-4399",
      "ssn: 536 90 4399",
      "date of birth: 1985-03-12",
      "born on March 3rd, 1971",
      "zip 90210-1234",
      "postcode SW1A 1AA",
      "call +44 20 7946 0958",
      "tel. (212) 555-0187",
      "phone 030 1234 5678",
      "host 192.0.2.1 and 81.2.69.142",
      "addr 2a00:1450:4001:80b::200e",
      "fe80::1ff:fe23:4567:890a%eth0",
      "jane.roe@example.org",
      "0x00000000 0xdeadbeef 12345678",
      "sha256 uint64_t x86_64 v1.2.3.4",
      "4111-1111-1111-1111",
      "+1 415 555 2671",
      "DE893704004405320130001234",
      "std::vector<int>::iterator a::b::c",
  };
  std::string s;
  const std::string fill = " \n,;:\"'()=-./+_abAB01";
  for (int i = 0; i < 3000; ++i) {
    s += items[rng() % items.size()];
    for (unsigned k = rng() % 6; k > 0; --k) s += fill[rng() % fill.size()];
  }
  return s;
}

void expectSame(std::string_view data, const std::string& what) {
  for (bool decode : {false, true}) {
    ScanOptions opt;
    opt.decode = decode;
    auto a = scan(dbs().triggered, data, opt);
    auto b = scan(dbs().everywhere, data, opt);
    ASSERT_TRUE(a && b) << what;
    auto ka = keys(*a), kb = keys(*b);
    std::vector<Key> onlyA, onlyB;
    std::set_difference(ka.begin(), ka.end(), kb.begin(), kb.end(), std::back_inserter(onlyA));
    std::set_difference(kb.begin(), kb.end(), ka.begin(), ka.end(), std::back_inserter(onlyB));
    for (const auto& k : onlyA)
      ADD_FAILURE() << what << ": only with triggers: " << std::get<0>(k) << " at "
                    << std::get<1>(k);
    for (const auto& k : onlyB)
      ADD_FAILURE() << what << ": missed with triggers: " << std::get<0>(k) << " at "
                    << std::get<1>(k) << " '" << std::get<4>(k) << "'";
  }
}

TEST(Trigger, GeneratedValuesSameAsEverywhere) {
  std::string g = generated();
  auto m = scan(dbs().triggered, g, {});
  ASSERT_TRUE(m);
  std::set<std::string> seen;
  for (const auto& x : *m) seen.insert(x.detector);
  for (const char* d : {"credit_card", "iban", "uk_nino", "us_ssn", "date_of_birth", "postal_code",
                        "phone", "ipv4", "ipv6", "email"})
    EXPECT_TRUE(seen.count(d)) << d << " not found at all";
  expectSame(g, "generated");
}

// Colon and '@' shapes (IPv6 and e-mail candidates are found by hand when the shipped patterns
// are the only ones of their trigger): overlapping starts, runs past 39 characters, words glued
// before, long domain labels.
TEST(Trigger, ColonAndAtShapesSameAsEverywhere) {
  std::mt19937 rng(11);
  const std::string alphabet = "0123456789abcdefABCDEFgxz_:::::....@@ -\n";
  std::string s;
  for (int i = 0; i < 200000; ++i) s += alphabet[rng() % alphabet.size()];
  for (const char* v : {"a:b:c:d:e:f:1:2:3:4:5:6:7:8:9:10:11:12:13:14:15:16:17:18:19:20:21",
                        "fe80::1", "12345:1:2", "g1:2:3", "_1:2:3", "::1", "1::", "a:b::",
                        "x 1:2:3.4.5.6 y", "ab@cd.ef", "a@b-c.de", "a@b..cd", "+@x.yz"}) {
    s += ' ';
    s += v;
  }
  s += " q@" + std::string(300, 'a') + ".com ";
  expectSame(s, "colon and at shapes");
}

// Documentation and headers of this machine: numbers, addresses, tables, code.
TEST(Trigger, MachineTextSameAsEverywhere) {
  std::string text = tollgate::testing::machineText(3u << 20);
  if (text.empty()) GTEST_SKIP() << "no text under /usr/share/doc or /usr/include";
  expectSame(text, "machine text");
}

TEST(Trigger, ContextTriggerNeedsContextRequired) {
  auto bad = parseDetectors(
      "detectors:\n  - id: x\n    pattern: 'a'\n    trigger: context\n    context: [k]\n", "t");
  EXPECT_FALSE(bad);
  auto unknown =
      parseDetectors("detectors:\n  - id: x\n    pattern: 'a'\n    trigger: nowhere\n", "t");
  EXPECT_FALSE(unknown);
  auto ok = parseDetectors(
      "detectors:\n  - id: x\n    pattern: '[0-9]{6}'\n    trigger: context\n    context: [pin]\n"
      "    context_required: true\n",
      "t");
  ASSERT_TRUE(ok);
  EXPECT_EQ((*ok)[0].trigger, Trigger::kContext);
}

}  // namespace
}  // namespace tollgate::classify
