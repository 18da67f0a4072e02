// libFuzzer target for the Python metadata parsers (catalog/python.h): core metadata
// (METADATA / PKG-INFO), RECORD, requires.txt and PEP 508 requirements, and the licence choice.
// Besides "no crash, no sanitizer report", it checks:
//   RECORD rows have a path, a hash only with a known algorithm and full hex digest;
//   every requirement parsed has a normalised name that normalises to itself;
//   licensesOf gives entries with exactly one of expression and name.
// A violation aborts, so libFuzzer records the input.
//   build-npm-fuzz/fuzz/python_metadata_fuzz -max_total_time=300 fuzz/corpus/python_metadata
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "tollgate/catalog/python.h"
#include "tollgate/util/result.h"

namespace {

namespace python = tollgate::catalog::python;

void checkRequirement(std::string_view text) {
  auto r = python::parseRequirement(text);
  if (!r) return;
  TOLLGATE_CHECK(!r->normalized.empty(), "a requirement names a project");
  TOLLGATE_CHECK(python::normalizeName(r->normalized) == r->normalized,
                 "normalisation is idempotent");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  if (auto md = python::parseCoreMetadata(text)) {
    for (const auto& r : md->requiresDist) checkRequirement(r);
    for (const auto& l : python::licensesOf(*md))
      TOLLGATE_CHECK(l.expression.empty() != l.name.empty(), "exactly one of expression and name");
  } else {
    TOLLGATE_CHECK(!md.error().message.empty(), "errors say what is wrong");
  }
  if (auto rec = python::parseRecord(text)) {
    for (const auto& e : *rec) {
      TOLLGATE_CHECK(!e.path.empty(), "rows have a path");
      TOLLGATE_CHECK(e.hashAlgorithm.empty() == e.hashHex.empty(), "a hash has both parts");
      for (char c : e.hashHex)
        TOLLGATE_CHECK((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'), "lower-case hex");
    }
  }
  for (const auto& r : python::parseRequiresTxt(text)) checkRequirement(r);
  checkRequirement(text.substr(0, 1024));
  return 0;
}
