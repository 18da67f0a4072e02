// Release::open: stage the input (directory in place, archive or image expanded), list and hash
// every file once in parallel, and catalogue the tree without hashing again.
#include "tollgate/integrity/release.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "tollgate/catalog/archive.h"
#include "tollgate/catalog/catalog.h"
#include "tollgate/util/hash.h"
#include "tollgate/util/parallel.h"

namespace tollgate::integrity {
namespace {

// An expanded archive whose entries share one top-level directory is rooted there.
std::filesystem::path singleTopDirectory(const std::filesystem::path& dir) {
  std::error_code ec;
  std::filesystem::path only;
  int count = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
    if (++count > 1) return dir;
    if (!e.is_directory(ec) || e.is_symlink(ec)) return dir;
    only = e.path();
  }
  return count == 1 ? only : dir;
}

template <class V>
auto lowerBound(const V& v, std::string_view key) {
  return std::lower_bound(v.begin(), v.end(), key,
                          [](const auto& a, std::string_view k) { return a.first < k; });
}

}  // namespace

Result<Release> Release::open(const std::filesystem::path& input, const ReleaseOptions& opts,
                              Diagnostics& diag) {
  Release r;
  r.label_ = input.string();
  struct stat st {};
  if (::stat(input.c_str(), &st) != 0) {
    auto code = errno == ENOENT ? ErrorCode::kNotFound : ErrorCode::kIo;
    return fail(code, std::string("cannot open: ") + std::strerror(errno), input.string());
  }
  std::filesystem::path rootPath = input;
  if (!S_ISDIR(st.st_mode) || catalog::isImage(input)) {
    if (!S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode))
      return fail(ErrorCode::kInvalidInput, "not a directory, archive or image", input.string());
    auto staging = catalog::StagingDir::create();
    if (!staging) return std::unexpected(staging.error());
    r.staging_ = std::make_unique<catalog::StagingDir>(std::move(*staging));
    if (catalog::isImage(input)) {
      auto info = catalog::expandImage(input, r.staging_->path(), opts.limits, diag);
      if (!info) return std::unexpected(info.error());
      rootPath = r.staging_->path();
    } else {
      if (!catalog::isArchive(input)) {
        // As `tollgate sbom` says of it: a download cut short is an error, not a lone file.
        if (auto why = catalog::damagedArchive(input))
          return fail(ErrorCode::kInvalidInput, "damaged or truncated archive: " + *why,
                      input.string());
        if (opts.singleFileName.empty() || opts.singleFileName.find('/') != std::string::npos)
          return fail(ErrorCode::kInvalidInput, "not a directory, archive or image",
                      input.string());
        // A one-file release: the file alone in the staging directory, under the shared name
        // (a hard link when the staging directory shares the file system, else a copy).
        std::filesystem::path dest = r.staging_->path() / opts.singleFileName;
        std::error_code ec;
        std::filesystem::create_hard_link(input, dest, ec);
        if (ec) {
          ec.clear();
          std::filesystem::copy_file(input, dest, ec);
        }
        if (ec)
          return fail(ErrorCode::kIo, "cannot copy into the staging directory: " + ec.message(),
                      input.string());
        rootPath = r.staging_->path();
      } else {
        auto stats = catalog::expandArchive(input, r.staging_->path(), opts.limits, diag);
        if (!stats) return std::unexpected(stats.error());
        rootPath = singleTopDirectory(r.staging_->path());
      }
    }
  }
  auto root = RootDir::open(rootPath);
  if (!root) return std::unexpected(root.error());
  r.root_ = std::make_unique<RootDir>(std::move(*root));

  unsigned threads = opts.threads ? opts.threads : defaultThreads();
  WalkOptions wopts;
  wopts.threads = threads;
  wopts.progress = opts.progress;
  if (opts.progress) opts.progress->setPhase("walking " + input.filename().string());
  auto entries = walkTree(*r.root_, wopts, diag);
  if (!entries) return std::unexpected(entries.error().within(input.string()));
  for (auto& e : *entries) {
    if (e.type == EntryType::kDirectory) continue;
    r.files_.push_back(ReleaseFile{.path = std::move(e.path),
                                   .type = e.type,
                                   .mode = e.mode,
                                   .size = e.size,
                                   .sha256 = {},
                                   .linkTarget = std::move(e.linkTarget)});
  }
  std::sort(r.files_.begin(), r.files_.end(),
            [](const ReleaseFile& a, const ReleaseFile& b) { return a.path < b.path; });

  // Every regular file once, 1 MiB sequential reads, one buffer per worker.
  std::vector<std::unique_ptr<std::byte[]>> buffers(threads);
  constexpr std::size_t kBuf = 1 << 20;
  if (opts.progress)
    opts.progress->setPhase("hashing " + input.filename().string(), r.files_.size());
  parallelFor(r.files_.size(), threads, [&](unsigned worker, std::size_t i) {
    if (opts.progress) opts.progress->tick();
    ReleaseFile& f = r.files_[i];
    if (f.type != EntryType::kRegular) return;
    if (!buffers[worker]) buffers[worker] = std::make_unique<std::byte[]>(kBuf);
    UniqueFd fd(::openat(r.root_->fd(), f.path.c_str() + 1, O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
    if (!fd) {
      diag.warn(f.path, std::string("cannot open: ") + std::strerror(errno));
      return;
    }
    ::posix_fadvise(fd.get(), 0, 0, POSIX_FADV_SEQUENTIAL);
    auto d = sha256Fd(fd.get(), std::span(buffers[worker].get(), kBuf), f.path);
    if (d)
      f.sha256 = std::move(*d);
    else
      diag.warn(d.error());
  });

  if (opts.catalog) {
    catalog::ScanOptions sopts;
    sopts.hashFiles = false;  // the release's own listing above hashed every file
    // hashArchives stays on: the component diff tells a jar rebuilt under one version by them.
    sopts.threads = threads;
    sopts.progress = opts.progress;
    auto bom = catalog::scanTree(*r.root_, sopts, diag);
    if (!bom) return std::unexpected(bom.error().within(input.string()));
    r.bom_ = std::move(*bom);
    r.bom_.normalize();
    for (std::size_t i = 0; i < r.bom_.components.size(); ++i) {
      const auto& c = r.bom_.components[i];
      if (c.type == sbom::ComponentType::kFile) {
        for (const auto& p : c.evidencePaths) r.fileComponents_.emplace_back(p, i);
        continue;
      }
      for (const auto& f : c.files) r.owner_.emplace_back(f.path, i);
    }
    std::sort(r.owner_.begin(), r.owner_.end());
    std::sort(r.fileComponents_.begin(), r.fileComponents_.end());
  }
  return r;
}

const ReleaseFile* Release::find(std::string_view path) const {
  auto it = std::lower_bound(files_.begin(), files_.end(), path,
                             [](const ReleaseFile& f, std::string_view p) { return f.path < p; });
  return it != files_.end() && it->path == path ? &*it : nullptr;
}

std::string Release::packageVersionOf(std::string_view path) const {
  auto it = lowerBound(owner_, path);
  if (it == owner_.end() || it->first != path) return {};
  return bom_.components[it->second].version;
}

const sbom::Component* Release::fileComponent(std::string_view path) const {
  auto it = lowerBound(fileComponents_, path);
  if (it == fileComponents_.end() || it->first != path) return nullptr;
  return &bom_.components[it->second];
}

Result<MappedFile> Release::map(std::string_view path) const {
  std::string rel(path.substr(path.starts_with('/') ? 1 : 0));
  UniqueFd fd(::openat(root_->fd(), rel.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  if (!fd)
    return fail(errno == ENOENT ? ErrorCode::kNotFound : ErrorCode::kIo,
                std::string("cannot open: ") + std::strerror(errno), std::string(path));
  return MappedFile::open(fd.get(), std::string(path));
}

}  // namespace tollgate::integrity
