// RPM header, .rpm file, Berkeley DB and ndb parsers on headers and databases built here byte by
// byte from the documented layouts (the integration test covers files made by rpm and Berkeley
// DB themselves), and the cataloger on small roots.
#include "tollgate/catalog/rpm.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <string>
#include <variant>
#include <vector>

#include "scanned_tree.h"
#include "temp_dir.h"
#include "tollgate/catalog/catalog.h"

namespace tollgate::catalog {
namespace {

using tollgate::testing::TempDir;

// ---- builders ---------------------------------------------------------------------------------

void putBe32(std::string& s, std::uint32_t v) {
  for (int sh = 24; sh >= 0; sh -= 8) s.push_back(static_cast<char>((v >> sh) & 0xff));
}
void putLe32(std::string& s, std::uint32_t v) {
  for (int sh = 0; sh <= 24; sh += 8) s.push_back(static_cast<char>((v >> sh) & 0xff));
}
void setLe32(std::string& s, std::size_t at, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) s[at + i] = static_cast<char>((v >> (8 * i)) & 0xff);
}
void setLe16(std::string& s, std::size_t at, std::uint16_t v) {
  s[at] = static_cast<char>(v & 0xff);
  s[at + 1] = static_cast<char>(v >> 8);
}

// An RPM header structure: entries in insertion order over a data store.
class HeaderBuilder {
 public:
  HeaderBuilder& str(std::uint32_t tag, const std::string& v, std::uint32_t type = 6) {
    align(1);
    add(tag, type, 1);
    store_ += v;
    store_.push_back('\0');
    return *this;
  }
  HeaderBuilder& strs(std::uint32_t tag, const std::vector<std::string>& v) {
    add(tag, 8, static_cast<std::uint32_t>(v.size()));
    for (const auto& s : v) {
      store_ += s;
      store_.push_back('\0');
    }
    return *this;
  }
  HeaderBuilder& i32(std::uint32_t tag, const std::vector<std::uint32_t>& v) {
    align(4);
    add(tag, 4, static_cast<std::uint32_t>(v.size()));
    for (auto x : v) putBe32(store_, x);
    return *this;
  }
  HeaderBuilder& i16(std::uint32_t tag, const std::vector<std::uint16_t>& v) {
    align(2);
    add(tag, 3, static_cast<std::uint32_t>(v.size()));
    for (auto x : v) {
      store_.push_back(static_cast<char>(x >> 8));
      store_.push_back(static_cast<char>(x & 0xff));
    }
    return *this;
  }
  HeaderBuilder& raw(std::uint32_t tag, std::uint32_t type, std::uint32_t offset,
                     std::uint32_t count) {
    index_.push_back({tag, type, offset, count});
    return *this;
  }
  HeaderBuilder& bytes(const std::string& b) {
    store_ += b;
    return *this;
  }
  // The blob form stored in rpmdbs.
  [[nodiscard]] std::string blob() const {
    std::string out;
    putBe32(out, static_cast<std::uint32_t>(index_.size()));
    putBe32(out, static_cast<std::uint32_t>(store_.size()));
    for (const auto& e : index_)
      for (auto v : e) putBe32(out, v);
    return out + store_;
  }
  // With the 8-byte magic preamble, as in .rpm files.
  [[nodiscard]] std::string withMagic() const {
    return std::string("\x8e\xad\xe8\x01\0\0\0\0", 8) + blob();
  }

 private:
  void add(std::uint32_t tag, std::uint32_t type, std::uint32_t count) {
    index_.push_back({tag, type, static_cast<std::uint32_t>(store_.size()), count});
  }
  void align(std::size_t n) {
    while (store_.size() % n) store_.push_back('\0');
  }
  std::vector<std::array<std::uint32_t, 4>> index_;
  std::string store_;
};

HeaderBuilder samplePackage() {
  HeaderBuilder h;
  h.raw(63, 7, 0, 16)  // HEADERIMMUTABLE region tag, ignored
      .bytes(std::string(16, '\0'))
      .str(1000, "bash")
      .str(1001, "5.2.15")
      .str(1002, "1.fc39")
      .i32(1003, {1})
      .str(1004, "The GNU Bourne Again shell", 9)
      .str(1014, "GPLv3+")
      .str(1011, "Fedora Project")
      .str(1015, "Fedora Project")
      .str(1022, "x86_64")
      .str(1044, "bash-5.2.15-1.fc39.src.rpm")
      .strs(1047, {"/bin/sh", "bash", "bash(x86-64)"})
      .strs(1049, {"libc.so.6()(64bit)", "rpmlib(CompressedFileNames)"})
      .strs(1118, {"/usr/bin/", "/usr/share/doc/bash/"})
      .i32(1116, {0, 0, 1, 0})
      .strs(1117, {"bash", "sh", "README", "doc"})
      .strs(1035, {"AB12", "", "cd34", ""})
      .i16(1030, {0100755, 0120777, 0100644, 040755})
      .i32(1028, {100, 4, 20, 4096})
      .i32(1037, {0, 0, 2, 0})
      .i32(5011, {8});
  return h;
}

// ---- header blobs -----------------------------------------------------------------------------

TEST(RpmHeader, ParsesFieldsFilesAndDependencies) {
  auto p = rpm::parseHeaderBlob(samplePackage().blob());
  ASSERT_TRUE(p) << p.error().describe();
  EXPECT_EQ(p->name, "bash");
  EXPECT_EQ(p->version, "5.2.15");
  EXPECT_EQ(p->release, "1.fc39");
  ASSERT_TRUE(p->epoch);
  EXPECT_EQ(*p->epoch, 1u);
  EXPECT_EQ(p->evr(), "1:5.2.15-1.fc39");
  EXPECT_EQ(p->summary, "The GNU Bourne Again shell");
  EXPECT_EQ(p->license, "GPLv3+");
  EXPECT_EQ(p->vendor, "Fedora Project");
  EXPECT_EQ(p->arch, "x86_64");
  EXPECT_EQ(p->sourceRpm, "bash-5.2.15-1.fc39.src.rpm");
  EXPECT_EQ(p->digestAlgorithm, "SHA-256");
  EXPECT_EQ(p->provides, (std::vector<std::string>{"/bin/sh", "bash", "bash(x86-64)"}));
  EXPECT_EQ(p->requires_.size(), 2u);
  ASSERT_EQ(p->files.size(), 4u);
  EXPECT_EQ(p->files[0].path, "/usr/bin/bash");
  EXPECT_EQ(p->files[0].digest, "ab12");  // lower-cased
  EXPECT_EQ(p->files[1].path, "/usr/bin/sh");
  EXPECT_EQ(p->files[2].path, "/usr/share/doc/bash/README");
  EXPECT_EQ(p->files[2].flags, 2u);
  EXPECT_EQ(p->files[2].size, 20u);
  EXPECT_TRUE(p->files[3].isDirectory());
  EXPECT_FALSE(p->files[0].isDirectory());
  // The magic preamble is accepted too.
  auto m = rpm::parseHeaderBlob(samplePackage().withMagic());
  ASSERT_TRUE(m);
  EXPECT_EQ(m->name, "bash");
}

TEST(RpmHeader, MinimalHeaderAndDefaults) {
  HeaderBuilder h;
  h.str(1000, "gpg-pubkey").str(1001, "abc").str(1027, "x", 6);
  auto p = rpm::parseHeaderBlob(h.blob());
  ASSERT_TRUE(p) << p.error().describe();
  EXPECT_FALSE(p->epoch);
  EXPECT_EQ(p->evr(), "abc");
  EXPECT_EQ(p->digestAlgorithm, "MD5");  // rpm's default
  ASSERT_EQ(p->files.size(), 1u);        // OLDFILENAMES as a single string
  EXPECT_EQ(p->files[0].path, "x");
}

TEST(RpmHeader, LaterEntryOfTheSameTagWins) {
  HeaderBuilder h;
  h.str(1000, "old").str(1000, "new");
  auto p = rpm::parseHeaderBlob(h.blob());
  ASSERT_TRUE(p);
  EXPECT_EQ(p->name, "new");
}

struct BadHeader {
  std::string name;
  std::string blob;
  std::string expect;  // substring of the error message
};

std::vector<BadHeader> badHeaders() {
  std::vector<BadHeader> v;
  auto withPreamble = [](std::uint32_t il, std::uint32_t dl, std::string rest = {}) {
    std::string s;
    putBe32(s, il);
    putBe32(s, dl);
    return s + rest;
  };
  v.push_back({"Empty", "", "shorter than"});
  v.push_back({"NoEntries", withPreamble(0, 0), "index count 0"});
  v.push_back({"HugeIndex", withPreamble(0x10000, 0), "out of range"});
  v.push_back({"HugeData", withPreamble(1, 0x10000000), "too large"});
  v.push_back({"Truncated", withPreamble(2, 100, std::string(16, '\0')), "truncated"});
  v.push_back({"OffsetBeyondStore", HeaderBuilder().str(1001, "1").raw(1000, 6, 50, 1).blob(),
               "offset beyond"});
  v.push_back(
      {"IntsPastStore", HeaderBuilder().str(1000, "n").raw(1003, 4, 0, 3).blob(), "runs past"});
  v.push_back(
      {"UnknownType", HeaderBuilder().str(1000, "n").raw(1001, 42, 0, 1).blob(), "unknown type"});
  v.push_back({"StringWithoutNul", HeaderBuilder().raw(1000, 6, 0, 1).bytes("bash").blob(),
               "terminating NUL"});
  v.push_back({"ArrayMoreStringsThanBytes",
               HeaderBuilder().str(1000, "n").raw(1047, 8, 0, 99).blob(), "more strings"});
  v.push_back({"ArrayRunsOut", HeaderBuilder().str(1000, "n").raw(1047, 8, 0, 2).blob(),
               "beyond the data store"});
  v.push_back({"NoName", HeaderBuilder().str(1001, "1").blob(), "no NAME"});
  v.push_back({"NameWrongType", HeaderBuilder().i32(1000, {7}).blob(), "unexpected type"});
  v.push_back(
      {"EpochWrongType", HeaderBuilder().str(1000, "n").str(1003, "1").blob(), "unexpected type"});
  v.push_back(
      {"DirIndexOutOfRange",
       HeaderBuilder().str(1000, "n").strs(1118, {"/usr/"}).i32(1116, {3}).strs(1117, {"x"}).blob(),
       "names directory 3"});
  v.push_back({"DirIndexesMissing",
               HeaderBuilder().str(1000, "n").strs(1118, {"/usr/"}).strs(1117, {"x"}).blob(),
               "inconsistent lengths"});
  v.push_back({"DigestsShort",
               HeaderBuilder()
                   .str(1000, "n")
                   .strs(1118, {"/usr/"})
                   .i32(1116, {0, 0})
                   .strs(1117, {"x", "y"})
                   .strs(1035, {"aa"})
                   .blob(),
               "1 digests"});
  return v;
}

class RpmHeaderMalformed : public ::testing::TestWithParam<BadHeader> {};

TEST_P(RpmHeaderMalformed, IsAnErrorNamingTheProblem) {
  const auto& c = GetParam();
  auto p = rpm::parseHeaderBlob(c.blob);
  ASSERT_FALSE(p) << "parsed " << p->name;
  EXPECT_EQ(p.error().code, ErrorCode::kInvalidInput);
  EXPECT_NE(p.error().message.find(c.expect), std::string::npos) << p.error().message;
}

INSTANTIATE_TEST_SUITE_P(Rpm, RpmHeaderMalformed, ::testing::ValuesIn(badHeaders()),
                         [](const auto& info) { return info.param.name; });

TEST(RpmHeader, EveryTruncationAndByteFlipIsHandled) {
  std::string blob = samplePackage().blob();
  for (std::size_t n = 0; n < blob.size(); ++n) {
    auto p = rpm::parseHeaderBlob(std::string_view(blob).substr(0, n));
    EXPECT_FALSE(p) << "prefix " << n;
  }
  for (std::size_t i = 0; i < blob.size(); ++i) {
    std::string b = blob;
    b[i] = static_cast<char>(b[i] ^ 0xa5);
    (void)rpm::parseHeaderBlob(b);  // must not crash; may parse
  }
}

// ---- .rpm files -------------------------------------------------------------------------------

std::string lead(std::uint16_t type = 0, std::uint16_t sigType = 5) {
  std::string l(96, '\0');
  l[0] = '\xed';
  l[1] = '\xab';
  l[2] = '\xee';
  l[3] = '\xdb';
  l[4] = 3;
  l[6] = static_cast<char>(type >> 8);
  l[7] = static_cast<char>(type & 0xff);
  l[78] = static_cast<char>(sigType >> 8);
  l[79] = static_cast<char>(sigType & 0xff);
  return l;
}

std::string rpmFile(std::uint16_t type = 0) {
  HeaderBuilder sig;
  sig.str(273, "0123456789ABCDEF").raw(268, 7, 0, 4).bytes("\x01\x02");  // odd length: padded
  std::string s = sig.withMagic();
  std::string out = lead(type) + s + std::string((8 - s.size() % 8) % 8, '\0');
  return out + samplePackage().withMagic() + "payload...";
}

TEST(RpmFile, LeadSignatureAndMainHeader) {
  auto p = rpm::parseRpmFile(rpmFile());
  ASSERT_TRUE(p) << p.error().describe();
  EXPECT_EQ(p->name, "bash");
  EXPECT_EQ(p->headerSha256, "0123456789abcdef");
  EXPECT_TRUE(p->signedPackage);
  EXPECT_FALSE(p->sourcePackage);
  auto src = rpm::parseRpmFile(rpmFile(1));
  ASSERT_TRUE(src);
  EXPECT_TRUE(src->sourcePackage);
}

TEST(RpmFile, Malformed) {
  std::string good = rpmFile();
  EXPECT_FALSE(rpm::parseRpmFile("not an rpm"));
  EXPECT_NE(rpm::parseRpmFile(lead(0, 1) + good.substr(96)).error().message.find("signature type"),
            std::string::npos);
  std::string noSigMagic = good;
  noSigMagic[96] = 'X';
  EXPECT_NE(rpm::parseRpmFile(noSigMagic).error().message.find("signature header magic"),
            std::string::npos);
  for (std::size_t n = 0; n + 10 < good.size(); ++n)  // everything but the payload is needed
    EXPECT_FALSE(rpm::parseRpmFile(std::string_view(good).substr(0, n))) << "prefix " << n;
}

// ---- Berkeley DB ------------------------------------------------------------------------------

// A hash database: meta page, one hash page with the given pairs, then overflow pages.
struct BdbBuilder {
  std::uint32_t pageSize = 512;
  bool bigEndian = false;
  std::vector<std::pair<std::uint32_t, std::string>> inlinePairs;    // small blobs on the page
  std::vector<std::pair<std::uint32_t, std::string>> overflowPairs;  // blobs in overflow chains

  void put32(std::string& f, std::size_t at, std::uint32_t v) const {
    for (int i = 0; i < 4; ++i)
      f[at + i] = static_cast<char>((v >> (bigEndian ? 8 * (3 - i) : 8 * i)) & 0xff);
  }
  void put16(std::string& f, std::size_t at, std::uint16_t v) const {
    f[at + (bigEndian ? 1 : 0)] = static_cast<char>(v & 0xff);
    f[at + (bigEndian ? 0 : 1)] = static_cast<char>(v >> 8);
  }
  void pageHeader(std::string& f, std::uint32_t pg, std::uint32_t next, std::uint16_t entries,
                  std::uint16_t hf, std::uint8_t type) const {
    std::size_t at = std::size_t{pg} * pageSize;
    put32(f, at + 8, pg);
    put32(f, at + 16, next);
    put16(f, at + 20, entries);
    put16(f, at + 22, hf);
    f[at + 25] = static_cast<char>(type);
  }

  [[nodiscard]] std::string build() const {
    std::uint32_t chunk = pageSize - 26;
    std::uint32_t pages = 2;
    for (const auto& [k, b] : overflowPairs) pages += (b.size() + chunk - 1) / chunk;
    std::string f(std::size_t{pages} * pageSize, '\0');
    put32(f, 12, 0x061561);
    put32(f, 16, 9);
    put32(f, 20, pageSize);
    f[25] = 8;
    put32(f, 32, pages - 1);
    // Hash page 1: items from the end of the page down.
    std::size_t at = pageSize;
    std::size_t top = pageSize;
    std::vector<std::uint16_t> offsets;
    auto item = [&](const std::string& bytes) {
      top -= bytes.size();
      f.replace(at + top, bytes.size(), bytes);
      offsets.push_back(static_cast<std::uint16_t>(top));
    };
    auto key = [&](std::uint32_t k) {
      std::string b(5, '\0');
      b[0] = 1;
      put32(b, 1, k);
      item(b);
    };
    for (const auto& [k, blob] : inlinePairs) {
      key(k);
      item(std::string(1, '\x01') + blob);
    }
    std::uint32_t next = 2;
    for (const auto& [k, blob] : overflowPairs) {
      key(k);
      std::string off(12, '\0');
      off[0] = 3;
      put32(off, 4, next);
      put32(off, 8, static_cast<std::uint32_t>(blob.size()));
      item(off);
      for (std::size_t done = 0; done < blob.size(); done += chunk, ++next) {
        std::size_t n = std::min<std::size_t>(chunk, blob.size() - done);
        bool last = done + n == blob.size();
        pageHeader(f, next, last ? 0 : next + 1, 0, static_cast<std::uint16_t>(n), 7);
        f.replace(std::size_t{next} * pageSize + 26, n, blob.substr(done, n));
      }
    }
    pageHeader(f, 1, 0, static_cast<std::uint16_t>(offsets.size()), 0, 13);
    for (std::size_t i = 0; i < offsets.size(); ++i) put16(f, at + 26 + 2 * i, offsets[i]);
    return f;
  }
};

std::string namedBlob(const std::string& name, std::size_t padding = 0) {
  return HeaderBuilder().str(1000, name).str(1001, "1").str(1004, std::string(padding, 's')).blob();
}

TEST(RpmBdb, InlineAndOverflowRecordsInBothByteOrders) {
  for (bool be : {false, true}) {
    BdbBuilder b;
    b.bigEndian = be;
    b.inlinePairs = {{0, std::string(4, '\0')}, {3, namedBlob("small")}};
    b.overflowPairs = {{1, namedBlob("big", 2000)}, {2, namedBlob("medium", 300)}};
    auto db = rpm::readBdbPackages(b.build(), "Packages");
    ASSERT_TRUE(db) << db.error().describe();
    EXPECT_TRUE(db->warnings.empty());
    ASSERT_EQ(db->records.size(), 3u) << "key 0 is rpm's bookkeeping, skipped";
    std::vector<std::string> names;
    for (const auto& r : db->records) {
      auto p = rpm::parseHeaderBlob(r.blob);
      ASSERT_TRUE(p) << p.error().describe();
      names.push_back(std::to_string(r.key) + ":" + p->name);
    }
    EXPECT_EQ(names, (std::vector<std::string>{"1:big", "2:medium", "3:small"}));
  }
}

TEST(RpmBdb, MalformedFiles) {
  BdbBuilder b;
  b.overflowPairs = {{1, namedBlob("big", 2000)}};
  std::string good = b.build();
  EXPECT_EQ(rpm::readBdbPackages("short", "P").error().code, ErrorCode::kInvalidInput);
  std::string magic = good;
  magic[12] = 0;
  EXPECT_NE(rpm::readBdbPackages(magic, "P").error().message.find("magic"), std::string::npos);
  std::string pageSize = good;
  setLe32(pageSize, 20, 1000);
  EXPECT_NE(rpm::readBdbPackages(pageSize, "P").error().message.find("page size"),
            std::string::npos);
  std::string encrypted = good;
  encrypted[24] = 1;
  EXPECT_EQ(rpm::readBdbPackages(encrypted, "P").error().code, ErrorCode::kUnsupported);
  // A chain that loops back on itself, and one that leaves the file: warnings, no hang.
  std::string loop = good;
  setLe32(loop, 2 * 512 + 16, 2);
  auto l = rpm::readBdbPackages(loop, "P");
  ASSERT_TRUE(l);
  EXPECT_TRUE(l->records.empty());
  ASSERT_EQ(l->warnings.size(), 1u);
  EXPECT_NE(l->warnings[0].message.find("overflow page chain"), std::string::npos);
  EXPECT_EQ(l->warnings[0].context, "P");
  std::string away = good;
  setLe32(away, 2 * 512 + 16, 9999);
  EXPECT_EQ(rpm::readBdbPackages(away, "P")->warnings.size(), 1u);
  std::string entries = good;
  setLe16(entries, 512 + 20, 400);
  EXPECT_EQ(rpm::readBdbPackages(entries, "P")->warnings.size(), 1u);
  // Every truncation is handled.
  for (std::size_t n = 0; n < good.size(); n += 7)
    (void)rpm::readBdbPackages(good.substr(0, n), "P");
}

// ---- ndb --------------------------------------------------------------------------------------

std::uint32_t adler(const std::string& s) {
  std::uint32_t a = 1, b = 0;
  for (unsigned char c : s) {
    a = (a + c) % 65521;
    b = (b + a) % 65521;
  }
  return (b << 16) | a;
}

std::string ndbFile(const std::vector<std::pair<std::uint32_t, std::string>>& blobs) {
  std::string page;
  page += "RpmP";
  putLe32(page, 0);
  putLe32(page, 1);  // generation
  putLe32(page, 1);  // slot pages
  putLe32(page, static_cast<std::uint32_t>(blobs.size() + 1));
  page.resize(32, '\0');
  std::string data;
  std::uint32_t blk = 4096 / 16;
  for (const auto& [idx, blob] : blobs) {
    std::uint32_t n = static_cast<std::uint32_t>((16 + blob.size() + 12 + 15) / 16);
    std::string body = "BlbS";
    putLe32(body, idx);
    putLe32(body, 0);
    putLe32(body, static_cast<std::uint32_t>(blob.size()));
    body += blob;
    body.resize(n * 16 - 12, '\0');
    std::string tail;
    putLe32(tail, adler(body));
    putLe32(tail, static_cast<std::uint32_t>(blob.size()));
    tail += "BlbE";
    page += "Slot";
    putLe32(page, idx);
    putLe32(page, blk);
    putLe32(page, n);
    data += body + tail;
    blk += n;
  }
  while (page.size() < 4096) {
    page += "Slot";
    page.append(12, '\0');
  }
  return page + data;
}

TEST(RpmNdb, SlotsAndChecksummedBlobs) {
  std::string f = ndbFile({{5, namedBlob("five")}, {2, namedBlob("two", 100)}});
  auto db = rpm::readNdbPackages(f, "Packages.db");
  ASSERT_TRUE(db) << db.error().describe();
  EXPECT_TRUE(db->warnings.empty());
  ASSERT_EQ(db->records.size(), 2u);
  EXPECT_EQ(db->records[0].key, 2u);
  EXPECT_EQ(rpm::parseHeaderBlob(db->records[1].blob)->name, "five");

  std::string corrupt = f;
  corrupt[4096 + 20] ^= 1;  // inside the first blob
  auto c = rpm::readNdbPackages(corrupt, "Packages.db");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->records.size(), 1u);
  ASSERT_EQ(c->warnings.size(), 1u);
  EXPECT_NE(c->warnings[0].message.find("checksum"), std::string::npos);

  EXPECT_FALSE(rpm::readNdbPackages("RpmP", "x"));
  std::string slot = f;
  slot[32] = 'X';
  EXPECT_NE(rpm::readNdbPackages(slot, "x").error().message.find("malformed slot"),
            std::string::npos);
  std::string pages = f;
  setLe32(pages, 12, 1000);
  EXPECT_FALSE(rpm::readNdbPackages(pages, "x"));
  std::string beyond = f;
  setLe32(beyond, 32 + 8, 1u << 30);
  EXPECT_EQ(rpm::readNdbPackages(beyond, "x")->warnings.size(), 1u);
  for (std::size_t n = 0; n < f.size(); n += 5) (void)rpm::readNdbPackages(f.substr(0, n), "x");
}

// ---- names ------------------------------------------------------------------------------------

TEST(RpmNames, SourceRpm) {
  struct Case {
    std::string in, name, vr;
    bool ok;
  };
  for (const auto& c : std::vector<Case>{
           {"bash-5.2.15-1.fc39.src.rpm", "bash", "5.2.15-1.fc39", true},
           {"python-foo-bar-1.0-2.el9.nosrc.rpm", "python-foo-bar", "1.0-2.el9", true},
           {"bash-5.2.15.src.rpm", "", "", false},
           {"bash-5.2.15-1.fc39.x86_64.rpm", "", "", false},
           {"-1-2.src.rpm", "", "", false},
           {"", "", "", false},
       }) {
    auto s = rpm::splitSourceRpm(c.in);
    ASSERT_EQ(s.has_value(), c.ok) << c.in;
    if (s) {
      EXPECT_EQ(s->name, c.name);
      EXPECT_EQ(s->versionRelease, c.vr);
    }
  }
}

TEST(RpmNames, NamespaceFromVendor) {
  EXPECT_EQ(rpm::namespaceFromVendor("Fedora Project"), "fedora");
  EXPECT_EQ(rpm::namespaceFromVendor("Red Hat, Inc."), "redhat");
  EXPECT_EQ(rpm::namespaceFromVendor("openSUSE"), "opensuse");
  EXPECT_EQ(rpm::namespaceFromVendor("SUSE LLC <https://www.suse.com/>"), "suse");
  EXPECT_EQ(rpm::namespaceFromVendor("Rocky Enterprise Software Foundation"), "rocky");
  EXPECT_EQ(rpm::namespaceFromVendor("Acme Corp"), "");
}

// ---- cataloger --------------------------------------------------------------------------------

using tollgate::testing::walkTempDir;

TEST(RpmCataloger, NdbDatabaseWithDependenciesAndPackageFiles) {
  TempDir d;
  d.write("etc/os-release", "ID=\"opensuse-leap\"\nVERSION_ID=\"15.5\"\n");
  std::string lib = HeaderBuilder()
                        .str(1000, "libfoo1")
                        .str(1001, "1.0")
                        .str(1002, "2.1")
                        .str(1022, "x86_64")
                        .str(1014, "MIT")
                        .str(1011, "SUSE LLC")
                        .strs(1047, {"libfoo.so.1()(64bit)"})
                        .strs(1118, {"/usr/lib64/", "/usr/../../etc/"})
                        .i32(1116, {0, 1})
                        .strs(1117, {"libfoo.so.1", "passwd"})
                        .blob();
  std::string app =
      HeaderBuilder()
          .str(1000, "app")
          .str(1001, "2")
          .str(1002, "1")
          .str(1022, "x86_64")
          .str(1044, "app-2-1.src.rpm")
          .strs(1049, {"libfoo.so.1()(64bit)", "rpmlib(Foo)", "/usr/lib64/libfoo.so.1", "missing"})
          .blob();
  std::string key = HeaderBuilder().str(1000, "gpg-pubkey").str(1001, "abc").blob();
  d.write("usr/lib/sysimage/rpm/Packages.db",
          ndbFile({{1, lib}, {2, app}, {3, key}, {4, "garbage"}}));
  d.symlink("../../usr/lib/sysimage/rpm", "var/lib/rpm");
  d.write("srv/repo/bash.rpm", rpmFile());
  d.write("srv/repo/broken.rpm", rpmFile().substr(0, 200));
  auto s = walkTempDir(d);
  Diagnostics diag;
  Catalogue c = catalogRpm(*s.tree, diag);
  ASSERT_EQ(c.components.size(), 3u);
  const auto& l = c.components[0];
  EXPECT_EQ(l.name, "libfoo1");
  EXPECT_EQ(l.purl, "pkg:rpm/opensuse-leap/libfoo1@1.0-2.1?arch=x86_64&distro=opensuse-leap-15.5");
  EXPECT_EQ(l.supplier, "SUSE LLC");
  ASSERT_EQ(l.files.size(), 1u);
  EXPECT_EQ(l.files[0].path, "/usr/lib64/libfoo.so.1");
  EXPECT_EQ(l.evidencePaths, (std::vector<std::string>{"/usr/lib/sysimage/rpm/Packages.db"}));
  EXPECT_EQ(c.components[1].sourceName, "app");
  const auto& f = c.components[2];
  EXPECT_EQ(f.name, "bash");
  EXPECT_EQ(f.purl, "pkg:rpm/fedora/bash@5.2.15-1.fc39?arch=x86_64&epoch=1");
  EXPECT_EQ(f.bomRef, f.purl + "#/srv/repo/bash.rpm");
  EXPECT_TRUE(f.files.empty());
  EXPECT_EQ(f.licenses.size(), 1u);
  ASSERT_EQ(c.dependencies.size(), 1u);
  EXPECT_EQ(c.dependencies[0].ref, c.components[1].bomRef);
  EXPECT_EQ(c.dependencies[0].dependsOn, (std::vector<std::string>{l.bomRef}));
  auto w = diag.warnings();
  ASSERT_EQ(w.size(), 2u);
  EXPECT_EQ(w[0].where, "/srv/repo/broken.rpm");
  EXPECT_EQ(w[1].where, "/usr/lib/sysimage/rpm/Packages.db");
  EXPECT_NE(w[1].what.find("record 4"), std::string::npos) << w[1].what;
}

TEST(RpmCataloger, NothingToFindIsQuiet) {
  TempDir d;
  d.write("usr/bin/x", "x");
  auto s = walkTempDir(d);
  Diagnostics diag;
  EXPECT_TRUE(catalogRpm(*s.tree, diag).components.empty());
  EXPECT_EQ(diag.count(), 0u);
}

TEST(RpmCataloger, GarbageSqliteIsOneWarning) {
  TempDir d;
  d.write("var/lib/rpm/rpmdb.sqlite", std::string(5000, 'x'));
  auto s = walkTempDir(d);
  Diagnostics diag;
  EXPECT_TRUE(catalogRpm(*s.tree, diag).components.empty());
  auto w = diag.warnings();
  ASSERT_EQ(w.size(), 1u);
  EXPECT_EQ(w[0].where, "/var/lib/rpm/rpmdb.sqlite");
}

}  // namespace
}  // namespace tollgate::catalog
