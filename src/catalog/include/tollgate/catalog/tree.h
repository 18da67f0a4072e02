// A walked file tree with lookups by path, shared read-only by all catalogers.
#pragma once

#include <span>
#include <string_view>
#include <vector>

#include "tollgate/util/file.h"
#include "tollgate/util/walk.h"

namespace tollgate::catalog {

class FileTree {
 public:
  // `entries` must be sorted by path (walkTree returns them so).
  FileTree(const RootDir& root, std::vector<FileEntry> entries);

  [[nodiscard]] const RootDir& root() const { return root_; }
  [[nodiscard]] const std::vector<FileEntry>& entries() const { return entries_; }

  // Exact in-root path lookup, no symlink resolution. nullptr when absent.
  [[nodiscard]] const FileEntry* find(std::string_view path) const;

  // Like find(), but follows symlinks inside the root (RootDir::resolve). nullptr when absent.
  [[nodiscard]] const FileEntry* findResolved(std::string_view path) const;

  // All entries strictly below directory `dir` (any depth), in path order.
  [[nodiscard]] std::span<const FileEntry> under(std::string_view dir) const;

 private:
  const RootDir& root_;
  std::vector<FileEntry> entries_;
};

}  // namespace tollgate::catalog
