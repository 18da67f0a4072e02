// Pure parser of apk's installed database (see apk.h). Nothing here touches the filesystem.
#include <algorithm>
#include <optional>

#include "codec.h"
#include "tollgate/catalog/apk.h"
#include "tollgate/util/hash.h"
#include "tollgate/util/strings.h"

namespace tollgate::catalog::apk {
namespace {

bool isHex(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
  });
}

void checksumOf(std::string_view z, File& f) {
  if (z.starts_with("Q1")) {
    auto d = detail::decodeBase64(z.substr(2));
    if (d && d->size() == 20) {
      f.checksum = toHex(*d);
      f.algorithm = "SHA-1";
    }
  } else if (z.size() == 32 && isHex(z)) {
    f.checksum = toLower(z);
    f.algorithm = "MD5";
  }
}

std::vector<std::string> tokens(std::string_view v) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < v.size()) {
    while (i < v.size() && (v[i] == ' ' || v[i] == '\t')) ++i;
    std::size_t j = i;
    while (j < v.size() && v[j] != ' ' && v[j] != '\t') ++j;
    if (j > i) out.emplace_back(v.substr(i, j - i));
    i = j;
  }
  return out;
}

// "usr/lib/" -> "/usr/lib"; empty and "." components dropped; nullopt for a ".." component
// (an installed database never climbs out of the root it describes).
std::optional<std::string> absolute(std::string_view dir) {
  std::string out;
  for (auto comp : split(dir, '/')) {
    if (comp.empty() || comp == ".") continue;
    if (comp == "..") return std::nullopt;
    out += "/";
    out += comp;
  }
  return out.empty() ? std::string("/") : out;
}

}  // namespace

std::string dependencyName(std::string_view token) {
  token = trim(token);
  if (token.empty() || token.front() == '!') return {};
  // A version constraint starts at the first operator character: "<", ">", "=", "~".
  std::size_t op = token.find_first_of("<>=~");
  if (op == 0) return {};
  return std::string(token.substr(0, op));
}

InstalledDb parseInstalled(std::string_view text, const std::string& label) {
  InstalledDb out;
  Package cur;
  bool open = false;
  std::string problem;
  std::string dir;        // current F: directory, "" for the root
  bool haveFile = false;  // an R: line of the current F: (what a: and Z: describe)
  bool haveDir = false;   // an F: line has been seen (so an M: has a target)
  std::uint64_t startOffset = 0;
  auto finish = [&] {
    if (open) {
      if (problem.empty() && (cur.name.empty() || cur.version.empty()))
        problem = cur.name.empty() ? "no P: (name) line" : "no V: (version) line";
      if (!problem.empty()) {
        out.warnings.push_back(
            Error{ErrorCode::kInvalidInput,
                  "record at line " + std::to_string(cur.line) + " skipped: " + problem, label,
                  startOffset});
      } else {
        out.packages.push_back(std::move(cur));
      }
    }
    cur = Package{};
    open = false;
    problem.clear();
    dir.clear();
    haveFile = false;
    haveDir = false;
  };
  std::size_t pos = 0;
  std::size_t lineNo = 0;
  while (pos < text.size()) {
    std::size_t nl = text.find('\n', pos);
    std::size_t end = nl == std::string_view::npos ? text.size() : nl;
    std::string_view line = text.substr(pos, end - pos);
    std::uint64_t lineOffset = pos;
    pos = nl == std::string_view::npos ? text.size() : nl + 1;
    ++lineNo;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (trim(line).empty()) {
      finish();
      continue;
    }
    if (!open) {
      open = true;
      cur.line = lineNo;
      startOffset = lineOffset;
    }
    if (!problem.empty()) continue;
    if (line.size() < 2 || line[1] != ':' || line.find('\0') != std::string_view::npos ||
        !((line[0] >= 'A' && line[0] <= 'Z') || (line[0] >= 'a' && line[0] <= 'z'))) {
      problem = "line " + std::to_string(lineNo) + " is not a KEY:VALUE line";
      continue;
    }
    std::string_view v = line.substr(2);
    switch (line[0]) {
      case 'P':
        cur.name = std::string(v);
        break;
      case 'V':
        cur.version = std::string(v);
        break;
      case 'A':
        cur.arch = std::string(v);
        break;
      case 'L':
        cur.license = std::string(v);
        break;
      case 'o':
        cur.origin = std::string(v);
        break;
      case 'm':
        cur.maintainer = std::string(v);
        break;
      case 'T':
        cur.description = std::string(v);
        break;
      case 'U':
        cur.url = std::string(v);
        break;
      case 'c':
        cur.commit = std::string(v);
        break;
      case 't':
        cur.buildTime = std::string(v);
        break;
      case 'I': {
        std::uint64_t n = 0;
        bool ok = !v.empty() && v.size() <= 19 &&
                  std::all_of(v.begin(), v.end(), [](char c) { return c >= '0' && c <= '9'; });
        if (ok)
          for (char c : v) n = n * 10 + static_cast<std::uint64_t>(c - '0');
        cur.installedSize = n;
        break;
      }
      case 'D':
        for (auto& t : tokens(v)) cur.depends.push_back(std::move(t));
        break;
      case 'p':
        for (auto& t : tokens(v)) cur.provides.push_back(std::move(t));
        break;
      case 'F': {
        auto abs = absolute(v);
        if (!abs || v.find('\0') != std::string_view::npos) {
          problem = "line " + std::to_string(lineNo) + ": bad directory name";
          break;
        }
        dir = std::move(*abs);
        haveDir = true;
        haveFile = false;
        cur.directories.push_back(dir);
        break;
      }
      case 'M':
        if (!haveDir) problem = "line " + std::to_string(lineNo) + ": M: before any F:";
        break;
      case 'R': {
        if (!haveDir) {
          problem = "line " + std::to_string(lineNo) + ": R: before any F:";
          break;
        }
        if (v.empty() || v.find('/') != std::string_view::npos || v == "." || v == "..") {
          problem = "line " + std::to_string(lineNo) + ": bad file name";
          break;
        }
        File f;
        f.path = (dir == "/" ? std::string() : dir) + "/" + std::string(v);
        cur.files.push_back(std::move(f));
        haveFile = true;
        break;
      }
      case 'a':
      case 'Z':
        if (!haveFile) {
          problem = "line " + std::to_string(lineNo) + ": " + line[0] + ": before any R:";
          break;
        }
        if (line[0] == 'Z') checksumOf(v, cur.files.back());
        break;
      default:
        break;  // C, S, i, k, q, r, ... : not needed
    }
  }
  finish();
  return out;
}

}  // namespace tollgate::catalog::apk
