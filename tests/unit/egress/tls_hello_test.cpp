// The ClientHello parser against two references: tshark's decode (SNI, JA3) of the JA4 project's
// sample captures, and the JA4 reference implementation's outputs for the same captures
// (TOLLGATE_SHARED_DATA/ja4: expected/<capture>.json, "JA4.1" and "JA4_r.1" per TCP stream).
#include "tollgate/egress/tls_hello.h"

#include <dirent.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "tollgate/util/strings.h"

namespace tollgate::egress {
namespace {

std::string unhex(std::string_view h) {
  h = h.substr(0, h.find(','));  // several values: the first
  std::string out;
  for (std::size_t i = 0; i + 1 < h.size(); i += 2)
    out.push_back(static_cast<char>(std::stoi(std::string(h.substr(i, 2)), nullptr, 16)));
  return out;
}

std::string run(const std::string& cmd) {
  std::string out;
  FILE* p = ::popen(cmd.c_str(), "r");
  if (!p) return out;
  char buf[65536];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  ::pclose(p);
  return out;
}

// A minimal TLS 1.2 ClientHello: SNI, ALPN h2/http/1.1, groups, point formats, sig algs, GREASE.
std::string sampleHello() {
  auto u16 = [](std::uint16_t v) { return std::string{char(v >> 8), char(v & 0xff)}; };
  std::string exts;
  auto ext = [&](std::uint16_t type, const std::string& body) {
    exts += u16(type) + u16(static_cast<std::uint16_t>(body.size())) + body;
  };
  ext(0x1a1a, "");  // GREASE
  std::string host = "example.com";
  std::string sn = std::string{0} + u16(static_cast<std::uint16_t>(host.size())) + host;
  ext(0x0000, u16(static_cast<std::uint16_t>(sn.size())) + sn);
  std::string alpn = std::string{2} + "h2" + std::string{8} + "http/1.1";
  ext(0x0010, u16(static_cast<std::uint16_t>(alpn.size())) + alpn);
  ext(0x000a, u16(6) + u16(0x2a2a) + u16(0x001d) + u16(0x0017));
  ext(0x000b, std::string{1, 0});
  ext(0x000d, u16(4) + u16(0x0403) + u16(0x0804));
  std::string ciphers = u16(0x0a0a) + u16(0xc02f) + u16(0x1301);
  std::string body = u16(0x0303) + std::string(32, 'r') + std::string{0} +
                     u16(static_cast<std::uint16_t>(ciphers.size())) + ciphers + std::string{1, 0} +
                     u16(static_cast<std::uint16_t>(exts.size())) + exts;
  std::string hs = std::string{1, 0} + u16(static_cast<std::uint16_t>(body.size())) + body;
  return std::string{22, 3, 1} + u16(static_cast<std::uint16_t>(hs.size())) + hs;
}

TEST(ClientHello, Fields) {
  auto r = parseClientHello(sampleHello());
  ASSERT_TRUE(r) << r.error().describe();
  ASSERT_TRUE(*r);
  const auto& h = **r;
  EXPECT_EQ(h.sni, "example.com");
  EXPECT_EQ(h.alpn, (std::vector<std::string>{"h2", "http/1.1"}));
  EXPECT_EQ(h.ja3String(), "771,49199-4865,0-16-10-11-13,29-23,0");
  EXPECT_EQ(h.ja4().substr(0, 10), "t12d0205h2");
  EXPECT_EQ(h.ja4Raw(), "t12d0205h2_1301,c02f_000a,000b,000d_0403,0804");
}

TEST(ClientHello, IncompleteAndSplitRecords) {
  std::string full = sampleHello();
  for (std::size_t n = 0; n < full.size(); ++n) {
    auto r = parseClientHello(std::string_view(full).substr(0, n));
    ASSERT_TRUE(r) << n;
    EXPECT_FALSE(*r) << n;
  }
  // The same handshake message split over two records.
  std::string hs = full.substr(5);
  std::string a = hs.substr(0, 20), b = hs.substr(20);
  auto rec = [](const std::string& p) {
    return std::string{22, 3, 1, char(p.size() >> 8), char(p.size() & 0xff)} + p;
  };
  auto r = parseClientHello(rec(a) + rec(b));
  ASSERT_TRUE(r && *r);
  EXPECT_EQ((*r)->sni, "example.com");
  EXPECT_EQ((*r)->bytes, a.size() + b.size() + 10);
}

TEST(ClientHello, RejectsNonTls) {
  EXPECT_FALSE(parseClientHello("GET / HTTP/1.1\r\n\r\n"));
  EXPECT_FALSE(parseClientHello(std::string{22, 3, 1, 0, 4, 2, 0, 0, 0}));  // ServerHello
  std::string h = sampleHello();
  h[5 + 4 + 2 + 32] = 40;  // session id longer than 32
  EXPECT_FALSE(parseClientHello(h));
}

TEST(ClientHello, GreaseValues) {
  EXPECT_TRUE(isGrease(0x0a0a));
  EXPECT_TRUE(isGrease(0xfafa));
  EXPECT_FALSE(isGrease(0x0a1a));
  EXPECT_FALSE(isGrease(0x1301));
}

// Differential: every ClientHello tshark finds in the JA4 sample captures.
TEST(ClientHello, MatchesTsharkAndJa4Reference) {
  if (run("command -v tshark").empty()) GTEST_SKIP() << "tshark not installed";
  std::string dir = std::string(TOLLGATE_SHARED_DATA) + "/ja4";
  DIR* d = ::opendir((dir + "/pcap").c_str());
  if (!d) GTEST_SKIP() << "no " << dir;
  std::vector<std::string> captures;
  while (dirent* e = ::readdir(d))
    if (e->d_name[0] != '.') captures.emplace_back(e->d_name);
  ::closedir(d);
  std::sort(captures.begin(), captures.end());
  int compared = 0, ja4Compared = 0;
  for (const auto& cap : captures) {
    bool noTcpTls = false;
    for (const char* skip : {"quic", "dtls", "ssh", "dhcp"})
      noTcpTls = noTcpTls || cap.find(skip) != std::string::npos;
    if (noTcpTls) continue;
    std::map<std::string, nlohmann::json> expected;  // by tcp stream
    std::ifstream ej(dir + "/expected/" + cap + ".json");
    if (ej) {
      auto j = nlohmann::json::parse(ej, nullptr, false);
      if (j.is_array())
        for (const auto& s : j)
          if (s.contains("JA4.1") && s.contains("stream")) expected[s["stream"].dump()] = s;
    }
    std::string out = run("tshark -r '" + dir + "/pcap/" + cap +
                          "' -Y 'tls.handshake.type == 1 && tcp' -T fields -E separator='|' "
                          "-e tcp.stream -e tls.handshake.extensions_server_name "
                          "-e tls.handshake.ja3_full -e tcp.reassembled.data -e tcp.payload "
                          "2>/dev/null");
    std::set<std::string> seen;  // the first ClientHello of each stream (a second follows HRR)
    for (auto line : split(out, '\n')) {
      auto f = split(line, '|');
      if (f.size() < 5 || !seen.insert(std::string(f[0])).second) continue;
      std::string bytes = unhex(!f[3].empty() ? f[3] : f[4]);
      auto r = parseClientHello(bytes);
      ASSERT_TRUE(r) << cap << " stream " << f[0] << ": " << r.error().describe();
      if (!*r) continue;  // tshark reassembled across segments it did not give us in full
      const auto& h = **r;
      ++compared;
      // tshark prints only the first name of a multi-name field; SNI is a single name here.
      EXPECT_EQ(h.sni, std::string(f[1])) << cap << " stream " << f[0];
      EXPECT_EQ(h.ja3String(), std::string(f[2])) << cap << " stream " << f[0];
      auto it = expected.find(std::string(f[0]));
      if (it != expected.end()) {
        ++ja4Compared;
        EXPECT_EQ(h.ja4(), it->second["JA4.1"].get<std::string>()) << cap << " stream " << f[0];
        if (it->second.contains("JA4_r.1")) {
          EXPECT_EQ(h.ja4Raw(), it->second["JA4_r.1"].get<std::string>())
              << cap << " stream " << f[0];
        }
        EXPECT_EQ(h.sni, it->second.value("domain", "")) << cap << " stream " << f[0];
        expected.erase(it);
      }
    }
  }
  EXPECT_GT(compared, 20);
  EXPECT_GT(ja4Compared, 20);
  std::printf("compared %d ClientHellos with tshark, %d with the JA4 reference\n", compared,
              ja4Compared);
}

}  // namespace
}  // namespace tollgate::egress
