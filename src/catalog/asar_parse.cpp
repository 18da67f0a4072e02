// Pure parser of asar archive headers (see asar.h). Nothing here touches the filesystem.
#include <nlohmann/json.hpp>
#include <utility>

#include "tollgate/catalog/asar.h"

namespace tollgate::catalog::asar {
namespace {

using nlohmann::json;

std::uint32_t le32(std::string_view b, std::size_t at) {
  auto u = [&](std::size_t i) {
    return static_cast<std::uint32_t>(static_cast<unsigned char>(b[at + i]));
  };
  return u(0) | (u(1) << 8) | (u(2) << 16) | (u(3) << 24);
}

std::unexpected<Error> bad(std::string message, std::uint64_t offset = Error::kNoOffset) {
  return fail(ErrorCode::kInvalidInput, std::move(message), {}, offset);
}

// Deepest nesting of objects and arrays, without parsing (so that a hostile header cannot make
// the JSON library recurse deeply); strings are skipped with their escapes.
std::size_t nesting(std::string_view text) {
  std::size_t depth = 0, deepest = 0;
  bool inString = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (inString) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        inString = false;
      }
    } else if (c == '"') {
      inString = true;
    } else if (c == '{' || c == '[') {
      deepest = std::max(deepest, ++depth);
    } else if ((c == '}' || c == ']') && depth > 0) {
      --depth;
    }
  }
  return deepest;
}

std::optional<std::uint64_t> unsignedOf(const json& j) {
  if (j.is_number_unsigned()) return j.get<std::uint64_t>();
  if (j.is_number_integer()) {
    auto v = j.get<std::int64_t>();
    if (v >= 0) return static_cast<std::uint64_t>(v);
    return std::nullopt;
  }
  if (j.is_string()) {  // asar writes offsets as strings (64-bit values in JavaScript)
    const auto& s = j.get_ref<const std::string&>();
    if (s.empty() || s.size() > 19) return std::nullopt;
    std::uint64_t v = 0;
    for (char c : s) {
      if (c < '0' || c > '9') return std::nullopt;
      v = v * 10 + static_cast<std::uint64_t>(c - '0');
    }
    return v;
  }
  return std::nullopt;
}

bool flag(const json& node, const char* key) {
  auto it = node.find(key);
  return it != node.end() && it->is_boolean() && it->get<bool>();
}

}  // namespace

std::optional<std::string_view> Archive::contents(std::string_view archive, const Entry& e) const {
  if (e.type != EntryType::kFile || e.unpacked) return std::nullopt;
  if (dataOffset > archive.size() || e.offset > archive.size() - dataOffset ||
      e.size > archive.size() - dataOffset - e.offset)
    return std::nullopt;
  return archive.substr(static_cast<std::size_t>(dataOffset + e.offset),
                        static_cast<std::size_t>(e.size));
}

Result<Archive> parseArchive(std::string_view bytes) {
  if (bytes.size() < 16) return bad("shorter than an asar header");
  if (le32(bytes, 0) != 4) return bad("not an asar archive (size pickle)", 0);
  std::uint64_t headerPickle = le32(bytes, 4);
  std::uint64_t payload = le32(bytes, 8);
  std::uint64_t jsonLength = le32(bytes, 12);
  if (headerPickle < 8 || payload + 4 != headerPickle || jsonLength + 4 > payload)
    return bad("inconsistent header pickle sizes", 4);
  if (headerPickle > kMaxHeaderBytes)
    return fail(ErrorCode::kLimit, "header of " + std::to_string(headerPickle) + " bytes");
  if (8 + headerPickle > bytes.size()) return bad("header runs past the end of the file", 4);
  std::string_view text = bytes.substr(16, static_cast<std::size_t>(jsonLength));
  if (nesting(text) > 2 * kMaxDepth + 2)
    return fail(ErrorCode::kLimit, "header nested deeper than " + std::to_string(kMaxDepth));
  json root = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (root.is_discarded()) return bad("header is not JSON", 16);
  if (!root.is_object() || !root.contains("files") || !root["files"].is_object())
    return bad("header has no \"files\" object", 16);

  Archive out;
  out.dataOffset = 8 + headerPickle;
  struct Dir {
    const json* files;
    std::string prefix;
    std::size_t depth;
  };
  std::vector<Dir> stack{{&root["files"], {}, 0}};
  while (!stack.empty()) {
    Dir d = std::move(stack.back());
    stack.pop_back();
    std::vector<Dir> children;  // pushed in reverse so that the walk stays in header order
    for (auto it = d.files->begin(); it != d.files->end(); ++it) {
      const std::string& name = it.key();
      if (name.empty() || name == "." || name == ".." ||
          name.find_first_of(std::string_view("/\0", 2)) != std::string::npos)
        return bad("bad entry name in " + (d.prefix.empty() ? std::string("/") : d.prefix));
      const json& node = it.value();
      std::string path = d.prefix.empty() ? name : d.prefix + "/" + name;
      if (!node.is_object()) return bad("entry " + path + " is not an object");
      if (auto f = node.find("files"); f != node.end()) {
        if (!f->is_object()) return bad("directory " + path + " has no file list");
        if (d.depth + 1 > kMaxDepth)
          return fail(ErrorCode::kLimit,
                      "directories nested deeper than " + std::to_string(kMaxDepth));
        children.push_back(Dir{&*f, std::move(path), d.depth + 1});
        continue;
      }
      if (out.entries.size() >= kMaxEntries)
        return fail(ErrorCode::kLimit, "more than " + std::to_string(kMaxEntries) + " entries");
      Entry e;
      e.path = std::move(path);
      if (auto l = node.find("link"); l != node.end()) {
        if (!l->is_string()) return bad("link " + e.path + " has no target");
        e.type = EntryType::kLink;
        e.link = l->get<std::string>();
        out.entries.push_back(std::move(e));
        continue;
      }
      auto size = node.find("size");
      std::optional<std::uint64_t> sz = size == node.end() ? std::nullopt : unsignedOf(*size);
      if (!sz) return bad("file " + e.path + " has no valid size");
      e.size = *sz;
      e.unpacked = flag(node, "unpacked");
      e.executable = flag(node, "executable");
      if (!e.unpacked) {
        auto off = node.find("offset");
        std::optional<std::uint64_t> o = off == node.end() ? std::nullopt : unsignedOf(*off);
        if (!o) return bad("file " + e.path + " has no valid offset");
        e.offset = *o;
      }
      out.entries.push_back(std::move(e));
    }
    for (auto c = children.rbegin(); c != children.rend(); ++c) stack.push_back(std::move(*c));
  }
  return out;
}

}  // namespace tollgate::catalog::asar
