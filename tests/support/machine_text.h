// Real text from this machine for differential tests: the first files (sorted, .gz skipped) of
// /usr/share/doc and /usr/include, up to about `perDirBytes` from each. Empty when neither exists.
#pragma once

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace tollgate::testing {

inline std::string machineText(std::size_t perDirBytes) {
  std::string text;
  for (const char* dir : {"/usr/share/doc", "/usr/include"}) {
    std::error_code ec;
    std::vector<std::filesystem::path> files;
    for (auto it = std::filesystem::recursive_directory_iterator(dir, ec);
         !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec))
      if (it->is_regular_file(ec) && it->path().extension() != ".gz") files.push_back(it->path());
    std::sort(files.begin(), files.end());
    std::size_t part = 0;
    for (const auto& f : files) {
      std::ifstream in(f, std::ios::binary);
      std::stringstream ss;
      ss << in.rdbuf();
      part += ss.str().size();
      text += ss.str();
      if (part > perDirBytes) break;
    }
  }
  return text;
}

}  // namespace tollgate::testing
