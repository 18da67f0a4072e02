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

#include "encodings.h"
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

// url_password is found by hand from the '@' signs when its pattern is the shipped one; the same
// pattern in other words goes to Hyperscan. Both must find the same, whole and in a stream of
// small rounds (the '@' signs before a round's look-back are looked at on their own).
std::string urlShapes() {
  std::mt19937 rng(13);
  const std::vector<std::string> items = {
      "https://admin:s3cr3tP4ss@db.example.com:5432/x",
      "postgres://svc_user:Zx9!kq2@10.0.0.5/db",
      "ftp://a:bcd@h",
      "x.http://u:pass1234@host.example.org",
      "_http://u:pass1234@host.example.org",
      "9http://u:pass1234@host.example.org",
      "abcdefghijklmnopq://u:pass1234@h.io",
      "abcdefghijklmnop://u:pass1234@h.io",
      "h://u:pass1234@h.io",
      "ht://u:pass1234@h.io",
      "https://u:p:a:s:s@h.io",
      "https://:pass1234@h.io",
      "https://user:@h.io",
      "https://us/er:pass1234@h.io",
      "https://user:pa ss@h.io",
      "https://user:pass1234@-h.io",
      "https://user:pass1234@@h.io",
      "http://a@b:c@d.io",
      "mailto:user:pass1234@h.io",
      "s3+https://k:v-x@b.c",
      "redis://:pw@h",
      "x://y://u:pass9999@h.io",
      "'https://u:\"q@h.io",
      "https://u:p\x0bq1234@h.io",
      "https://u:p\xe9q1234@h.io",
  };
  std::string s = "http://u:first999@start.io ";
  const std::string fill = " \n,;:\"'()=-./+_@abAB01";
  for (int i = 0; i < 4000; ++i) {
    s += items[rng() % items.size()];
    for (unsigned k = rng() % 5; k > 0; --k) s += fill[rng() % fill.size()];
  }
  for (std::size_t user : {63, 64, 65})
    for (std::size_t pass : {127, 128, 129})
      s += " https://" + std::string(user, 'u') + ":" + std::string(pass, 'p') + "@h.example.com ";
  s += " https://u:pass1234@" + std::string(300, 'h') + " ";
  const std::string alphabet = "ab:/@.-+_ \"<>x1\n";
  for (int i = 0; i < 100000; ++i) s += alphabet[rng() % alphabet.size()];
  s += "https://u:pass1234@end.io";
  return s;
}

std::set<Key> streamed(const std::shared_ptr<const Database>& db, std::string_view data) {
  ScanOptions opt;
  opt.roundBytes = 700;
  return keys(testing::fed(db, data, {333}, opt));
}

TEST(Trigger, UrlPasswordByHandSameAsHyperscan) {
  auto defs = *parseDetectors(defaultDetectorsYaml(), "<defaults>");
  auto other = defs;
  bool changed = false;
  for (auto& d : other)
    if (d.id == "url_password") {
      d.pattern = "(?:" + d.pattern + ")";
      changed = true;
    }
  ASSERT_TRUE(changed);
  auto byHand = Database::compile(defs);
  auto byHyperscan = Database::compile(other);
  ASSERT_TRUE(byHand && byHyperscan);
  std::string text = urlShapes() + tollgate::testing::machineText(1u << 20);
  for (bool decode : {false, true}) {
    ScanOptions opt;
    opt.decode = decode;
    auto a = scan(*byHand, text, opt);
    auto b = scan(*byHyperscan, text, opt);
    ASSERT_TRUE(a && b);
    std::size_t passwords = 0;
    for (const auto& m : *a) passwords += m.detector == "url_password";
    EXPECT_GT(passwords, 100u);
    EXPECT_EQ(keys(*a), keys(*b)) << "decode " << decode;
  }
  std::string shapes = urlShapes();
  EXPECT_EQ(streamed(*byHand, shapes), streamed(*byHyperscan, shapes));
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
