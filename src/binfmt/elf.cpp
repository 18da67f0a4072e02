// ELF parsing. Layouts follow the System V gABI (elf.h field offsets, 32- and 64-bit).
#include "tollgate/binfmt/elf.h"

#include <algorithm>
#include <cstdio>

#include "bytes.h"

namespace tollgate::binfmt {
namespace {

using detail::Bytes;

constexpr std::uint32_t kPtLoad = 1, kPtDynamic = 2, kPtInterp = 3, kPtNote = 4;
constexpr std::uint32_t kShtSymtab = 2, kShtDynamic = 6, kShtNote = 7, kShtNobits = 8,
                        kShtDynsym = 11;
constexpr std::int64_t kDtNull = 0, kDtNeeded = 1, kDtHash = 4, kDtStrtab = 5, kDtSymtab = 6,
                       kDtStrsz = 10, kDtSoname = 14, kDtRpath = 15, kDtRunpath = 29,
                       kDtGnuHash = 0x6ffffef5;
constexpr std::uint64_t kMaxSymbols = 1u << 20;
constexpr std::uint32_t kNtGnuBuildId = 3;
// Counts beyond these are hostile: no real file has millions of headers or dynamic entries.
constexpr std::uint64_t kMaxHeaders = 1u << 20;
constexpr std::uint64_t kMaxDynamic = 1u << 16;
constexpr std::size_t kMaxNotes = 4096;
constexpr std::size_t kMaxStringBytes = 16u << 20;  // section names; dynamic strings

std::string hexNumber(std::uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
  return buf;
}

class Reader {
 public:
  Reader(Bytes file, bool is64, bool be) : file_(file), is64_(is64), be_(be) {}
  [[nodiscard]] std::optional<std::uint16_t> u16(std::uint64_t off) const {
    return detail::read<std::uint16_t>(file_, off, be_);
  }
  [[nodiscard]] std::optional<std::uint32_t> u32(std::uint64_t off) const {
    return detail::read<std::uint32_t>(file_, off, be_);
  }
  [[nodiscard]] std::optional<std::uint64_t> u64(std::uint64_t off) const {
    return detail::read<std::uint64_t>(file_, off, be_);
  }
  // A native word: 8 bytes in ELF64, 4 in ELF32.
  [[nodiscard]] std::optional<std::uint64_t> word(std::uint64_t off) const {
    if (is64_) return u64(off);
    auto v = u32(off);
    return v ? std::optional<std::uint64_t>(*v) : std::nullopt;
  }
  [[nodiscard]] Bytes file() const { return file_; }
  [[nodiscard]] bool is64() const { return is64_; }
  [[nodiscard]] bool bigEndian() const { return be_; }

 private:
  Bytes file_;
  bool is64_;
  bool be_;
};

std::optional<ElfSegment> readSegment(const Reader& r, std::uint64_t off) {
  ElfSegment s;
  if (r.is64()) {
    auto type = r.u32(off), flags = r.u32(off + 4);
    auto offset = r.u64(off + 8), vaddr = r.u64(off + 16), filesz = r.u64(off + 32),
         memsz = r.u64(off + 40), align = r.u64(off + 48);
    if (!type || !flags || !offset || !vaddr || !filesz || !memsz || !align) return std::nullopt;
    s = {*type, *flags, *offset, *vaddr, *filesz, *memsz, *align};
  } else {
    auto type = r.u32(off), offset = r.u32(off + 4), vaddr = r.u32(off + 8),
         filesz = r.u32(off + 16), memsz = r.u32(off + 20), flags = r.u32(off + 24),
         align = r.u32(off + 28);
    if (!type || !flags || !offset || !vaddr || !filesz || !memsz || !align) return std::nullopt;
    s = {*type, *flags, *offset, *vaddr, *filesz, *memsz, *align};
  }
  return s;
}

struct RawSection {
  ElfSection sec;
  std::uint32_t nameOffset = 0;
  std::uint32_t link = 0;
  std::uint32_t info = 0;
  std::uint64_t align = 0;
};

std::optional<RawSection> readSection(const Reader& r, std::uint64_t off) {
  RawSection s;
  auto name = r.u32(off), type = r.u32(off + 4);
  if (!name || !type) return std::nullopt;
  s.nameOffset = *name;
  s.sec.type = *type;
  std::optional<std::uint64_t> flags, addr, offset, size, align;
  std::optional<std::uint32_t> link, info;
  if (r.is64()) {
    flags = r.u64(off + 8), addr = r.u64(off + 16), offset = r.u64(off + 24),
    size = r.u64(off + 32), link = r.u32(off + 40), info = r.u32(off + 44), align = r.u64(off + 48);
  } else {
    flags = r.word(off + 8), addr = r.word(off + 12), offset = r.word(off + 16),
    size = r.word(off + 20), link = r.u32(off + 24), info = r.u32(off + 28),
    align = r.word(off + 32);
  }
  if (!flags || !addr || !offset || !size || !link || !info || !align) return std::nullopt;
  s.align = *align;
  s.sec.flags = *flags;
  s.sec.address = *addr;
  s.sec.offset = *offset;
  s.sec.size = s.sec.type == kShtNobits ? 0 : *size;
  s.link = *link;
  s.info = *info;
  return s;
}

// File offset of virtual address `vaddr`, through the PT_LOAD segments.
std::optional<std::uint64_t> vaddrToOffset(const ElfInfo& elf, std::uint64_t vaddr) {
  for (const auto& s : elf.segments) {
    if (s.type != kPtLoad) continue;
    if (vaddr >= s.vaddr && vaddr - s.vaddr < s.fileSize) return s.offset + (vaddr - s.vaddr);
  }
  return std::nullopt;
}

void parseNotes(const Reader& r, Bytes notes, std::uint64_t align, ElfInfo& out) {
  align = align == 8 ? 8 : 4;
  auto up = [align](std::uint64_t v) { return (v + align - 1) & ~(align - 1); };
  std::uint64_t pos = 0;
  for (std::size_t n = 0; n < kMaxNotes && pos + 12 <= notes.size(); ++n) {
    auto namesz = detail::read<std::uint32_t>(notes, pos, r.bigEndian());
    auto descsz = detail::read<std::uint32_t>(notes, pos + 4, r.bigEndian());
    auto type = detail::read<std::uint32_t>(notes, pos + 8, r.bigEndian());
    if (!namesz || !descsz || !type) return;
    std::uint64_t nameOff = pos + 12;
    std::uint64_t descOff = nameOff + up(*namesz);
    auto name = detail::slice(notes, nameOff, *namesz);
    auto desc = detail::slice(notes, descOff, *descsz);
    if (!name || !desc) return;
    std::string_view owner = detail::asChars(*name);
    if (!owner.empty() && owner.back() == '\0') owner.remove_suffix(1);
    if (owner == "GNU" && *type == kNtGnuBuildId && out.buildId.empty())
      out.buildId = detail::hex(*desc);
    pos = descOff + up(*descsz);
  }
}

// Where the dynamic symbol table is, as the dynamic section says (for files without section
// headers).
struct DynamicSymbols {
  std::optional<std::uint64_t> symtab, hash, gnuHash;
  std::optional<Bytes> strtab;
};

void parseDynamic(const Reader& r, Bytes dyn, std::optional<Bytes> strtabFromSection, ElfInfo& out,
                  DynamicSymbols& syms) {
  const std::uint64_t entSize = r.is64() ? 16 : 8;
  struct Entry {
    std::int64_t tag;
    std::uint64_t val;
  };
  std::vector<Entry> entries;
  for (std::uint64_t off = 0; off + entSize <= dyn.size() && entries.size() < kMaxDynamic;
       off += entSize) {
    std::optional<std::uint64_t> tag, val;
    if (r.is64()) {
      tag = detail::read<std::uint64_t>(dyn, off, r.bigEndian());
      val = detail::read<std::uint64_t>(dyn, off + 8, r.bigEndian());
    } else {
      auto t = detail::read<std::uint32_t>(dyn, off, r.bigEndian());
      auto v = detail::read<std::uint32_t>(dyn, off + 4, r.bigEndian());
      if (t)
        tag = static_cast<std::uint64_t>(static_cast<std::int64_t>(static_cast<std::int32_t>(*t)));
      if (v) val = *v;
    }
    if (!tag || !val) break;
    auto t = static_cast<std::int64_t>(*tag);
    if (t == kDtNull) break;
    entries.push_back({t, *val});
  }
  std::optional<std::uint64_t> strtabAddr, strsz;
  for (const auto& e : entries) {
    if (e.tag == kDtStrtab) strtabAddr = e.val;
    if (e.tag == kDtStrsz) strsz = e.val;
    if (e.tag == kDtSymtab) syms.symtab = e.val;
    if (e.tag == kDtHash) syms.hash = e.val;
    if (e.tag == kDtGnuHash) syms.gnuHash = e.val;
  }
  std::optional<Bytes> strtab;
  if (strtabAddr) {
    if (auto off = vaddrToOffset(out, *strtabAddr)) {
      std::uint64_t avail = r.file().size() > *off ? r.file().size() - *off : 0;
      strtab = detail::slice(r.file(), *off, std::min(avail, strsz.value_or(avail)));
    }
  }
  if (!strtab) strtab = strtabFromSection;
  if (!strtab) return;
  syms.strtab = strtab;
  // All dynamic strings together are capped: 65536 DT_NEEDED entries naming one long string
  // must not turn into gigabytes of copies.
  std::size_t budget = kMaxStringBytes;
  auto str = [&](std::uint64_t off) {
    if (budget == 0) return std::string();
    std::string v = detail::cString(*strtab, off, std::min<std::size_t>(4096, budget)).value_or("");
    budget -= std::min(budget, v.size() + 1);
    return v;
  };
  for (const auto& e : entries) {
    switch (e.tag) {
      case kDtNeeded:
        out.needed.push_back(str(e.val));
        break;
      case kDtSoname:
        out.soname = str(e.val);
        break;
      case kDtRpath:
        out.rpath = str(e.val);
        break;
      case kDtRunpath:
        out.runpath = str(e.val);
        break;
      default:
        break;
    }
  }
}

// The number of dynamic symbols from DT_HASH (nchain) or DT_GNU_HASH (the highest symbol index
// any chain reaches, plus one).
std::optional<std::uint64_t> dynamicSymbolCount(const Reader& r, const ElfInfo& elf,
                                                const DynamicSymbols& syms) {
  const Bytes file = r.file();
  if (syms.hash)
    if (auto off = vaddrToOffset(elf, *syms.hash))
      if (auto nchain = r.u32(*off + 4)) return *nchain;
  if (!syms.gnuHash) return std::nullopt;
  auto off = vaddrToOffset(elf, *syms.gnuHash);
  if (!off) return std::nullopt;
  auto nbuckets = r.u32(*off), symoffset = r.u32(*off + 4), bloomSize = r.u32(*off + 8);
  if (!nbuckets || !symoffset || !bloomSize) return std::nullopt;
  const std::uint64_t word = r.is64() ? 8 : 4;
  const std::uint64_t buckets = *off + 16 + word * *bloomSize;
  if (!detail::inRange(file, buckets, 4ull * *nbuckets)) return std::nullopt;
  std::uint32_t last = 0;
  for (std::uint32_t i = 0; i < *nbuckets; ++i) last = std::max(last, *r.u32(buckets + 4ull * i));
  if (last < *symoffset) return *symoffset;  // no hashed symbols: only the unhashed ones
  const std::uint64_t chains = buckets + 4ull * *nbuckets;
  for (std::uint64_t i = last; i < last + kMaxSymbols; ++i) {
    auto c = r.u32(chains + 4 * (i - *symoffset));
    if (!c) return std::nullopt;
    if (*c & 1) return i + 1;
  }
  return std::nullopt;
}

// Undefined GLOBAL or WEAK symbols of a symbol table (what the file imports).
void readImports(const Reader& r, Bytes symtab, Bytes strtab, ElfInfo& out) {
  const std::uint64_t entSize = r.is64() ? 24 : 16;
  const std::uint64_t count = std::min<std::uint64_t>(symtab.size() / entSize, kMaxSymbols);
  std::size_t budget = kMaxStringBytes;
  for (std::uint64_t i = 1; i < count && budget > 0; ++i) {  // entry 0 is the null symbol
    const std::uint64_t at = i * entSize;
    auto name = detail::read<std::uint32_t>(symtab, at, r.bigEndian());
    auto info = detail::read<std::uint8_t>(symtab, at + (r.is64() ? 4 : 12), r.bigEndian());
    auto shndx = detail::read<std::uint16_t>(symtab, at + (r.is64() ? 6 : 14), r.bigEndian());
    if (!name || !info || !shndx) break;
    const unsigned bind = *info >> 4;
    if (*shndx != 0 || *name == 0 || (bind != 1 && bind != 2)) continue;
    auto s = detail::cString(strtab, *name, std::min<std::size_t>(1024, budget));
    if (!s || s->empty()) continue;
    budget -= std::min(budget, s->size() + 1);
    out.importedSymbols.push_back(std::move(*s));
  }
  std::sort(out.importedSymbols.begin(), out.importedSymbols.end());
  out.importedSymbols.erase(std::unique(out.importedSymbols.begin(), out.importedSymbols.end()),
                            out.importedSymbols.end());
}

}  // namespace

std::string ElfInfo::typeName() const {
  switch (type) {
    case 0:
      return "NONE";
    case 1:
      return "REL";
    case 2:
      return "EXEC";
    case 3:
      return "DYN";
    case 4:
      return "CORE";
    default:
      return hexNumber(type);
  }
}

std::string ElfInfo::machineName() const {
  switch (machine) {
    case 2:
      return "sparc";
    case 3:
      return "i386";
    case 8:
      return "mips";
    case 20:
      return "ppc";
    case 21:
      return "ppc64";
    case 22:
      return "s390";
    case 40:
      return "arm";
    case 42:
      return "sh";
    case 43:
      return "sparcv9";
    case 50:
      return "ia64";
    case 62:
      return "x86-64";
    case 183:
      return "aarch64";
    case 243:
      return "riscv";
    case 247:
      return "bpf";
    case 258:
      return "loongarch";
    default:
      return hexNumber(machine);
  }
}

Result<ElfInfo> parseElf(std::span<const std::byte> file) {
  auto byteAt = [&](std::size_t i) { return std::to_integer<std::uint8_t>(file[i]); };
  if (file.size() < 16 || byteAt(0) != 0x7f || byteAt(1) != 'E' || byteAt(2) != 'L' ||
      byteAt(3) != 'F')
    return fail(ErrorCode::kInvalidInput, "not an ELF file (bad magic)");
  ElfInfo out;
  if (byteAt(4) != 1 && byteAt(4) != 2)
    return fail(ErrorCode::kInvalidInput, "unknown ELF class", {}, 4);
  if (byteAt(5) != 1 && byteAt(5) != 2)
    return fail(ErrorCode::kInvalidInput, "unknown ELF data encoding", {}, 5);
  out.is64 = byteAt(4) == 2;
  out.bigEndian = byteAt(5) == 2;
  out.osAbi = byteAt(7);
  Reader r(file, out.is64, out.bigEndian);
  const std::uint64_t ehsize = out.is64 ? 64 : 52;
  if (file.size() < ehsize) return fail(ErrorCode::kInvalidInput, "truncated ELF header");

  std::uint64_t phoff, shoff;
  std::uint16_t phentsize, phnum, shentsize, shnum, shstrndx;
  out.type = *r.u16(16);
  out.machine = *r.u16(18);
  out.entry = *r.word(24);
  if (out.is64) {
    phoff = *r.u64(32), shoff = *r.u64(40);
    phentsize = *r.u16(54), phnum = *r.u16(56), shentsize = *r.u16(58), shnum = *r.u16(60),
    shstrndx = *r.u16(62);
  } else {
    phoff = *r.u32(28), shoff = *r.u32(32);
    phentsize = *r.u16(42), phnum = *r.u16(44), shentsize = *r.u16(46), shnum = *r.u16(48),
    shstrndx = *r.u16(50);
  }
  const std::uint64_t minPh = out.is64 ? 56 : 32, minSh = out.is64 ? 64 : 40;

  // Section headers first: section 0 carries the real counts when they overflow 16 bits.
  std::vector<RawSection> raw;
  std::uint64_t realShnum = shnum, realPhnum = phnum, realShstrndx = shstrndx;
  if (shoff != 0) {
    if (shentsize < minSh)
      return fail(ErrorCode::kInvalidInput, "section header entry size too small");
    if (auto s0 = readSection(r, shoff)) {
      if (shnum == 0) realShnum = s0->sec.size;  // sh_size of section 0 (SHT_NULL) is the count
      if (shstrndx == 0xffff) realShstrndx = s0->link;
      if (phnum == 0xffff) realPhnum = s0->info;
    }
    realShnum = std::min(realShnum, kMaxHeaders);
    for (std::uint64_t i = 0; i < realShnum; ++i) {
      auto s = readSection(r, shoff + i * shentsize);
      if (!s) break;  // the table runs past the end of a truncated file
      raw.push_back(std::move(*s));
    }
    if (realShstrndx < raw.size()) {
      const ElfSection& strSec = raw[realShstrndx].sec;
      if (auto names = detail::slice(file, strSec.offset, strSec.size))
        for (std::size_t budget = kMaxStringBytes; auto& s : raw) {
          if (budget == 0) break;
          s.sec.name = detail::cString(*names, s.nameOffset, std::min<std::size_t>(1024, budget))
                           .value_or("");
          budget -= std::min(budget, s.sec.name.size() + 1);
        }
    }
  }

  if (phoff != 0 && realPhnum != 0) {
    if (phentsize < minPh)
      return fail(ErrorCode::kInvalidInput, "program header entry size too small");
    realPhnum = std::min(realPhnum, kMaxHeaders);
    for (std::uint64_t i = 0; i < realPhnum; ++i) {
      auto s = readSegment(r, phoff + i * phentsize);
      if (!s) break;
      out.segments.push_back(*s);
    }
  }

  for (const auto& s : raw) {
    if (s.sec.type == kShtSymtab) out.hasSymtab = true;
    out.sections.push_back(s.sec);
  }

  bool sawNoteSegment = false;
  for (const auto& seg : out.segments) {
    if (seg.type == kPtInterp && out.interpreter.empty()) {
      if (auto b = detail::slice(file, seg.offset, seg.fileSize)) {
        std::string_view s = detail::asChars(*b);
        out.interpreter = std::string(s.substr(0, s.find('\0')));
      }
    } else if (seg.type == kPtNote) {
      sawNoteSegment = true;
      if (auto b = detail::slice(file, seg.offset, seg.fileSize)) parseNotes(r, *b, seg.align, out);
    }
  }
  if (!sawNoteSegment)
    for (const auto& s : raw)
      if (s.sec.type == kShtNote)
        if (auto b = detail::slice(file, s.sec.offset, s.sec.size)) parseNotes(r, *b, s.align, out);

  // The dynamic table: PT_DYNAMIC, else the SHT_DYNAMIC section; strings through DT_STRTAB, else
  // the section the SHT_DYNAMIC section links to.
  std::optional<Bytes> dyn, strtabFromSection;
  for (const auto& seg : out.segments)
    if (seg.type == kPtDynamic) {
      out.hasDynamic = true;
      dyn =
          detail::slice(file, seg.offset,
                        std::min<std::uint64_t>(
                            seg.fileSize, file.size() > seg.offset ? file.size() - seg.offset : 0));
      break;
    }
  for (const auto& s : raw)
    if (s.sec.type == kShtDynamic) {
      if (!dyn) dyn = detail::slice(file, s.sec.offset, s.sec.size);
      if (s.link < raw.size())
        strtabFromSection = detail::slice(file, raw[s.link].sec.offset, raw[s.link].sec.size);
      break;
    }
  DynamicSymbols syms;
  if (dyn) parseDynamic(r, *dyn, strtabFromSection, out, syms);

  // Imports: the SHT_DYNSYM section with its string table, else what the dynamic section says.
  bool haveDynsym = false;
  for (const auto& s : raw)
    if (s.sec.type == kShtDynsym && s.link < raw.size()) {
      auto table = detail::slice(file, s.sec.offset, s.sec.size);
      auto strings = detail::slice(file, raw[s.link].sec.offset, raw[s.link].sec.size);
      if (table && strings) {
        readImports(r, *table, *strings, out);
        haveDynsym = true;
      }
      break;
    }
  if (!haveDynsym && syms.symtab && syms.strtab)
    if (auto off = vaddrToOffset(out, *syms.symtab))
      if (auto count = dynamicSymbolCount(r, out, syms)) {
        const std::uint64_t entSize = out.is64 ? 24 : 16;
        std::uint64_t n = std::min<std::uint64_t>(*count, kMaxSymbols);
        std::uint64_t avail = file.size() > *off ? (file.size() - *off) / entSize : 0;
        if (auto table = detail::slice(file, *off, std::min(n, avail) * entSize))
          readImports(r, *table, *syms.strtab, out);
      }
  return out;
}

std::optional<std::span<const std::byte>> elfSectionData(std::span<const std::byte> file,
                                                         const ElfInfo& elf,
                                                         std::string_view name) {
  for (const auto& s : elf.sections)
    if (s.name == name && s.type != kShtNobits) return detail::slice(file, s.offset, s.size);
  return std::nullopt;
}

}  // namespace tollgate::binfmt
