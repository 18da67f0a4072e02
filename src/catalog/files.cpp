// The file cataloger: every executable or shared library not owned by a package becomes a file
// component, so that binaries copied in by hand (the 3CX case) are never invisible.
#include <fcntl.h>
#include <unistd.h>

#include <unordered_set>

#include "tollgate/catalog/catalog.h"
#include "tollgate/util/parallel.h"
#include "tollgate/util/strings.h"

namespace tollgate::catalog {
namespace {

bool looksLikeLibraryName(std::string_view name) {
  if (name.ends_with(".so") || name.ends_with(".dll") || name.ends_with(".dylib") ||
      name.ends_with(".exe") || name.ends_with(".node"))
    return true;
  return name.find(".so.") != std::string_view::npos;
}

// "elf", "pe", "macho", "script" or "data", from the first bytes of the file.
std::string sniff(const FileTree& tree, const std::string& path) {
  UniqueFd fd(::openat(tree.root().fd(), path.c_str() + 1,
                       O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY));
  if (!fd) return "unreadable";
  unsigned char b[4] = {};
  ssize_t n = ::read(fd.get(), b, sizeof b);
  if (n >= 4 && b[0] == 0x7f && b[1] == 'E' && b[2] == 'L' && b[3] == 'F') return "elf";
  if (n >= 2 && b[0] == 'M' && b[1] == 'Z') return "pe";
  if (n >= 4) {
    std::uint32_t m = (std::uint32_t{b[0]} << 24) | (std::uint32_t{b[1]} << 16) |
                      (std::uint32_t{b[2]} << 8) | b[3];
    if (m == 0xfeedface || m == 0xfeedfacf || m == 0xcefaedfe || m == 0xcffaedfe || m == 0xcafebabe)
      return "macho";  // 0xcafebabe is also a Java class file; binfmt tells them apart
  }
  if (n >= 2 && b[0] == '#' && b[1] == '!') return "script";
  return "data";
}

}  // namespace

Catalogue catalogFiles(const FileTree& tree, const std::vector<sbom::Component>& owned,
                       Diagnostics& /*diag*/) {
  std::unordered_set<std::string> ownedPaths;
  for (const auto& c : owned)
    for (const auto& f : c.files) {
      const FileEntry* e = tree.find(f.path);
      if (e && e->type == EntryType::kRegular) {
        ownedPaths.insert(e->path);
      } else if (const FileEntry* r = tree.findResolved(f.path)) {
        ownedPaths.insert(r->path);
      }
    }

  std::vector<const FileEntry*> candidates;
  for (const auto& e : tree.entries()) {
    if (e.type != EntryType::kRegular || ownedPaths.contains(e.path)) continue;
    auto slash = e.path.rfind('/');
    std::string_view name = std::string_view(e.path).substr(slash + 1);
    if (e.isExecutable() || looksLikeLibraryName(name)) candidates.push_back(&e);
  }
  std::vector<std::string> kinds(candidates.size());
  parallelFor(
      candidates.size(), defaultThreads(),
      [&](unsigned, std::size_t i) { kinds[i] = sniff(tree, candidates[i]->path); }, 64);

  Catalogue out;
  for (std::size_t i = 0; i < candidates.size(); ++i) {
    const FileEntry& e = *candidates[i];
    // Only real programs: a binary format, or a script with an interpreter line. A name that
    // looks like a library but is text (a linker script), or a data file that merely carries an
    // executable bit (/etc/hostname in a debootstrap root), is not an executable.
    const std::string& kind = kinds[i];
    bool binary = kind == "elf" || kind == "pe" || kind == "macho";
    if (!binary && !(e.isExecutable() && (kind == "script" || kind == "unreadable"))) continue;
    sbom::Component c;
    c.type = sbom::ComponentType::kFile;
    c.name = e.path.substr(e.path.rfind('/') + 1);
    c.bomRef = "file:" + e.path;
    c.evidencePaths.push_back(e.path);
    c.foundBy = "file";
    c.properties["tollgate:file:kind"] = kinds[i];
    c.properties["tollgate:file:size"] = std::to_string(e.size);
    out.components.push_back(std::move(c));
  }
  return out;
}

}  // namespace tollgate::catalog
