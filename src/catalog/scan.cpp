#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>
#include <unordered_map>

#include "os_release.h"
#include "tollgate/catalog/catalog.h"
#include "tollgate/util/hash.h"
#include "tollgate/util/parallel.h"
#include "tollgate/util/strings.h"

namespace tollgate::catalog {
namespace {

void describeSubject(const FileTree& tree, sbom::Metadata& meta) {
  meta.subjectName = tree.root().path().string();
  meta.subjectType = "file";
  auto os = detail::readOsRelease(tree).fields;
  if (!os.contains("ID")) return;
  meta.subjectType = "operating-system";
  meta.subjectName = os["ID"];
  meta.subjectVersion = os.contains("VERSION_ID") ? os["VERSION_ID"] : "";
  for (const char* k : {"ID", "VERSION_ID", "VERSION_CODENAME", "PRETTY_NAME"})
    if (auto it = os.find(k); it != os.end())
      meta.properties[std::string("tollgate:os:") + toLower(k)] = it->second;
  meta.properties["tollgate:root"] = tree.root().path().string();
}

struct HashJob {
  std::string_view path;  // resolved in-root path (a regular file): a FileTree entry's path
  std::string sha256;
  std::string sha1;
  bool ok = false;
};

void hashAll(const FileTree& tree, std::vector<HashJob>& jobs, unsigned threads, bool sha1,
             Progress* progress, Diagnostics& diag) {
  if (progress) progress->setPhase("hashing", jobs.size());
  constexpr std::size_t kBuf = 1 << 20;  // big sequential reads
  std::vector<std::unique_ptr<std::byte[]>> buffers(threads);
  parallelFor(jobs.size(), threads, [&](unsigned worker, std::size_t i) {
    auto& buf = buffers[worker];
    if (!buf) buf = std::make_unique<std::byte[]>(kBuf);
    HashJob& job = jobs[i];
    std::string rel(job.path.substr(1));
    UniqueFd fd(::openat(tree.root().fd(), rel.c_str(),
                         O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY));
    if (!fd) {
      if (errno != ENOENT)
        diag.warn(std::string(job.path), std::string("cannot open: ") + std::strerror(errno));
      if (progress) progress->tick();
      return;
    }
    ::posix_fadvise(fd.get(), 0, 0, POSIX_FADV_SEQUENTIAL);
    auto digest = digestFd(fd.get(), std::span(buf.get(), kBuf), sha1, std::string(job.path));
    if (digest) {
      job.sha256 = std::move(digest->sha256);
      job.sha1 = std::move(digest->sha1);
      job.ok = true;
    } else {
      diag.warn(digest.error());
    }
    if (progress) progress->tick();
  });
}

}  // namespace

Result<sbom::Bom> scanTree(const RootDir& root, const ScanOptions& opts, Diagnostics& diag) {
  unsigned threads = opts.threads ? opts.threads : defaultThreads();
  WalkOptions wopts;
  wopts.excludes = opts.excludes;
  wopts.oneFileSystem = opts.oneFileSystem;
  wopts.threads = threads;
  wopts.progress = opts.progress;
  if (opts.progress) opts.progress->setPhase("walking");
  auto entries = walkTree(root, wopts, diag);
  if (!entries) return std::unexpected(entries.error());
  FileTree tree(root, std::move(*entries));

  sbom::Bom bom;
  describeSubject(tree, bom.metadata);

  if (opts.progress) opts.progress->setPhase("cataloguing");
  auto take = [&bom](Catalogue c) {
    std::move(c.components.begin(), c.components.end(), std::back_inserter(bom.components));
    std::move(c.dependencies.begin(), c.dependencies.end(), std::back_inserter(bom.dependencies));
  };
  for (auto* cataloger : {&catalogDpkg, &catalogNpm, &catalogPython, &catalogRpm, &catalogApk})
    take(cataloger(tree, diag));
  take(catalogJava(tree, diag, opts.hashArchives));
  for (auto* cataloger : {&catalogAsar, &catalogDebFiles}) take(cataloger(tree, diag));
  {
    Catalogue c = catalogFiles(tree, bom.components, diag);
    std::move(c.components.begin(), c.components.end(), std::back_inserter(bom.components));
    std::move(c.dependencies.begin(), c.dependencies.end(), std::back_inserter(bom.dependencies));
  }
  {
    Catalogue c = catalogBinaries(tree, bom.components, diag);
    std::move(c.components.begin(), c.components.end(), std::back_inserter(bom.components));
    std::move(c.dependencies.begin(), c.dependencies.end(), std::back_inserter(bom.dependencies));
  }
  if (!opts.includePackageFiles)
    for (auto& c : bom.components) c.files.clear();

  if (opts.hashFiles) {
    // Every distinct regular file named by a component, hashed once, in parallel. The maps are
    // keyed by views into the tree's and the components' own path strings (neither changes
    // until the hashes are assigned): a live root names ~200k files, and copies of every path
    // here cost tens of MB of peak memory.
    constexpr std::size_t kNoJob = ~std::size_t{0};
    std::unordered_map<std::string_view, std::size_t> jobIndex;  // resolved path -> job
    std::vector<HashJob> jobs;
    std::unordered_map<std::string_view, std::size_t> jobOf;  // declared path -> job or kNoJob
    auto want = [&](const std::string& declared) {
      if (jobOf.contains(declared)) return;
      const FileEntry* e = tree.findResolved(declared);
      if (!e || e->type != EntryType::kRegular) {
        jobOf.emplace(declared, kNoJob);
        return;
      }
      auto [it, added] = jobIndex.emplace(e->path, jobs.size());
      if (added) jobs.push_back(HashJob{e->path, {}, {}, false});
      jobOf.emplace(declared, it->second);
    };
    for (const auto& c : bom.components) {
      for (const auto& f : c.files) want(f.path);
      if (c.type == sbom::ComponentType::kFile && !c.evidencePaths.empty())
        want(c.evidencePaths.front());
    }
    jobIndex = {};
    hashAll(tree, jobs, threads, opts.sha1, opts.progress, diag);
    auto digestOf = [&](const std::string& declared) -> const HashJob* {
      auto r = jobOf.find(declared);
      if (r == jobOf.end() || r->second == kNoJob) return nullptr;
      const HashJob& j = jobs[r->second];
      return j.ok ? &j : nullptr;
    };
    for (auto& c : bom.components) {
      auto add = [](std::vector<sbom::Hash>& hashes, const HashJob& j) {
        hashes.push_back({"SHA-256", j.sha256});
        if (!j.sha1.empty()) hashes.push_back({"SHA-1", j.sha1});
      };
      for (auto& f : c.files)
        if (const HashJob* j = digestOf(f.path)) add(f.hashes, *j);
      if (c.type == sbom::ComponentType::kFile && !c.evidencePaths.empty())
        if (const HashJob* j = digestOf(c.evidencePaths.front())) add(c.hashes, *j);
    }
  }
  return bom;
}

}  // namespace tollgate::catalog
