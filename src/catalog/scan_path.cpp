// scanPath: recognise the input (directory, image, archive), expand it safely, scan it, and
// describe the subject in the BOM metadata.
#include <fcntl.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>

#include "tollgate/catalog/catalog.h"
#include "tollgate/util/hash.h"

namespace tollgate::catalog {
namespace {

std::string joined(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : ",") + x;
  return s;
}

// The in-root path that best says where a component came from: its first owned file, else its
// first evidence path.
std::vector<std::string> originPaths(const sbom::Component& c) {
  std::vector<std::string> out;
  for (const auto& f : c.files) out.push_back(f.path);
  for (const auto& e : c.evidencePaths) out.push_back(e);
  return out;
}

Result<std::string> sha256OfFile(const std::filesystem::path& p) {
  UniqueFd fd(::open(p.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd)
    return fail(ErrorCode::kIo, std::string("cannot open: ") + std::strerror(errno), p.string());
  std::vector<std::byte> buf(1 << 20);
  return sha256Fd(fd.get(), buf, p.string());
}

Result<sbom::Bom> scanDir(const std::filesystem::path& dir, const ScanOptions& opts,
                          Diagnostics& diag) {
  auto root = RootDir::open(dir);
  if (!root) return std::unexpected(root.error());
  return scanTree(*root, opts, diag);
}

// One plain file (a lock file, a manifest, a lone binary): scanned as a tree holding just that
// file under its own name, so that every cataloger that recognises it by name or content applies.
// A hard link costs nothing; across file systems the file is copied into the staging directory.
Result<sbom::Bom> scanSingleFile(const std::filesystem::path& input, const std::string& name,
                                 const std::filesystem::path& staging, const ScanOptions& opts,
                                 Diagnostics& diag) {
  auto staged = staging / name;
  std::error_code ec;
  std::filesystem::create_hard_link(input, staged, ec);
  if (ec) {
    ec.clear();
    std::filesystem::copy_file(input, staged, ec);
    if (ec)
      return fail(ErrorCode::kIo, "cannot stage file for scanning: " + ec.message(),
                  input.string());
  }
  auto bom = scanDir(staging, opts, diag);
  if (!bom) return std::unexpected(bom.error());
  auto& meta = bom->metadata;
  meta.properties.erase("tollgate:root");
  meta.subjectType = "file";
  meta.subjectName = name;
  meta.properties["tollgate:file:source"] = input.string();
  if (opts.hashArchives)
    if (auto d = sha256OfFile(input)) meta.properties["tollgate:file:sha256"] = *d;
  return bom;
}

}  // namespace

Result<sbom::Bom> scanPath(const std::filesystem::path& input, const ScanOptions& opts,
                           const ArchiveLimits& limits, Diagnostics& diag) {
  struct stat st {};
  if (::stat(input.c_str(), &st) != 0) {
    auto code = errno == ENOENT ? ErrorCode::kNotFound : ErrorCode::kIo;
    return fail(code, std::string("cannot scan: ") + std::strerror(errno), input.string());
  }
  if (S_ISDIR(st.st_mode) && !isImage(input)) return scanDir(input, opts, diag);
  if (!S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode))
    return fail(ErrorCode::kInvalidInput, "cannot scan: not a directory or a regular file",
                input.string());

  auto staging = StagingDir::create();
  if (!staging) return std::unexpected(staging.error());
  std::string name = input.filename().string();

  if (isImage(input)) {
    auto info = expandImage(input, staging->path(), limits, diag);
    if (!info) return std::unexpected(info.error());
    auto bom = scanDir(staging->path(), opts, diag);
    if (!bom) return std::unexpected(bom.error());
    auto& meta = bom->metadata;
    // The operating system found inside stays as properties; the subject is the image.
    meta.properties.erase("tollgate:root");
    meta.subjectType = "container";
    meta.subjectName = info->tags.empty() ? name : info->tags.front();
    meta.subjectVersion = info->digest;
    meta.properties["tollgate:image:format"] = info->format;
    meta.properties["tollgate:image:digest"] = info->digest;
    meta.properties["tollgate:image:layers"] = joined(info->layers);
    meta.properties["tollgate:image:source"] = input.string();
    if (!info->tags.empty()) meta.properties["tollgate:image:tags"] = joined(info->tags);
    if (!info->os.empty()) meta.properties["tollgate:image:os"] = info->os;
    if (!info->architecture.empty())
      meta.properties["tollgate:image:architecture"] = info->architecture;
    for (auto& c : bom->components) {
      for (const auto& p : originPaths(c)) {
        auto it = info->origin.find(p);
        if (it == info->origin.end()) {
          // Declared through a symlinked directory (/lib -> usr/lib): ask the expanded root.
          if (auto root = RootDir::open(staging->path()))
            if (auto r = root->resolve(p)) it = info->origin.find(*r);
        }
        if (it != info->origin.end()) {
          c.properties["tollgate:image:layer"] = info->layers[it->second];
          break;
        }
      }
    }
    return bom;
  }

  if (!isArchive(input)) {
    if (auto why = damagedArchive(input))
      return fail(ErrorCode::kInvalidInput, "damaged or truncated archive: " + *why,
                  input.string());
    return scanSingleFile(input, name, staging->path(), opts, diag);
  }
  auto stats = expandArchive(input, staging->path(), limits, diag);
  if (!stats) return std::unexpected(stats.error());
  auto bom = scanDir(staging->path(), opts, diag);
  if (!bom) return std::unexpected(bom.error());
  auto& meta = bom->metadata;
  meta.properties.erase("tollgate:root");
  if (meta.subjectType != "operating-system") {
    meta.subjectType = "file";
    meta.subjectName = name;
  }
  meta.properties["tollgate:archive:source"] = input.string();
  meta.properties["tollgate:archive:entries"] = std::to_string(stats->entries);
  meta.properties["tollgate:archive:bytes"] = std::to_string(stats->bytes);
  if (stats->truncated) meta.properties["tollgate:archive:truncated"] = "true";
  if (opts.hashArchives)
    if (auto d = sha256OfFile(input)) meta.properties["tollgate:archive:sha256"] = *d;
  return bom;
}

}  // namespace tollgate::catalog
