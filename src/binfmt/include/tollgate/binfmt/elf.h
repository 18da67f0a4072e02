// ELF (System V ABI) headers, dynamic section and notes: bytes in, facts out.
//
//   Result<MappedFile> m = MappedFile::open(fd, path);
//   Result<binfmt::ElfInfo> elf = binfmt::parseElf(m->bytes());
//   if (elf) use(elf->soname, elf->needed, elf->buildId);
//   auto data = binfmt::elfSectionData(m->bytes(), *elf, ".go.buildinfo");
//
// Only the ELF header, the program and section header tables, the string tables, PT_INTERP,
// PT_DYNAMIC, the dynamic symbol table and the notes are read, so a headers-only parse of a
// multi-GB file touches a few pages of a memory map. 32- and 64-bit, little- and big-endian files
// are supported.
//
// Every function is pure and thread-safe and never throws; every offset and size read from the
// file is bounds-checked, and fields that point outside the file are ignored (the rest of the
// parse goes on), so a truncated file still yields what its first bytes say.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "tollgate/util/result.h"

namespace tollgate::binfmt {

struct ElfSection {
  std::string name;  // from .shstrtab; empty when the string table is unusable
  std::uint32_t type = 0;
  std::uint64_t flags = 0;
  std::uint64_t address = 0;
  std::uint64_t offset = 0;  // file offset
  std::uint64_t size = 0;    // bytes in the file (0 for SHT_NOBITS)
};

struct ElfSegment {
  std::uint32_t type = 0;   // PT_LOAD = 1, PT_DYNAMIC = 2, PT_INTERP = 3, PT_NOTE = 4, ...
  std::uint32_t flags = 0;  // PF_X = 1, PF_W = 2, PF_R = 4
  std::uint64_t offset = 0;
  std::uint64_t vaddr = 0;
  std::uint64_t fileSize = 0;
  std::uint64_t memSize = 0;
  std::uint64_t align = 0;
};

struct ElfInfo {
  bool is64 = false;
  bool bigEndian = false;
  std::uint8_t osAbi = 0;
  std::uint16_t type = 0;     // e_type: 1 REL, 2 EXEC, 3 DYN, 4 CORE
  std::uint16_t machine = 0;  // e_machine: 62 x86-64, 183 AArch64, 3 i386, 40 ARM, ...
  std::uint64_t entry = 0;
  std::string interpreter;          // PT_INTERP, e.g. "/lib64/ld-linux-x86-64.so.2"; empty if none
  std::string buildId;              // NT_GNU_BUILD_ID descriptor, lower-case hex; empty if none
  std::string soname;               // DT_SONAME
  std::vector<std::string> needed;  // DT_NEEDED in file order
  std::string rpath;                // DT_RPATH as written (colon-separated list)
  std::string runpath;              // DT_RUNPATH as written
  // Undefined global and weak symbols of the dynamic symbol table (what the file imports from
  // its libraries: "mprotect", "opendir", "EVP_DecryptInit_ex"), without symbol versions, sorted
  // and unique. Read from the SHT_DYNSYM section, else (section headers stripped) from DT_SYMTAB
  // with the count from DT_HASH or DT_GNU_HASH.
  std::vector<std::string> importedSymbols;
  bool hasDynamic = false;  // has a PT_DYNAMIC segment (dynamically linked)
  bool hasSymtab = false;   // has a .symtab section (not stripped)
  std::vector<ElfSegment> segments;
  std::vector<ElfSection> sections;

  // readelf's spelling of `type`: "REL", "EXEC", "DYN", "CORE", "NONE" or "0x<hex>".
  [[nodiscard]] std::string typeName() const;
  // Short machine name: "x86-64", "aarch64", "i386", "arm", "riscv", ... or "0x<hex>".
  [[nodiscard]] std::string machineName() const;
};

// Errors: kInvalidInput when the bytes are not an ELF file or the ELF header itself is truncated
// or inconsistent (unknown class or data encoding, header table entry sizes too small).
[[nodiscard]] Result<ElfInfo> parseElf(std::span<const std::byte> file);

// The file bytes of the first section named `name` (not SHT_NOBITS), or nullopt when there is
// no such section or it lies outside `file`.
[[nodiscard]] std::optional<std::span<const std::byte>> elfSectionData(
    std::span<const std::byte> file, const ElfInfo& elf, std::string_view name);

}  // namespace tollgate::binfmt
