// PE/COFF images (Windows EXE, DLL, SYS): headers, sections with entropy, imports, exports, the
// VERSIONINFO resource, the overlay and the location of the Authenticode certificate table.
//
//   Result<MappedFile> m = MappedFile::open(fd, path);
//   Result<binfmt::PeInfo> pe = binfmt::parsePe(m->bytes());
//   if (pe && pe->versionInfo) use(pe->versionInfo->get("CompanyName"));
//   Result<AuthenticodeInfo> sig = binfmt::verifyAuthenticode(m->bytes(), *pe);  // authenticode.h
//
// The parser reads the headers, the section table, the import/export/debug directories and the
// version resource; with PeOptions::sectionEntropy (the default) it also reads every section's
// raw data once to compute its entropy. Nothing else of the file is touched.
//
// Every function is pure and thread-safe and never throws. Every RVA, offset and count read from
// the file is bounds-checked and capped; a directory that points outside the file is skipped (and
// noted in PeInfo::anomalies) rather than failing the whole parse.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "tollgate/util/result.h"

namespace tollgate::binfmt {

struct PeSection {
  std::string name;  // from the section table; "/4"-style long names resolved through the COFF
                     // string table when the image has one
  std::uint32_t virtualAddress = 0;
  std::uint32_t virtualSize = 0;
  std::uint32_t rawOffset = 0;  // PointerToRawData
  std::uint32_t rawSize = 0;    // SizeOfRawData
  std::uint32_t characteristics = 0;
  double entropy = 0.0;  // Shannon entropy of the raw data in the file, bits per byte (0..8)
};

struct PeImport {
  std::string dll;                     // as written ("KERNEL32.dll")
  std::vector<std::string> functions;  // names; imports by ordinal as "#<ordinal>"
  bool delayLoaded = false;            // from the delay-load import directory
};

struct PeDataDirectory {
  std::uint32_t address = 0;  // an RVA, except entry 4 (certificate table): a file offset
  std::uint32_t size = 0;
};

// The VS_VERSIONINFO resource.
struct PeVersionInfo {
  // VS_FIXEDFILEINFO as four 16-bit parts each ("10.0.19041.1").
  std::array<std::uint16_t, 4> fileVersion{};
  std::array<std::uint16_t, 4> productVersion{};
  bool hasFixedInfo = false;
  std::string language;  // key of the string table used: "040904b0" (language + code page)
  // Every String of the first StringTable, UTF-8: "CompanyName", "ProductName",
  // "FileDescription", "FileVersion", "ProductVersion", "OriginalFilename", "InternalName",
  // "LegalCopyright", ...
  std::map<std::string, std::string> strings;

  // The value of `key`, or "" when absent.
  [[nodiscard]] std::string get(std::string_view key) const;
  // "a.b.c.d" of the fixed file/product version ("" without fixed info).
  [[nodiscard]] std::string fixedFileVersion() const;
  [[nodiscard]] std::string fixedProductVersion() const;
};

struct PeInfo {
  bool pe32Plus = false;        // PE32+ (64-bit optional header)
  std::uint16_t machine = 0;    // IMAGE_FILE_MACHINE_*: 0x14c i386, 0x8664 AMD64, 0xaa64 ARM64
  std::uint32_t timestamp = 0;  // TimeDateStamp (seconds since 1970; often a hash when
                                // the build is reproducible)
  std::uint16_t characteristics = 0;  // COFF characteristics (0x2000: DLL)
  std::uint16_t subsystem = 0;        // 2 GUI, 3 console, 1 native, 10+ EFI
  std::uint16_t dllCharacteristics = 0;
  std::uint64_t imageBase = 0;
  std::uint32_t entryPoint = 0;  // RVA
  std::uint32_t checksum = 0;    // the optional header CheckSum as stored
  std::uint32_t sizeOfHeaders = 0;
  std::uint32_t sizeOfImage = 0;
  std::uint64_t fileSize = 0;

  // File offsets the Authenticode image hash skips.
  std::uint64_t checksumOffset = 0;       // the 4-byte CheckSum field
  std::uint64_t certDirectoryOffset = 0;  // the 8-byte data directory entry 4; 0 when absent

  std::vector<PeDataDirectory> dataDirectories;  // NumberOfRvaAndSizes entries (at most 16)
  std::vector<PeSection> sections;
  std::vector<PeImport> imports;     // regular imports, then delay-load imports
  std::string exportName;            // the DLL name in the export directory
  std::vector<std::string> exports;  // exported names, in the table's (sorted) order
  std::uint32_t exportCount = 0;     // NumberOfFunctions (named and ordinal-only)
  std::optional<PeVersionInfo> versionInfo;
  std::string pdbPath;    // CodeView RSDS record of the debug directory
  bool isDotNet = false;  // has a CLR runtime header (data directory 14)

  // Bytes after the end of the last section's raw data (which includes the certificate table
  // when it is appended there, as signing tools do).
  std::uint64_t overlayOffset = 0;
  std::uint64_t overlaySize = 0;
  // Overlay bytes that are not the certificate table: data appended outside the signature.
  std::uint64_t overlayOutsideCertificates = 0;

  // Structural oddities found while parsing ("import directory outside the file", ...).
  std::vector<std::string> anomalies;

  [[nodiscard]] bool isDll() const { return (characteristics & 0x2000) != 0; }
  // "i386", "x86-64", "arm", "arm64", "arm64ec", "ia64", "riscv64", ... or "0x<hex>".
  [[nodiscard]] std::string machineName() const;
  // The certificate table directory (entry 4): file offset and size; {0, 0} when unsigned.
  [[nodiscard]] PeDataDirectory certificateTable() const;
};

struct PeOptions {
  bool sectionEntropy = true;  // read each section's raw data once to compute its entropy
};

// Errors: kInvalidInput when the bytes are not a PE image: no "MZ", e_lfanew outside the file,
// no "PE\0\0" signature, truncated COFF or optional header, unknown optional header magic.
[[nodiscard]] Result<PeInfo> parsePe(std::span<const std::byte> file, const PeOptions& opts = {});

// The file bytes at `rva` of `size` bytes, through the section table (or the headers); nullopt
// when not backed by file data.
[[nodiscard]] std::optional<std::span<const std::byte>> peRvaData(std::span<const std::byte> file,
                                                                  const PeInfo& pe,
                                                                  std::uint32_t rva,
                                                                  std::uint32_t size);

}  // namespace tollgate::binfmt
