#include "tollgate/util/mapped_file.h"

#include <sys/mman.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>

namespace tollgate {

Result<MappedFile> MappedFile::open(int fd, const std::string& label) {
  struct stat st {};
  if (::fstat(fd, &st) != 0)
    return fail(ErrorCode::kIo, std::string("cannot stat: ") + std::strerror(errno), label);
  if (!S_ISREG(st.st_mode)) return fail(ErrorCode::kInvalidInput, "not a regular file", label);
  if (st.st_size == 0) return MappedFile(nullptr, 0);
  void* p = ::mmap(nullptr, static_cast<std::size_t>(st.st_size), PROT_READ, MAP_PRIVATE, fd, 0);
  if (p == MAP_FAILED)
    return fail(ErrorCode::kIo, std::string("cannot map: ") + std::strerror(errno), label);
  return MappedFile(p, static_cast<std::size_t>(st.st_size));
}

MappedFile& MappedFile::operator=(MappedFile&& o) noexcept {
  if (this != &o) {
    if (data_) ::munmap(data_, size_);
    data_ = o.data_;
    size_ = o.size_;
    o.data_ = nullptr;
    o.size_ = 0;
  }
  return *this;
}

MappedFile::~MappedFile() {
  if (data_) ::munmap(data_, size_);
}

}  // namespace tollgate
