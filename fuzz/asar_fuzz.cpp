// libFuzzer target for the asar header parser (catalog/asar.h). Besides "no crash, no sanitizer
// report", it checks: entry paths are relative, have no empty, "." or ".." component and no
// NUL; the data region starts after the header; contents() returns bytes inside the input of
// the entry's size, and nothing for links and unpacked files.
//   build-fuzz/fuzz/asar_fuzz -max_total_time=300 fuzz/corpus/asar
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "tollgate/catalog/asar.h"
#include "tollgate/util/result.h"

namespace asar = tollgate::catalog::asar;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  auto a = asar::parseArchive(input);
  if (!a) return 0;
  TOLLGATE_CHECK(a->dataOffset >= 16 && a->dataOffset <= input.size(), "data after the header");
  for (const auto& e : a->entries) {
    TOLLGATE_CHECK(!e.path.empty() && e.path.front() != '/' && e.path.back() != '/',
                   "paths are relative names");
    std::string_view p = e.path;
    for (std::size_t start = 0; start <= p.size();) {
      std::size_t slash = p.find('/', start);
      std::string_view comp =
          p.substr(start, slash == std::string_view::npos ? slash : slash - start);
      TOLLGATE_CHECK(!comp.empty() && comp != "." && comp != "..", "no empty or dot components");
      if (slash == std::string_view::npos) break;
      start = slash + 1;
    }
    TOLLGATE_CHECK(p.find('\0') == std::string_view::npos, "no NUL in paths");
    auto c = a->contents(input, e);
    if (e.type == asar::EntryType::kLink || e.unpacked) TOLLGATE_CHECK(!c, "no bytes for these");
    if (c) {
      TOLLGATE_CHECK(c->size() == e.size, "contents have the entry's size");
      TOLLGATE_CHECK(
          c->data() >= input.data() && c->data() + c->size() <= input.data() + input.size(),
          "contents lie inside the input");
    }
  }
  return 0;
}
