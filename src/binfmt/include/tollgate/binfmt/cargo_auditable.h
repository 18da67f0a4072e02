// Rust dependency lists embedded by `cargo auditable`: a ".dep-v0" section (ELF, PE) or
// "__DATA,.dep-v0" section (Mach-O) holding zlib-compressed JSON
// {"packages": [{"name", "version", "source", "kind", "dependencies": [indices], "root"}]}.
//
//   auto section = binfmt::elfSectionData(bytes, *elf, ".dep-v0");
//   if (section) Result<CargoAuditInfo> deps = binfmt::parseCargoAuditable(*section);
//
// Pure and thread-safe, never throws. Decompression is capped (kMaxCargoAuditableJson).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "tollgate/util/result.h"

namespace tollgate::binfmt {

inline constexpr std::size_t kMaxCargoAuditableJson = 16u << 20;

struct CargoPackage {
  std::string name;
  std::string version;
  std::string source;                     // "crates.io", "local", "git", "registry", "builtin", ...
  std::string kind;                       // "runtime" (default) or "build"
  bool root = false;                      // the crate the binary was built from
  std::vector<std::size_t> dependencies;  // indices into CargoAuditInfo::packages (valid ones)
};

struct CargoAuditInfo {
  std::vector<CargoPackage> packages;
};

// The section's bytes (zlib stream). Errors: kInvalidInput for a bad zlib stream or JSON that is
// not the expected shape; kLimit when the JSON inflates beyond kMaxCargoAuditableJson.
[[nodiscard]] Result<CargoAuditInfo> parseCargoAuditable(std::span<const std::byte> compressed);

// The decompressed JSON. Errors as above. Packages without a name or version are skipped, and
// dependency indices out of range are dropped.
[[nodiscard]] Result<CargoAuditInfo> parseCargoAuditableJson(std::string_view json);

}  // namespace tollgate::binfmt
