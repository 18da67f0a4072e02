// Small JSON text helpers for what the store keeps (private to vulndb/).
#pragma once

#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

namespace tollgate::vulndb::detail {

inline void appendJsonString(std::string& out, std::string_view s) {
  out += '"';
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += ch;
    } else if (c < 0x20) {
      char b[8];
      std::snprintf(b, sizeof b, "\\u%04x", c);
      out += b;
    } else {
      out += ch;
    }
  }
  out += '"';
}

// ["a","b"]
inline std::string encodeStrings(const std::vector<std::string>& v) {
  std::string out = "[";
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (i) out += ',';
    appendJsonString(out, v[i]);
  }
  out += ']';
  return out;
}

}  // namespace tollgate::vulndb::detail
