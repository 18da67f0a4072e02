// Package URL parsing, building and canonical form (see purl.h for the rules applied).
//
// parse() splits the string as the spec's "how to parse" algorithm does (right to left: '#',
// '?', then scheme, type, version, name, namespace), percent-decodes each piece, and hands the
// decoded components to the same canonicalise() that build() uses, so that both produce the
// same object for the same package.
#include "tollgate/purl/purl.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <set>
#include <utility>
#include <vector>

#include "tollgate/util/strings.h"

namespace tollgate::purl {
namespace {

constexpr bool isAlpha(unsigned char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
constexpr bool isDigit(unsigned char c) { return c >= '0' && c <= '9'; }
constexpr bool isAlnum(unsigned char c) { return isAlpha(c) || isDigit(c); }

// Bytes that stay literal in the canonical form: the spec's "allowed set" plus ':', which is
// never percent-encoded.
constexpr bool isLiteral(unsigned char c) {
  return isAlnum(c) || c == '.' || c == '-' || c == '_' || c == '~' || c == ':';
}

void appendEncoded(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (isLiteral(c)) {
      out += ch;
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0x0F];
    }
  }
}

void lowerAscii(std::string& s) { s = toLower(s); }

bool hasUpperAscii(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char ch) { return ch >= 'A' && ch <= 'Z'; });
}

// Error context: the input, cut to a readable length, with control bytes and invalid UTF-8
// escaped so that a hostile purl cannot forge log lines.
std::string describeInput(std::string_view s) { return "purl \"" + printable(s, 160) + "\""; }

std::unexpected<Error> invalid(std::string message) {
  return fail(ErrorCode::kInvalidInput, std::move(message));
}

int hexValue(unsigned char c) {
  if (isDigit(c)) return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

Result<std::string> decode(std::string_view s, std::string_view what) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out += s[i];
      continue;
    }
    const int hi = i + 1 < s.size() ? hexValue(static_cast<unsigned char>(s[i + 1])) : -1;
    const int lo = i + 2 < s.size() ? hexValue(static_cast<unsigned char>(s[i + 2])) : -1;
    if (hi < 0 || lo < 0) {
      return invalid("bad percent-encoding in " + std::string(what));
    }
    out += static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  return out;
}

// Non-empty pieces of `s` between `sep`.
std::vector<std::string_view> splitNonEmpty(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  while (start <= s.size()) {
    std::size_t end = s.find(sep, start);
    if (end == std::string_view::npos) end = s.size();
    if (end > start) out.push_back(s.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

std::string join(const std::vector<std::string_view>& parts, char sep) {
  std::string out;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) out += sep;
    out += parts[i];
  }
  return out;
}

bool isValidType(std::string_view t) {
  if (t.empty() || !isAlpha(static_cast<unsigned char>(t.front()))) return false;
  return std::all_of(t.begin(), t.end(), [](char ch) {
    const auto c = static_cast<unsigned char>(ch);
    return isAlnum(c) || c == '.' || c == '-';
  });
}

// ECMA-427 5.6.6: lower-case letters, digits, '.', '-', '_'; starts with a letter.
bool isValidKey(std::string_view k) {
  if (k.empty() || !(k.front() >= 'a' && k.front() <= 'z')) return false;
  return std::all_of(k.begin(), k.end(), [](char ch) {
    const auto c = static_cast<unsigned char>(ch);
    return (c >= 'a' && c <= 'z') || isDigit(c) || c == '.' || c == '-' || c == '_';
  });
}

bool isSkippedSubpathSegment(std::string_view seg) {
  return seg.empty() || seg == "." || seg == "..";
}

std::string canonicalSubpath(std::string_view s) {
  std::vector<std::string_view> kept;
  for (std::string_view seg : splitNonEmpty(s, '/')) {
    if (!isSkippedSubpathSegment(seg)) kept.push_back(seg);
  }
  return join(kept, '/');
}

// The '@' that starts the version: the rightmost one (the spec splits on it from the right),
// except that an '@' opening a segment other than the last is an unencoded npm scope
// ("pkg:npm/@babel/core"), not a separator.
std::size_t versionSeparator(std::string_view path) {
  for (std::size_t end = path.size(); end > 0;) {
    const auto at = path.rfind('@', end - 1);
    if (at == std::string_view::npos) break;
    const bool opensSegment = at == 0 || path[at - 1] == '/';
    const bool inLastSegment = path.find('/', at) == std::string_view::npos;
    if (!opensSegment || inLastSegment) return at;
    end = at;
  }
  return std::string_view::npos;
}

// Raw (unencoded) control characters have no place in a URL (RFC 3986); as percent-encoded
// data they are allowed like any other character.
bool hasRawControl(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char ch) {
    const auto c = static_cast<unsigned char>(ch);
    return c < 0x20 || c == 0x7F;
  });
}

// ---- per-type rules ------------------------------------------------------------------------

enum class Need : std::uint8_t { kOptional, kRequired, kProhibited };

using Extra = Status (*)(PackageUrl&);

struct TypeRule {
  std::string_view type;
  Need ns = Need::kOptional;
  bool lowerNs = false;
  bool lowerName = false;
  bool lowerVersion = false;
  Extra extra = nullptr;
};

// PEP 503 names (the type rule lower-cases too, which pep503Name already did).
Status pypiName(PackageUrl& p) {
  p.name = pep503Name(p.name);
  return {};
}

// The namespace is the host; every further segment belongs to the repository path (the name).
Status gitSplit(PackageUrl& p) {
  std::vector<std::string_view> segs = splitNonEmpty(p.ns, '/');
  for (std::string_view seg : splitNonEmpty(p.name, '/')) segs.push_back(seg);
  if (segs.size() < 2) return invalid("git purls need a host namespace and a repository name");
  std::string ns(segs.front());
  std::string name = join(std::vector<std::string_view>(segs.begin() + 1, segs.end()), '/');
  p.ns = std::move(ns);
  p.name = std::move(name);
  return {};
}

Status chromeExtension(PackageUrl& p) {
  const bool nameOk = p.name.size() == 32 && std::all_of(p.name.begin(), p.name.end(), [](char c) {
                        return c >= 'a' && c <= 'p';
                      });
  if (!nameOk) return invalid("chrome-extension name must be 32 letters a-p");
  if (!p.version.empty()) {
    // 1 to 4 dot-separated decimal numbers.
    std::size_t parts = 1;
    bool digitSeen = false;
    for (const char ch : p.version) {
      if (isDigit(static_cast<unsigned char>(ch))) {
        digitSeen = true;
      } else if (ch == '.' && digitSeen) {
        ++parts;
        digitSeen = false;
      } else {
        return invalid("chrome-extension version must be dot-separated numbers");
      }
    }
    if (!digitSeen || parts > 4) {
      return invalid("chrome-extension version must have 1 to 4 numeric parts");
    }
  }
  return {};
}

Status cpanName(PackageUrl& p) {
  if (p.name.find("::") != std::string::npos) {
    return invalid("cpan name is a distribution name and cannot contain '::' (a module name)");
  }
  return {};
}

Status requireQualifier(const PackageUrl& p, const std::string& key) {
  if (!p.qualifiers.contains(key)) {
    return invalid(p.type + " purls require the '" + key + "' qualifier");
  }
  return {};
}

Status juliaUuid(PackageUrl& p) { return requireQualifier(p, "uuid"); }
Status swidTagId(PackageUrl& p) { return requireQualifier(p, "tag_id"); }

// Databricks model registries are case-insensitive (lower-case names); Azure ML and others keep
// the case.
Status mlflowName(PackageUrl& p) {
  const auto it = p.qualifiers.find("repository_url");
  if (it == p.qualifiers.end()) return {};
  std::string_view url = it->second;
  if (const auto scheme = url.find("://"); scheme != std::string_view::npos) {
    url.remove_prefix(scheme + 3);
  }
  std::string host = toLower(url.substr(0, url.find_first_of("/:?#")));
  const auto endsWith = [&host](std::string_view suffix) {
    return host == suffix.substr(1) || host.ends_with(suffix);
  };
  if (endsWith(".azuredatabricks.net") || endsWith(".databricks.com")) lowerAscii(p.name);
  return {};
}

constexpr std::array kTypeRules{
    TypeRule{.type = "alpm", .lowerNs = true, .lowerName = true},
    TypeRule{.type = "apk", .ns = Need::kRequired, .lowerNs = true, .lowerName = true},
    TypeRule{.type = "bitbucket", .ns = Need::kRequired, .lowerNs = true, .lowerName = true},
    TypeRule{.type = "bitnami", .lowerName = true},
    TypeRule{.type = "brew", .lowerNs = true, .lowerName = true},
    TypeRule{.type = "chrome-extension",
             .ns = Need::kProhibited,
             .lowerName = true,
             .extra = &chromeExtension},
    TypeRule{.type = "composer", .lowerNs = true, .lowerName = true},
    TypeRule{.type = "conda", .ns = Need::kProhibited},
    TypeRule{.type = "cpan", .extra = &cpanName},
    TypeRule{.type = "cran", .ns = Need::kProhibited},
    TypeRule{.type = "deb", .ns = Need::kRequired, .lowerNs = true, .lowerName = true},
    TypeRule{.type = "git",
             .ns = Need::kRequired,
             .lowerNs = true,
             .lowerName = true,
             .extra = &gitSplit},
    TypeRule{.type = "github", .ns = Need::kRequired, .lowerNs = true, .lowerName = true},
    // The definition requires a namespace, but "pkg:golang/stdlib@1.21.0" is how SBOM tools and
    // OSV name the Go standard library, so a namespace stays optional here.
    TypeRule{.type = "golang", .lowerNs = true, .lowerName = true},
    TypeRule{.type = "hex", .lowerNs = true, .lowerName = true},
    TypeRule{.type = "huggingface", .lowerVersion = true},
    TypeRule{.type = "julia", .ns = Need::kProhibited, .extra = &juliaUuid},
    TypeRule{.type = "luarocks", .lowerNs = true, .lowerName = true},
    TypeRule{.type = "maven", .ns = Need::kRequired},
    TypeRule{.type = "mlflow", .ns = Need::kProhibited, .extra = &mlflowName},
    TypeRule{.type = "npm", .lowerNs = true, .lowerName = true},
    TypeRule{.type = "oci", .ns = Need::kProhibited, .lowerName = true},
    TypeRule{.type = "otp", .ns = Need::kProhibited, .lowerName = true},
    TypeRule{.type = "pub", .lowerName = true},
    TypeRule{.type = "pypi",
             .ns = Need::kProhibited,
             .lowerName = true,
             .lowerVersion = true,
             .extra = &pypiName},
    TypeRule{.type = "qpkg", .lowerNs = true},
    TypeRule{.type = "rpm", .lowerNs = true},
    TypeRule{.type = "swid", .extra = &swidTagId},
    TypeRule{.type = "swift", .ns = Need::kRequired},
    TypeRule{.type = "vcpkg", .ns = Need::kProhibited},
    TypeRule{.type = "vscode-extension",
             .ns = Need::kRequired,
             .lowerNs = true,
             .lowerName = true,
             .lowerVersion = true},
};

const TypeRule* findRule(std::string_view type) {
  const auto it = std::find_if(kTypeRules.begin(), kTypeRules.end(),
                               [type](const TypeRule& r) { return r.type == type; });
  return it == kTypeRules.end() ? nullptr : &*it;
}

// ---- shared canonicalisation ---------------------------------------------------------------

// Brings decoded components to canonical form and checks every rule. Qualifier keys must
// already be lower-case here (callers fold or reject them first).
Status canonicalise(PackageUrl& p) {
  if (p.type.empty()) return invalid("a type is required");
  if (!isValidType(p.type)) {
    return invalid("type must start with a letter and contain only letters, digits, '.', '-'");
  }
  lowerAscii(p.type);

  p.ns = join(splitNonEmpty(p.ns, '/'), '/');
  const auto first = p.name.find_first_not_of('/');
  p.name = first == std::string::npos ? std::string() : p.name.substr(first);
  p.name.erase(p.name.find_last_not_of('/') + 1);
  if (p.name.empty()) return invalid("a name is required");
  p.subpath = canonicalSubpath(p.subpath);

  for (auto it = p.qualifiers.begin(); it != p.qualifiers.end();) {
    if (!isValidKey(it->first)) {
      return invalid(
          "qualifier key must be lower-case letters, digits, '.', '-', '_' "
          "and start with a letter");
    }
    it = it->second.empty() ? p.qualifiers.erase(it) : std::next(it);
  }

  if (!isValidUtf8(p.ns) || !isValidUtf8(p.name) || !isValidUtf8(p.version) ||
      !isValidUtf8(p.subpath)) {
    return invalid("decoded component is not UTF-8");
  }
  for (const auto& [key, value] : p.qualifiers) {
    if (!isValidUtf8(value))
      return invalid("decoded value of qualifier '" + key + "' is not UTF-8");
  }

  const TypeRule* rule = findRule(p.type);
  if (rule == nullptr) return {};
  if (rule->lowerNs) lowerAscii(p.ns);
  if (rule->lowerName) lowerAscii(p.name);
  if (rule->lowerVersion) lowerAscii(p.version);
  if (rule->ns == Need::kProhibited && !p.ns.empty()) {
    return invalid(p.type + " purls have no namespace");
  }
  if (rule->extra != nullptr) {
    if (auto s = rule->extra(p); !s) return s;
  }
  if (rule->ns == Need::kRequired && p.ns.empty()) {
    return invalid(p.type + " purls require a namespace");
  }
  return {};
}

}  // namespace

std::string PackageUrl::toString() const {
  std::string out = "pkg:";
  appendEncoded(out, type);
  out += '/';
  for (std::string_view seg : splitNonEmpty(ns, '/')) {
    appendEncoded(out, seg);
    out += '/';
  }
  if (type == "git") {
    // The repository path keeps its '/' separators (see gitSplit).
    const std::vector<std::string_view> segs = splitNonEmpty(name, '/');
    for (std::size_t i = 0; i < segs.size(); ++i) {
      if (i > 0) out += '/';
      appendEncoded(out, segs[i]);
    }
  } else {
    appendEncoded(out, name);
  }
  if (!version.empty()) {
    out += '@';
    appendEncoded(out, version);
  }
  char sep = '?';
  for (const auto& [key, value] : qualifiers) {
    if (value.empty()) continue;
    out += sep;
    sep = '&';
    appendEncoded(out, key);
    out += '=';
    appendEncoded(out, value);
  }
  sep = '#';
  for (std::string_view seg : splitNonEmpty(subpath, '/')) {
    if (isSkippedSubpathSegment(seg)) continue;
    out += sep;
    sep = '/';
    appendEncoded(out, seg);
  }
  return out;
}

Result<PackageUrl> parse(std::string_view purl) { return parse(purl, ParseMode::kNormalize); }

Result<PackageUrl> parse(std::string_view purl, ParseMode mode) {
  if (purl.size() > kMaxPurlLength) {
    return fail(ErrorCode::kLimit, "longer than " + std::to_string(kMaxPurlLength) + " bytes",
                describeInput(purl));
  }
  if (hasRawControl(purl)) {
    return fail(ErrorCode::kInvalidInput, "unencoded control character", describeInput(purl));
  }
  const bool strict = mode == ParseMode::kStrict;
  const auto parsed = [&]() -> Result<PackageUrl> {
    PackageUrl p;
    std::string_view rest = purl;

    if (const auto hash = rest.rfind('#'); hash != std::string_view::npos) {
      std::vector<std::string> segs;
      for (std::string_view raw : splitNonEmpty(rest.substr(hash + 1), '/')) {
        auto seg = decode(raw, "subpath");
        if (!seg) return std::unexpected(seg.error());
        if (seg->find('/') != std::string::npos) {
          return invalid("subpath segment contains an encoded '/'");
        }
        if (!isSkippedSubpathSegment(*seg)) segs.push_back(std::move(*seg));
      }
      for (std::size_t i = 0; i < segs.size(); ++i) {
        if (i > 0) p.subpath += '/';
        p.subpath += segs[i];
      }
      rest = rest.substr(0, hash);
    }

    if (const auto query = rest.rfind('?'); query != std::string_view::npos) {
      std::set<std::string, std::less<>> seen;
      for (std::string_view pair : splitNonEmpty(rest.substr(query + 1), '&')) {
        const auto eq = pair.find('=');
        if (eq == std::string_view::npos) return invalid("qualifier without '='");
        std::string key(pair.substr(0, eq));
        if (!strict) lowerAscii(key);
        if (!isValidKey(key)) {
          return invalid(strict && hasUpperAscii(key)
                             ? "qualifier key is not lower-case"
                             : "qualifier key must be letters, digits, '.', '-', '_' and "
                               "start with a letter");
        }
        if (!seen.insert(key).second) return invalid("duplicate qualifier key '" + key + "'");
        auto value = decode(pair.substr(eq + 1), "qualifier '" + key + "'");
        if (!value) return std::unexpected(value.error());
        if (!value->empty()) p.qualifiers.emplace(std::move(key), std::move(*value));
      }
      rest = rest.substr(0, query);
    }

    const auto colon = rest.find(':');
    if (colon == std::string_view::npos) return invalid("missing scheme 'pkg:'");
    const std::string_view scheme = rest.substr(0, colon);
    if (toLower(scheme) != "pkg") return invalid("scheme is not 'pkg'");
    if (strict && scheme != "pkg") return invalid("scheme 'pkg' is not lower-case");
    rest.remove_prefix(colon + 1);
    rest.remove_prefix(std::min(rest.find_first_not_of('/'), rest.size()));

    const auto slash = rest.find('/');
    if (slash == std::string_view::npos) return invalid("missing '/' and name after the type");
    p.type = std::string(rest.substr(0, slash));
    if (!isValidType(p.type)) {
      return invalid("type must start with a letter and contain only letters, digits, '.', '-'");
    }

    std::string_view path = rest.substr(slash + 1);
    if (const auto at = versionSeparator(path); at != std::string_view::npos) {
      auto version = decode(path.substr(at + 1), "version");
      if (!version) return std::unexpected(version.error());
      p.version = std::move(*version);
      // No slash stripping before the '@': in "pkg:swift/github.com/Alamofire/@5.4.3" the
      // name is empty, not "Alamofire".
      path = path.substr(0, at);
    } else {
      path.remove_suffix(path.size() - (path.find_last_not_of('/') + 1));
    }
    const auto lastSlash = path.rfind('/');
    const std::string_view last =
        lastSlash == std::string_view::npos ? path : path.substr(lastSlash + 1);
    auto name = decode(last, "name");
    if (!name) return std::unexpected(name.error());
    p.name = std::move(*name);

    if (lastSlash != std::string_view::npos) {
      for (std::string_view raw : splitNonEmpty(path.substr(0, lastSlash), '/')) {
        auto seg = decode(raw, "namespace");
        if (!seg) return std::unexpected(seg.error());
        if (seg->find('/') != std::string::npos) {
          return invalid("namespace segment contains an encoded '/'");
        }
        if (!p.ns.empty()) p.ns += '/';
        p.ns += *seg;
      }
    }

    if (auto s = canonicalise(p); !s) return std::unexpected(s.error());
    return p;
  }();
  if (!parsed) return std::unexpected(parsed.error().within(describeInput(purl)));
  return parsed;
}

Result<PackageUrl> build(PackageUrl components) {
  const std::string context = describeInput(components.type + "/" + components.name);
  std::map<std::string, std::string> qualifiers;
  for (auto& [key, value] : components.qualifiers) {
    std::string k = toLower(key);
    if (!isValidKey(k)) {
      return fail(ErrorCode::kInvalidInput,
                  "qualifier key must be letters, digits, '.', '-', '_' and start with a letter",
                  context);
    }
    if (qualifiers.contains(k)) {
      return fail(ErrorCode::kInvalidInput, "duplicate qualifier key '" + k + "'", context);
    }
    qualifiers.emplace(std::move(k), std::move(value));
  }
  components.qualifiers = std::move(qualifiers);
  if (auto s = canonicalise(components); !s) return std::unexpected(s.error().within(context));
  return components;
}

std::string pep503Name(std::string_view name) {
  std::string out;
  out.reserve(name.size());
  bool inRun = false;
  for (char c : name) {
    if (c == '-' || c == '_' || c == '.') {
      if (!inRun) out += '-';
      inRun = true;
      continue;
    }
    inRun = false;
    out += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  }
  return out;
}

}  // namespace tollgate::purl
