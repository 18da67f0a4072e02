// libFuzzer target for the Java metadata parsers (catalog/java.h): MANIFEST.MF, pom.properties,
// pom.xml, jar file names and the identity rules over them. Besides "no crash, no sanitizer
// report", it checks: parsed pom.properties have all three coordinates; manifest lookups are
// case-insensitive; a file name split never loses characters; an identity always has an
// artifactId and a groupId, and pom-derived coordinates come from the poms given.
//   build-fuzz/fuzz/java_fuzz -max_total_time=300 fuzz/corpus/java
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tollgate/catalog/java.h"
#include "tollgate/util/result.h"
#include "tollgate/util/strings.h"

namespace java = tollgate::catalog::java;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  auto manifest = java::parseManifest(input);
  if (manifest) {
    for (const auto& [name, value] : manifest->main) {
      TOLLGATE_CHECK(!name.empty(), "attribute names are not empty");
      TOLLGATE_CHECK(manifest->get(tollgate::toLower(name)) == manifest->get(name),
                     "lookups ignore case");
    }
  }
  std::vector<java::PomProperties> poms;
  if (auto p = java::parsePomProperties(input)) {
    TOLLGATE_CHECK(!p->groupId.empty() && !p->artifactId.empty() && !p->version.empty(),
                   "pom.properties give all three coordinates");
    poms.push_back(*p);
    poms.push_back(java::PomProperties{"g", p->artifactId + "-other", "1"});
  }
  (void)java::parsePomXml(input);
  std::string_view name = input.substr(0, input.find('\n'));
  java::JarName jn = java::splitJarFileName(name);
  TOLLGATE_CHECK(jn.name.size() + jn.version.size() <= name.size(), "a split adds nothing");
  java::Identity id = java::identify(name, manifest ? &*manifest : nullptr, poms);
  TOLLGATE_CHECK(id.self.groupId.empty() == id.self.artifactId.empty(),
                 "a guessed group exists whenever there is an artifact");
  TOLLGATE_CHECK(
      id.shaded.size() + (id.self.source == java::Source::kPomProperties ? 1 : 0) == poms.size(),
      "every pom is the archive or shaded");
  for (const auto& s : id.shaded) TOLLGATE_CHECK(s.pomIndex < poms.size(), "pom index in range");
  return 0;
}
