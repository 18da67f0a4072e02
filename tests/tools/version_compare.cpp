// Test-only tool for the differential integration test (tests/integration/versions_test.sh):
// reads lines "SCHEME<TAB>A<TAB>B" (or space-separated when the line has no tab) on stdin and
// prints, per line, -1, 0 or 1 (versions::compare) or "error" (kInvalidInput), in order.
// SCHEME is a versions::schemeName(): dpkg, semver, go, pep440, maven, rubygems, apk, rpm,
// generic. Exit status 2 on a malformed line or an unknown scheme.
#include <cstdio>
#include <iostream>
#include <sstream>
#include <string>
#include <string_view>

#include "tollgate/versions/versions.h"

int main() {
  std::ios::sync_with_stdio(false);
  std::string line;
  std::string out;
  long n = 0;
  while (std::getline(std::cin, line)) {
    ++n;
    std::string scheme;
    std::string a;
    std::string b;
    if (line.find('\t') != std::string::npos) {
      const auto t1 = line.find('\t');
      const auto t2 = line.find('\t', t1 + 1);
      if (t2 == std::string::npos) {
        std::fprintf(stderr, "version_compare: line %ld: expected SCHEME<TAB>A<TAB>B\n", n);
        return 2;
      }
      scheme = line.substr(0, t1);
      a = line.substr(t1 + 1, t2 - t1 - 1);
      b = line.substr(t2 + 1);
    } else {
      std::istringstream words(line);
      if (!(words >> scheme >> a >> b)) {
        std::fprintf(stderr, "version_compare: line %ld: expected SCHEME A B\n", n);
        return 2;
      }
    }
    const auto s = tollgate::versions::schemeFromName(scheme);
    if (!s) {
      std::fprintf(stderr, "version_compare: line %ld: unknown scheme '%s'\n", n, scheme.c_str());
      return 2;
    }
    const auto c = tollgate::versions::compare(*s, a, b);
    out += c ? std::to_string(*c) : std::string("error");
    out += '\n';
    if (out.size() > (1 << 16)) {
      std::fwrite(out.data(), 1, out.size(), stdout);
      out.clear();
    }
  }
  std::fwrite(out.data(), 1, out.size(), stdout);
  return 0;
}
