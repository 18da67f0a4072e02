#include "tollgate/vulndb/ioc.h"
#include <algorithm>

#include <gtest/gtest.h>

#include <filesystem>

#include "tollgate/util/file.h"
#include "tollgate/vulndb/match.h"
#include "tollgate/vulndb/vulndb.h"

namespace tollgate::vulndb {
namespace {

namespace fs = std::filesystem;

const fs::path k3cx = fs::path(TOLLGATE_SHARED_DATA) / "ioc" / "3cx-2023.csv";

TEST(IocCsv, Reads3cxIndicators) {
  auto text = readFile(k3cx, 1 << 20);
  ASSERT_TRUE(text) << text.error().describe();
  Diagnostics diag;
  auto list = parseIocCsv(*text, k3cx.string(), &diag);
  ASSERT_TRUE(list) << list.error().describe();
  EXPECT_EQ(diag.count(), 0u);
  std::map<IndicatorType, int> n;
  for (const auto& i : *list) ++n[i.type];
  EXPECT_EQ(n[IndicatorType::kSha256], 14);
  EXPECT_EQ(n[IndicatorType::kDomain], 22);
  EXPECT_EQ(n[IndicatorType::kUrl], 1);
  EXPECT_EQ(n[IndicatorType::kCertSerial], 1);
  auto set = IndicatorSet::fromList(*list);
  const Indicator* hit = set->find(
      IndicatorType::kSha256, "7986BBAEE8940DA11CE089383521AB420C443AB7B15ED42AED91FD31CE833896");
  ASSERT_NE(hit, nullptr);
  EXPECT_NE(hit->description.find("ffmpeg.dll"), std::string::npos);
  EXPECT_NE(set->find(IndicatorType::kDomain, "cdn.akamaicontainer.com."), nullptr);
  EXPECT_EQ(set->find(IndicatorType::kDomain, "akamai.com"), nullptr);
  EXPECT_NE(set->find(IndicatorType::kUrl,
                      "https://raw.githubusercontent.com/IconStorages/images/main/icon12.ico"),
            nullptr);
}

TEST(IocCsv, QuotingOrderAndBadRows) {
  constexpr std::string_view kCsv =
      "\xEF\xBB\xBF"
      "type,value,source,description\r\n"
      "# a comment\r\n"
      "sha256,\"AA124A4B4DF12B34E74EE7F6C683B2EBEC4CE9A8EDCF9BE345823B4FDCF5D868\",vendor,"
      "\"installer, \"\"trojanized\"\"\"\r\n"
      "sha256,abc,vendor,too short\r\n"
      "weird,x,vendor,unknown type\r\n"
      "cert-serial,0F:AB:00,vendor,serial\r\n";
  Diagnostics diag;
  auto list = parseIocCsv(kCsv, "x.csv", &diag);
  ASSERT_TRUE(list) << list.error().describe();
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].value, "aa124a4b4df12b34e74ee7f6c683b2ebec4ce9a8edcf9be345823b4fdcf5d868");
  EXPECT_EQ((*list)[0].description, "installer, \"trojanized\"");
  EXPECT_EQ((*list)[1].value, "fab00");
  EXPECT_EQ(diag.count(), 2u);
  EXPECT_FALSE(parseIocCsv("a,b\n1,2\n", "x.csv", nullptr));
  EXPECT_FALSE(parseIocCsv("value,type\n\"open", "x.csv", nullptr));
}

TEST(Stix, EqualityPatternsOnly) {
  constexpr std::string_view kBundle = R"({
    "type": "bundle", "id": "bundle--1",
    "objects": [
      {"type": "identity", "id": "identity--1", "name": "someone"},
      {"type": "indicator", "id": "indicator--1", "name": "3CX ffmpeg.dll",
       "pattern_type": "stix", "created_by_ref": "identity--1",
       "pattern": "[file:hashes.'SHA-256' = '7986bbaee8940da11ce089383521ab420c443ab7b15ed42aed91fd31ce833896'] OR [file:hashes.MD5 = '74bc2d0b6680faa1a5a76b27e5479cbc']"},
      {"type": "indicator", "id": "indicator--2", "pattern_type": "stix",
       "pattern": "[domain-name:value = 'akamaicontainer.com' OR url:value = 'https://x.test/a\\'b']"},
      {"type": "indicator", "id": "indicator--3", "pattern_type": "stix",
       "pattern": "[x509-certificate:serial_number = '0e:4d:f4:37']"},
      {"type": "indicator", "id": "indicator--4", "pattern_type": "stix",
       "pattern": "[file:name = 'a' AND file:size = 3]"},
      {"type": "indicator", "id": "indicator--5", "pattern_type": "sigma", "pattern": "x"}
    ]})";
  Diagnostics diag;
  auto list = parseStix(kBundle, "b.json", &diag);
  ASSERT_TRUE(list) << list.error().describe();
  ASSERT_EQ(list->size(), 5u);
  EXPECT_EQ((*list)[0].type, IndicatorType::kSha256);
  EXPECT_EQ((*list)[0].description, "3CX ffmpeg.dll");
  EXPECT_EQ((*list)[1].type, IndicatorType::kMd5);
  EXPECT_EQ((*list)[2].type, IndicatorType::kDomain);
  EXPECT_EQ((*list)[3].value, "https://x.test/a'b");
  EXPECT_EQ((*list)[4].value, "e4df437");
  EXPECT_EQ(diag.count(), 2u);  // the AND pattern and the sigma one
  EXPECT_FALSE(parseStix("{", "b.json", nullptr));
  EXPECT_FALSE(parseStix(R"({"type":"malware"})", "b.json", nullptr));
  EXPECT_TRUE(parseIndicators(kBundle, "b.json", nullptr));
}

TEST(Indicators, StoredAndMatchedAgainstFileHashes) {
  auto s = store::open(store::Url{store::Url::Kind::kSqlite, ":memory:", ""});
  ASSERT_TRUE(s);
  ASSERT_TRUE((*s)->migrate(migrations()));
  auto text = readFile(k3cx, 1 << 20);
  ASSERT_TRUE(text);
  auto list = parseIocCsv(*text, "3cx", nullptr);
  ASSERT_TRUE(list);
  auto st = importIndicators(**s, *list, "3cx-2023.csv");
  ASSERT_TRUE(st);
  EXPECT_EQ(st->added, 38u);
  st = importIndicators(**s, *list, "3cx-2023.csv");
  ASSERT_TRUE(st);
  EXPECT_EQ(st->updated, 38u);
  auto set = IndicatorSet::load(**s);
  ASSERT_TRUE(set);
  EXPECT_EQ((*set)->size(), 38u);

  sbom::Bom bom;
  sbom::Component file;
  file.type = sbom::ComponentType::kFile;
  file.bomRef = "file:/app/ffmpeg.dll";
  file.name = "ffmpeg.dll";
  file.evidencePaths = {"/app/ffmpeg.dll"};
  file.hashes = {{"SHA-256", "7986bbaee8940da11ce089383521ab420c443ab7b15ed42aed91fd31ce833896"}};
  sbom::Component deb;
  deb.purl = deb.bomRef = "pkg:deb/debian/tool@1.0?arch=amd64";
  deb.files = {{"/usr/bin/tool", {{"SHA-256", std::string(64, '0')}}},
               {"/usr/lib/libffmpeg.dylib",
                {{"SHA-256", "a64fa9f1c76457ecc58402142a8728ce34ccba378c17318b3340083eeb7acc67"}}}};
  // A PE signed with the certificate serial on the list (written with separators and upper
  // case, as certificate viewers show it).
  sbom::Component signedExe;
  signedExe.type = sbom::ComponentType::kFile;
  signedExe.bomRef = "file:/app/3CXDesktopApp.exe";
  signedExe.evidencePaths = {"/app/3CXDesktopApp.exe"};
  signedExe.properties["tollgate:authenticode:signer"] = "CN=3CX Ltd";
  signedExe.properties["tollgate:authenticode:signer-serial"] =
      "1B:66:11:DF:9C:9A:4D:6E:CC:8E:D5:0C:9B:91:78:73";
  bom.components = {file, deb, signedExe};
  auto m = Matcher::open(**s);
  ASSERT_TRUE(m);
  auto r = m->match(bom, set->get());
  ASSERT_TRUE(r);
  ASSERT_EQ(r->findings.size(), 3u);
  auto cert = std::ranges::find(r->findings, std::string("/app/3CXDesktopApp.exe"),
                                &report::Finding::subject);
  ASSERT_NE(cert, r->findings.end());
  EXPECT_EQ(cert->severity, report::Severity::kHigh);
  EXPECT_EQ(cert->evidence["indicator"]["value"], "1b6611df9c9a4d6ecc8ed50c9b917873");
  EXPECT_EQ(cert->evidence["signer"], "CN=3CX Ltd");
  r->findings.erase(cert);
  for (const auto& f : r->findings) EXPECT_EQ(f.severity, report::Severity::kMalicious);
  EXPECT_EQ(r->findings[0].subject, "/app/ffmpeg.dll");
  EXPECT_EQ(r->findings[0].locations, std::vector<std::string>{"app/ffmpeg.dll"});
  EXPECT_EQ(r->findings[1].subject, "/usr/lib/libffmpeg.dylib");
  EXPECT_EQ(r->findings[1].evidence["component"], "pkg:deb/debian/tool@1.0?arch=amd64");
}

TEST(Indicators, Canonical) {
  EXPECT_EQ(*canonicalIndicator(IndicatorType::kDomain, " Evil.COM. "), "evil.com");
  EXPECT_EQ(*canonicalIndicator(IndicatorType::kCertSerial, "0x00ff"), "ff");
  EXPECT_FALSE(canonicalIndicator(IndicatorType::kDomain, "a b"));
  // Only the root dot is dropped: ".." and "a.." are not names (found by ioc_csv_fuzz: ".."
  // canonicalised to ".", which then failed to canonicalise).
  EXPECT_FALSE(canonicalIndicator(IndicatorType::kDomain, ".."));
  EXPECT_FALSE(canonicalIndicator(IndicatorType::kDomain, "."));
  EXPECT_FALSE(canonicalIndicator(IndicatorType::kDomain, "evil.com.."));
  EXPECT_EQ(*canonicalIndicator(IndicatorType::kDomain, "evil.com."), "evil.com");
  EXPECT_FALSE(canonicalIndicator(IndicatorType::kSha1, std::string(40, 'g')));
  EXPECT_FALSE(canonicalIndicator(IndicatorType::kUrl, "http://a b"));
  EXPECT_EQ(parseIndicatorType("SHA-256"), IndicatorType::kSha256);
  EXPECT_EQ(parseIndicatorType("hostname"), IndicatorType::kDomain);
  EXPECT_FALSE(parseIndicatorType("yara"));
}

}  // namespace
}  // namespace tollgate::vulndb
