// libFuzzer target for the npm parsers (catalog/npm.h): package-lock.json (v1 nesting, v2/v3
// "packages"), package.json, Subresource Integrity strings and npm's folder resolution. Besides
// "no crash, no exception, no sanitizer report", it checks:
//   every lock package has a name unless it is the root or a link; integrity hashes are
//   lower-case hex of the right length; resolution only ever returns a folder the callback said
//   exists.
// A violation aborts, so libFuzzer records the input.
//   build-npm-fuzz/fuzz/package_lock_fuzz -max_total_time=300 fuzz/corpus/package_lock
#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>

#include "tollgate/catalog/npm.h"
#include "tollgate/util/result.h"

namespace {

namespace npm = tollgate::catalog::npm;

void checkHashes(std::string_view sri) {
  for (const auto& h : npm::integrityToHashes(sri)) {
    std::size_t want = h.algorithm == "SHA-512"   ? 128
                       : h.algorithm == "SHA-384" ? 96
                       : h.algorithm == "SHA-256" ? 64
                       : h.algorithm == "SHA-1"   ? 40
                       : h.algorithm == "MD5"     ? 32
                                                  : 0;
    TOLLGATE_CHECK(want != 0 && h.value.size() == want, "a known algorithm with a full digest");
    for (char c : h.value)
      TOLLGATE_CHECK((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'), "lower-case hex");
  }
}

void checkLock(const npm::Lockfile& lock) {
  std::set<std::string> folders;
  for (const auto& p : lock.packages) folders.insert(p.path);
  auto exists = [&](const std::string& k) { return folders.contains(k); };
  for (const auto& p : lock.packages) {
    TOLLGATE_CHECK(p.path.empty() || p.link || !p.name.empty(), "packages have names");
    checkHashes(p.integrity);
    for (const auto* deps : {&p.dependencies, &p.optionalDependencies, &p.peerDependencies}) {
      for (const auto& d : *deps) {
        std::string to = npm::resolveDependency(p.path, d, exists);
        TOLLGATE_CHECK(to.empty() || folders.contains(to), "resolution finds existing folders");
      }
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  if (auto lock = npm::parseLockfile(text)) {
    checkLock(*lock);
  } else {
    TOLLGATE_CHECK(!lock.error().message.empty(), "errors say what is wrong");
  }
  if (auto pj = npm::parsePackageJson(text)) {
    for (const auto& l : pj->licenses) TOLLGATE_CHECK(!l.empty(), "no empty licence strings");
  }
  checkHashes(text.substr(0, 4096));
  return 0;
}
