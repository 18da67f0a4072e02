// Reading one libarchive entry's data into memory, capped (private to catalog/).
#pragma once

#include <archive.h>

#include <cstdint>
#include <optional>
#include <string>

namespace tollgate::catalog::detail {

// The current entry's data, at most `cap` bytes; nullopt when it is larger or damaged.
[[nodiscard]] inline std::optional<std::string> readEntryData(struct archive* a,
                                                              std::uint64_t cap) {
  std::string out;
  char buf[1 << 16];
  for (;;) {
    la_ssize_t n = archive_read_data(a, buf, sizeof buf);
    if (n == 0) return out;
    if (n < 0 || out.size() + static_cast<std::uint64_t>(n) > cap) return std::nullopt;
    out.append(buf, static_cast<std::size_t>(n));
  }
}

}  // namespace tollgate::catalog::detail
