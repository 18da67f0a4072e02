// PE facts against binutils' objdump for the same image (imports, exports, header fields,
// sections) and against the .rc the fixture was built from (VERSIONINFO); section entropy against
// an independent computation; malformed inputs.
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <random>
#include <regex>
#include <sstream>

#include "pe_fixtures.h"
#include "test_util.h"
#include "tollgate/binfmt/pe.h"

namespace tollgate::binfmt {
namespace {

using testing::readBytes;
using testing::run;
using testing::shellQuote;

struct ObjdumpFacts {
  std::map<std::string, std::string> header;  // "ImageBase" -> "0000000140000000"
  std::vector<std::pair<std::string, std::vector<std::string>>> imports;
  std::vector<std::string> exports;
  std::vector<std::pair<std::string, std::uint64_t>> sections;  // name, file offset
};

ObjdumpFacts objdump(const std::filesystem::path& p) {
  ObjdumpFacts f;
  std::string q = shellQuote(p.string());
  std::istringstream in(run("x86_64-w64-mingw32-objdump -p " + q).value_or(""));
  std::string line;
  std::regex headerLine("^([A-Za-z]+)\\t+([0-9a-fA-F]+)");
  std::regex member("^\\t[0-9a-f]+\\t +[0-9]+  (.+)$");
  std::regex exportLine("^\\t\\[ *[0-9]+\\] (.+)$");
  bool inExports = false;
  std::smatch m;
  while (std::getline(in, line)) {
    if (line.rfind("[Ordinal/Name Pointer] Table", 0) == 0) {
      inExports = true;
      continue;
    }
    if (inExports) {
      if (std::regex_match(line, m, exportLine)) {
        f.exports.push_back(m[1].str());
        continue;
      }
      inExports = false;
    }
    if (line.rfind("\tDLL Name: ", 0) == 0) {
      f.imports.push_back({line.substr(11), {}});
    } else if (!f.imports.empty() && std::regex_match(line, m, member)) {
      f.imports.back().second.push_back(m[1].str());
    } else if (std::regex_search(line, m, headerLine)) {
      f.header.emplace(m[1].str(), m[2].str());
    }
  }
  std::istringstream h(run("x86_64-w64-mingw32-objdump -h " + q).value_or(""));
  std::regex sec("^ +[0-9]+ (\\S+) +[0-9a-f]+ +[0-9a-f]+ +[0-9a-f]+ +([0-9a-f]+) ");
  while (std::getline(h, line))
    if (std::regex_search(line, m, sec))
      f.sections.push_back({m[1].str(), std::stoull(m[2].str(), nullptr, 16)});
  return f;
}

std::uint64_t hexValue(const std::map<std::string, std::string>& h, const std::string& key) {
  auto it = h.find(key);
  return it == h.end() ? ~0ull : std::stoull(it->second, nullptr, 16);
}

TEST(Pe, FixturesMatchObjdump) {
  TOLLGATE_NEED_PE_FIXTURES(dir);
  for (const char* name : {"fixture.dll", "fixture.exe", "signed.exe"}) {
    SCOPED_TRACE(name);
    auto bytes = readBytes(dir / name);
    auto pe = parsePe(bytes);
    ASSERT_TRUE(pe) << pe.error().describe();
    ObjdumpFacts want = objdump(dir / name);
    EXPECT_TRUE(pe->pe32Plus);
    EXPECT_EQ(pe->machineName(), "x86-64");
    EXPECT_EQ(pe->imageBase, hexValue(want.header, "ImageBase"));
    EXPECT_EQ(pe->entryPoint, hexValue(want.header, "AddressOfEntryPoint"));
    EXPECT_EQ(pe->sizeOfHeaders, hexValue(want.header, "SizeOfHeaders"));
    EXPECT_EQ(pe->checksum, hexValue(want.header, "CheckSum"));
    EXPECT_EQ(pe->subsystem, hexValue(want.header, "Subsystem"));
    EXPECT_EQ(pe->dllCharacteristics, hexValue(want.header, "DllCharacteristics"));
    ASSERT_EQ(pe->imports.size(), want.imports.size());
    for (std::size_t i = 0; i < want.imports.size(); ++i) {
      EXPECT_EQ(pe->imports[i].dll, want.imports[i].first);
      EXPECT_EQ(pe->imports[i].functions, want.imports[i].second) << want.imports[i].first;
    }
    EXPECT_EQ(pe->exports, want.exports);
    std::vector<std::pair<std::string, std::uint64_t>> got;
    for (const auto& s : pe->sections)
      if (s.rawSize != 0) got.push_back({s.name, s.rawOffset});
    // objdump lists the sections with contents (a zero file offset means none).
    std::erase_if(want.sections, [](const auto& s) { return s.second == 0; });
    EXPECT_EQ(got, want.sections);
  }
}

TEST(Pe, FixtureFacts) {
  TOLLGATE_NEED_PE_FIXTURES(dir);
  auto dll = parsePe(readBytes(dir / "fixture.dll"));
  ASSERT_TRUE(dll);
  EXPECT_TRUE(dll->isDll());
  EXPECT_EQ(dll->exportName, "fixture.dll");
  EXPECT_EQ(dll->exports, (std::vector<std::string>{"demo_add", "demo_tick", "demo_version"}));
  EXPECT_EQ(dll->exportCount, 3u);
  auto exe = parsePe(readBytes(dir / "fixture.exe"));
  ASSERT_TRUE(exe);
  EXPECT_FALSE(exe->isDll());
  EXPECT_EQ(exe->subsystem, 3);  // console
  std::vector<std::string> dlls;
  for (const auto& i : exe->imports) dlls.push_back(i.dll);
  EXPECT_NE(std::find(dlls.begin(), dlls.end(), "fixture.dll"), dlls.end());
  EXPECT_NE(std::find(dlls.begin(), dlls.end(), "USER32.dll"), dlls.end());
  EXPECT_EQ(exe->certificateTable().size, 0u);
  EXPECT_EQ(exe->overlaySize, exe->overlayOutsideCertificates);
  auto signedExe = parsePe(readBytes(dir / "signed.exe"));
  ASSERT_TRUE(signedExe);
  EXPECT_GT(signedExe->certificateTable().size, 0u);
  // osslsigncode pads the file to a multiple of 8 before appending the table.
  std::uint64_t alignPad = signedExe->certificateTable().address - exe->fileSize;
  EXPECT_LT(alignPad, 8u);
  EXPECT_EQ(signedExe->overlayOutsideCertificates, exe->overlaySize + alignPad);
  EXPECT_EQ(signedExe->overlaySize,
            exe->overlaySize + alignPad + signedExe->certificateTable().size);
  auto appended = parsePe(readBytes(dir / "appended.exe"));
  ASSERT_TRUE(appended);
  EXPECT_EQ(appended->overlayOutsideCertificates, exe->overlaySize + alignPad + 512);
}

TEST(Pe, VersionInfoAsWrittenInTheRcFile) {
  TOLLGATE_NEED_PE_FIXTURES(dir);
  for (const char* name : {"fixture.dll", "fixture.exe", "signed.dll"}) {
    SCOPED_TRACE(name);
    auto pe = parsePe(readBytes(dir / name));
    ASSERT_TRUE(pe);
    ASSERT_TRUE(pe->versionInfo.has_value());
    const PeVersionInfo& v = *pe->versionInfo;
    std::string original = std::string(name) == "signed.dll" ? "fixture.dll" : name;
    EXPECT_EQ(v.language, "040904b0");
    EXPECT_EQ(v.get("CompanyName"), "Tollgate Test Corp");
    EXPECT_EQ(v.get("ProductName"), "Tollgate Fixture Suite");
    EXPECT_EQ(v.get("FileVersion"), "1.2.3.4");
    EXPECT_EQ(v.get("ProductVersion"), "1.2.0");
    EXPECT_EQ(v.get("OriginalFilename"), original);
    EXPECT_EQ(v.get("InternalName"), original);
    EXPECT_EQ(v.get("LegalCopyright"), "Copyright (C) 2024 Tollgate Test Corp");
    EXPECT_EQ(v.get("FileDescription"), original == "fixture.dll" ? "Tollgate fixture library"
                                                                  : "Tollgate fixture application");
    EXPECT_EQ(v.fixedFileVersion(), "1.2.3.4");
    EXPECT_EQ(v.fixedProductVersion(), "1.2.0.0");
    EXPECT_EQ(v.get("NoSuchKey"), "");
  }
}

TEST(Pe, SectionEntropyMatchesAnIndependentComputation) {
  TOLLGATE_NEED_PE_FIXTURES(dir);
  auto bytes = readBytes(dir / "fixture.exe");
  auto pe = parsePe(bytes);
  ASSERT_TRUE(pe);
  // One python run: "offset:size" arguments in, one entropy per line out.
  std::string script =
      "import math,sys\n"
      "f=open(sys.argv[1],'rb').read()\n"
      "for a in sys.argv[2:]:\n"
      "  o,n=map(int,a.split(':'));d=f[o:o+n]\n"
      "  c=[d.count(bytes([i])) for i in range(256)]\n"
      "  print('%.6f'%(-sum(x/len(d)*math.log2(x/len(d)) for x in c if x) if d else 0.0))\n";
  std::string args;
  std::vector<const PeSection*> withData;
  for (const auto& s : pe->sections) {
    if (s.rawSize == 0) continue;
    withData.push_back(&s);
    args += " " + std::to_string(s.rawOffset) + ":" + std::to_string(s.rawSize);
  }
  auto out = run("python3 -c " + shellQuote(script) + " " +
                 shellQuote((dir / "fixture.exe").string()) + args);
  ASSERT_TRUE(out);
  std::istringstream lines(*out);
  for (const PeSection* s : withData) {
    SCOPED_TRACE(s->name);
    double want = -1;
    lines >> want;
    EXPECT_NEAR(s->entropy, want, 1e-5);
    EXPECT_GE(s->entropy, 0.0);
    EXPECT_LE(s->entropy, 8.0);
  }
  auto noEntropy = parsePe(bytes, PeOptions{.sectionEntropy = false});
  ASSERT_TRUE(noEntropy);
  for (const auto& s : noEntropy->sections) EXPECT_EQ(s.entropy, 0.0);
}

TEST(Pe, RejectsNonPe) {
  std::string dos(128, '\0');
  dos[0] = 'M', dos[1] = 'Z';
  std::string badLfanew = dos;
  badLfanew[0x3c] = '\xff', badLfanew[0x3d] = '\xff', badLfanew[0x3e] = '\xff';
  std::string badMagic = dos;
  badMagic[0x3c] = 0x40;
  badMagic.replace(0x40, 4, std::string("PE\0\0", 4));
  badMagic[0x40 + 24] = 0x34;
  for (const auto& [name, bytes] :
       std::vector<std::pair<std::string, std::string>>{{"empty", ""},
                                                        {"elf",
                                                         "\x7f"
                                                         "ELF and more bytes"},
                                                        {"dos stub only", dos},
                                                        {"e_lfanew outside", badLfanew},
                                                        {"bad optional magic", badMagic}}) {
    SCOPED_TRACE(name);
    auto r = parsePe(std::as_bytes(std::span(bytes)));
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidInput);
  }
}

TEST(Pe, TruncatedAndCorruptedInputs) {
  TOLLGATE_NEED_PE_FIXTURES(dir);
  auto full = readBytes(dir / "signed.dll");
  for (std::size_t n = 0; n < full.size(); n += n < 4096 ? 13 : 997) {
    std::vector<std::byte> cut(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(n));
    (void)parsePe(cut);
  }
  std::mt19937 rng(4242);
  for (int round = 0; round < 3000; ++round) {
    auto copy = full;
    for (int k = 0; k < 6; ++k) copy[rng() % 1024] = static_cast<std::byte>(rng());
    // and somewhere in the directories' targets
    copy[rng() % copy.size()] = static_cast<std::byte>(rng());
    (void)parsePe(copy, PeOptions{.sectionEntropy = round % 100 == 0});
  }
}

// A hostile image: 65535 sections all covering the whole file, and 4000 import descriptors of
// 60000 thunks each naming the same 4000-byte string. Parsing must stay bounded (the section
// lookups logarithmic, entropy and name copies budgeted), which ctest's timeout would catch.
TEST(Pe, HostileCountsStayBounded) {
  const std::uint32_t nsec = 65535;
  const std::size_t secTable = 0x40 + 24 + 240;
  const std::size_t dataStart = secTable + 40ull * nsec;
  std::vector<std::byte> f(dataStart + 0x10000 + 60000 * 8 + 4096, std::byte{0});
  auto put16 = [&](std::size_t o, std::uint16_t v) {
    f[o] = std::byte(v & 0xff), f[o + 1] = std::byte(v >> 8);
  };
  auto put32 = [&](std::size_t o, std::uint32_t v) {
    for (int i = 0; i < 4; ++i) f[o + i] = std::byte((v >> (8 * i)) & 0xff);
  };
  put16(0, 0x5a4d), put32(0x3c, 0x40), put32(0x40, 0x4550);
  put16(0x44, 0x8664), put16(0x46, static_cast<std::uint16_t>(nsec)), put16(0x54, 240);
  const std::size_t opt = 0x58;
  put16(opt, 0x20b), put32(opt + 60, 0x200), put32(opt + 108, 16);
  const std::uint32_t importDir = static_cast<std::uint32_t>(dataStart);  // RVA == offset here
  put32(opt + 112 + 8, importDir), put32(opt + 112 + 12, 4000 * 20);
  for (std::uint32_t i = 0; i < nsec; ++i) {
    std::size_t h = secTable + 40ull * i;
    put32(h + 8, static_cast<std::uint32_t>(f.size())), put32(h + 12, 0);
    put32(h + 16, static_cast<std::uint32_t>(f.size())), put32(h + 20, 0);
  }
  const std::size_t thunks = dataStart + 0x10000, name = thunks + 60000 * 8 + 16;
  for (std::size_t i = 0; i < 4000; ++i) {
    put32(dataStart + 20 * i, static_cast<std::uint32_t>(thunks));
    put32(dataStart + 20 * i + 12, static_cast<std::uint32_t>(name));
  }
  for (std::size_t i = 0; i < 60000; ++i)
    put32(thunks + 8 * i, static_cast<std::uint32_t>(name - 2));
  for (std::size_t i = 0; i < 4000; ++i) f[name + i] = std::byte{'A'};
  auto pe = parsePe(f);
  ASSERT_TRUE(pe) << pe.error().describe();
  EXPECT_EQ(pe->sections.size(), nsec);
  std::size_t functions = 0;
  for (const auto& imp : pe->imports) functions += imp.functions.size();
  EXPECT_LE(functions, std::size_t{1} << 18);
  EXPECT_FALSE(pe->anomalies.empty());  // entropy was not computed for every section
}

}  // namespace
}  // namespace tollgate::binfmt
