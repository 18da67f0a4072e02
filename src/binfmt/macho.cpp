// Mach-O parsing after <mach-o/loader.h>, <mach-o/fat.h> and the code signing blob layouts of
// Apple's open source cctools / Security (cs_blobs.h).
#include "tollgate/binfmt/macho.h"

#include <algorithm>
#include <cstdio>

#include "bytes.h"

namespace tollgate::binfmt {
namespace {

using detail::Bytes;

constexpr std::uint32_t kMhMagic = 0xfeedface, kMhMagic64 = 0xfeedfacf;
constexpr std::uint32_t kMhCigam = 0xcefaedfe, kMhCigam64 = 0xcffaedfe;
constexpr std::uint32_t kFatMagic = 0xcafebabe, kFatMagic64 = 0xcafebabf;
constexpr std::uint32_t kMaxFatArchs = 30;
constexpr std::uint32_t kMaxCommands = 65536;
constexpr std::uint32_t kMaxSections = 65536;

constexpr std::uint32_t kMaxSymbols = 1u << 20;
constexpr std::size_t kMaxSymbolBytes = 16u << 20;

constexpr std::uint32_t kLcReqDyld = 0x80000000;
constexpr std::uint32_t kLcSymtab = 0x2, kLcDyldChainedFixups = 0x34 | kLcReqDyld,
                        kLcDyldInfo = 0x22, kLcDyldInfoOnly = 0x22 | kLcReqDyld;
constexpr std::uint32_t kLcSegment = 0x1, kLcLoadDylib = 0xc, kLcIdDylib = 0xd, kLcSegment64 = 0x19,
                        kLcUuid = 0x1b, kLcCodeSignature = 0x1d, kLcLazyLoadDylib = 0x20,
                        kLcVersionMinMacosx = 0x24, kLcVersionMinIphoneos = 0x25,
                        kLcVersionMinTvos = 0x2f, kLcVersionMinWatchos = 0x30,
                        kLcBuildVersion = 0x32, kLcLoadWeakDylib = 0x18 | kLcReqDyld,
                        kLcRpath = 0x1c | kLcReqDyld, kLcReexportDylib = 0x1f | kLcReqDyld,
                        kLcLoadUpwardDylib = 0x23 | kLcReqDyld;

constexpr std::uint32_t kCsMagicEmbeddedSignature = 0xfade0cc0;
constexpr std::uint32_t kCsMagicCodeDirectory = 0xfade0c02;
constexpr std::uint32_t kCsMagicBlobWrapper = 0xfade0b01;
constexpr std::uint32_t kCsSlotCodeDirectory = 0, kCsSlotSignature = 0x10000;
constexpr std::uint32_t kCsAdhoc = 0x2;

std::string hexNumber(std::uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
  return buf;
}

// xxxx.yy.zz nibbles; ".zz" omitted when zero, as otool prints it.
std::string versionText(std::uint32_t v) {
  std::string s = std::to_string(v >> 16) + "." + std::to_string((v >> 8) & 0xff);
  if ((v & 0xff) != 0) s += "." + std::to_string(v & 0xff);
  return s;
}

std::string platformName(std::uint32_t p) {
  switch (p) {
    case 1:
      return "macos";
    case 2:
      return "ios";
    case 3:
      return "tvos";
    case 4:
      return "watchos";
    case 5:
      return "bridgeos";
    case 6:
      return "maccatalyst";
    case 7:
      return "iossimulator";
    case 8:
      return "tvossimulator";
    case 9:
      return "watchossimulator";
    case 10:
      return "driverkit";
    case 11:
      return "visionos";
    case 12:
      return "visionossimulator";
    default:
      return hexNumber(p);
  }
}

std::string uuidText(Bytes u) {
  std::string h = detail::hex(u);
  std::transform(h.begin(), h.end(), h.begin(),
                 [](char c) { return static_cast<char>(c >= 'a' && c <= 'f' ? c - 32 : c); });
  return h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" + h.substr(16, 4) +
         "-" + h.substr(20);
}

// An lc_str: a NUL-terminated string at `strOffset` from the start of the load command, within
// the command.
std::string lcString(Bytes cmd, std::uint32_t strOffset) {
  if (strOffset >= cmd.size()) return {};
  return detail::fixedString(cmd.subspan(strOffset));
}

void parseCodeSignature(Bytes slice, MachOSlice& s) {
  auto blob = detail::slice(slice, s.codeSignatureOffset, s.codeSignatureSize);
  if (!blob) return;
  // Code signing blobs are big-endian whatever the image's byte order.
  auto be32 = [&](Bytes b, std::uint64_t off) { return detail::readBe<std::uint32_t>(b, off); };
  if (be32(*blob, 0) != kCsMagicEmbeddedSignature) return;
  auto count = be32(*blob, 8);
  if (!count) return;
  std::uint32_t n = std::min<std::uint32_t>(*count, 256);
  bool haveDirectory = false;
  for (std::uint32_t i = 0; i < n; ++i) {
    auto type = be32(*blob, 12 + 8ull * i), off = be32(*blob, 16 + 8ull * i);
    if (!type || !off) break;
    auto magic = be32(*blob, *off);
    auto len = be32(*blob, *off + 4ull);
    if (!magic || !len) continue;
    auto sub = detail::slice(*blob, *off, *len);
    if (!sub) continue;
    if (*type == kCsSlotCodeDirectory && *magic == kCsMagicCodeDirectory && !haveDirectory) {
      haveDirectory = true;
      auto version = be32(*sub, 8), flags = be32(*sub, 12), identOffset = be32(*sub, 20);
      if (!version || !flags || !identOffset) continue;
      s.codeDirectoryFlags = *flags;
      s.adhocSigned = (*flags & kCsAdhoc) != 0;
      s.signingId = detail::cString(*sub, *identOffset, 1024).value_or("");
      if (*version >= 0x20200) {
        if (auto teamOffset = be32(*sub, 48); teamOffset && *teamOffset != 0)
          s.teamId = detail::cString(*sub, *teamOffset, 256).value_or("");
      }
    } else if (*type == kCsSlotSignature && *magic == kCsMagicBlobWrapper) {
      s.hasCmsSignature = *len > 8;
    }
  }
}

// A C symbol's name without the leading underscore the compiler adds.
void addImport(std::string name, MachOSlice& s) {
  if (name.empty()) return;
  if (name.front() == '_') name.erase(0, 1);
  if (!name.empty()) s.importedSymbols.push_back(std::move(name));
}

// Undefined external nlist entries of LC_SYMTAB.
void parseSymtab(Bytes slice, bool be, std::uint32_t symoff, std::uint32_t nsyms,
                 std::uint32_t stroff, std::uint32_t strsize, MachOSlice& s) {
  auto strings = detail::slice(slice, stroff, strsize);
  if (!strings) return;
  const std::uint64_t entSize = s.is64 ? 16 : 12;
  const std::uint32_t n = std::min(nsyms, kMaxSymbols);
  std::size_t budget = kMaxSymbolBytes;
  for (std::uint32_t i = 0; i < n && budget > 0; ++i) {
    const std::uint64_t at = symoff + entSize * i;
    auto strx = detail::read<std::uint32_t>(slice, at, be);
    auto type = detail::read<std::uint8_t>(slice, at + 4, be);
    if (!strx || !type) break;
    // N_STAB entries are debugging records; N_TYPE == N_UNDF with N_EXT is an import.
    if ((*type & 0xe0) != 0 || (*type & 0x0e) != 0 || (*type & 0x01) == 0) continue;
    auto name = detail::cString(*strings, *strx, std::min<std::size_t>(1024, budget));
    if (!name) continue;
    budget -= std::min(budget, name->size() + 1);
    addImport(std::move(*name), s);
  }
}

// Symbol names of a dyld bind opcode stream (mach-o/loader.h BIND_OPCODE_*): every opcode's
// operands are skipped so the names of BIND_OPCODE_SET_SYMBOL_TRAILING_FLAGS_IMM are found (names
// flagged BIND_SYMBOL_FLAGS_NON_WEAK_DEFINITION are definitions, not imports). Lazy streams
// separate entries with BIND_OPCODE_DONE, so DONE does not stop the walk.
void parseBindOpcodes(Bytes slice, std::uint32_t off, std::uint32_t size, MachOSlice& s,
                      std::size_t& budget) {
  auto stream = detail::slice(slice, off, size);
  if (!stream) return;
  const auto* p = reinterpret_cast<const unsigned char*>(stream->data());
  const std::size_t n = stream->size();
  std::size_t i = 0;
  auto skipLeb = [&] {
    while (i < n && (p[i] & 0x80)) ++i;
    if (i < n) ++i;
  };
  while (i < n && budget > 0) {
    const unsigned op = p[i] & 0xf0, imm = p[i] & 0x0f;
    ++i;
    switch (op) {
      case 0x20:  // SET_DYLIB_ORDINAL_ULEB
      case 0x60:  // SET_ADDEND_SLEB
      case 0x70:  // SET_SEGMENT_AND_OFFSET_ULEB
      case 0x80:  // ADD_ADDR_ULEB
      case 0xa0:  // DO_BIND_ADD_ADDR_ULEB
        skipLeb();
        break;
      case 0xc0:  // DO_BIND_ULEB_TIMES_SKIPPING_ULEB
        skipLeb();
        skipLeb();
        break;
      case 0xd0:  // THREADED: SET_BIND_ORDINAL_TABLE_SIZE_ULEB (0) takes a ULEB, APPLY (1) none
        if (imm == 0) skipLeb();
        break;
      case 0x40: {  // SET_SYMBOL_TRAILING_FLAGS_IMM
        std::size_t e = i;
        while (e < n && p[e] != 0 && e - i < 1024) ++e;
        if (e >= n || p[e] != 0) return;
        if ((imm & 0x8) == 0 && e > i) {
          budget -= std::min(budget, e - i + 1);
          addImport(std::string(reinterpret_cast<const char*>(p + i), e - i), s);
        }
        i = e + 1;
        break;
      }
      default:  // DONE, SET_DYLIB_ORDINAL_IMM, SET_DYLIB_SPECIAL_IMM, SET_TYPE_IMM, DO_BIND, ...
        break;
    }
  }
}

// The imports table of LC_DYLD_CHAINED_FIXUPS (dyld's fixup-chains.h): DYLD_CHAINED_IMPORT (4
// bytes), _ADDEND (8) or _ADDEND64 (16), names in the symbol pool. The header is little-endian.
void parseChainedFixups(Bytes slice, std::uint32_t dataoff, std::uint32_t datasize, MachOSlice& s) {
  auto data = detail::slice(slice, dataoff, datasize);
  if (!data) return;
  auto u32 = [&](std::uint64_t off) { return detail::readLe<std::uint32_t>(*data, off); };
  auto importsOffset = u32(8), symbolsOffset = u32(12), count = u32(16), format = u32(20),
       symbolsFormat = u32(24);
  if (!importsOffset || !symbolsOffset || !count || !format || !symbolsFormat) return;
  if (*symbolsFormat != 0) return;  // zlib-compressed symbol pools are not produced in practice
  const std::uint64_t entSize = *format == 1 ? 4 : *format == 2 ? 8 : *format == 3 ? 16 : 0;
  if (entSize == 0) return;
  auto pool = detail::slice(*data, *symbolsOffset,
                            *symbolsOffset <= data->size() ? data->size() - *symbolsOffset : 0);
  if (!pool) return;
  std::size_t budget = kMaxSymbolBytes;
  const std::uint32_t n = std::min(*count, kMaxSymbols);
  for (std::uint32_t i = 0; i < n && budget > 0; ++i) {
    const std::uint64_t at = *importsOffset + entSize * i;
    std::uint64_t nameOffset;
    if (*format == 3) {
      auto v = detail::readLe<std::uint64_t>(*data, at);
      if (!v) break;
      nameOffset = *v >> 32;
    } else {
      auto v = u32(at);
      if (!v) break;
      nameOffset = *v >> 9;
    }
    auto name = detail::cString(*pool, nameOffset, std::min<std::size_t>(1024, budget));
    if (!name) continue;
    budget -= std::min(budget, name->size() + 1);
    addImport(std::move(*name), s);
  }
}

Result<MachOSlice> parseThin(Bytes slice, std::uint64_t sliceOffset) {
  auto magic = detail::readLe<std::uint32_t>(slice, 0);
  if (!magic) return fail(ErrorCode::kInvalidInput, "truncated Mach-O header");
  MachOSlice s;
  s.offset = sliceOffset;
  s.size = slice.size();
  switch (*magic) {
    case kMhMagic:
      break;
    case kMhMagic64:
      s.is64 = true;
      break;
    case kMhCigam:
      s.bigEndian = true;
      break;
    case kMhCigam64:
      s.is64 = s.bigEndian = true;
      break;
    default:
      return fail(ErrorCode::kInvalidInput, "not a Mach-O file (bad magic)");
  }
  const bool be = s.bigEndian;
  auto u32 = [&](Bytes b, std::uint64_t off) { return detail::read<std::uint32_t>(b, off, be); };
  auto u64 = [&](Bytes b, std::uint64_t off) { return detail::read<std::uint64_t>(b, off, be); };
  const std::uint64_t headerSize = s.is64 ? 32 : 28;
  if (slice.size() < headerSize) return fail(ErrorCode::kInvalidInput, "truncated Mach-O header");
  s.cpuType = *u32(slice, 4);
  s.cpuSubtype = *u32(slice, 8);
  s.fileType = *u32(slice, 12);
  const std::uint32_t ncmds = std::min(*u32(slice, 16), kMaxCommands);
  const std::uint32_t sizeofcmds = *u32(slice, 20);
  s.flags = *u32(slice, 24);
  std::uint64_t cmdsEnd =
      std::min<std::uint64_t>(headerSize + std::uint64_t{sizeofcmds}, slice.size());
  std::uint64_t pos = headerSize;
  std::size_t sectionBudget = kMaxSections;
  for (std::uint32_t i = 0; i < ncmds && pos + 8 <= cmdsEnd; ++i) {
    std::uint32_t cmd = *u32(slice, pos), cmdsize = *u32(slice, pos + 4);
    if (cmdsize < 8 || pos + cmdsize > cmdsEnd) break;  // a malformed command ends the walk
    Bytes c = slice.subspan(pos, cmdsize);
    switch (cmd) {
      case kLcSegment:
      case kLcSegment64: {
        const bool is64 = cmd == kLcSegment64;
        const std::uint64_t segSize = is64 ? 72 : 56, sectSize = is64 ? 80 : 68;
        if (c.size() < segSize) break;
        MachOSegment seg;
        seg.name = detail::fixedString(c.subspan(8, 16));
        std::uint32_t nsects;
        if (is64) {
          seg.vmaddr = *u64(c, 24), seg.vmsize = *u64(c, 32), seg.fileoff = *u64(c, 40),
          seg.filesize = *u64(c, 48), seg.maxprot = *u32(c, 56), seg.initprot = *u32(c, 60);
          nsects = *u32(c, 64);
        } else {
          seg.vmaddr = *u32(c, 24), seg.vmsize = *u32(c, 28), seg.fileoff = *u32(c, 32),
          seg.filesize = *u32(c, 36), seg.maxprot = *u32(c, 40), seg.initprot = *u32(c, 44);
          nsects = *u32(c, 48);
        }
        s.segments.push_back(seg);
        for (std::uint32_t k = 0; k < nsects && sectionBudget > 0; ++k, --sectionBudget) {
          auto sect = detail::slice(c, segSize + sectSize * k, sectSize);
          if (!sect) break;
          MachOSection out;
          out.name = detail::fixedString(sect->subspan(0, 16));
          out.segment = detail::fixedString(sect->subspan(16, 16));
          if (is64) {
            out.addr = *u64(*sect, 32), out.size = *u64(*sect, 40), out.offset = *u32(*sect, 48);
          } else {
            out.addr = *u32(*sect, 32), out.size = *u32(*sect, 36), out.offset = *u32(*sect, 40);
          }
          s.sections.push_back(std::move(out));
        }
        break;
      }
      case kLcSymtab:
        if (c.size() >= 24)
          parseSymtab(slice, be, *u32(c, 8), *u32(c, 12), *u32(c, 16), *u32(c, 20), s);
        break;
      case kLcDyldInfo:
      case kLcDyldInfoOnly:
        if (c.size() >= 48) {
          std::size_t budget = kMaxSymbolBytes;
          // Bind and lazy bind; the weak stream also names the image's own weak definitions.
          for (std::uint64_t at : {16, 32})
            parseBindOpcodes(slice, *u32(c, at), *u32(c, at + 4), s, budget);
        }
        break;
      case kLcDyldChainedFixups:
        if (c.size() >= 16) parseChainedFixups(slice, *u32(c, 8), *u32(c, 12), s);
        break;
      case kLcUuid:
        if (c.size() >= 24) s.uuid = uuidText(c.subspan(8, 16));
        break;
      case kLcLoadDylib:
      case kLcLoadWeakDylib:
      case kLcReexportDylib:
      case kLcLazyLoadDylib:
      case kLcLoadUpwardDylib:
        if (c.size() >= 24) s.dylibs.push_back(lcString(c, *u32(c, 8)));
        break;
      case kLcIdDylib:
        if (c.size() >= 24) s.installName = lcString(c, *u32(c, 8));
        break;
      case kLcRpath:
        if (c.size() >= 12) s.rpaths.push_back(lcString(c, *u32(c, 8)));
        break;
      case kLcCodeSignature:
        if (c.size() >= 16) {
          s.hasCodeSignature = true;
          s.codeSignatureOffset = *u32(c, 8);
          s.codeSignatureSize = *u32(c, 12);
        }
        break;
      case kLcVersionMinMacosx:
      case kLcVersionMinIphoneos:
      case kLcVersionMinTvos:
      case kLcVersionMinWatchos:
        if (c.size() >= 16 && s.minOs.empty()) {
          s.platform = cmd == kLcVersionMinMacosx     ? "macos"
                       : cmd == kLcVersionMinIphoneos ? "ios"
                       : cmd == kLcVersionMinTvos     ? "tvos"
                                                      : "watchos";
          s.minOs = versionText(*u32(c, 8));
          s.sdk = *u32(c, 12) == 0 ? "" : versionText(*u32(c, 12));  // 0: "n/a"
        }
        break;
      case kLcBuildVersion:
        if (c.size() >= 24) {
          s.platform = platformName(*u32(c, 8));
          s.minOs = versionText(*u32(c, 12));
          s.sdk = *u32(c, 16) == 0 ? "" : versionText(*u32(c, 16));
        }
        break;
      default:
        break;
    }
    pos += cmdsize;
  }
  if (s.hasCodeSignature) parseCodeSignature(slice, s);
  std::sort(s.importedSymbols.begin(), s.importedSymbols.end());
  s.importedSymbols.erase(std::unique(s.importedSymbols.begin(), s.importedSymbols.end()),
                          s.importedSymbols.end());
  return s;
}

}  // namespace

std::string MachOSlice::cpuName() const {
  constexpr std::uint32_t kAbi64 = 0x01000000, kAbi64_32 = 0x02000000;
  switch (cpuType) {
    case 7:
      return "i386";
    case 7 | kAbi64:
      return (cpuSubtype & 0xff) == 8 ? "x86_64h" : "x86_64";
    case 12:
      return "arm";
    case 12 | kAbi64:
      return (cpuSubtype & 0xff) == 2 ? "arm64e" : "arm64";
    case 12 | kAbi64_32:
      return "arm64_32";
    case 18:
      return "ppc";
    case 18 | kAbi64:
      return "ppc64";
    default:
      return hexNumber(cpuType);
  }
}

std::string MachOSlice::fileTypeName() const {
  switch (fileType) {
    case 1:
      return "object";
    case 2:
      return "execute";
    case 3:
      return "fvmlib";
    case 4:
      return "core";
    case 5:
      return "preload";
    case 6:
      return "dylib";
    case 7:
      return "dylinker";
    case 8:
      return "bundle";
    case 9:
      return "dylib_stub";
    case 10:
      return "dsym";
    case 11:
      return "kext";
    case 12:
      return "fileset";
    default:
      return hexNumber(fileType);
  }
}

Result<MachOInfo> parseMachO(std::span<const std::byte> file) {
  auto magic = detail::readBe<std::uint32_t>(file, 0);
  if (!magic) return fail(ErrorCode::kInvalidInput, "not a Mach-O file (too short)");
  MachOInfo info;
  if (*magic != kFatMagic && *magic != kFatMagic64) {
    auto s = parseThin(file, 0);
    if (!s) return std::unexpected(s.error());
    info.slices.push_back(std::move(*s));
    return info;
  }
  const bool fat64 = *magic == kFatMagic64;
  auto nfat = detail::readBe<std::uint32_t>(file, 4);
  if (!nfat || *nfat == 0 || *nfat > kMaxFatArchs)
    return fail(ErrorCode::kInvalidInput,
                "not a universal Mach-O file (architecture count; a Java class file?)");
  info.universal = true;
  const std::uint64_t archSize = fat64 ? 32 : 20;
  Error lastError{ErrorCode::kInvalidInput,
                  "universal Mach-O file without a parsable slice",
                  {},
                  Error::kNoOffset};
  for (std::uint32_t i = 0; i < *nfat; ++i) {
    std::uint64_t at = 8 + archSize * i;
    std::optional<std::uint64_t> offset, size;
    if (fat64) {
      offset = detail::readBe<std::uint64_t>(file, at + 8);
      size = detail::readBe<std::uint64_t>(file, at + 16);
    } else {
      auto o = detail::readBe<std::uint32_t>(file, at + 8);
      auto z = detail::readBe<std::uint32_t>(file, at + 12);
      if (o) offset = *o;
      if (z) size = *z;
    }
    if (!offset || !size) break;
    auto bytes = detail::slice(file, *offset, *size);
    if (!bytes) continue;
    auto s = parseThin(*bytes, *offset);
    if (!s) {
      lastError = s.error();
      continue;
    }
    info.slices.push_back(std::move(*s));
  }
  if (info.slices.empty()) return std::unexpected(lastError);
  return info;
}

std::span<const std::byte> machOSliceBytes(std::span<const std::byte> file,
                                           const MachOSlice& slice) {
  return detail::slice(file, slice.offset, slice.size).value_or(std::span<const std::byte>{});
}

std::span<const std::byte> machOSectionData(std::span<const std::byte> sliceBytes,
                                            const MachOSlice& slice, std::string_view segment,
                                            std::string_view section) {
  for (const auto& sec : slice.sections)
    if (sec.segment == segment && sec.name == section && sec.offset != 0)
      return detail::slice(sliceBytes, sec.offset, sec.size).value_or(std::span<const std::byte>{});
  return {};
}

}  // namespace tollgate::binfmt
