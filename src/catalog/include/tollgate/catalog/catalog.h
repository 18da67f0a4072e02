// Turning a file tree into a Bom: the walk, the catalogers, hashing, and the dependency graph.
//
//   auto root = RootDir::open("/srv/rootfs");
//   Diagnostics diag;
//   Result<sbom::Bom> bom = catalog::scanTree(*root, catalog::ScanOptions{}, diag);
//
// Problems with single files (unreadable, malformed metadata) become warnings in `diag`; the only
// errors are an unusable root (kIo / kNotFound).
#pragma once

#include <string>
#include <vector>

#include "tollgate/catalog/archive.h"
#include "tollgate/catalog/tree.h"
#include "tollgate/sbom/bom.h"
#include "tollgate/util/diagnostics.h"
#include "tollgate/util/progress.h"
#include "tollgate/util/result.h"

namespace tollgate::catalog {

// What one cataloger found. Component.files carry paths only; scanTree() fills in the hashes.
struct Catalogue {
  std::vector<sbom::Component> components;
  std::vector<sbom::Dependency> dependencies;
};

// Catalogers: each reads the tree (and file contents through tree.root()) and never fails as a
// whole; malformed inputs become warnings naming the path.
[[nodiscard]] Catalogue catalogDpkg(const FileTree& tree, Diagnostics& diag);
[[nodiscard]] Catalogue catalogNpm(const FileTree& tree, Diagnostics& diag);
[[nodiscard]] Catalogue catalogPython(const FileTree& tree, Diagnostics& diag);
[[nodiscard]] Catalogue catalogRpm(const FileTree& tree, Diagnostics& diag);
[[nodiscard]] Catalogue catalogApk(const FileTree& tree, Diagnostics& diag);
// Java archives get SHA-1 and SHA-256 of their bytes unless `hashArchives` is false (scanTree
// passes ScanOptions::hashArchives): the digests describe an archive, they do not identify it.
[[nodiscard]] Catalogue catalogJava(const FileTree& tree, Diagnostics& diag,
                                    bool hashArchives = true);
[[nodiscard]] Catalogue catalogAsar(const FileTree& tree, Diagnostics& diag);
// Debian package files (*.deb) found in the tree, as components of the packages themselves.
[[nodiscard]] Catalogue catalogDebFiles(const FileTree& tree, Diagnostics& diag);
// Every executable or shared library not owned by a package component in `owned`.
[[nodiscard]] Catalogue catalogFiles(const FileTree& tree,
                                     const std::vector<sbom::Component>& owned, Diagnostics& diag);

// Identifies what each file component is (ELF, PE with Authenticode, Mach-O, Go and Rust build
// info, ...) and enriches it in place (properties, purl where derivable); returns components for
// what the binaries bundle (Go modules, Rust crates) and edges binary -> bundled component.
[[nodiscard]] Catalogue catalogBinaries(const FileTree& tree,
                                        std::vector<sbom::Component>& components,
                                        Diagnostics& diag);

struct ScanOptions {
  std::vector<std::string> excludes;  // in-root prefixes not to walk
  bool oneFileSystem = false;
  bool hashFiles = true;  // SHA-256 of file entries and package-owned files
  // SHA-1 and SHA-256 of Java archives, and scanPath()'s SHA-256 of the archive or single file it
  // was given. `tollgate sbom --no-hash` turns off both: nothing identifies a component by these
  // digests. integrity keeps this on with hashFiles off: its diff tells a jar rebuilt under the
  // same version by its digests.
  bool hashArchives = true;
  bool sha1 = false;                // also SHA-1 (SPDX 2.3 requires it per file)
  bool includePackageFiles = true;  // list the files each package owns
  unsigned threads = 0;             // 0: all CPUs
  Progress* progress = nullptr;
};

[[nodiscard]] Result<sbom::Bom> scanTree(const RootDir& root, const ScanOptions& opts,
                                         Diagnostics& diag);

// Any input `tollgate sbom` accepts: a directory, an OCI image layout directory, a `docker save`
// or OCI tarball, an archive libarchive reads (expanded safely into a staging directory that
// is removed afterwards), or any other regular file, scanned as a tree holding only that file.
// Images get metadata (digest, tags, layers) and a `tollgate:image:layer` property per
// component; archives and single files their SHA-256. Errors: kNotFound / kInvalidInput
// (not a directory or regular file; malformed image), kIo.
[[nodiscard]] Result<sbom::Bom> scanPath(const std::filesystem::path& input,
                                         const ScanOptions& opts, const ArchiveLimits& limits,
                                         Diagnostics& diag);

}  // namespace tollgate::catalog
