// PE/COFF parsing, after the Microsoft PE Format specification (winnt.h structure layouts).
#include "tollgate/binfmt/pe.h"

#include <algorithm>
#include <cstdio>

#include "bytes.h"

namespace tollgate::binfmt {
namespace {

using detail::Bytes;
using detail::readLe;

constexpr std::uint16_t kMagicPe32 = 0x10b, kMagicPe32Plus = 0x20b;
constexpr std::size_t kDirExport = 0, kDirImport = 1, kDirResource = 2, kDirSecurity = 4,
                      kDirDebug = 6, kDirDelayImport = 13, kDirClr = 14;
constexpr std::uint32_t kRtVersion = 16;
// Caps on counts read from the file: far above any real image, low enough to bound work.
constexpr std::size_t kMaxImportDlls = 4096;
constexpr std::size_t kMaxImportFunctions = 65536;
constexpr std::size_t kMaxTotalImports = 1u << 18;
constexpr std::size_t kMaxExports = 1u << 18;
constexpr std::size_t kMaxResourceEntries = 4096;
constexpr std::size_t kMaxVersionNodes = 4096;
constexpr std::size_t kMaxNameBytes = 16u << 20;  // import/export/DLL names, all together

std::string hexNumber(std::uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
  return buf;
}

std::string joinVersion(const std::array<std::uint16_t, 4>& v) {
  return std::to_string(v[0]) + "." + std::to_string(v[1]) + "." + std::to_string(v[2]) + "." +
         std::to_string(v[3]);
}

class Image {
 public:
  Image(Bytes file, const PeInfo& pe) : file_(file), pe_(pe) {
    if (pe.sections.size() > kLinearSections) {
      for (const auto& sec : pe.sections) byAddress_.push_back(&sec);
      std::stable_sort(byAddress_.begin(), byAddress_.end(),
                       [](const PeSection* a, const PeSection* b) {
                         return a->virtualAddress < b->virtualAddress;
                       });
    }
  }

  [[nodiscard]] std::optional<std::uint64_t> rvaToOffset(std::uint32_t rva) const {
    auto map = [rva](const PeSection& s) -> std::optional<std::optional<std::uint64_t>> {
      std::uint64_t span = std::max(s.virtualSize, s.rawSize);
      if (rva < s.virtualAddress || rva - s.virtualAddress >= span) return std::nullopt;
      std::uint64_t delta = rva - s.virtualAddress;
      if (delta >= s.rawSize) return std::optional<std::uint64_t>{};  // zero-filled tail
      return std::optional<std::uint64_t>{std::uint64_t{s.rawOffset} + delta};
    };
    if (byAddress_.empty()) {
      // The loader's rule: the first section containing the address.
      for (const auto& s : pe_.sections)
        if (auto hit = map(s)) return *hit;
    } else {
      // Hostile section counts (up to 65535): the section starting last at or below the
      // address, found by binary search, so lookups stay logarithmic.
      auto it = std::upper_bound(
          byAddress_.begin(), byAddress_.end(), rva,
          [](std::uint32_t v, const PeSection* s) { return v < s->virtualAddress; });
      if (it != byAddress_.begin())
        if (auto hit = map(**std::prev(it))) return *hit;
    }
    if (rva < pe_.sizeOfHeaders) return rva;
    return std::nullopt;
  }
  [[nodiscard]] std::optional<Bytes> data(std::uint32_t rva, std::uint64_t size) const {
    auto off = rvaToOffset(rva);
    if (!off) return std::nullopt;
    return detail::slice(file_, *off, size);
  }
  template <class T>
  [[nodiscard]] std::optional<T> at(std::uint32_t rva) const {
    auto off = rvaToOffset(rva);
    if (!off) return std::nullopt;
    return readLe<T>(file_, *off);
  }
  // A NUL-terminated name; all names read through one Image share a byte budget, so a file
  // whose thousands of import entries point at one long string cannot make us copy gigabytes.
  [[nodiscard]] std::optional<std::string> string(std::uint32_t rva, std::size_t maxLen = 4096) {
    auto off = rvaToOffset(rva);
    if (!off || nameBudget_ == 0) return std::nullopt;
    auto s = detail::cString(file_, *off, std::min(maxLen, nameBudget_));
    if (s) nameBudget_ -= std::min(nameBudget_, s->size() + 1);
    return s;
  }

 private:
  static constexpr std::size_t kLinearSections = 96;
  Bytes file_;
  const PeInfo& pe_;
  std::vector<const PeSection*> byAddress_;
  std::size_t nameBudget_ = kMaxNameBytes;
};

// Reads an import name table (or IAT) at `rva`: names or "#ordinal".
std::vector<std::string> readThunks(Image& img, std::uint32_t rva, bool pe32Plus,
                                    std::size_t& budget) {
  std::vector<std::string> out;
  const std::uint32_t step = pe32Plus ? 8 : 4;
  for (std::size_t i = 0; i < kMaxImportFunctions && budget > 0; ++i, --budget) {
    std::uint64_t thunk;
    bool byOrdinal;
    if (pe32Plus) {
      auto v = img.at<std::uint64_t>(rva + static_cast<std::uint32_t>(i) * step);
      if (!v) break;
      thunk = *v;
      byOrdinal = (thunk >> 63) != 0;
    } else {
      auto v = img.at<std::uint32_t>(rva + static_cast<std::uint32_t>(i) * step);
      if (!v) break;
      thunk = *v;
      byOrdinal = (thunk >> 31) != 0;
    }
    if (thunk == 0) break;
    if (byOrdinal) {
      out.push_back("#" + std::to_string(thunk & 0xffff));
    } else {
      // IMAGE_IMPORT_BY_NAME: a 2-byte hint, then the name.
      auto name = img.string(static_cast<std::uint32_t>(thunk & 0x7fffffff) + 2, 1024);
      out.push_back(name.value_or("?"));
    }
  }
  return out;
}

void parseImports(Image& img, PeInfo& pe) {
  std::size_t budget = kMaxTotalImports;
  if (pe.dataDirectories.size() > kDirImport && pe.dataDirectories[kDirImport].address != 0) {
    std::uint32_t rva = pe.dataDirectories[kDirImport].address;
    for (std::size_t i = 0; i < kMaxImportDlls; ++i, rva += 20) {
      auto desc = img.data(rva, 20);
      if (!desc) {
        if (i == 0) pe.anomalies.push_back("import directory outside the file");
        break;
      }
      auto ilt = *readLe<std::uint32_t>(*desc, 0);
      auto nameRva = *readLe<std::uint32_t>(*desc, 12);
      auto iat = *readLe<std::uint32_t>(*desc, 16);
      if (ilt == 0 && nameRva == 0 && iat == 0) break;
      PeImport imp;
      imp.dll = img.string(nameRva, 1024).value_or("?");
      imp.functions = readThunks(img, ilt != 0 ? ilt : iat, pe.pe32Plus, budget);
      pe.imports.push_back(std::move(imp));
    }
  }
  if (pe.dataDirectories.size() > kDirDelayImport &&
      pe.dataDirectories[kDirDelayImport].address != 0) {
    std::uint32_t rva = pe.dataDirectories[kDirDelayImport].address;
    for (std::size_t i = 0; i < kMaxImportDlls; ++i, rva += 32) {
      auto desc = img.data(rva, 32);
      if (!desc) break;
      auto attrs = *readLe<std::uint32_t>(*desc, 0);
      auto nameRva = *readLe<std::uint32_t>(*desc, 4);
      auto intRva = *readLe<std::uint32_t>(*desc, 16);
      if (nameRva == 0 && intRva == 0) break;
      // Version 1 descriptors (attribute bit 0 clear) hold virtual addresses, not RVAs.
      auto fix = [&](std::uint32_t v) {
        return (attrs & 1) ? v : static_cast<std::uint32_t>(v - pe.imageBase);
      };
      PeImport imp;
      imp.delayLoaded = true;
      imp.dll = img.string(fix(nameRva), 1024).value_or("?");
      if (intRva != 0) imp.functions = readThunks(img, fix(intRva), pe.pe32Plus, budget);
      pe.imports.push_back(std::move(imp));
    }
  }
}

void parseExports(Image& img, PeInfo& pe) {
  if (pe.dataDirectories.size() <= kDirExport || pe.dataDirectories[kDirExport].address == 0)
    return;
  auto dir = img.data(pe.dataDirectories[kDirExport].address, 40);
  if (!dir) {
    pe.anomalies.push_back("export directory outside the file");
    return;
  }
  pe.exportName = img.string(*readLe<std::uint32_t>(*dir, 12), 1024).value_or("");
  pe.exportCount = *readLe<std::uint32_t>(*dir, 20);
  auto numberOfNames = std::min<std::size_t>(*readLe<std::uint32_t>(*dir, 24), kMaxExports);
  auto names = *readLe<std::uint32_t>(*dir, 32);
  for (std::size_t i = 0; i < numberOfNames; ++i) {
    auto nameRva = img.at<std::uint32_t>(names + static_cast<std::uint32_t>(4 * i));
    if (!nameRva) break;
    pe.exports.push_back(img.string(*nameRva, 1024).value_or("?"));
  }
}

void parseDebug(const Image& img, Bytes file, PeInfo& pe) {
  if (pe.dataDirectories.size() <= kDirDebug || pe.dataDirectories[kDirDebug].address == 0) return;
  const auto& d = pe.dataDirectories[kDirDebug];
  std::size_t n = std::min<std::size_t>(d.size / 28, 64);
  for (std::size_t i = 0; i < n; ++i) {
    auto e = img.data(d.address + static_cast<std::uint32_t>(28 * i), 28);
    if (!e) break;
    if (*readLe<std::uint32_t>(*e, 12) != 2) continue;  // IMAGE_DEBUG_TYPE_CODEVIEW
    auto size = *readLe<std::uint32_t>(*e, 16);
    auto ptr = *readLe<std::uint32_t>(*e, 24);
    auto cv = detail::slice(file, ptr, size);
    if (!cv || cv->size() < 24 || detail::asChars(cv->first(4)) != "RSDS") continue;
    pe.pdbPath = detail::cString(*cv, 24, 1024).value_or("");
    break;
  }
}

// --- VERSIONINFO --------------------------------------------------------------------------

// One node of the VS_VERSIONINFO tree: wLength, wValueLength, wType, szKey, value, children,
// each part 32-bit aligned relative to the start of the resource.
struct VersionNode {
  std::string key;
  Bytes value;     // wValueLength bytes (binary) or the UTF-16 text up to the node's end
  Bytes children;  // the bytes holding the child nodes
  std::uint64_t childrenBase = 0;  // offset of `children` in the resource, for alignment
};

std::uint64_t align4(std::uint64_t v) { return (v + 3) & ~std::uint64_t{3}; }

std::optional<VersionNode> readNode(Bytes res, std::uint64_t pos, std::uint64_t end) {
  auto len = readLe<std::uint16_t>(res, pos);
  auto valueLen = readLe<std::uint16_t>(res, pos + 2);
  auto type = readLe<std::uint16_t>(res, pos + 4);
  if (!len || !valueLen || !type || *len < 6 || pos + *len > end) return std::nullopt;
  std::uint64_t nodeEnd = pos + *len;
  VersionNode n;
  std::size_t consumed = 0;
  n.key = detail::utf16leToUtf8(res.subspan(pos + 6, nodeEnd - (pos + 6)), &consumed);
  std::uint64_t valuePos = align4(pos + 6 + consumed);
  if (valuePos > nodeEnd) valuePos = nodeEnd;
  // Text values count wValueLength in characters, binary ones in bytes; resource compilers
  // disagree, so text is read up to its NUL instead.
  std::uint64_t valueBytes = *type == 1 ? std::uint64_t{*valueLen} * 2 : *valueLen;
  valueBytes = std::min(valueBytes, nodeEnd - valuePos);
  n.value = res.subspan(valuePos, *type == 1 ? nodeEnd - valuePos : valueBytes);
  std::uint64_t childPos = align4(valuePos + valueBytes);
  if (childPos > nodeEnd) childPos = nodeEnd;
  n.children = res.subspan(childPos, nodeEnd - childPos);
  n.childrenBase = childPos;
  return n;
}

// Calls fn(child) for each child node of `parent`.
template <class Fn>
void forEachChild(Bytes res, const VersionNode& parent, std::size_t& budget, Fn&& fn) {
  std::uint64_t pos = parent.childrenBase;
  const std::uint64_t end = parent.childrenBase + parent.children.size();
  while (pos + 6 <= end && budget > 0) {
    --budget;
    auto len = readLe<std::uint16_t>(res, pos);
    if (!len || *len == 0) break;
    auto child = readNode(res, pos, end);
    if (!child) break;
    fn(*child);
    pos = align4(pos + *len);
  }
}

std::optional<PeVersionInfo> parseVersionInfo(Bytes res) {
  auto root = readNode(res, 0, res.size());
  if (!root || root->key != "VS_VERSION_INFO") return std::nullopt;
  PeVersionInfo vi;
  if (root->value.size() >= 52 && readLe<std::uint32_t>(root->value, 0) == 0xfeef04bdu) {
    auto ms = *readLe<std::uint32_t>(root->value, 8), ls = *readLe<std::uint32_t>(root->value, 12);
    vi.fileVersion = {static_cast<std::uint16_t>(ms >> 16), static_cast<std::uint16_t>(ms),
                      static_cast<std::uint16_t>(ls >> 16), static_cast<std::uint16_t>(ls)};
    ms = *readLe<std::uint32_t>(root->value, 16), ls = *readLe<std::uint32_t>(root->value, 20);
    vi.productVersion = {static_cast<std::uint16_t>(ms >> 16), static_cast<std::uint16_t>(ms),
                         static_cast<std::uint16_t>(ls >> 16), static_cast<std::uint16_t>(ls)};
    vi.hasFixedInfo = true;
  }
  std::size_t budget = kMaxVersionNodes;
  bool haveTable = false;
  forEachChild(res, *root, budget, [&](const VersionNode& block) {
    if (block.key != "StringFileInfo") return;
    forEachChild(res, block, budget, [&](const VersionNode& table) {
      if (haveTable) return;  // the first string table (language) only
      haveTable = true;
      vi.language = table.key;
      forEachChild(res, table, budget, [&](const VersionNode& str) {
        if (!str.key.empty() && !vi.strings.contains(str.key))
          vi.strings[str.key] = detail::utf16leToUtf8(str.value);
      });
    });
  });
  return vi;
}

// Walks type -> name -> language of the resource directory to the first RT_VERSION data entry.
std::optional<Bytes> findVersionResource(const Image& img, const PeInfo& pe) {
  if (pe.dataDirectories.size() <= kDirResource || pe.dataDirectories[kDirResource].address == 0)
    return std::nullopt;
  const std::uint32_t base = pe.dataDirectories[kDirResource].address;
  // Returns the OffsetToData of the matching entry of the directory at `dirOff` (relative to the
  // resource base): the entry with id `id`, or the first entry when id is nullopt.
  auto entry = [&](std::uint32_t dirOff,
                   std::optional<std::uint32_t> id) -> std::optional<std::uint32_t> {
    auto dir = img.data(base + dirOff, 16);
    if (!dir) return std::nullopt;
    std::size_t named = *readLe<std::uint16_t>(*dir, 12), ids = *readLe<std::uint16_t>(*dir, 14);
    std::size_t n = std::min(named + ids, kMaxResourceEntries);
    for (std::size_t i = 0; i < n; ++i) {
      auto e = img.data(base + dirOff + 16 + static_cast<std::uint32_t>(8 * i), 8);
      if (!e) return std::nullopt;
      auto name = *readLe<std::uint32_t>(*e, 0);
      if (id && ((name & 0x80000000u) || name != *id)) continue;
      return *readLe<std::uint32_t>(*e, 4);
    }
    return std::nullopt;
  };
  auto typeDir = entry(0, kRtVersion);
  if (!typeDir || !(*typeDir & 0x80000000u)) return std::nullopt;
  auto nameDir = entry(*typeDir & 0x7fffffffu, std::nullopt);
  if (!nameDir || !(*nameDir & 0x80000000u)) return std::nullopt;
  auto langEntry = entry(*nameDir & 0x7fffffffu, std::nullopt);
  if (!langEntry || (*langEntry & 0x80000000u)) return std::nullopt;  // must be a data entry
  auto dataEntry = img.data(base + *langEntry, 16);
  if (!dataEntry) return std::nullopt;
  auto rva = *readLe<std::uint32_t>(*dataEntry, 0), size = *readLe<std::uint32_t>(*dataEntry, 4);
  return img.data(rva, size);
}

}  // namespace

std::string PeVersionInfo::get(std::string_view key) const {
  auto it = strings.find(std::string(key));
  return it == strings.end() ? std::string() : it->second;
}
std::string PeVersionInfo::fixedFileVersion() const {
  return hasFixedInfo ? joinVersion(fileVersion) : std::string();
}
std::string PeVersionInfo::fixedProductVersion() const {
  return hasFixedInfo ? joinVersion(productVersion) : std::string();
}

std::string PeInfo::machineName() const {
  switch (machine) {
    case 0x14c:
      return "i386";
    case 0x8664:
      return "x86-64";
    case 0x1c0:
      return "arm";
    case 0x1c4:
      return "armnt";
    case 0xaa64:
      return "arm64";
    case 0xa641:
      return "arm64ec";
    case 0x200:
      return "ia64";
    case 0x5032:
      return "riscv32";
    case 0x5064:
      return "riscv64";
    case 0x6264:
      return "loongarch64";
    case 0xebc:
      return "ebc";
    default:
      return hexNumber(machine);
  }
}

PeDataDirectory PeInfo::certificateTable() const {
  return dataDirectories.size() > kDirSecurity ? dataDirectories[kDirSecurity] : PeDataDirectory{};
}

Result<PeInfo> parsePe(std::span<const std::byte> file, const PeOptions& opts) {
  if (file.size() < 64 || readLe<std::uint16_t>(file, 0) != 0x5a4d)
    return fail(ErrorCode::kInvalidInput, "not a PE image (no MZ header)");
  const std::uint32_t lfanew = *readLe<std::uint32_t>(file, 0x3c);
  if (!detail::inRange(file, lfanew, 24) || readLe<std::uint32_t>(file, lfanew) != 0x00004550u)
    return fail(ErrorCode::kInvalidInput, "no PE signature (a DOS executable?)", {}, lfanew);
  PeInfo pe;
  pe.fileSize = file.size();
  const std::uint64_t coff = lfanew + 4;
  pe.machine = *readLe<std::uint16_t>(file, coff);
  const std::uint16_t nsections = *readLe<std::uint16_t>(file, coff + 2);
  pe.timestamp = *readLe<std::uint32_t>(file, coff + 4);
  const std::uint32_t symbolTable = *readLe<std::uint32_t>(file, coff + 8);
  const std::uint32_t symbolCount = *readLe<std::uint32_t>(file, coff + 12);
  const std::uint16_t optSize = *readLe<std::uint16_t>(file, coff + 16);
  pe.characteristics = *readLe<std::uint16_t>(file, coff + 18);
  const std::uint64_t opt = coff + 20;
  auto magic = readLe<std::uint16_t>(file, opt);
  if (!magic) return fail(ErrorCode::kInvalidInput, "truncated optional header", {}, opt);
  if (*magic != kMagicPe32 && *magic != kMagicPe32Plus)
    return fail(ErrorCode::kInvalidInput, "unknown optional header magic " + hexNumber(*magic), {},
                opt);
  pe.pe32Plus = *magic == kMagicPe32Plus;
  const std::uint64_t dirsAt = opt + (pe.pe32Plus ? 112 : 96);
  if (optSize < dirsAt - opt || !detail::inRange(file, opt, dirsAt - opt))
    return fail(ErrorCode::kInvalidInput, "truncated optional header", {}, opt);
  pe.entryPoint = *readLe<std::uint32_t>(file, opt + 16);
  pe.imageBase =
      pe.pe32Plus ? *readLe<std::uint64_t>(file, opt + 24) : *readLe<std::uint32_t>(file, opt + 28);
  pe.sizeOfImage = *readLe<std::uint32_t>(file, opt + 56);
  pe.sizeOfHeaders = *readLe<std::uint32_t>(file, opt + 60);
  pe.checksumOffset = opt + 64;
  pe.checksum = *readLe<std::uint32_t>(file, opt + 64);
  pe.subsystem = *readLe<std::uint16_t>(file, opt + 68);
  pe.dllCharacteristics = *readLe<std::uint16_t>(file, opt + 70);
  const std::uint32_t ndirs = *readLe<std::uint32_t>(file, dirsAt - 4);
  // Only the directories inside SizeOfOptionalHeader count (the loader ignores the rest).
  std::uint64_t dirsFit = (opt + optSize - dirsAt) / 8;
  std::uint64_t n = std::min<std::uint64_t>({ndirs, 16, dirsFit});
  for (std::uint64_t i = 0; i < n; ++i) {
    auto rva = readLe<std::uint32_t>(file, dirsAt + 8 * i);
    auto size = readLe<std::uint32_t>(file, dirsAt + 8 * i + 4);
    if (!rva || !size) break;
    pe.dataDirectories.push_back({*rva, *size});
  }
  if (pe.dataDirectories.size() > kDirSecurity) pe.certDirectoryOffset = dirsAt + 8 * kDirSecurity;

  const std::uint64_t secTable = opt + optSize;
  for (std::uint16_t i = 0; i < nsections; ++i) {
    auto hdr = detail::slice(file, secTable + 40ull * i, 40);
    if (!hdr) {
      pe.anomalies.push_back("section table runs past the end of the file");
      break;
    }
    PeSection s;
    s.name = detail::fixedString(hdr->first(8));
    // "/123": a long name at offset 123 of the COFF string table (object files and images
    // linked by GNU ld keep their .debug_* names there).
    if (s.name.size() > 1 && s.name[0] == '/' && symbolTable != 0 &&
        s.name.find_first_not_of("0123456789", 1) == std::string::npos && s.name.size() <= 8) {
      std::uint64_t strtab = std::uint64_t{symbolTable} + std::uint64_t{symbolCount} * 18;
      std::uint64_t at = 0;
      for (char ch : std::string_view(s.name).substr(1))
        at = at * 10 + static_cast<unsigned>(ch - '0');
      if (auto longName = detail::cString(file, strtab + at, 256)) s.name = *longName;
    }
    s.virtualSize = *readLe<std::uint32_t>(*hdr, 8);
    s.virtualAddress = *readLe<std::uint32_t>(*hdr, 12);
    s.rawSize = *readLe<std::uint32_t>(*hdr, 16);
    s.rawOffset = *readLe<std::uint32_t>(*hdr, 20);
    s.characteristics = *readLe<std::uint32_t>(*hdr, 36);
    pe.sections.push_back(std::move(s));
  }

  // Overlay: what follows the last byte any section's raw data covers.
  std::uint64_t end = std::min<std::uint64_t>(pe.sizeOfHeaders, file.size());
  std::uint64_t entropyBudget = 2 * std::uint64_t{file.size()} + (1u << 20);
  bool entropySkipped = false;
  for (auto& s : pe.sections) {
    if (s.rawSize == 0) continue;
    std::uint64_t sEnd = std::uint64_t{s.rawOffset} + s.rawSize;
    if (sEnd > file.size()) {
      pe.anomalies.push_back("section " + s.name + " raw data runs past the end of the file");
      sEnd = file.size();
    }
    end = std::max(end, sEnd);
    if (opts.sectionEntropy && s.rawOffset < file.size()) {
      // Sections may overlap; a hostile table of 65535 whole-file sections must not cost
      // 65535 passes over the file.
      std::uint64_t n = sEnd - s.rawOffset;
      if (n <= entropyBudget) {
        entropyBudget -= n;
        s.entropy = detail::entropy(file.subspan(s.rawOffset, n));
      } else if (!entropySkipped) {
        entropySkipped = true;
        pe.anomalies.push_back("overlapping sections: entropy not computed for all of them");
      }
    }
  }
  pe.overlayOffset = end;
  pe.overlaySize = file.size() - end;
  pe.overlayOutsideCertificates = pe.overlaySize;
  if (auto cert = pe.certificateTable(); cert.size != 0 && cert.address >= end) {
    std::uint64_t certEnd =
        std::min<std::uint64_t>(std::uint64_t{cert.address} + cert.size, file.size());
    if (cert.address < certEnd) pe.overlayOutsideCertificates -= certEnd - cert.address;
  }
  pe.isDotNet = pe.dataDirectories.size() > kDirClr && pe.dataDirectories[kDirClr].address != 0;

  Image img(file, pe);
  parseImports(img, pe);
  parseExports(img, pe);
  parseDebug(img, file, pe);
  if (auto res = findVersionResource(img, pe)) pe.versionInfo = parseVersionInfo(*res);
  return pe;
}

std::optional<std::span<const std::byte>> peRvaData(std::span<const std::byte> file,
                                                    const PeInfo& pe, std::uint32_t rva,
                                                    std::uint32_t size) {
  return Image(file, pe).data(rva, size);
}

}  // namespace tollgate::binfmt
