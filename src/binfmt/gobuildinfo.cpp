// Go build info, decoded the way Go's debug/buildinfo and runtime/debug.ParseBuildInfo do.
#include "tollgate/binfmt/gobuildinfo.h"

#include <algorithm>

#include "bytes.h"
#include "tollgate/binfmt/elf.h"
#include "tollgate/binfmt/macho.h"
#include "tollgate/binfmt/pe.h"

namespace tollgate::binfmt {
namespace {

using detail::Bytes;

constexpr std::string_view kMagic = "\xff Go buildinf:";
constexpr std::size_t kHeaderSize = 32;
constexpr std::size_t kAlign = 16;
constexpr std::uint64_t kSearchSize = 64 * 1024;
constexpr std::uint64_t kMaxString = 4u << 20;
constexpr std::uint8_t kFlagsVersionInline = 0x2;

std::vector<std::string_view> splitTabs(std::string_view line) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  for (;;) {
    auto tab = line.find('\t', start);
    out.push_back(line.substr(start, tab == std::string_view::npos ? tab : tab - start));
    if (tab == std::string_view::npos) return out;
    start = tab + 1;
  }
}

int hexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Go's strconv.Unquote for the double-quoted forms BuildInfo.String writes; other input is
// returned unchanged.
std::string unquote(std::string_view s) {
  if (s.size() < 2 || s.front() != '"' || s.back() != '"') return std::string(s);
  std::string out;
  for (std::size_t i = 1; i + 1 < s.size(); ++i) {
    char c = s[i];
    if (c != '\\' || i + 2 >= s.size()) {
      out += c;
      continue;
    }
    char e = s[++i];
    switch (e) {
      case 'n':
        out += '\n';
        break;
      case 't':
        out += '\t';
        break;
      case 'r':
        out += '\r';
        break;
      case 'x':
        if (i + 2 < s.size() - 1 && hexDigit(s[i + 1]) >= 0 && hexDigit(s[i + 2]) >= 0) {
          out += static_cast<char>(hexDigit(s[i + 1]) * 16 + hexDigit(s[i + 2]));
          i += 2;
        } else {
          out += e;
        }
        break;
      default:
        out += e;
        break;
    }
  }
  return out;
}

std::optional<std::uint64_t> uvarint(Bytes b, std::uint64_t& pos) {
  std::uint64_t v = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (pos >= b.size()) return std::nullopt;
    auto c = std::to_integer<std::uint8_t>(b[pos++]);
    v |= std::uint64_t{c & 0x7fu} << shift;
    if ((c & 0x80) == 0) return v;
  }
  return std::nullopt;
}

std::optional<std::string> varintString(Bytes b, std::uint64_t& pos) {
  auto n = uvarint(b, pos);
  if (!n || *n > kMaxString) return std::nullopt;
  auto s = detail::slice(b, pos, *n);
  if (!s) return std::nullopt;
  pos += *n;
  return std::string(detail::asChars(*s));
}

std::optional<Bytes> readMemory(Bytes file, std::span<const MemoryRegion> memory,
                                std::uint64_t addr, std::uint64_t size) {
  for (const auto& r : memory) {
    if (addr < r.vaddr || addr - r.vaddr >= r.size) continue;
    std::uint64_t delta = addr - r.vaddr;
    if (size > r.size - delta) return std::nullopt;
    return detail::slice(file, r.offset + delta, size);
  }
  return std::nullopt;
}

std::optional<std::uint64_t> readPointer(Bytes b, std::uint64_t off, std::size_t ptrSize,
                                         bool bigEndian) {
  if (ptrSize == 8) return detail::read<std::uint64_t>(b, off, bigEndian);
  auto v = detail::read<std::uint32_t>(b, off, bigEndian);
  return v ? std::optional<std::uint64_t>(*v) : std::nullopt;
}

// A Go string header {data pointer, length} at `addr`, followed to its bytes.
std::optional<std::string> goString(Bytes file, std::span<const MemoryRegion> memory,
                                    std::uint64_t addr, std::size_t ptrSize, bool bigEndian) {
  auto hdr = readMemory(file, memory, addr, 2 * ptrSize);
  if (!hdr) return std::nullopt;
  auto data = readPointer(*hdr, 0, ptrSize, bigEndian);
  auto len = readPointer(*hdr, ptrSize, ptrSize, bigEndian);
  if (!data || !len || *len > kMaxString) return std::nullopt;
  if (*len == 0) return std::string();
  auto bytes = readMemory(file, memory, *data, *len);
  if (!bytes) return std::nullopt;
  return std::string(detail::asChars(*bytes));
}

}  // namespace

Result<GoBuildInfo> parseGoModInfo(std::string_view modinfo) {
  GoBuildInfo info;
  GoModule* last = nullptr;
  std::size_t lineNo = 0;
  for (std::size_t start = 0; start <= modinfo.size(); ++lineNo) {
    auto nl = modinfo.find('\n', start);
    std::string_view line = modinfo.substr(start, nl == std::string_view::npos ? nl : nl - start);
    start = nl == std::string_view::npos ? modinfo.size() + 1 : nl + 1;
    if (line.empty()) continue;
    auto f = splitTabs(line);
    const std::string_view kind = f[0];
    auto where = "module info line " + std::to_string(lineNo + 1);
    if (kind == "go" && f.size() >= 2) {
      info.goVersion = std::string(f[1]);
    } else if (kind == "path" && f.size() >= 2) {
      info.path = std::string(f[1]);
    } else if (kind == "mod" || kind == "dep") {
      if (f.size() < 3)
        return fail(ErrorCode::kInvalidInput, "module line without a version", where);
      GoModule m{std::string(f[1]), std::string(f[2]), f.size() >= 4 ? std::string(f[3]) : "",
                 std::nullopt, ""};
      if (kind == "mod") {
        info.main = std::move(m);
        last = &*info.main;
      } else {
        info.deps.push_back(std::move(m));
        last = &info.deps.back();
      }
    } else if (kind == "=>") {
      if (!last || last->replacement)
        return fail(ErrorCode::kInvalidInput, "replacement without a module", where);
      if (f.size() < 2) return fail(ErrorCode::kInvalidInput, "replacement without a path", where);
      last->replacement = std::pair{std::string(f[1]), f.size() >= 3 ? std::string(f[2]) : ""};
      last->replacementSum = f.size() >= 4 ? std::string(f[3]) : "";
    } else if (kind == "build" && f.size() >= 2) {
      // "build\tkey=value"; key and value are Go-quoted when they hold special characters.
      std::string_view kv = line.substr(6);
      std::size_t eq;
      if (!kv.empty() && kv.front() == '"') {
        auto close = kv.find("\"=", 1);
        while (close != std::string_view::npos && kv[close - 1] == '\\')
          close = kv.find("\"=", close + 1);
        eq = close == std::string_view::npos ? std::string_view::npos : close + 1;
      } else {
        eq = kv.find('=');
      }
      if (eq == std::string_view::npos) continue;
      info.settings.emplace_back(unquote(kv.substr(0, eq)), unquote(kv.substr(eq + 1)));
    }
  }
  return info;
}

Result<std::optional<GoBuildInfo>> findGoBuildInfo(std::span<const std::byte> file,
                                                   std::span<const MemoryRegion> memory,
                                                   std::uint64_t dataStart) {
  // The search window: up to 64 KiB of file-backed bytes at dataStart.
  std::optional<Bytes> window;
  for (const auto& r : memory) {
    if (dataStart < r.vaddr || dataStart - r.vaddr >= r.size) continue;
    std::uint64_t delta = dataStart - r.vaddr;
    window = detail::slice(file, r.offset + delta, std::min(kSearchSize, r.size - delta));
    break;
  }
  if (!window) return std::nullopt;
  std::string_view text = detail::asChars(*window);
  std::size_t at = 0;
  for (;;) {
    at = text.find(kMagic, at);
    if (at == std::string_view::npos || text.size() - at < kHeaderSize) return std::nullopt;
    if (at % kAlign == 0) break;  // the window starts at an aligned address in practice
    at = (at + kAlign - 1) & ~(kAlign - 1);
  }
  Bytes blob = window->subspan(at);
  const auto ptrSize = std::to_integer<std::uint8_t>(blob[14]);
  const auto flags = std::to_integer<std::uint8_t>(blob[15]);
  std::string version, mod;
  if (flags & kFlagsVersionInline) {
    std::uint64_t pos = kHeaderSize;
    // The inline strings may run past the 64 KiB window: decode from the whole file.
    Bytes rest = file.subspan(static_cast<std::size_t>(blob.data() - file.data()));
    auto v = varintString(rest, pos);
    auto m = v ? varintString(rest, pos) : std::nullopt;
    if (!v || !m) return fail(ErrorCode::kInvalidInput, "malformed Go build info strings");
    version = std::move(*v);
    mod = std::move(*m);
  } else {
    if (ptrSize != 4 && ptrSize != 8)
      return fail(ErrorCode::kInvalidInput, "bad pointer size in Go build info");
    const bool be = flags != 0;  // pre-1.18: flags byte is the endianness
    auto vAddr = readPointer(blob, 16, ptrSize, be);
    auto mAddr = readPointer(blob, 16 + ptrSize, ptrSize, be);
    if (!vAddr || !mAddr) return fail(ErrorCode::kInvalidInput, "truncated Go build info header");
    auto v = goString(file, memory, *vAddr, ptrSize, be);
    auto m = goString(file, memory, *mAddr, ptrSize, be);
    if (!v || !m) return fail(ErrorCode::kInvalidInput, "Go build info string outside the file");
    version = std::move(*v);
    mod = std::move(*m);
  }
  if (version.empty()) return std::nullopt;  // what Go calls "not a Go executable"
  // The module info is framed by 16-byte sentinels (cmd/go's infoStart and infoEnd).
  if (mod.size() >= 33 && mod[mod.size() - 17] == '\n') {
    mod = mod.substr(16, mod.size() - 32);
  } else {
    mod.clear();
  }
  auto info = parseGoModInfo(mod);
  if (!info) return std::unexpected(info.error());
  info->goVersion = version;
  return std::optional<GoBuildInfo>(std::move(*info));
}

Result<std::optional<GoBuildInfo>> goBuildInfoFromElf(std::span<const std::byte> file,
                                                      const ElfInfo& elf) {
  std::vector<MemoryRegion> memory;
  for (const auto& seg : elf.segments)
    if (seg.type == 1) memory.push_back({seg.vaddr, seg.offset, seg.fileSize});
  for (const auto& s : elf.sections)
    if (s.name == ".go.buildinfo" && s.size != 0) {
      // The section first: it wins over segments when addresses overlap (a section added by
      // objcopy has address 0), and it serves files without program headers.
      memory.insert(memory.begin(), {s.address, s.offset, s.size});
      return findGoBuildInfo(file, memory, s.address);
    }
  for (const auto& seg : elf.segments)
    if (seg.type == 1 && (seg.flags & 2) != 0)  // first writable PT_LOAD
      return findGoBuildInfo(file, memory, seg.vaddr);
  return std::nullopt;
}

Result<std::optional<GoBuildInfo>> goBuildInfoFromPe(std::span<const std::byte> file,
                                                     const PeInfo& pe) {
  constexpr std::uint32_t kData = 0x40, kRead = 0x40000000, kWrite = 0x80000000,
                          kAlign32 = 0x600000;
  std::vector<MemoryRegion> memory;
  for (const auto& s : pe.sections)
    memory.push_back({pe.imageBase + s.virtualAddress, s.rawOffset, s.rawSize});
  for (const auto& s : pe.sections)
    if (s.virtualAddress != 0 && s.rawSize != 0 &&
        (s.characteristics & ~kAlign32) == (kData | kRead | kWrite))
      return findGoBuildInfo(file, memory, pe.imageBase + s.virtualAddress);
  return std::nullopt;
}

Result<std::optional<GoBuildInfo>> goBuildInfoFromMachO(std::span<const std::byte> slice,
                                                        const MachOSlice& macho) {
  std::vector<MemoryRegion> memory;
  for (const auto& seg : macho.segments)
    if (seg.filesize != 0) memory.push_back({seg.vmaddr, seg.fileoff, seg.filesize});
  for (const auto& s : macho.sections)
    if (s.name == "__go_buildinfo") return findGoBuildInfo(slice, memory, s.addr);
  for (const auto& seg : macho.segments)
    if (seg.vmaddr != 0 && seg.filesize != 0 && seg.initprot == 7 && seg.maxprot == 7)
      return findGoBuildInfo(slice, memory, seg.vmaddr);
  return std::nullopt;
}

}  // namespace tollgate::binfmt
