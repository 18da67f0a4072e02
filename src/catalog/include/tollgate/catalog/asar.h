// Pure parser of Electron's asar archive header.
//
//   Result<asar::Archive> a = asar::parseArchive(bytes);   // bytes: the file (or its start)
//   for (const asar::Entry& e : a->entries)
//     if (auto data = a->contents(bytes, e)) use(e.path, *data);
//
// Layout: a Chromium Pickle holding one uint32 (the size of the next pickle), then a Pickle
// holding the header as a length-prefixed JSON string (all integers little-endian), then the
// file data. The JSON describes a tree: {"files": {"name": {"files": {...}} | {"size": N,
// "offset": "decimal string", "unpacked": bool, "executable": bool, "integrity": {...}} |
// {"link": "target"}}}; a file's bytes are at data start + offset, unless "unpacked" says it
// lives in "<archive>.unpacked/<path>" beside the archive.
//
// Bytes in, structs out: nothing here touches the filesystem. Pure, thread-safe, never throws.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tollgate/util/result.h"

namespace tollgate::catalog::asar {

// Limits on untrusted headers.
inline constexpr std::uint64_t kMaxHeaderBytes = 256ull << 20;
inline constexpr std::size_t kMaxDepth = 256;          // directory nesting
inline constexpr std::size_t kMaxEntries = 4'000'000;  // files and links

enum class EntryType { kFile, kLink };

struct Entry {
  std::string path;  // '/'-separated, relative to the archive root: "node_modules/x/package.json"
  EntryType type = EntryType::kFile;
  std::uint64_t offset = 0;  // from the start of the data region (files not unpacked)
  std::uint64_t size = 0;
  bool unpacked = false;
  bool executable = false;
  std::string link;  // links: the target, as written
};

struct Archive {
  std::uint64_t dataOffset = 0;  // where file data starts in the archive file
  // Files and links, directory by directory (a directory's files, then its subdirectories),
  // names sorted within a directory.
  std::vector<Entry> entries;

  // The bytes of file `e` inside `archive` (the same bytes the header was parsed from), or
  // nullopt when it is unpacked, a link, or lies beyond the end of `archive`.
  [[nodiscard]] std::optional<std::string_view> contents(std::string_view archive,
                                                         const Entry& e) const;
};

// Errors: kInvalidInput for a bad pickle (sizes inconsistent or beyond the input), a header
// that is not JSON or not the documented tree, a name that is empty, ".", ".." or contains '/'
// or NUL, a file without a valid size or offset; kLimit beyond the limits above.
[[nodiscard]] Result<Archive> parseArchive(std::string_view bytes);

}  // namespace tollgate::catalog::asar
