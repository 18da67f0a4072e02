// RAII for C library handles: a stateless deleter bound to the library's free function.
//
//   using Sqlite = std::unique_ptr<sqlite3, CDeleter<&sqlite3_close_v2>>;
#pragma once

#include <dirent.h>
#include <unistd.h>

#include <memory>

namespace tollgate {

template <auto Fn>
struct CDeleter {
  void operator()(auto* p) const noexcept {
    if (p) Fn(p);
  }
};

template <class T, auto Fn>
using CHandle = std::unique_ptr<T, CDeleter<Fn>>;

// An open directory stream (opendir/fdopendir); closedir on destruction.
using UniqueDir = CHandle<DIR, &::closedir>;

// An owned POSIX file descriptor; closed on destruction. Move-only.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) noexcept : fd_(fd) {}
  UniqueFd(UniqueFd&& o) noexcept : fd_(o.release()) {}
  UniqueFd& operator=(UniqueFd&& o) noexcept {
    if (this != &o) reset(o.release());
    return *this;
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() { reset(); }

  [[nodiscard]] int get() const noexcept { return fd_; }
  [[nodiscard]] bool valid() const noexcept { return fd_ >= 0; }
  explicit operator bool() const noexcept { return valid(); }
  int release() noexcept {
    int f = fd_;
    fd_ = -1;
    return f;
  }
  void reset(int fd = -1) noexcept {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }

 private:
  int fd_ = -1;
};

}  // namespace tollgate
