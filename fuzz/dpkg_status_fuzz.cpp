// libFuzzer target for the dpkg database parsers (catalog/dpkg.h): the status file (both the
// status and the distroless status.d reading), relationship fields, DEP-5 copyright files and
// the licence normaliser they feed. Besides "no crash, no sanitizer report", it checks:
//   every package has a name and a version and is not in state not-installed;
//   every warning names the label; relationship parses have names and known operators;
//   normalizeLicense is idempotent on the expressions it produces.
// A violation aborts, so libFuzzer records the input.
//   build-fuzz/fuzz/dpkg_status_fuzz -max_total_time=300 fuzz/corpus/dpkg_status
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "tollgate/catalog/dpkg.h"
#include "tollgate/sbom/license.h"
#include "tollgate/util/result.h"

namespace {

namespace dpkg = tollgate::catalog::dpkg;

void checkRelations(std::string_view field) {
  auto rel = dpkg::parseRelations(field);
  if (!rel) return;
  for (const auto& alts : *rel) {
    TOLLGATE_CHECK(!alts.empty(), "a group has at least one alternative");
    for (const auto& r : alts) {
      TOLLGATE_CHECK(!r.name.empty(), "a relation names a package");
      TOLLGATE_CHECK(r.op.empty() == r.version.empty(), "an operator comes with a version");
      TOLLGATE_CHECK(r.op.empty() || r.op == "<<" || r.op == "<=" || r.op == "=" || r.op == ">=" ||
                         r.op == ">>",
                     "operators are normalised to the five dpkg forms");
    }
  }
}

void checkLicense(std::string_view text) {
  tollgate::sbom::License l = tollgate::sbom::normalizeLicense(text);
  TOLLGATE_CHECK(l.expression.empty() || l.name.empty(), "exactly one of expression and name");
  if (l.expression.empty()) return;
  tollgate::sbom::License again = tollgate::sbom::normalizeLicense(l.expression);
  TOLLGATE_CHECK(again.expression == l.expression, "normalisation is idempotent");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const std::string label = "/var/lib/dpkg/status";
  for (bool statusOptional : {false, true}) {
    dpkg::DpkgStatus st = dpkg::parseDpkgStatus(input, label, statusOptional);
    for (const auto& w : st.warnings) TOLLGATE_CHECK(w.context == label, "warnings name the file");
    for (const auto& p : st.packages) {
      TOLLGATE_CHECK(!p.name.empty() && !p.version.empty(), "packages have name and version");
      TOLLGATE_CHECK(p.state != "not-installed", "not-installed packages are not listed");
      if (statusOptional) continue;
      checkRelations(p.depends);
      checkRelations(p.preDepends);
      checkRelations(p.provides);
    }
  }
  checkRelations(input.substr(0, 4096));
  if (auto c = dpkg::parseCopyright(input, "copyright")) {
    for (const auto& l : c->licenses) checkLicense(l);
  }
  checkLicense(input.substr(0, input.find('\n')));
  return 0;
}
