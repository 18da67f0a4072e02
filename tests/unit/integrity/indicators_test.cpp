#include "tollgate/integrity/indicators.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

namespace tollgate::integrity {
namespace {

std::vector<Indicator> scan(const std::string& s) {
  return extractIndicators(std::as_bytes(std::span(s.data(), s.size())));
}

bool has(const std::vector<Indicator>& v, std::string_view kind, std::string_view value,
         std::string_view encoding) {
  for (const auto& i : v)
    if (i.kind == kind && i.value == value && i.encoding == encoding) return true;
  return false;
}

struct Case {
  const char* name;
  std::string input;
  const char* kind;
  const char* value;
  const char* encoding;
  bool expected;
};

class IndicatorCases : public testing::TestWithParam<Case> {};

TEST_P(IndicatorCases, Finds) {
  const Case& c = GetParam();
  EXPECT_EQ(has(scan(c.input), c.kind, c.value, c.encoding), c.expected) << c.name;
}

std::string xored(std::string s, unsigned char key) {
  for (auto& ch : s) ch = static_cast<char>(ch ^ key);
  return std::string("\0\0\0", 3) + s + static_cast<char>(key);
}

std::string utf16(std::string_view s) {
  std::string out;
  for (char c : s) {
    out += c;
    out += '\0';
  }
  return out;
}

INSTANTIATE_TEST_SUITE_P(
    Table, IndicatorCases,
    testing::Values(
        Case{"plain url", "\x01GET https://c2.evil.net/a?b=1 \x02", "url",
             "https://c2.evil.net/a?b=1", "ascii", true},
        Case{"url host", "\x01see https://c2.evil.net/a\x02", "domain", "c2.evil.net", "ascii",
             true},
        Case{"xor url", xored("https://xor.evil.org/p", 0x5a), "url", "https://xor.evil.org/p",
             "xor:0x5a", true},
        Case{"xor key 0x01", xored("http://k1.evil.org/", 0x01), "url", "http://k1.evil.org/",
             "xor:0x01", true},
        Case{"base64 url", "\x01token=aHR0cHM6Ly9iNjQuZXZpbC5jb20vcGF5bG9hZA==\x02", "url",
             "https://b64.evil.com/payload", "base64", true},
        Case{"utf16 url", "\x01" + utf16("http://wide.evil.ru/x") + std::string("\0\0", 2), "url",
             "http://wide.evil.ru/x", "utf16le", true},
        Case{"bare domain", "\x01connect to update.evil.com now\x02", "domain", "update.evil.com",
             "ascii", true},
        Case{"dll is not a domain", "\x01kernel32.dll loaded\x02", "domain", "kernel32.dll",
             "ascii", false},
        Case{"identifier is not a domain", "\x01System.Net.Http\x02", "domain", "system.net",
             "ascii", false},
        Case{"ip with port", "\x01 10.20.30.40:8443 \x02", "ip", "10.20.30.40", "ascii", true},
        Case{"whole-string ip",
             "\x01"
             "185.10.20.30\x02",
             "ip", "185.10.20.30", "ascii", true},
        Case{"version is not an ip", "\x01version 1.2.3.4 of\x02", "ip", "1.2.3.4", "ascii", false},
        Case{"network .0 is not an ip",
             "\x01"
             "10.1.0.0\x02",
             "ip", "10.1.0.0", "ascii", false},
        Case{"xor bare domain", xored("c2.example-update.com", 0x37), "domain",
             "c2.example-update.com", "xor:0x37", true},
        Case{"xor bare domain after a delimiter", xored("host=update.evil-cdn.net;", 0x5a),
             "domain", "update.evil-cdn.net", "xor:0x5a", true},
        Case{"xor bare ip", xored("185.220.101.47", 0x21), "ip", "185.220.101.47", "xor:0x21",
             true},
        Case{"xor ip with port", xored("45.9.148.3:443", 0x44), "ip", "45.9.148.3", "xor:0x44",
             true},
        Case{"xor file name is not a domain", xored("kernel32.dll", 0x37), "domain", "kernel32.dll",
             "xor:0x37", false},
        Case{"xor repeated label is not a domain", xored("aaaa.com", 0x37), "domain", "aaaa.com",
             "xor:0x37", false},
        Case{"xor short second-level label", xored("ab.com", 0x37), "domain", "ab.com", "xor:0x37",
             false},
        Case{"xor network address", xored("10.20.0.0", 0x37), "ip", "10.20.0.0", "xor:0x37", false},
        Case{"xor inside a longer word", xored("abc.example.community", 0x37), "domain",
             "abc.example.co", "xor:0x37", false},
        Case{"upper case is plain text, not xor 0x20",
             "\x01"
             "C2.EXAMPLE.COM\x02",
             "domain", "c2.example.com", "xor:0x20", false},
        Case{"loopback ignored",
             "\x01"
             "127.0.0.1:80\x02",
             "ip", "127.0.0.1", "ascii", false}));

TEST(UrlHost, Parts) {
  EXPECT_EQ(urlHost("https://user@Host.Example:8443/x?y"), "host.example");
  EXPECT_EQ(urlHost("http://a.b./"), "a.b");
  EXPECT_EQ(urlHost("no scheme"), "");
  EXPECT_EQ(urlHost("http://[::1]/"), "");
}

TEST(DomainMatches, SuffixOnLabels) {
  EXPECT_TRUE(domainMatches("crl.microsoft.com", "microsoft.com"));
  EXPECT_TRUE(domainMatches("Microsoft.COM", "microsoft.com"));
  EXPECT_FALSE(domainMatches("evilmicrosoft.com", "microsoft.com"));
  EXPECT_FALSE(domainMatches("com", "microsoft.com"));
}

// Random bytes decode to name-like text under some key now and then; the plausibility checks
// must keep that from becoming indicators.
TEST(ExtractIndicators, NoXorHostsInRandomBytes) {
  std::mt19937 rng(42);
  std::string bytes(8u << 20, '\0');
  for (auto& c : bytes) c = static_cast<char>(rng() & 0xff);
  std::size_t xorHosts = 0;
  for (const auto& i : extractIndicators(std::as_bytes(std::span(bytes.data(), bytes.size()))))
    if (i.encoding.starts_with("xor:") && i.kind != "url") ++xorHosts;
  EXPECT_EQ(xorHosts, 0u);
}

TEST(ExtractIndicators, BoundedOnHostileInput) {
  std::string many;
  for (int i = 0; i < 20000; ++i) many += "http://h" + std::to_string(i) + ".evil.com/ ";
  IndicatorOptions o;
  o.maxIndicators = 100;
  auto v = extractIndicators(std::as_bytes(std::span(many.data(), many.size())), o);
  EXPECT_LE(v.size(), 100u);
}

}  // namespace
}  // namespace tollgate::integrity
