#include "tollgate/binfmt/binary.h"

#include "bytes.h"

namespace tollgate::binfmt {
namespace {

using detail::Bytes;

void addGo(Result<std::optional<GoBuildInfo>> go, BinaryInfo& out) {
  if (!go) {
    out.problems.push_back(go.error().within("Go build info"));
  } else if (*go && !out.go) {
    out.go = std::move(**go);
  }
}

void addCargo(std::optional<Bytes> section, BinaryInfo& out) {
  if (!section || out.cargo) return;
  auto c = parseCargoAuditable(*section);
  if (c) {
    out.cargo = std::move(*c);
  } else {
    out.problems.push_back(c.error().within("cargo auditable data"));
  }
}

}  // namespace

const char* toString(Format f) {
  switch (f) {
    case Format::kElf:
      return "elf";
    case Format::kPe:
      return "pe";
    case Format::kMachO:
      return "macho";
    case Format::kMachOUniversal:
      return "macho-universal";
    case Format::kUnknown:
      break;
  }
  return "unknown";
}

Format identify(std::span<const std::byte> file) {
  auto be = detail::readBe<std::uint32_t>(file, 0);
  if (!be) return Format::kUnknown;
  if (*be == 0x7f454c46) return Format::kElf;
  if ((*be >> 16) == 0x4d5a) {  // "MZ"
    auto lfanew = detail::readLe<std::uint32_t>(file, 0x3c);
    if (lfanew && detail::readLe<std::uint32_t>(file, *lfanew) == 0x00004550u) return Format::kPe;
    return Format::kUnknown;
  }
  switch (*be) {
    case 0xfeedface:
    case 0xfeedfacf:
    case 0xcefaedfe:
    case 0xcffaedfe:
      return Format::kMachO;
    case 0xcafebabe:
    case 0xcafebabf: {
      auto n = detail::readBe<std::uint32_t>(file, 4);
      return n && *n >= 1 && *n <= 30 ? Format::kMachOUniversal : Format::kUnknown;
    }
    default:
      return Format::kUnknown;
  }
}

Result<BinaryInfo> inspect(std::span<const std::byte> file, const InspectOptions& opts) {
  BinaryInfo out;
  out.format = identify(file);
  switch (out.format) {
    case Format::kUnknown:
      return fail(ErrorCode::kUnsupported, "not an ELF, PE or Mach-O file");
    case Format::kElf: {
      auto elf = parseElf(file);
      if (!elf) return std::unexpected(elf.error());
      out.elf = std::move(*elf);
      if (opts.goBuildInfo) addGo(goBuildInfoFromElf(file, *out.elf), out);
      if (opts.cargoAuditable) addCargo(elfSectionData(file, *out.elf, ".dep-v0"), out);
      break;
    }
    case Format::kPe: {
      auto pe = parsePe(file, PeOptions{.sectionEntropy = opts.sectionEntropy});
      if (!pe) return std::unexpected(pe.error());
      out.pe = std::move(*pe);
      if (opts.authenticode) {
        auto sig = verifyAuthenticode(file, *out.pe);
        if (sig) {
          out.authenticode = std::move(*sig);
        } else {
          out.problems.push_back(sig.error().within("Authenticode"));
        }
      }
      if (opts.goBuildInfo) addGo(goBuildInfoFromPe(file, *out.pe), out);
      if (opts.cargoAuditable)
        for (const auto& s : out.pe->sections)
          if (s.name == ".dep-v0") addCargo(detail::slice(file, s.rawOffset, s.rawSize), out);
      break;
    }
    case Format::kMachO:
    case Format::kMachOUniversal: {
      auto m = parseMachO(file);
      if (!m) return std::unexpected(m.error());
      out.macho = std::move(*m);
      for (const auto& slice : out.macho->slices) {
        Bytes bytes = machOSliceBytes(file, slice);
        if (opts.goBuildInfo) addGo(goBuildInfoFromMachO(bytes, slice), out);
        if (opts.cargoAuditable)
          for (const auto& s : slice.sections)
            if (s.name == ".dep-v0" || s.name == "__dep_v0")
              addCargo(detail::slice(bytes, s.offset, s.size), out);
      }
      break;
    }
  }
  return out;
}

}  // namespace tollgate::binfmt
