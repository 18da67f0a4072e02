// Parallel directory walk confined to a root: symbolic links are recorded, never followed, so
// link loops and links pointing outside the root cannot lead the walk anywhere.
//
//   Diagnostics diag;
//   Result<std::vector<FileEntry>> files = walkTree(root, WalkOptions{}, diag);
//
// Unreadable or vanishing entries become warnings in `diag` and the walk goes on. The only error
// is a root that cannot be read at all (kIo).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tollgate/util/diagnostics.h"
#include "tollgate/util/file.h"
#include "tollgate/util/progress.h"
#include "tollgate/util/result.h"

namespace tollgate {

enum class EntryType : std::uint8_t { kRegular, kDirectory, kSymlink, kOther };

struct FileEntry {
  std::string path;  // in-root absolute path: "/usr/bin/ls"; the root itself is "/"
  EntryType type = EntryType::kOther;
  std::uint32_t mode = 0;  // st_mode
  std::uint64_t size = 0;
  std::uint64_t dev = 0;
  std::uint64_t ino = 0;
  std::string linkTarget;  // symlinks only, as stored (not resolved)

  [[nodiscard]] bool isExecutable() const { return type == EntryType::kRegular && (mode & 0111); }
};

struct WalkOptions {
  // In-root path prefixes not to descend into ("/proc").
  std::vector<std::string> excludes;
  // Skip kernel pseudo file systems (proc, sysfs, devtmpfs, cgroup, ...) wherever mounted.
  bool skipPseudoFilesystems = true;
  // Do not descend into directories on another device than the root.
  bool oneFileSystem = false;
  unsigned threads = 0;  // 0: defaultThreads()
  Progress* progress = nullptr;
};

// Entries sorted by path; directories included. Errors: kIo when the root cannot be read.
[[nodiscard]] Result<std::vector<FileEntry>> walkTree(const RootDir& root, const WalkOptions& opts,
                                                      Diagnostics& diag);

}  // namespace tollgate
