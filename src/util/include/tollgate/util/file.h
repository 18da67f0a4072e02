// File I/O helpers: bounded reads, atomic writes, and path resolution confined to a root.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "tollgate/util/c_handle.h"
#include "tollgate/util/result.h"

namespace tollgate {

// Reads a whole file of at most `maxBytes` bytes. Errors: kIo (cannot open/read), kLimit (larger).
[[nodiscard]] Result<std::string> readFile(const std::filesystem::path& path,
                                           std::uint64_t maxBytes = 64ull << 20);

// Same, for a file descriptor already open; `label` names it in errors.
[[nodiscard]] Result<std::string> readFd(int fd, const std::string& label,
                                         std::uint64_t maxBytes = 64ull << 20);

// Writes `data` to `path` atomically: a temporary file in the same directory, fsync, rename.
// A reader sees the old file or the new one, never a torn one. An existing non-regular target
// (/dev/null, a FIFO) is written to directly. Errors: kIo.
[[nodiscard]] Status writeFileAtomic(const std::filesystem::path& path, std::string_view data);

// An opened root directory inside which paths are resolved like a chroot would: absolute symlink
// targets and ".." never leave it. Used for scanning mounted images and debootstrap roots safely.
class RootDir {
 public:
  // Errors: kIo / kNotFound when `path` is not an openable directory.
  [[nodiscard]] static Result<RootDir> open(const std::filesystem::path& path);

  [[nodiscard]] const std::filesystem::path& path() const { return path_; }
  [[nodiscard]] int fd() const { return fd_.get(); }

  // Resolves `inRoot` ("/usr/lib/x", symlinks allowed in any component, including the last) to
  // its canonical in-root path ("/usr/lib/x86_64-linux-gnu/x"). Errors: kNotFound for a missing
  // component, kLimit for symlink loops (more than 40 links).
  [[nodiscard]] Result<std::string> resolve(std::string_view inRoot) const;

  // Opens an in-root path for reading after resolving it. Never escapes the root.
  [[nodiscard]] Result<UniqueFd> openFile(std::string_view inRoot) const;

  // Reads an in-root file (resolved) of at most maxBytes.
  [[nodiscard]] Result<std::string> readFile(std::string_view inRoot,
                                             std::uint64_t maxBytes = 64ull << 20) const;

  // Host path of an in-root path that has no symlinks (as produced by the walker).
  [[nodiscard]] std::filesystem::path hostPath(std::string_view inRoot) const;

 private:
  RootDir(std::filesystem::path p, UniqueFd fd) : path_(std::move(p)), fd_(std::move(fd)) {}
  std::filesystem::path path_;
  UniqueFd fd_;
};

}  // namespace tollgate
