#include "tollgate/util/file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <deque>
#include <random>
#include <vector>

#include "tollgate/util/strings.h"

namespace tollgate {
namespace {

std::string errnoText() { return std::strerror(errno); }

// "/a/b" -> "a/b"; "/" -> "." (for *at() calls relative to the root descriptor).
std::string relative(std::string_view inRoot) {
  while (!inRoot.empty() && inRoot.front() == '/') inRoot.remove_prefix(1);
  return inRoot.empty() ? std::string(".") : std::string(inRoot);
}

}  // namespace

Result<std::string> readFd(int fd, const std::string& label, std::uint64_t maxBytes) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) return fail(ErrorCode::kIo, "cannot stat: " + errnoText(), label);
  if (!S_ISREG(st.st_mode)) return fail(ErrorCode::kInvalidInput, "not a regular file", label);
  if (static_cast<std::uint64_t>(st.st_size) > maxBytes)
    return fail(ErrorCode::kLimit,
                "file is larger than the " + std::to_string(maxBytes) + "-byte limit", label);
  std::string out;
  out.resize(static_cast<std::size_t>(st.st_size));
  std::size_t got = 0;
  for (;;) {
    if (got == out.size()) {
      // The file may have grown since fstat; read on up to the limit.
      if (out.size() >= maxBytes) {
        char probe;
        ssize_t n = ::read(fd, &probe, 1);
        if (n > 0)
          return fail(ErrorCode::kLimit,
                      "file is larger than the " + std::to_string(maxBytes) + "-byte limit", label);
        break;
      }
      out.resize(std::min<std::uint64_t>(maxBytes, out.size() * 2 + 4096));
    }
    ssize_t n = ::read(fd, out.data() + got, out.size() - got);
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail(ErrorCode::kIo, "read failed: " + errnoText(), label);
    }
    if (n == 0) break;
    got += static_cast<std::size_t>(n);
  }
  out.resize(got);
  return out;
}

Result<std::string> readFile(const std::filesystem::path& path, std::uint64_t maxBytes) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK));
  if (!fd) {
    auto code = errno == ENOENT ? ErrorCode::kNotFound : ErrorCode::kIo;
    return fail(code, "cannot open: " + errnoText(), path.string());
  }
  return readFd(fd.get(), path.string(), maxBytes);
}

namespace {
Status writeAll(int fd, std::string_view data, const std::string& label) {
  std::size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail(ErrorCode::kIo, "write failed: " + errnoText(), label);
    }
    done += static_cast<std::size_t>(n);
  }
  return {};
}
}  // namespace

Result<AtomicFile> AtomicFile::create(const std::filesystem::path& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode)) {
    // A device or pipe (/dev/null, /dev/stdout, a FIFO) cannot be replaced: write to it directly.
    UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
    if (!fd) return fail(ErrorCode::kIo, "cannot open: " + errnoText(), path.string());
    return AtomicFile(path, {}, std::move(fd));
  }
  auto dir = path.parent_path();
  if (dir.empty()) dir = ".";
  std::random_device rd;
  std::string tmp =
      (dir / ("." + path.filename().string() + ".tmp" + std::to_string(rd()))).string();
  UniqueFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
  // Named as the user gave it: the temporary's name would only puzzle them.
  if (!fd)
    return fail(ErrorCode::kIo,
                "cannot write (no temporary file in " + dir.string() + "): " + errnoText(),
                path.string());
  return AtomicFile(path, std::move(tmp), std::move(fd));
}

AtomicFile::AtomicFile(AtomicFile&& o) noexcept
    : path_(std::move(o.path_)),
      tmp_(std::move(o.tmp_)),
      fd_(std::move(o.fd_)),
      status_(std::move(o.status_)),
      done_(o.done_) {
  o.tmp_.clear();
  o.done_ = true;
}

AtomicFile::~AtomicFile() {
  if (!done_ && !tmp_.empty()) ::unlink(tmp_.c_str());
}

void AtomicFile::write(std::string_view data) {
  if (done_ || !status_ || data.empty()) return;
  status_ = writeAll(fd_.get(), data, path_.string());
}

Status AtomicFile::commit() {
  if (done_) return fail(ErrorCode::kInternal, "AtomicFile committed twice", path_.string());
  done_ = true;
  auto abandon = [&](Error e) -> Status {
    if (!tmp_.empty()) ::unlink(tmp_.c_str());
    return std::unexpected(std::move(e));
  };
  if (!status_) return abandon(status_.error());
  if (tmp_.empty()) {
    if (::close(fd_.release()) != 0)
      return fail(ErrorCode::kIo, "cannot close: " + errnoText(), path_.string());
    return {};
  }
  if (::fsync(fd_.get()) != 0 || ::close(fd_.release()) != 0)
    return abandon(Error{ErrorCode::kIo, "cannot flush: " + errnoText(), path_.string()});
  if (::rename(tmp_.c_str(), path_.c_str()) != 0)
    return abandon(
        Error{ErrorCode::kIo, "cannot rename into place: " + errnoText(), path_.string()});
  return {};
}

Status writeFileAtomic(const std::filesystem::path& path, std::string_view data) {
  auto f = AtomicFile::create(path);
  if (!f) return std::unexpected(f.error());
  f->write(data);
  return f->commit();
}

Result<RootDir> RootDir::open(const std::filesystem::path& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd) {
    auto code = errno == ENOENT ? ErrorCode::kNotFound : ErrorCode::kIo;
    return fail(code, "cannot open directory: " + errnoText(), path.string());
  }
  return RootDir(path, std::move(fd));
}

std::filesystem::path RootDir::hostPath(std::string_view inRoot) const {
  auto rel = relative(inRoot);
  return rel == "." ? path_ : path_ / rel;
}

Result<std::string> RootDir::resolve(std::string_view inRoot) const {
  // Resolved by hand, component by component, because openat2(RESOLVE_IN_ROOT) is not available
  // on every kernel and sandbox this runs in; semantics are those of a chroot.
  std::deque<std::string> pending;
  for (auto c : split(inRoot, '/')) pending.emplace_back(c);
  std::vector<std::string> stack;
  int hops = 0;
  auto joined = [&] {
    std::string s;
    for (const auto& c : stack) s += "/" + c;
    return s.empty() ? std::string("/") : s;
  };
  while (!pending.empty()) {
    std::string c = std::move(pending.front());
    pending.pop_front();
    if (c.empty() || c == ".") continue;
    if (c == "..") {
      if (!stack.empty()) stack.pop_back();
      continue;
    }
    stack.push_back(c);
    std::string cand = joined();
    struct stat st {};
    if (::fstatat(fd_.get(), relative(cand).c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
      auto code = (errno == ENOENT || errno == ENOTDIR) ? ErrorCode::kNotFound : ErrorCode::kIo;
      return fail(code, "cannot resolve: " + errnoText(), std::string(inRoot));
    }
    if (S_ISLNK(st.st_mode)) {
      if (++hops > 40)
        return fail(ErrorCode::kLimit, "too many levels of symbolic links", std::string(inRoot));
      char buf[4096];
      ssize_t n = ::readlinkat(fd_.get(), relative(cand).c_str(), buf, sizeof buf);
      if (n < 0) return fail(ErrorCode::kIo, "cannot read link: " + errnoText(), cand);
      std::string_view target(buf, static_cast<std::size_t>(n));
      stack.pop_back();
      if (!target.empty() && target.front() == '/') stack.clear();
      auto parts = split(target, '/');
      for (auto it = parts.rbegin(); it != parts.rend(); ++it) pending.emplace_front(*it);
    } else if (!pending.empty() && !S_ISDIR(st.st_mode)) {
      return fail(ErrorCode::kNotFound, "a path component is not a directory", std::string(inRoot));
    }
  }
  return joined();
}

Result<UniqueFd> RootDir::openFile(std::string_view inRoot) const {
  auto resolved = resolve(inRoot);
  if (!resolved) return std::unexpected(resolved.error());
  UniqueFd fd(::openat(fd_.get(), relative(*resolved).c_str(),
                       O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY));
  if (!fd) {
    auto code = errno == ENOENT ? ErrorCode::kNotFound : ErrorCode::kIo;
    return fail(code, "cannot open: " + errnoText(), std::string(inRoot));
  }
  return fd;
}

Result<std::string> RootDir::readFile(std::string_view inRoot, std::uint64_t maxBytes) const {
  auto fd = openFile(inRoot);
  if (!fd) return std::unexpected(fd.error());
  return readFd(fd->get(), std::string(inRoot), maxBytes);
}

}  // namespace tollgate
