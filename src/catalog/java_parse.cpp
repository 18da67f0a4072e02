// Pure parsers of Java archive metadata (see java.h). Nothing here touches the filesystem.
#include <algorithm>
#include <cctype>

#include "tollgate/catalog/java.h"
#include "tollgate/util/strings.h"

namespace tollgate::catalog::java {
namespace {

std::unexpected<Error> bad(std::string message) {
  return fail(ErrorCode::kInvalidInput, std::move(message));
}

void appendUtf8(std::string& out, std::uint32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xc0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xe0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
  } else {
    out.push_back(static_cast<char>(0xf0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3f)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
  }
}

std::string latin1ToUtf8(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (unsigned char c : s) appendUtf8(out, c);
  return out;
}

int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Splits text into lines at CRLF, LF or CR.
std::vector<std::string_view> lines(std::string_view text) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\n' || text[i] == '\r') {
      out.push_back(text.substr(start, i - start));
      if (text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
      start = i + 1;
    }
  }
  if (start < text.size()) out.push_back(text.substr(start));
  return out;
}

// ---- pom.xml -----------------------------------------------------------------------------

// Character references and the five predefined entities; anything else is kept literally.
std::string unescapeXml(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '&') {
      out.push_back(s[i]);
      continue;
    }
    auto semi = s.find(';', i);
    if (semi == std::string_view::npos || semi - i > 12) {
      out.push_back('&');
      continue;
    }
    std::string_view ent = s.substr(i + 1, semi - i - 1);
    if (ent == "amp") {
      out.push_back('&');
    } else if (ent == "lt") {
      out.push_back('<');
    } else if (ent == "gt") {
      out.push_back('>');
    } else if (ent == "quot") {
      out.push_back('"');
    } else if (ent == "apos") {
      out.push_back('\'');
    } else if (ent.size() > 1 && ent[0] == '#') {
      std::uint32_t cp = 0;
      bool hex = ent[1] == 'x' || ent[1] == 'X';
      std::string_view digits = ent.substr(hex ? 2 : 1);
      bool ok = !digits.empty();
      for (char c : digits) {
        int v = hex ? hexValue(c) : (c >= '0' && c <= '9' ? c - '0' : -1);
        if (v < 0 || cp > 0x10ffff) {
          ok = false;
          break;
        }
        cp = cp * (hex ? 16 : 10) + static_cast<std::uint32_t>(v);
      }
      if (!ok || cp == 0 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
        out.append(s.substr(i, semi - i + 1));
      } else {
        appendUtf8(out, cp);
      }
    } else {
      out.append(s.substr(i, semi - i + 1));
    }
    i = semi;
  }
  return out;
}

// A literal value: trimmed, and empty when it still needs property interpolation.
std::string literal(std::string_view text) {
  std::string v(trim(unescapeXml(text)));
  if (v.find("${") != std::string::npos) return {};
  return v;
}

}  // namespace

// ---- manifest ----------------------------------------------------------------------------

std::string Manifest::get(std::string_view name) const {
  for (const auto& [n, v] : main)
    if (equalsIgnoreCase(n, name)) return v;
  return {};
}

Result<Manifest> parseManifest(std::string_view text) {
  if (text.find('\0') != std::string_view::npos) return bad("manifest contains a NUL byte");
  if (text.starts_with("\xef\xbb\xbf")) text.remove_prefix(3);
  Manifest m;
  std::size_t lineNo = 0;
  for (std::string_view line : lines(text)) {
    ++lineNo;
    if (line.empty()) {
      if (m.main.empty()) continue;  // tolerate leading blank lines
      break;                         // end of the main section
    }
    if (line.front() == ' ') {
      if (m.main.empty())
        return bad("line " + std::to_string(lineNo) + ": continuation before any attribute");
      m.main.back().second += line.substr(1);
      continue;
    }
    auto colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0 ||
        (colon + 1 < line.size() && line[colon + 1] != ' '))
      return bad("line " + std::to_string(lineNo) + ": not a \"Name: value\" attribute");
    std::string_view name = line.substr(0, colon);
    std::string_view value = colon + 2 <= line.size() ? line.substr(colon + 2) : std::string_view{};
    m.main.emplace_back(std::string(name), std::string(value));
  }
  for (auto& [n, v] : m.main) v = std::string(trim(v));
  return m;
}

// ---- pom.properties ----------------------------------------------------------------------

Result<PomProperties> parsePomProperties(std::string_view raw) {
  if (raw.find('\0') != std::string_view::npos) return bad("pom.properties contains a NUL byte");
  std::string converted;
  std::string_view text = raw;
  if (!isValidUtf8(raw)) {
    converted = latin1ToUtf8(raw);
    text = converted;
  }
  PomProperties p;
  auto ls = lines(text);
  for (std::size_t i = 0; i < ls.size(); ++i) {
    // Join a logical line: an odd number of trailing backslashes continues it.
    std::string logical;
    std::string_view cur = ls[i];
    for (;;) {
      std::size_t k = cur.find_first_not_of(" \t\f");
      cur = k == std::string_view::npos ? std::string_view{} : cur.substr(k);
      if (logical.empty() && (cur.empty() || cur.front() == '#' || cur.front() == '!')) break;
      std::size_t slashes = 0;
      while (slashes < cur.size() && cur[cur.size() - 1 - slashes] == '\\') ++slashes;
      if (slashes % 2 == 1 && i + 1 < ls.size()) {
        logical.append(cur.substr(0, cur.size() - 1));
        cur = ls[++i];
        continue;
      }
      logical.append(slashes % 2 == 1 ? cur.substr(0, cur.size() - 1) : cur);
      break;
    }
    if (logical.empty()) continue;
    // Key up to the first unescaped separator, then unescape both halves.
    std::string key, value;
    std::size_t pos = 0;
    bool inKey = true;
    auto unescape = [&](std::string& out) {
      char c = logical[pos++];
      if (c != '\\' || pos >= logical.size()) {
        if (c != '\\') out.push_back(c);
        return;
      }
      char e = logical[pos++];
      switch (e) {
        case 't':
          out.push_back('\t');
          break;
        case 'n':
          out.push_back('\n');
          break;
        case 'r':
          out.push_back('\r');
          break;
        case 'f':
          out.push_back('\f');
          break;
        case 'u': {
          std::uint32_t cp = 0;
          bool ok = pos + 4 <= logical.size();
          for (std::size_t k = 0; ok && k < 4; ++k) {
            int v = hexValue(logical[pos + k]);
            if (v < 0) ok = false;
            cp = cp * 16 + static_cast<std::uint32_t>(v);
          }
          if (ok && !(cp >= 0xd800 && cp <= 0xdfff) && cp != 0) {
            appendUtf8(out, cp);
            pos += 4;
          } else {
            out.push_back('u');
          }
          break;
        }
        default:
          out.push_back(e);
      }
    };
    while (pos < logical.size() && inKey) {
      char c = logical[pos];
      if (c == '=' || c == ':' || c == ' ' || c == '\t' || c == '\f') {
        // Separator: white space, optionally followed by one '=' or ':' and more white space.
        while (pos < logical.size() &&
               (logical[pos] == ' ' || logical[pos] == '\t' || logical[pos] == '\f'))
          ++pos;
        if (pos < logical.size() && (logical[pos] == '=' || logical[pos] == ':')) ++pos;
        while (pos < logical.size() &&
               (logical[pos] == ' ' || logical[pos] == '\t' || logical[pos] == '\f'))
          ++pos;
        inKey = false;
        break;
      }
      unescape(key);
    }
    while (pos < logical.size()) unescape(value);
    if (key == "groupId") p.groupId = std::string(trim(value));
    if (key == "artifactId") p.artifactId = std::string(trim(value));
    if (key == "version") p.version = std::string(trim(value));
  }
  if (p.groupId.empty() || p.artifactId.empty() || p.version.empty())
    return bad(std::string("pom.properties without ") + (p.groupId.empty()      ? "groupId"
                                                         : p.artifactId.empty() ? "artifactId"
                                                                                : "version"));
  return p;
}

// ---- pom.xml -----------------------------------------------------------------------------

Result<PomXml> parsePomXml(std::string_view text) {
  if (text.find('\0') != std::string_view::npos) return bad("pom.xml contains a NUL byte");
  PomXml pom;
  std::string parentGroup, parentVersion;
  std::vector<std::string> stack;  // open element local names
  std::string textBuf;             // character data of the innermost element
  bool sawProject = false;
  std::size_t i = 0;
  auto localName = [](std::string_view qn) {
    auto c = qn.find(':');
    return std::string(c == std::string_view::npos ? qn : qn.substr(c + 1));
  };
  auto path = [&]() {
    std::string p;
    for (const auto& s : stack) p += "/" + s;
    return p;
  };
  while (i < text.size()) {
    if (text[i] != '<') {
      auto lt = text.find('<', i);
      if (lt == std::string_view::npos) lt = text.size();
      textBuf.append(text.substr(i, lt - i));
      i = lt;
      continue;
    }
    if (text.substr(i, 4) == "<!--") {
      auto end = text.find("-->", i + 4);
      if (end == std::string_view::npos) return bad("unterminated comment");
      i = end + 3;
      continue;
    }
    if (text.substr(i, 9) == "<![CDATA[") {
      auto end = text.find("]]>", i + 9);
      if (end == std::string_view::npos) return bad("unterminated CDATA section");
      // Kept literal: escape '&' so that unescaping leaves it alone.
      for (char c : text.substr(i + 9, end - i - 9))
        textBuf += c == '&' ? std::string("&amp;") : std::string(1, c);
      i = end + 3;
      continue;
    }
    if (text.substr(i, 2) == "<?") {
      auto end = text.find("?>", i + 2);
      if (end == std::string_view::npos) return bad("unterminated processing instruction");
      i = end + 2;
      continue;
    }
    if (text.substr(i, 2) == "<!") return bad("DOCTYPE declarations are not supported");
    auto gt = text.find('>', i);
    if (gt == std::string_view::npos) return bad("unterminated tag");
    std::string_view tag = text.substr(i + 1, gt - i - 1);
    i = gt + 1;
    if (tag.starts_with('/')) {
      std::string name = localName(trim(tag.substr(1)));
      if (stack.empty() || stack.back() != name)
        return bad("mismatched closing tag </" + name + ">");
      std::string p = path();
      std::string v = literal(textBuf);
      if (p == "/project/groupId")
        pom.groupId = v;
      else if (p == "/project/artifactId")
        pom.artifactId = v;
      else if (p == "/project/version")
        pom.version = v;
      else if (p == "/project/name")
        pom.name = v;
      else if (p == "/project/url")
        pom.url = v;
      else if (p == "/project/description")
        pom.description = std::string(trim(v.substr(0, v.find('\n'))));
      else if (p == "/project/parent/groupId")
        parentGroup = v;
      else if (p == "/project/parent/version")
        parentVersion = v;
      else if (p == "/project/licenses/license/name" && !v.empty())
        pom.licenses.push_back(v);
      stack.pop_back();
      textBuf.clear();
      continue;
    }
    bool selfClosing = tag.ends_with('/');
    if (selfClosing) tag.remove_suffix(1);
    std::size_t nameEnd = 0;
    while (nameEnd < tag.size() && !std::isspace(static_cast<unsigned char>(tag[nameEnd])))
      ++nameEnd;
    std::string name = localName(tag.substr(0, nameEnd));
    if (name.empty()) return bad("empty tag name");
    if (stack.empty()) {
      if (sawProject || name != "project") return bad("the root element is not <project>");
      sawProject = true;
    }
    if (!selfClosing) {
      if (stack.size() >= 64) return fail(ErrorCode::kInvalidInput, "elements nested too deeply");
      stack.push_back(std::move(name));
    }
    textBuf.clear();
  }
  if (!sawProject) return bad("no <project> element");
  if (!stack.empty()) return bad("unclosed <" + stack.back() + ">");
  if (pom.groupId.empty()) pom.groupId = parentGroup;
  if (pom.version.empty()) pom.version = parentVersion;
  return pom;
}

// ---- names and identity ------------------------------------------------------------------

JarName splitJarFileName(std::string_view fileName) {
  auto slash = fileName.find_last_of('/');
  if (slash != std::string_view::npos) fileName.remove_prefix(slash + 1);
  for (std::string_view ext : {".jar", ".war", ".ear", ".JAR", ".WAR", ".EAR"})
    if (fileName.ends_with(ext)) {
      fileName.remove_suffix(ext.size());
      break;
    }
  auto isDigit = [](char c) { return c >= '0' && c <= '9'; };
  auto isAlpha = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); };
  for (std::size_t i = 1; i + 1 < fileName.size(); ++i) {
    if (fileName[i] != '-' || !isDigit(fileName[i + 1])) continue;
    // Reject when "-<letters>-<digit>" follows: the version starts later.
    std::string_view rest = fileName.substr(i + 1);
    bool later = false;
    for (std::size_t k = 0; k + 2 < rest.size() && !later; ++k) {
      if (rest[k] != '-' || !isAlpha(rest[k + 1])) continue;
      std::size_t e = k + 1;
      while (e < rest.size() && isAlpha(rest[e])) ++e;
      if (e + 1 < rest.size() && rest[e] == '-' && isDigit(rest[e + 1])) later = true;
    }
    if (later) continue;
    return JarName{std::string(fileName.substr(0, i)), std::string(rest)};
  }
  return JarName{std::string(fileName), {}};
}

const char* toString(Source s) {
  switch (s) {
    case Source::kPomProperties:
      return "pom.properties";
    case Source::kPomXml:
      return "pom.xml";
    case Source::kManifest:
      return "manifest";
    case Source::kFileName:
      return "filename";
  }
  return "filename";
}

Identity identify(std::string_view fileName, const Manifest* manifest,
                  std::span<const PomProperties> poms) {
  Identity id;
  JarName jn = splitJarFileName(fileName);
  auto pomCoordinates = [&](std::size_t i) {
    return Coordinates{
        poms[i].groupId, poms[i].artifactId, poms[i].version, Source::kPomProperties, i, {}};
  };
  std::optional<std::size_t> self;
  if (poms.size() == 1) {
    self = 0;
  } else if (poms.size() > 1) {
    std::string title = manifest ? manifest->get("Implementation-Title") : std::string();
    std::string bsn = manifest ? manifest->get("Bundle-SymbolicName") : std::string();
    bsn = bsn.substr(0, bsn.find(';'));
    std::string stem = toLower(fileName.substr(0, fileName.rfind('.')));
    auto named = [&](const PomProperties& p) {
      std::string a = toLower(p.artifactId);
      return jn.name == p.artifactId || stem.starts_with(a + "-") || stem == a ||
             equalsIgnoreCase(title, p.artifactId) || bsn.ends_with(p.artifactId) ||
             bsn == p.groupId + "." + p.artifactId;
    };
    for (std::size_t i = 0; i < poms.size() && !self; ++i)
      if (named(poms[i])) self = i;
  }
  for (std::size_t i = 0; i < poms.size(); ++i)
    if (!self || i != *self) id.shaded.push_back(pomCoordinates(i));
  if (self) {
    id.self = pomCoordinates(*self);
    return id;
  }
  Coordinates& c = id.self;
  c.artifactId = jn.name;
  c.version = jn.version;
  c.source = Source::kFileName;
  if (c.artifactId.empty()) return id;  // nothing to name: no guesses either
  if (manifest) {
    for (const char* attr : {"Implementation-Version", "Bundle-Version", "Specification-Version"}) {
      std::string v = manifest->get(attr);
      if (!v.empty()) {
        c.version = v;
        c.source = Source::kManifest;
        break;
      }
    }
    std::string vendorId = manifest->get("Implementation-Vendor-Id");
    std::string bsn = manifest->get("Bundle-SymbolicName");
    bsn = std::string(trim(bsn.substr(0, bsn.find(';'))));
    std::string dotted = c.artifactId;
    std::replace(dotted.begin(), dotted.end(), '-', '.');
    if (!vendorId.empty()) {
      c.groupId = vendorId;
      c.groupGuessedFrom = "Implementation-Vendor-Id";
    } else if (bsn.size() > dotted.size() + 1 &&
               (bsn.ends_with("." + c.artifactId) || bsn.ends_with("." + dotted))) {
      c.groupId = bsn.substr(0, bsn.size() - dotted.size() - 1);
      c.groupGuessedFrom = "Bundle-SymbolicName";
    } else if (std::count(bsn.begin(), bsn.end(), '.') >= 1 &&
               bsn.find_first_of(" /\\") == std::string::npos) {
      c.groupId = bsn;
      c.groupGuessedFrom = "Bundle-SymbolicName";
    }
    if (!c.groupGuessedFrom.empty()) c.source = Source::kManifest;
  }
  if (c.groupId.empty()) {
    c.groupId = c.artifactId;
    c.groupGuessedFrom = "artifactId";
  }
  return id;
}

}  // namespace tollgate::catalog::java
