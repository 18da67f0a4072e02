#include "tollgate/util/walk.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <mutex>
#include <thread>

#include "tollgate/util/c_handle.h"
#include "tollgate/util/parallel.h"

namespace tollgate {
namespace {

bool isPseudoFs(long type) {
  switch (static_cast<unsigned long>(type)) {
    case PROC_SUPER_MAGIC:
    case SYSFS_MAGIC:
    case CGROUP_SUPER_MAGIC:
    case CGROUP2_SUPER_MAGIC:
    case DEBUGFS_MAGIC:
    case TRACEFS_MAGIC:
    case SECURITYFS_MAGIC:
    case PSTOREFS_MAGIC:
    case BPF_FS_MAGIC:
    case DEVPTS_SUPER_MAGIC:
    case BINFMTFS_MAGIC:
    case 0x6e736673:  // NSFS_MAGIC
    case 0x65735546:  // FUSE control
      return true;
    default:
      return false;
  }
}

struct DirJob {
  std::string path;  // in-root
  std::uint64_t dev;
};

class Walker {
 public:
  Walker(const RootDir& root, const WalkOptions& opts, Diagnostics& diag)
      : root_(root), opts_(opts), diag_(diag) {}

  Result<std::vector<FileEntry>> run() {
    struct stat st {};
    if (::fstat(root_.fd(), &st) != 0)
      return fail(ErrorCode::kIo, std::string("cannot stat root: ") + std::strerror(errno),
                  root_.path().string());
    rootDev_ = st.st_dev;
    queue_.push_back(DirJob{"/", static_cast<std::uint64_t>(st.st_dev)});
    unsigned threads = opts_.threads ? opts_.threads : defaultThreads();
    {
      std::vector<std::jthread> pool;
      for (unsigned t = 0; t < threads; ++t) pool.emplace_back([this] { work(); });
    }
    std::sort(out_.begin(), out_.end(),
              [](const FileEntry& a, const FileEntry& b) { return a.path < b.path; });
    return std::move(out_);
  }

 private:
  bool excluded(const std::string& path) const {
    for (const auto& ex : opts_.excludes) {
      if (path == ex) return true;
      if (path.size() > ex.size() && path.starts_with(ex) &&
          (ex.back() == '/' || path[ex.size()] == '/'))
        return true;
    }
    return false;
  }

  void work() {
    std::vector<FileEntry> local;
    for (;;) {
      DirJob job;
      {
        std::unique_lock lock(mu_);
        cv_.wait(lock, [&] { return !queue_.empty() || busy_ == 0; });
        if (queue_.empty()) break;
        job = std::move(queue_.front());
        queue_.pop_front();
        ++busy_;
      }
      std::vector<DirJob> found;
      scan(job, local, found);
      {
        std::lock_guard lock(mu_);
        for (auto& f : found) queue_.push_back(std::move(f));
        --busy_;
      }
      cv_.notify_all();
      if (local.size() > 4096) flush(local);
    }
    flush(local);
    cv_.notify_all();
  }

  void flush(std::vector<FileEntry>& local) {
    std::lock_guard lock(outMu_);
    for (auto& e : local) out_.push_back(std::move(e));
    local.clear();
  }

  void scan(const DirJob& job, std::vector<FileEntry>& local, std::vector<DirJob>& found) {
    std::string rel = job.path == "/" ? std::string(".") : job.path.substr(1);
    int fd = ::openat(root_.fd(), rel.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
      if (errno != ENOENT)
        diag_.warn(job.path, std::string("cannot read directory: ") + std::strerror(errno));
      return;
    }
    UniqueDir dir(::fdopendir(fd));
    if (!dir) {
      ::close(fd);
      diag_.warn(job.path, std::string("cannot read directory: ") + std::strerror(errno));
      return;
    }
    const std::string prefix = job.path == "/" ? "/" : job.path + "/";
    for (;;) {
      errno = 0;
      dirent* d = ::readdir(dir.get());
      if (!d) {
        if (errno != 0)
          diag_.warn(job.path, std::string("error listing directory: ") + std::strerror(errno));
        break;
      }
      const char* name = d->d_name;
      if (std::strcmp(name, ".") == 0 || std::strcmp(name, "..") == 0) continue;
      struct stat st {};
      if (::fstatat(fd, name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
        if (errno != ENOENT)  // vanished between listing and stat: not worth a warning
          diag_.warn(prefix + name, std::string("cannot stat: ") + std::strerror(errno));
        continue;
      }
      FileEntry e;
      e.path = prefix + name;
      if (excluded(e.path)) continue;
      e.mode = st.st_mode;
      e.size = static_cast<std::uint64_t>(st.st_size);
      e.dev = st.st_dev;
      e.ino = st.st_ino;
      if (S_ISREG(st.st_mode)) {
        e.type = EntryType::kRegular;
      } else if (S_ISDIR(st.st_mode)) {
        e.type = EntryType::kDirectory;
        bool descend = true;
        if (st.st_dev != job.dev) {
          if (opts_.oneFileSystem && st.st_dev != rootDev_) descend = false;
          if (descend && opts_.skipPseudoFilesystems) {
            int sub = ::openat(fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            if (sub >= 0) {
              struct statfs sfs {};
              if (::fstatfs(sub, &sfs) == 0 && isPseudoFs(sfs.f_type)) descend = false;
              ::close(sub);
            }
          }
        }
        if (descend) found.push_back(DirJob{e.path, static_cast<std::uint64_t>(st.st_dev)});
      } else if (S_ISLNK(st.st_mode)) {
        e.type = EntryType::kSymlink;
        char buf[4096];
        ssize_t n = ::readlinkat(fd, name, buf, sizeof buf);
        if (n >= 0) e.linkTarget.assign(buf, static_cast<std::size_t>(n));
      } else {
        e.type = EntryType::kOther;
      }
      local.push_back(std::move(e));
      if (opts_.progress) opts_.progress->tick();
    }
  }

  const RootDir& root_;
  const WalkOptions& opts_;
  Diagnostics& diag_;
  std::uint64_t rootDev_ = 0;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<DirJob> queue_;
  int busy_ = 0;
  std::mutex outMu_;
  std::vector<FileEntry> out_;
};

}  // namespace

Result<std::vector<FileEntry>> walkTree(const RootDir& root, const WalkOptions& opts,
                                        Diagnostics& diag) {
  Walker w(root, opts, diag);
  return w.run();
}

}  // namespace tollgate
