// Helpers shared by the binfmt tests: running tools, reading files, mapping them.
#pragma once

#include <fcntl.h>
#include <sys/wait.h>

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace tollgate::binfmt::testing {

// Runs `cmd` through the shell with stderr discarded; stdout, or nullopt when it exits non-zero.
inline std::optional<std::string> run(const std::string& cmd) {
  FILE* p = ::popen((cmd + " 2>/dev/null").c_str(), "r");
  if (!p) return std::nullopt;
  std::string out;
  char buf[4096];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  int rc = ::pclose(p);
  if (rc != 0) return std::nullopt;
  return out;
}

inline bool haveTool(const std::string& tool) {
  return run("command -v " + tool + " >/dev/null").has_value();
}

inline std::vector<std::byte> readBytes(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::vector<char> chars((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<std::byte> out(chars.size());
  for (std::size_t i = 0; i < chars.size(); ++i) out[i] = static_cast<std::byte>(chars[i]);
  return out;
}

// A little-endian 32-bit field of a byte buffer (the caller keeps `off + 4` in range).
inline std::uint32_t le32(const std::vector<std::byte>& b, std::size_t off) {
  std::uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | std::to_integer<std::uint32_t>(b[off + i]);
  return v;
}

inline std::string shellQuote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'')
      out += "'\\''";
    else
      out += c;
  }
  return out + "'";
}

}  // namespace tollgate::binfmt::testing
