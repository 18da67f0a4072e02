// Pure parsers of npm metadata: package-lock.json / npm-shrinkwrap.json (lockfileVersion 1, 2
// and 3, and the hidden node_modules/.package-lock.json) and an installed package's package.json.
//
//   Result<npm::Lockfile> lock = npm::parseLockfile(bytes);
//   for (const npm::LockPackage& p : lock->packages) use(p.path, p.name, p.version);
//   Result<npm::PackageJson> pj = npm::parsePackageJson(bytes);
//
// Bytes in, structs out: nothing here touches the filesystem. Every function is pure and
// thread-safe, and never throws: malformed input is a kInvalidInput error (syntax) or is skipped
// field by field (a field of the wrong JSON type is treated as absent).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "tollgate/sbom/bom.h"
#include "tollgate/util/result.h"

namespace tollgate::catalog::npm {

// One package of a lockfile.
struct LockPackage {
  // Folder relative to the lockfile's directory, '/'-separated, as npm keys "packages":
  // "" (the root project), "node_modules/a", "node_modules/a/node_modules/@s/b", "packages/x" (a
  // workspace). Synthesised the same way for lockfile v1's nested "dependencies".
  std::string path;
  // The real package name: the "name" field when present (aliases: "node_modules/x" may hold
  // "react-is"), else the name the path ends with. v1 "npm:real@1.0.0" aliases are resolved.
  std::string name;
  std::string version;
  std::string resolved;   // tarball URL, git URL or (links) the target folder
  std::string integrity;  // Subresource Integrity string ("sha512-... sha1-...")
  std::string license;    // "license" field (v2/v3 only)
  // Names this package depends on, by kind. Lockfile v1 "requires" go to `dependencies`.
  std::vector<std::string> dependencies;
  std::vector<std::string> optionalDependencies;
  std::vector<std::string> peerDependencies;
  std::vector<std::string> devDependencies;  // only recorded by npm for root and workspaces
  bool dev = false;
  bool optional = false;
  bool devOptional = false;
  bool peer = false;
  bool link = false;  // a symlink to `resolved` (workspaces, `npm link`): not a package itself
  bool inBundle = false;
  bool hasInstallScript = false;
  bool alias = false;  // installed under a name other than `name`
};

struct Lockfile {
  int lockfileVersion = 0;  // 1, 2, 3 (0 when absent: treated like 1 if "dependencies" exist)
  std::string name;         // root project, top level "name"/"version"
  std::string version;
  // Every package in file order; v2/v3 include the root ("") when the file has it. v2 files are
  // read from "packages" (their v1-compatible "dependencies" duplicate is ignored). v1 gets a
  // synthesised root (top-level name/version, no dependencies: v1 does not record the root's);
  // v1 entries without a "version" (npm's placeholders for skipped optional packages) are left out.
  std::vector<LockPackage> packages;
};

// Errors: kInvalidInput when the bytes are not JSON, the top level is not an object, or it has
// neither "packages" nor "dependencies" nor "lockfileVersion"; kLimit for v1 nesting deeper than
// 512 levels.
[[nodiscard]] Result<Lockfile> parseLockfile(std::string_view json);

// An installed package's package.json (or a project's), reduced to what an SBOM needs.
struct PackageJson {
  std::string name;
  std::string version;
  std::string description;
  // Licence strings in file order: "license" (a string, or the "type" of a legacy object) and
  // each entry of a legacy "licenses" array (strings or {"type": ...}).
  std::vector<std::string> licenses;
  std::string author;                    // "Name <email> (url)" string or object, as "Name <email>"
  std::vector<std::string> maintainers;  // same form
  std::string homepage;
  std::vector<std::string> dependencies;  // names
  std::vector<std::string> optionalDependencies;
  std::vector<std::string> peerDependencies;
  std::vector<std::string> devDependencies;
  bool hasInstallScript = false;  // preinstall/install/postinstall script, or a binding.gyp hint
  bool isPrivate = false;
};

// Errors: kInvalidInput when the bytes are not JSON or the top level is not an object.
[[nodiscard]] Result<PackageJson> parsePackageJson(std::string_view json);

// Subresource Integrity ("sha512-<base64> sha1-<base64>") to CycloneDX hashes with hex values
// ("SHA-512", "SHA-384", "SHA-256", "SHA-1"). Unknown algorithms and undecodable or wrong-length
// digests are skipped.
[[nodiscard]] std::vector<sbom::Hash> integrityToHashes(std::string_view sri);

// The folder npm would load dependency `dep` from when required by the package at `from`
// (folders relative to the project root as in LockPackage::path), given the set of folders that
// exist: `from`/node_modules/dep, then the same in each ancestor folder up to the root. `exists`
// is called with candidate folders; returns the first that exists, or "" when none does.
template <class Exists>
[[nodiscard]] std::string resolveDependency(std::string_view from, std::string_view dep,
                                            Exists&& exists) {
  std::string dir(from);
  for (;;) {
    // Folders named node_modules (and the @scope folders inside them) hold packages; they have
    // no node_modules of their own worth trying.
    std::string_view base = std::string_view(dir).substr(dir.rfind('/') + 1);
    if (base != "node_modules") {
      std::string candidate = dir.empty() ? std::string() : dir + "/";
      candidate += "node_modules/";
      candidate += dep;
      if (exists(candidate)) return candidate;
    }
    if (dir.empty()) return {};
    auto slash = dir.rfind('/');
    dir.resize(slash == std::string::npos ? 0 : slash);
  }
}

}  // namespace tollgate::catalog::npm
