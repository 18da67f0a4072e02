// libFuzzer target for the ELF parser (binfmt/elf.h) and what is read through it: Go build info
// (.go.buildinfo or the first writable segment) and cargo-auditable data (.dep-v0), and the
// dynamic symbol table's imports (SHT_DYNSYM, or DT_SYMTAB sized by DT_HASH / DT_GNU_HASH).
// Besides "no crash, no sanitizer report", it checks that every span handed out lies inside the
// input and that imports come out sorted and unique.
//   build-fuzz/fuzz/elf_fuzz -max_total_time=300 fuzz/corpus/elf
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>

#include "tollgate/binfmt/cargo_auditable.h"
#include "tollgate/binfmt/elf.h"
#include "tollgate/binfmt/gobuildinfo.h"
#include "tollgate/util/result.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto bytes = std::as_bytes(std::span(data, size));
  auto elf = tollgate::binfmt::parseElf(bytes);
  if (!elf) return 0;
  for (const auto& s : elf->sections) {
    auto d = tollgate::binfmt::elfSectionData(bytes, *elf, s.name);
    if (d && !d->empty())
      TOLLGATE_CHECK(d->data() >= bytes.data() && d->data() + d->size() <= bytes.data() + size,
                     "section data lies inside the file");
  }
  TOLLGATE_CHECK(std::adjacent_find(elf->importedSymbols.begin(), elf->importedSymbols.end(),
                                    std::greater_equal<>()) == elf->importedSymbols.end(),
                 "imports sorted and unique");
  (void)elf->typeName();
  (void)elf->machineName();
  auto go = tollgate::binfmt::goBuildInfoFromElf(bytes, *elf);
  if (go && *go) TOLLGATE_CHECK(!(*go)->goVersion.empty(), "found build info has a Go version");
  if (auto dep = tollgate::binfmt::elfSectionData(bytes, *elf, ".dep-v0"))
    (void)tollgate::binfmt::parseCargoAuditable(*dep);
  return 0;
}
