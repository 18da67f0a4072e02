// Reads CVSS vector strings, one per line, from stdin and prints the score tollgate computes for
// each ("9.8"), or "ERR" when it rejects the vector: the tollgate side of the differential test in
// tests/integration/cvss_test.sh.
#include <cstdio>
#include <iostream>
#include <string>

#include "tollgate/cvss/cvss.h"

int main() {
  std::string line;
  while (std::getline(std::cin, line)) {
    if (line.empty()) continue;
    auto s = tollgate::cvss::score(line);
    if (s) {
      std::printf("%.1f\n", s->value);
    } else {
      std::printf("ERR\n");
    }
  }
  return 0;
}
