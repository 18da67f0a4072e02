// A read-only memory map of a regular file: parsers get a span of bytes without loading the file
// (pages are read on first touch, so a parser that looks at headers of a 4 GB file reads a few
// KB). Move-only; unmapped on destruction.
//
//   Result<MappedFile> m = MappedFile::open(fd, path);
//   std::span<const std::byte> bytes = m->bytes();
#pragma once

#include <cstddef>
#include <span>
#include <string>

#include "tollgate/util/result.h"

namespace tollgate {

class MappedFile {
 public:
  // Maps the whole of `fd` (a regular file; empty files give an empty span). `label` names the
  // file in errors. Errors: kInvalidInput (not a regular file), kIo (mmap failed).
  [[nodiscard]] static Result<MappedFile> open(int fd, const std::string& label);

  MappedFile(MappedFile&& o) noexcept : data_(o.data_), size_(o.size_) {
    o.data_ = nullptr;
    o.size_ = 0;
  }
  MappedFile& operator=(MappedFile&& o) noexcept;
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  ~MappedFile();

  [[nodiscard]] std::span<const std::byte> bytes() const {
    return {static_cast<const std::byte*>(data_), size_};
  }
  [[nodiscard]] std::size_t size() const { return size_; }

 private:
  MappedFile(void* d, std::size_t n) : data_(d), size_(n) {}
  void* data_ = nullptr;
  std::size_t size_ = 0;
};

}  // namespace tollgate
