// Go build information embedded by the Go linker (what `go version -m` prints): the Go version,
// the main package path, the main module and every dependency module with version and sum.
//
//   Result<ElfInfo> elf = binfmt::parseElf(bytes);
//   Result<std::optional<GoBuildInfo>> go = binfmt::goBuildInfoFromElf(bytes, *elf);
//   if (go && *go) for (const GoModule& m : (*go)->deps) use(m.path, m.version, m.sum);
//
// The blob starts with the 14-byte magic "\xff Go buildinf:" at a 16-byte aligned address in the
// first 64 KiB of the data section (".go.buildinfo" in ELF; the first writable initialised-data
// section in PE; "__go_buildinfo" in Mach-O), exactly where Go's debug/buildinfo looks. Go 1.18+
// stores the strings inline; older binaries store pointers to Go strings, which are followed
// through the file's address map (MemoryRegion). Reads are bounded: at most 64 KiB are searched
// and each string is capped at 4 MiB.
//
// All functions are pure and thread-safe and never throw.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tollgate/util/result.h"

namespace tollgate::binfmt {

struct ElfInfo;
struct PeInfo;
struct MachOSlice;

struct GoModule {
  std::string path;
  std::string version;  // "v1.3.0", "(devel)" for the main module of a local build
  std::string sum;      // "h1:..." go.sum hash; empty for vendored or local builds
  // Set when go.mod replaced the module ("=>" line): the replacement's path, version and sum.
  // A local directory replacement has an empty version.
  std::optional<std::pair<std::string, std::string>> replacement;  // {path, version}
  std::string replacementSum;
};

struct GoBuildInfo {
  std::string goVersion;         // "go1.19.8"
  std::string path;              // main package path ("example.com/hello/cmd/tool")
  std::optional<GoModule> main;  // absent for binaries built outside module mode
  std::vector<GoModule> deps;    // in the order recorded (sorted by path by the go command)
  // "build" settings in order: {"-compiler", "gc"}, {"GOOS", "linux"}, {"vcs.revision", ...}.
  std::vector<std::pair<std::string, std::string>> settings;
};

// A file-backed part of the address space: bytes [offset, offset + size) of the file appear at
// virtual address vaddr. Used to follow pointers of pre-1.18 build info blobs.
struct MemoryRegion {
  std::uint64_t vaddr = 0;
  std::uint64_t offset = 0;
  std::uint64_t size = 0;
};

// Parses the module information text ("path\t...\nmod\t...\ndep\t...\n=>\t...\nbuild\t...").
// Unknown line kinds are ignored (newer Go versions may add some). Errors: kInvalidInput for a
// "=>" line without a preceding module or a mod/dep line with fewer than two fields.
[[nodiscard]] Result<GoBuildInfo> parseGoModInfo(std::string_view modinfo);

// Searches the 64 KiB at virtual address `dataStart` for the build info blob and decodes it.
// nullopt when there is no blob (not a Go binary, or a Go binary without build info).
// Errors: kInvalidInput when a blob is found but is malformed (bad varint, string outside the
// file, unframed module info).
[[nodiscard]] Result<std::optional<GoBuildInfo>> findGoBuildInfo(
    std::span<const std::byte> file, std::span<const MemoryRegion> memory, std::uint64_t dataStart);

// Per-format entry points: they compute the address map and data start the way Go does.
[[nodiscard]] Result<std::optional<GoBuildInfo>> goBuildInfoFromElf(std::span<const std::byte> file,
                                                                    const ElfInfo& elf);
[[nodiscard]] Result<std::optional<GoBuildInfo>> goBuildInfoFromPe(std::span<const std::byte> file,
                                                                   const PeInfo& pe);
// `slice` is the bytes of one Mach-O slice (the whole file for a thin one).
[[nodiscard]] Result<std::optional<GoBuildInfo>> goBuildInfoFromMachO(
    std::span<const std::byte> slice, const MachOSlice& macho);

}  // namespace tollgate::binfmt
