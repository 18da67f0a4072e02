// One release as `tollgate diff` sees it: the input opened (a directory in place; an archive or a
// container image expanded into a private staging directory that lives as long as the Release),
// every file listed with its SHA-256, and the SBOM of the tree (catalog::scanTree).
//
//   Diagnostics diag;
//   Result<Release> r = Release::open("app-1.2.zip", ReleaseOptions{}, diag);
//   for (const ReleaseFile& f : r->files()) use(f.path, f.sha256);
//   Result<MappedFile> m = r->map("/app/ffmpeg.dll");   // bytes for the rules
//
// An archive whose entries all sit below one top-level directory ("app-1.2/...") is rooted at that
// directory, so that two versions of a source or release archive compare path by path. A single
// file that is not an archive (a DLL, an executable) is a one-file release when the options name
// it (ReleaseOptions::singleFileName).
//
// Thread safety: a Release is immutable after open(); map() may be called from several threads.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tollgate/catalog/archive.h"
#include "tollgate/sbom/bom.h"
#include "tollgate/util/diagnostics.h"
#include "tollgate/util/file.h"
#include "tollgate/util/mapped_file.h"
#include "tollgate/util/progress.h"
#include "tollgate/util/result.h"
#include "tollgate/util/walk.h"

namespace tollgate::integrity {

struct ReleaseFile {
  std::string path;  // in-root absolute path: "/app/ffmpeg.dll"
  EntryType type = EntryType::kOther;
  std::uint32_t mode = 0;
  std::uint64_t size = 0;
  std::string sha256;      // regular files (empty when unreadable)
  std::string linkTarget;  // symlinks
};

struct ReleaseOptions {
  bool catalog = true;  // also build the SBOM (components, versions, binary facts)
  unsigned threads = 0;
  catalog::ArchiveLimits limits;
  // When set, an input that is a regular file but neither an archive nor an image is a release of
  // that one file, named `singleFileName` ("ffmpeg.dll"): `tollgate diff` compares two versions
  // of one DLL or executable under the same name. Empty: such an input is an error.
  std::string singleFileName;
  // Walking, hashing and cataloguing progress (tollgate diff draws it when stderr is a
  // terminal); may be null.
  Progress* progress = nullptr;
};

class Release {
 public:
  // Errors: kNotFound / kIo for an unreadable input, kInvalidInput for something that is not a
  // directory, archive or image. Problems with single files are warnings in `diag`.
  [[nodiscard]] static Result<Release> open(const std::filesystem::path& input,
                                            const ReleaseOptions& opts, Diagnostics& diag);

  [[nodiscard]] const std::string& label() const { return label_; }  // as given on the command line
  [[nodiscard]] const RootDir& root() const { return *root_; }
  [[nodiscard]] const sbom::Bom& bom() const { return bom_; }
  // Every entry except directories, sorted by path.
  [[nodiscard]] const std::vector<ReleaseFile>& files() const { return files_; }
  [[nodiscard]] const ReleaseFile* find(std::string_view path) const;
  // The version the release declares for a file through the package that owns it ("" if none).
  [[nodiscard]] std::string packageVersionOf(std::string_view path) const;
  // The SBOM component describing the file itself (a file component), or nullptr.
  [[nodiscard]] const sbom::Component* fileComponent(std::string_view path) const;
  // Read-only map of a regular file of the release. Errors: kIo, kNotFound.
  [[nodiscard]] Result<MappedFile> map(std::string_view path) const;

 private:
  Release() = default;
  std::string label_;
  std::unique_ptr<catalog::StagingDir> staging_;
  std::unique_ptr<RootDir> root_;
  sbom::Bom bom_;
  std::vector<ReleaseFile> files_;
  std::vector<std::pair<std::string, std::size_t>> owner_;  // path -> component index, sorted
  std::vector<std::pair<std::string, std::size_t>> fileComponents_;
};

}  // namespace tollgate::integrity
