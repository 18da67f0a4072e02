// Safe expansion of archives and container images into a private directory, so that the tree
// scanner can read them like any other root.
//
//   auto staging = StagingDir::create();               // removed when it goes out of scope
//   Diagnostics diag;
//   Result<ExpandStats> s = expandArchive("app.tar.gz", staging->path(), ArchiveLimits{}, diag);
//   Result<ImageInfo> img = expandImage("image.tar", staging->path(), ArchiveLimits{}, diag);
//
// Safety rules (the archive is untrusted):
//  * entry names that are absolute or contain ".." are never written anywhere (one warning each);
//  * every directory on the way to an entry is opened without following symbolic links, so an
//    archive cannot plant "dir -> /etc" and then write "dir/passwd" through it;
//  * devices, FIFOs and sockets are skipped; hard links may only point inside the archive;
//  * limits on total expanded bytes, entry count, nesting depth and compression ratio end the
//    expansion with one clear warning (an archive bomb is a warning, not an out-of-memory).
// Nested archives (tar, zip, jar/war/ear, deb, rpm, whl, ...) found inside are expanded next to
// themselves into a directory named "<file>!" (so "/lib/app.jar!/META-INF/MANIFEST.MF"), up to
// ArchiveLimits::maxDepth levels.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "tollgate/util/diagnostics.h"
#include "tollgate/util/result.h"

namespace tollgate::catalog {

struct ArchiveLimits {
  std::uint64_t maxTotalBytes = 32ull << 30;  // expanded bytes over the whole input
  std::uint64_t maxEntries = 2'000'000;
  unsigned maxDepth = 4;    // nested archive levels below the input
  double maxRatio = 250.0;  // expanded / compressed bytes, per archive
};

struct ExpandStats {
  std::uint64_t entries = 0;
  std::uint64_t bytes = 0;
  std::uint64_t skipped = 0;  // unsafe names, special files, limit hits
  bool truncated = false;     // a limit stopped the expansion early
};

// A temporary directory owned by the process; removed (recursively) on destruction.
class StagingDir {
 public:
  [[nodiscard]] static Result<StagingDir> create();
  StagingDir(StagingDir&& o) noexcept : path_(std::move(o.path_)) { o.path_.clear(); }
  StagingDir& operator=(StagingDir&&) = delete;
  StagingDir(const StagingDir&) = delete;
  ~StagingDir();
  [[nodiscard]] const std::filesystem::path& path() const { return path_; }

 private:
  explicit StagingDir(std::filesystem::path p) : path_(std::move(p)) {}
  std::filesystem::path path_;
};

// True when libarchive recognises `path` as an archive (tar with any compression, zip, ar/deb,
// cpio/rpm, 7z, iso9660).
[[nodiscard]] bool isArchive(const std::filesystem::path& path);

// For a file isArchive() refuses: libarchive's reason when it is recognisably compressed or an
// archive but its first entry cannot be read (a download cut short); nullopt when it is simply
// not an archive (noise, a lone binary, a gzip-compressed text).
[[nodiscard]] std::optional<std::string> damagedArchive(const std::filesystem::path& path);

// Expands `archive` into the existing empty directory `dest`, then nested archives below it.
// Errors: kInvalidInput when `archive` is not an archive at all; problems inside it are warnings.
[[nodiscard]] Result<ExpandStats> expandArchive(const std::filesystem::path& archive,
                                                const std::filesystem::path& dest,
                                                const ArchiveLimits& limits, Diagnostics& diag);

struct ImageInfo {
  std::string format;               // "docker-archive" | "oci"
  std::string digest;               // manifest digest (OCI) or config digest (docker save)
  std::vector<std::string> tags;    // RepoTags or org.opencontainers.image.ref.name
  std::vector<std::string> layers;  // layer digests ("sha256:..."), bottom first
  std::string os;
  std::string architecture;
  // In-root path -> index into `layers` of the layer that last wrote it.
  std::map<std::string, std::size_t> origin;
};

// True when `path` is a container image: a `docker save` tarball or an OCI image layout
// (directory or tar).
[[nodiscard]] bool isImage(const std::filesystem::path& path);

// Applies the image's layers in order into `dest` (whiteouts and opaque directories honoured),
// so that `dest` holds the final file system. Errors: kInvalidInput for a malformed image
// (missing manifest, layer blob absent, digest mismatch).
[[nodiscard]] Result<ImageInfo> expandImage(const std::filesystem::path& image,
                                            const std::filesystem::path& dest,
                                            const ArchiveLimits& limits, Diagnostics& diag);

}  // namespace tollgate::catalog
