// Mach-O images (macOS, iOS), thin and universal ("fat"): per architecture slice the UUID,
// minimum OS, linked dylibs, imported symbols, rpaths, segments and sections, and the code
// signature (presence, identifier, team id, ad-hoc or CMS-signed).
//
//   Result<binfmt::MachOInfo> m = binfmt::parseMachO(bytes);
//   for (const MachOSlice& s : m->slices) use(s.cpuName(), s.uuid, s.teamId);
//
// Only the headers, load commands and the code signature's CodeDirectory are read. The code
// signature is NOT verified (no page hashes, no CMS check): presence and identity only.
//
// Pure and thread-safe, never throws; offsets and counts read from the file are bounds-checked
// and capped.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "tollgate/util/result.h"

namespace tollgate::binfmt {

struct MachOSegment {
  std::string name;  // "__TEXT", "__DATA", "__LINKEDIT"
  std::uint64_t vmaddr = 0;
  std::uint64_t vmsize = 0;
  std::uint64_t fileoff = 0;  // relative to the slice
  std::uint64_t filesize = 0;
  std::uint32_t maxprot = 0;
  std::uint32_t initprot = 0;
};

struct MachOSection {
  std::string segment;  // "__DATA"
  std::string name;     // "__go_buildinfo"
  std::uint64_t addr = 0;
  std::uint64_t size = 0;
  std::uint32_t offset = 0;  // relative to the slice; 0 for zero-fill sections
};

struct MachOSlice {
  std::uint64_t offset = 0;  // of the slice in the file (0 for a thin file)
  std::uint64_t size = 0;
  bool is64 = false;
  bool bigEndian = false;
  std::uint32_t cpuType = 0;
  std::uint32_t cpuSubtype = 0;
  std::uint32_t fileType = 0;  // MH_EXECUTE 2, MH_DYLIB 6, MH_BUNDLE 8, MH_OBJECT 1, ...
  std::uint32_t flags = 0;
  std::string uuid;      // LC_UUID, upper-case 8-4-4-4-12 (as dwarfdump and otool print it)
  std::string platform;  // "macos", "ios", "tvos", "watchos", "maccatalyst", ... or "" if unknown
  std::string minOs;     // "11.0", "10.13.2" (LC_BUILD_VERSION or LC_VERSION_MIN_*)
  std::string sdk;
  std::string installName;          // LC_ID_DYLIB of a dylib
  std::vector<std::string> dylibs;  // LC_LOAD_DYLIB, _WEAK_, _REEXPORT_, _LAZY_, _UPWARD_
  std::vector<std::string> rpaths;  // LC_RPATH
  // Symbols the image imports from its dylibs: undefined external symbols of LC_SYMTAB, the
  // symbols named by the dyld bind opcodes of LC_DYLD_INFO(_ONLY) (bind and lazy bind streams),
  // and the imports of LC_DYLD_CHAINED_FIXUPS; C's leading underscore removed ("mprotect",
  // "opendir"), sorted and unique.
  std::vector<std::string> importedSymbols;
  std::vector<MachOSegment> segments;
  std::vector<MachOSection> sections;
  // Code signature (LC_CODE_SIGNATURE): where it is and what its CodeDirectory says.
  bool hasCodeSignature = false;
  std::uint32_t codeSignatureOffset = 0;  // relative to the slice
  std::uint32_t codeSignatureSize = 0;
  std::string signingId;  // CodeDirectory identifier ("com.example.app" or the file name)
  std::string teamId;     // CodeDirectory team identifier ("" when ad-hoc or absent)
  std::uint32_t codeDirectoryFlags = 0;  // CS_ADHOC 0x2, CS_RUNTIME 0x10000, CS_LINKER_SIGNED
  bool adhocSigned = false;              // CS_ADHOC: no certificate at all
  bool hasCmsSignature = false;          // a non-empty CMS blob (a certificate-based signature)

  // "x86_64", "arm64", "arm64e", "i386", "arm", "ppc", "ppc64", "arm64_32" or "0x<hex>".
  [[nodiscard]] std::string cpuName() const;
  // "execute", "dylib", "bundle", "object", "dylinker", "kext", "dsym", ... or "0x<hex>".
  [[nodiscard]] std::string fileTypeName() const;
};

struct MachOInfo {
  bool universal = false;  // a fat file (0xcafebabe / 0xcafebabf)
  std::vector<MachOSlice> slices;
};

// Errors: kInvalidInput when the bytes are not Mach-O (including Java class files, which share
// the 0xcafebabe magic: a "fat" header claiming more than 30 architectures is taken as one), the
// header is truncated, or a universal file has no parsable slice.
[[nodiscard]] Result<MachOInfo> parseMachO(std::span<const std::byte> file);

// The bytes of `slice` within the file it was parsed from (empty when out of range).
[[nodiscard]] std::span<const std::byte> machOSliceBytes(std::span<const std::byte> file,
                                                         const MachOSlice& slice);

// The bytes of section `segment`,`section` ("__TEXT", "__info_plist") of `slice` within
// `sliceBytes` (machOSliceBytes); empty when there is no such section or it is out of range.
[[nodiscard]] std::span<const std::byte> machOSectionData(std::span<const std::byte> sliceBytes,
                                                          const MachOSlice& slice,
                                                          std::string_view segment,
                                                          std::string_view section);

}  // namespace tollgate::binfmt
