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

// The same guarantee for output written in pieces (a 100 MB SBOM streamed as it is serialised):
//
//   auto f = AtomicFile::create("host.cdx.json");
//   if (!f) return f.error();
//   f->write(piece1); f->write(piece2);
//   if (auto st = f->commit(); !st) return st.error();
//
// Data goes to a temporary file beside `path`; commit() fsyncs it and renames it into place.
// Destroying an uncommitted AtomicFile removes the temporary, so a failed run leaves the old
// file as it was. A non-regular target (/dev/null, a FIFO) is written to directly. Errors are
// sticky: after the first failed write the rest are skipped and commit() returns that error.
class AtomicFile {
 public:
  [[nodiscard]] static Result<AtomicFile> create(const std::filesystem::path& path);
  AtomicFile(AtomicFile&& o) noexcept;
  AtomicFile& operator=(AtomicFile&&) = delete;
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;
  ~AtomicFile();

  void write(std::string_view data);
  [[nodiscard]] Status commit();

 private:
  AtomicFile(std::filesystem::path path, std::string tmp, UniqueFd fd)
      : path_(std::move(path)), tmp_(std::move(tmp)), fd_(std::move(fd)) {}

  std::filesystem::path path_;
  std::string tmp_;  // empty when writing to a device or FIFO directly
  UniqueFd fd_;
  Status status_;
  bool done_ = false;
};

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
