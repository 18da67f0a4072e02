// os-release(5) of a scanned root, for the distro namespaces and qualifiers of package URLs
// (private to catalog/).
#pragma once

#include <functional>
#include <map>
#include <string>
#include <string_view>

#include "tollgate/catalog/tree.h"
#include "tollgate/util/strings.h"

namespace tollgate::catalog::detail {

struct OsRelease {
  std::string id;         // "fedora", "alpine", "rhel"; lower-case; "" when unknown
  std::string versionId;  // "39", "3.19.1"; "" when unknown
  std::map<std::string, std::string, std::less<>> fields;  // every KEY=VALUE, values unquoted
};

// KEY=VALUE lines, values unquoted; ID lower-cased into `id`.
[[nodiscard]] inline OsRelease parseOsRelease(std::string_view text) {
  OsRelease out;
  for (auto line : split(text, '\n')) {
    line = trim(line);
    auto eq = line.find('=');
    if (line.empty() || line.front() == '#' || eq == std::string_view::npos) continue;
    std::string_view key = trim(line.substr(0, eq));
    std::string_view v = trim(line.substr(eq + 1));
    if (v.size() >= 2 && (v.front() == '"' || v.front() == '\'') && v.back() == v.front())
      v = v.substr(1, v.size() - 2);
    if (key == "ID") out.id = toLower(v);
    if (key == "VERSION_ID") out.versionId = std::string(v);
    out.fields[std::string(key)] = std::string(v);
  }
  return out;
}

// /etc/os-release, else /usr/lib/os-release, read through the root (symlinks confined).
[[nodiscard]] inline OsRelease readOsRelease(const FileTree& tree) {
  for (const char* p : {"/etc/os-release", "/usr/lib/os-release"}) {
    auto text = tree.root().readFile(p, 1 << 16);
    if (text) return parseOsRelease(*text);
  }
  return {};
}

}  // namespace tollgate::catalog::detail
