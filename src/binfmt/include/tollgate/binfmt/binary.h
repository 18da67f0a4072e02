// One call for everything binfmt knows about a file: sniff the format, parse it, check its
// Authenticode signature, and read the Go build info and cargo-auditable data it embeds.
//
//   Result<MappedFile> m = MappedFile::open(fd, path);
//   Result<binfmt::BinaryInfo> b = binfmt::inspect(m->bytes());
//   if (b && b->pe && b->authenticode) report(toString(b->authenticode->status));
//
// Pure and thread-safe, never throws. See elf.h, pe.h, authenticode.h, macho.h, gobuildinfo.h
// and cargo_auditable.h for what each part reads.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <vector>

#include "tollgate/binfmt/authenticode.h"
#include "tollgate/binfmt/cargo_auditable.h"
#include "tollgate/binfmt/elf.h"
#include "tollgate/binfmt/gobuildinfo.h"
#include "tollgate/binfmt/macho.h"
#include "tollgate/binfmt/pe.h"
#include "tollgate/util/result.h"

namespace tollgate::binfmt {

enum class Format { kUnknown, kElf, kPe, kMachO, kMachOUniversal };

// "unknown", "elf", "pe", "macho", "macho-universal".
[[nodiscard]] const char* toString(Format f);

// The format from the first bytes: ELF magic, "MZ" with a "PE\0\0" header at e_lfanew, a Mach-O
// magic, or a universal Mach-O header with 1..30 architectures (not a Java class file).
[[nodiscard]] Format identify(std::span<const std::byte> file);

struct InspectOptions {
  bool sectionEntropy = true;  // PE: read each section once for its entropy
  bool authenticode = true;    // PE: verify the signature (reads the whole file once)
  bool goBuildInfo = true;
  bool cargoAuditable = true;
};

struct BinaryInfo {
  Format format = Format::kUnknown;
  std::optional<ElfInfo> elf;
  std::optional<PeInfo> pe;
  std::optional<AuthenticodeInfo> authenticode;
  std::optional<MachOInfo> macho;
  std::optional<GoBuildInfo> go;        // from the first slice that has it (Mach-O)
  std::optional<CargoAuditInfo> cargo;  // likewise
  // Parts that were present but could not be read (malformed Go build info, bad zlib stream in
  // .dep-v0, ...): the rest of the facts stand.
  std::vector<Error> problems;
};

// Errors: kUnsupported when identify() finds no known format; the format parser's error
// (kInvalidInput) when the headers are malformed.
[[nodiscard]] Result<BinaryInfo> inspect(std::span<const std::byte> file,
                                         const InspectOptions& opts = {});

}  // namespace tollgate::binfmt
