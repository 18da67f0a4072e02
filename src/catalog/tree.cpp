#include "tollgate/catalog/tree.h"

#include <algorithm>

namespace tollgate::catalog {

FileTree::FileTree(const RootDir& root, std::vector<FileEntry> entries)
    : root_(root), entries_(std::move(entries)) {}

const FileEntry* FileTree::find(std::string_view path) const {
  auto it = std::lower_bound(entries_.begin(), entries_.end(), path,
                             [](const FileEntry& e, std::string_view p) { return e.path < p; });
  if (it != entries_.end() && it->path == path) return &*it;
  return nullptr;
}

const FileEntry* FileTree::findResolved(std::string_view path) const {
  if (const FileEntry* e = find(path); e && e->type != EntryType::kSymlink) return e;
  auto resolved = root_.resolve(path);
  if (!resolved) return nullptr;
  return find(*resolved);
}

std::span<const FileEntry> FileTree::under(std::string_view dir) const {
  std::string lo(dir);
  if (lo.empty() || lo.back() != '/') lo += '/';
  std::string hi = lo;
  hi.back() = '/' + 1;
  auto cmp = [](const FileEntry& e, const std::string& p) { return e.path < p; };
  auto b = std::lower_bound(entries_.begin(), entries_.end(), lo, cmp);
  auto e = std::lower_bound(b, entries_.end(), hi, cmp);
  return {b, e};
}

}  // namespace tollgate::catalog
