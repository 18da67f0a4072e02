// Pure parsers of dpkg's database files (see dpkg.h). Nothing here touches the filesystem.
#include <algorithm>
#include <span>
#include <unordered_map>

#include "tollgate/catalog/dpkg.h"
#include "tollgate/util/strings.h"

namespace tollgate::catalog::dpkg {
namespace {

bool isSpaceOrTab(char c) { return c == ' ' || c == '\t'; }

bool isBlankLine(std::string_view line) {
  return std::all_of(line.begin(), line.end(), [](char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
  });
}

std::string lineMessage(std::size_t line, std::string_view what) {
  return "paragraph at line " + std::to_string(line) + ": " + std::string(what);
}

}  // namespace

std::optional<std::string_view> Paragraph::raw(std::string_view name) const {
  for (const auto& [n, v] : fields)
    if (equalsIgnoreCase(n, name)) return v;
  return std::nullopt;
}

std::string Paragraph::firstLine(std::string_view name) const {
  auto v = raw(name);
  if (!v) return {};
  return std::string(trim(v->substr(0, v->find('\n'))));
}

std::string Paragraph::folded(std::string_view name) const {
  auto v = raw(name);
  if (!v) return {};
  std::string out;
  for (std::string_view line : split(*v, '\n')) {
    line = trim(line);
    if (line.empty()) continue;
    if (!out.empty()) out += ' ';
    out += line;
  }
  return out;
}

Deb822 parseDeb822(std::string_view text, const std::string& label) {
  Deb822 out;
  Paragraph cur;
  bool open = false;    // inside a paragraph
  std::string problem;  // non-empty: the current paragraph is malformed
  auto finish = [&] {
    if (open) {
      if (!problem.empty()) {
        out.warnings.push_back(
            Error{ErrorCode::kInvalidInput, lineMessage(cur.line, problem), label, cur.offset});
      } else if (!cur.fields.empty()) {
        out.paragraphs.push_back(std::move(cur));
      }
    }
    cur = Paragraph{};
    open = false;
    problem.clear();
  };

  std::size_t pos = 0;
  std::size_t lineNo = 0;
  while (pos < text.size()) {
    std::size_t eol = text.find('\n', pos);
    std::size_t end = eol == std::string_view::npos ? text.size() : eol;
    std::size_t next = eol == std::string_view::npos ? text.size() : eol + 1;
    std::string_view line = text.substr(pos, end - pos);
    ++lineNo;
    if (isBlankLine(line)) {
      finish();
      pos = next;
      continue;
    }
    if (line.front() == '#') {  // a comment, also inside a paragraph (deb822)
      pos = next;
      continue;
    }
    if (!open) {
      open = true;
      cur.line = lineNo;
      cur.offset = pos;
    }
    if (!problem.empty()) {
      pos = next;
      continue;
    }
    if (isSpaceOrTab(line.front())) {
      if (cur.fields.empty()) {
        problem = "continuation line " + std::to_string(lineNo) + " before any field";
      } else {
        // Extend the last value to the end of this line: the value stays one view into `text`.
        auto& value = cur.fields.back().second;
        std::size_t start = static_cast<std::size_t>(value.data() - text.data());
        value = text.substr(start, end - start);
      }
    } else {
      std::size_t colon = line.find(':');
      std::string_view name = colon == std::string_view::npos ? line : line.substr(0, colon);
      if (colon == std::string_view::npos) {
        problem = "line " + std::to_string(lineNo) + " is not a field (no ':')";
      } else if (name.empty() || std::any_of(name.begin(), name.end(), [](char c) {
                   return static_cast<unsigned char>(c) <= ' ' || c == 0x7f;
                 })) {
        problem =
            "line " + std::to_string(lineNo) + ": bad field name '" + printable(name, 60) + "'";
      } else if (cur.raw(name)) {
        problem = "duplicate field '" + printable(name, 60) + "' at line " + std::to_string(lineNo);
      } else {
        cur.fields.emplace_back(name, text.substr(pos + colon + 1, end - (pos + colon + 1)));
      }
    }
    pos = next;
  }
  finish();
  return out;
}

DpkgStatus parseDpkgStatus(std::string_view text, const std::string& label, bool statusOptional) {
  Deb822 d = parseDeb822(text, label);
  DpkgStatus out;
  out.warnings = std::move(d.warnings);
  std::unordered_map<std::string, std::size_t> index;  // "name\0arch" -> packages[i]
  std::vector<bool> dead;                              // packages[i] superseded by not-installed
  auto warn = [&](const Paragraph& p, const std::string& why) {
    out.warnings.push_back(
        Error{ErrorCode::kInvalidInput, lineMessage(p.line, why), label, p.offset});
  };
  static constexpr std::string_view kWants[] = {"unknown", "install", "hold", "deinstall", "purge"};
  static constexpr std::string_view kFlags[] = {"ok", "reinstreq"};
  static constexpr std::string_view kStates[] = {
      "not-installed",   "config-files",     "half-installed",   "unpacked",
      "half-configured", "triggers-awaited", "triggers-pending", "installed"};
  auto oneOf = [](std::string_view w, std::span<const std::string_view> set) {
    return std::find(set.begin(), set.end(), w) != set.end();
  };

  for (const Paragraph& p : d.paragraphs) {
    Package pkg;
    pkg.line = p.line;
    pkg.name = p.firstLine("Package");
    if (pkg.name.empty()) {
      warn(p, "no Package field");
      continue;
    }
    if (std::any_of(pkg.name.begin(), pkg.name.end(),
                    [](char c) { return static_cast<unsigned char>(c) <= ' '; })) {
      warn(p, "bad package name '" + printable(pkg.name, 60) + "'");
      continue;
    }
    std::string status = p.firstLine("Status");
    if (status.empty() && statusOptional && !p.raw("Status")) status = "install ok installed";
    std::vector<std::string_view> words;
    for (std::string_view w : split(status, ' '))
      if (!trim(w).empty()) words.push_back(trim(w));
    if (words.size() != 3 || !oneOf(words[0], kWants) || !oneOf(words[1], kFlags) ||
        !oneOf(words[2], kStates)) {
      warn(p,
           "package " + printable(pkg.name, 60) + ": bad Status '" + printable(status, 60) + "'");
      continue;
    }
    pkg.want = words[0];
    pkg.flag = words[1];
    pkg.state = words[2];
    if (pkg.state == "not-installed") {  // dpkg-query -W does not list these either
      std::string arch = p.firstLine("Architecture");
      if (auto it = index.find(pkg.name + '\0' + arch); it != index.end()) {
        dead[it->second] = true;  // an earlier record of the same package is superseded
        index.erase(it);
      }
      out.notInstalled.emplace_back(pkg.name, std::move(arch));
      continue;
    }
    pkg.version = p.firstLine("Version");
    if (pkg.version.empty()) {
      warn(p, "package " + printable(pkg.name, 60) + ": no Version");
      continue;
    }
    pkg.architecture = p.firstLine("Architecture");
    std::string source = p.firstLine("Source");
    if (auto paren = source.find('('); paren != std::string::npos) {
      auto close = source.find(')', paren);
      if (close != std::string::npos)
        pkg.sourceVersion = std::string(trim(source.substr(paren + 1, close - paren - 1)));
      source = std::string(trim(source.substr(0, paren)));
    }
    pkg.sourceName = std::move(source);
    pkg.maintainer = p.firstLine("Maintainer");
    pkg.description = p.firstLine("Description");
    pkg.depends = p.folded("Depends");
    pkg.preDepends = p.folded("Pre-Depends");
    pkg.provides = p.folded("Provides");
    pkg.installedSize = p.firstLine("Installed-Size");
    pkg.multiArch = p.firstLine("Multi-Arch");
    pkg.homepage = p.firstLine("Homepage");

    std::string key = pkg.name;
    key += '\0';
    key += pkg.architecture;
    auto [it, fresh] = index.emplace(std::move(key), out.packages.size());
    if (fresh) {
      out.packages.push_back(std::move(pkg));
      dead.push_back(false);
    } else {
      out.packages[it->second] = std::move(pkg);
    }
  }
  if (std::find(dead.begin(), dead.end(), true) != dead.end()) {
    std::vector<Package> live;
    for (std::size_t i = 0; i < out.packages.size(); ++i)
      if (!dead[i]) live.push_back(std::move(out.packages[i]));
    out.packages = std::move(live);
  }
  return out;
}

namespace {

bool isNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '+' ||
         c == '-' || c == '.' || c == '_';
}

bool isVersionChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '+' ||
         c == '-' || c == '.' || c == '~' || c == ':' || c == '_' || c == '$' || c == '{' ||
         c == '}';  // ${binary:Version} appears in templates; harmless here
}

Result<Relation> parseRelation(std::string_view s) {
  auto bad = [&](const std::string& why) {
    return fail(ErrorCode::kInvalidInput, why + " in '" + printable(s, 80) + "'");
  };
  Relation r;
  std::size_t i = 0;
  while (i < s.size() && isNameChar(s[i])) ++i;
  r.name = std::string(s.substr(0, i));
  if (r.name.empty()) return bad("missing package name");
  if (i < s.size() && s[i] == ':') {
    std::size_t j = ++i;
    while (i < s.size() && isNameChar(s[i])) ++i;
    r.arch = std::string(s.substr(j, i - j));
    if (r.arch.empty()) return bad("empty architecture qualifier");
  }
  auto skipWs = [&] {
    while (i < s.size() && (isSpaceOrTab(s[i]) || s[i] == '\r' || s[i] == '\n')) ++i;
  };
  skipWs();
  if (i < s.size() && s[i] == '(') {
    std::size_t close = s.find(')', i);
    if (close == std::string_view::npos) return bad("unterminated version constraint");
    std::string_view inner = trim(s.substr(i + 1, close - i - 1));
    std::size_t k = 0;
    while (k < inner.size() && (inner[k] == '<' || inner[k] == '>' || inner[k] == '=')) ++k;
    std::string op(inner.substr(0, k));
    if (op == "<") op = "<=";  // obsolete forms, read the way dpkg reads them
    if (op == ">") op = ">=";
    if (op != "<<" && op != "<=" && op != "=" && op != ">=" && op != ">>")
      return bad("bad version operator '" + printable(op, 10) + "'");
    std::string_view version = trim(inner.substr(k));
    if (version.empty() || !std::all_of(version.begin(), version.end(), isVersionChar))
      return bad("bad version");
    r.op = std::move(op);
    r.version = std::string(version);
    i = close + 1;
    skipWs();
  }
  // Architecture restrictions and build profiles (source package fields): accepted, dropped.
  while (i < s.size() && (s[i] == '[' || s[i] == '<')) {
    char closeCh = s[i] == '[' ? ']' : '>';
    std::size_t close = s.find(closeCh, i);
    if (close == std::string_view::npos) return bad("unterminated restriction");
    i = close + 1;
    skipWs();
  }
  if (i != s.size()) return bad("unexpected '" + printable(s.substr(i, 20), 20) + "'");
  return r;
}

}  // namespace

Result<std::vector<Alternatives>> parseRelations(std::string_view field) {
  std::vector<Alternatives> out;
  for (std::string_view group : split(field, ',')) {
    group = trim(group);
    if (group.empty()) continue;
    Alternatives alts;
    for (std::string_view alt : split(group, '|')) {
      alt = trim(alt);
      if (alt.empty())
        return fail(ErrorCode::kInvalidInput,
                    "empty alternative in '" + printable(group, 80) + "'");
      auto r = parseRelation(alt);
      if (!r) return std::unexpected(r.error());
      alts.push_back(std::move(*r));
    }
    out.push_back(std::move(alts));
  }
  return out;
}

Result<Copyright> parseCopyright(std::string_view text, const std::string& label) {
  // DEP-5 if the first field of the file is Format (or the draft's Format-Specification) naming
  // the copyright format. Looked up before the deb822 parse so that a broken header paragraph is
  // still recognised as a broken DEP-5 file.
  std::string_view first;
  for (std::string_view line :
       split(text.substr(0, std::min<std::size_t>(text.size(), 8192)), '\n')) {
    if (isBlankLine(line) || line.front() == '#') continue;
    first = line;
    break;
  }
  auto colon = first.find(':');
  bool dep5 = false;
  if (colon != std::string_view::npos) {
    std::string_view name = first.substr(0, colon);
    std::string value = toLower(first.substr(colon + 1));
    dep5 = (equalsIgnoreCase(name, "Format") || equalsIgnoreCase(name, "Format-Specification")) &&
           (value.find("copyright-format") != std::string::npos ||
            value.find("dep5") != std::string::npos || value.find("dep-5") != std::string::npos);
  }
  if (!dep5) return fail(ErrorCode::kUnsupported, "not a machine-readable copyright file", label);

  Deb822 d = parseDeb822(text, label);
  Copyright out;
  out.warnings = std::move(d.warnings);
  for (const Paragraph& p : d.paragraphs) {
    if (!p.raw("Files")) continue;  // the header and stand-alone licence texts
    std::string name = p.firstLine("License");
    if (name.empty()) {
      out.warnings.push_back(Error{ErrorCode::kInvalidInput,
                                   lineMessage(p.line, "Files paragraph without a License"), label,
                                   p.offset});
      continue;
    }
    if (std::find(out.licenses.begin(), out.licenses.end(), name) == out.licenses.end())
      out.licenses.push_back(std::move(name));
  }
  return out;
}

}  // namespace tollgate::catalog::dpkg
