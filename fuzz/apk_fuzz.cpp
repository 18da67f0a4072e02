// libFuzzer target for the apk installed-database parser (catalog/apk.h). Besides "no crash, no
// sanitizer report", it checks: every package has a name and a version; file paths are
// absolute and have no ".." component; checksums come with their algorithm and have its length;
// warnings name the label; dependencyName() never returns a conflict or an operator.
//   build-fuzz/fuzz/apk_fuzz -max_total_time=300 fuzz/corpus/apk
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "tollgate/catalog/apk.h"
#include "tollgate/util/result.h"

namespace {

namespace apk = tollgate::catalog::apk;

void checkName(std::string_view token) {
  std::string n = apk::dependencyName(token);
  TOLLGATE_CHECK(n.find_first_of("<>=~") == std::string::npos, "no version operator left");
  TOLLGATE_CHECK(n.empty() || n.front() != '!', "conflicts give no name");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const std::string label = "/lib/apk/db/installed";
  apk::InstalledDb db = apk::parseInstalled(input, label);
  for (const auto& w : db.warnings) TOLLGATE_CHECK(w.context == label, "warnings name the file");
  for (const auto& p : db.packages) {
    TOLLGATE_CHECK(!p.name.empty() && !p.version.empty(), "packages have name and version");
    for (const auto& f : p.files) {
      TOLLGATE_CHECK(!f.path.empty() && f.path.front() == '/', "file paths are absolute");
      TOLLGATE_CHECK(f.path.find("/../") == std::string::npos && !f.path.ends_with("/.."),
                     "file names cannot climb");
      TOLLGATE_CHECK(f.checksum.empty() == f.algorithm.empty(), "a checksum has an algorithm");
      TOLLGATE_CHECK(
          f.checksum.empty() || f.checksum.size() == (f.algorithm == "SHA-1" ? 40u : 32u),
          "checksum length matches the algorithm");
    }
    for (const auto& d : p.depends) checkName(d);
    for (const auto& d : p.provides) checkName(d);
  }
  checkName(input.substr(0, 256));
  return 0;
}
