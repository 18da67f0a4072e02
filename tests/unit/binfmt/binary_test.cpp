// identify() and inspect(): format sniffing and the combined facts.
#include <gtest/gtest.h>

#include "pe_fixtures.h"
#include "test_util.h"
#include "tollgate/binfmt/binary.h"

namespace tollgate::binfmt {
namespace {

using testing::readBytes;

TEST(Identify, Formats) {
  auto id = [](std::string_view s) { return identify(std::as_bytes(std::span(s))); };
  EXPECT_EQ(identify(readBytes("/bin/ls")), Format::kElf);
  EXPECT_EQ(id(""), Format::kUnknown);
  EXPECT_EQ(id("MZ"), Format::kUnknown);
  EXPECT_EQ(id(std::string("MZ\x90\0", 4) + std::string(60, '\0')), Format::kUnknown);  // DOS
  EXPECT_EQ(id("\xcf\xfa\xed\xfe"), Format::kMachO);
  EXPECT_EQ(id("\xfe\xed\xfa\xce"), Format::kMachO);
  EXPECT_EQ(id(std::string("\xca\xfe\xba\xbe\0\0\0\x02", 8)), Format::kMachOUniversal);
  EXPECT_EQ(id(std::string("\xca\xfe\xba\xbe\0\0\0\x34", 8)), Format::kUnknown);  // Java 8 class
  EXPECT_EQ(id("#!/bin/sh\n"), Format::kUnknown);
  EXPECT_STREQ(toString(Format::kMachOUniversal), "macho-universal");
}

TEST(Inspect, ElfAndUnknown) {
  auto ls = inspect(readBytes("/bin/ls"));
  ASSERT_TRUE(ls);
  EXPECT_EQ(ls->format, Format::kElf);
  ASSERT_TRUE(ls->elf);
  EXPECT_FALSE(ls->elf->buildId.empty());
  EXPECT_FALSE(ls->pe);
  std::string text = "just text";
  auto r = inspect(std::as_bytes(std::span(text)));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kUnsupported);
}

TEST(Inspect, SignedPe) {
  TOLLGATE_NEED_PE_FIXTURES(dir);
  auto b = inspect(readBytes(dir / "padded.exe"));
  ASSERT_TRUE(b);
  EXPECT_EQ(b->format, Format::kPe);
  ASSERT_TRUE(b->pe && b->authenticode);
  EXPECT_EQ(b->authenticode->status, SignatureStatus::kValid);
  EXPECT_EQ(b->authenticode->entries.at(0).slackBytes, 4096u);
  auto noSig = inspect(readBytes(dir / "padded.exe"), InspectOptions{.authenticode = false});
  ASSERT_TRUE(noSig);
  EXPECT_FALSE(noSig->authenticode);
}

}  // namespace
}  // namespace tollgate::binfmt
