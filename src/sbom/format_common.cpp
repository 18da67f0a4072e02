#include "format_common.h"

#include <algorithm>
#include <array>
#include <utility>

#include "tollgate/sbom/license.h"
#include "tollgate/util/strings.h"

namespace tollgate::sbom::detail {
namespace {

bool isPlausibleEmail(std::string_view e) {
  auto at = e.find('@');
  if (at == std::string_view::npos || at == 0 || at + 1 == e.size()) return false;
  if (e.find('@', at + 1) != std::string_view::npos) return false;
  return std::none_of(e.begin(), e.end(), [](char c) {
    return static_cast<unsigned char>(c) <= 0x20 || c == '<' || c == '>' || c == ',' || c == ';' ||
           c == '"' || c == '(' || c == ')';
  });
}

// True when s[0] is '(' and its matching ')' is the last character.
bool fullyParenthesised(std::string_view s) {
  if (s.size() < 2 || s.front() != '(' || s.back() != ')') return false;
  int depth = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '(') ++depth;
    if (s[i] == ')' && --depth == 0) return i + 1 == s.size();
  }
  return false;
}

std::string_view stripParentheses(std::string_view s) {
  s = trim(s);
  while (fullyParenthesised(s)) s = trim(s.substr(1, s.size() - 2));
  return s;
}

struct HashAlgorithm {
  std::string_view cyclonedx;
  std::string_view spdx;
  std::size_t hexLength;
};
constexpr std::array<HashAlgorithm, 12> kHashAlgorithms = {{
    {"MD5", "MD5", 32},
    {"SHA-1", "SHA1", 40},
    {"SHA-256", "SHA256", 64},
    {"SHA-384", "SHA384", 96},
    {"SHA-512", "SHA512", 128},
    {"SHA3-256", "SHA3-256", 64},
    {"SHA3-384", "SHA3-384", 96},
    {"SHA3-512", "SHA3-512", 128},
    {"BLAKE2b-256", "BLAKE2b-256", 64},
    {"BLAKE2b-384", "BLAKE2b-384", 96},
    {"BLAKE2b-512", "BLAKE2b-512", 128},
    {"BLAKE3", "BLAKE3", 64},
}};

struct TypeInfo {
  std::string_view cyclonedx;
  std::string_view spdxPurpose;
};
constexpr std::array<TypeInfo, 13> kTypes = {{
    {"application", "APPLICATION"},
    {"framework", "FRAMEWORK"},
    {"library", "LIBRARY"},
    {"container", "CONTAINER"},
    {"platform", "OTHER"},
    {"operating-system", "OPERATING_SYSTEM"},
    {"device", "DEVICE"},
    {"device-driver", "OTHER"},
    {"firmware", "FIRMWARE"},
    {"file", "FILE"},
    {"machine-learning-model", "OTHER"},
    {"data", "OTHER"},
    {"cryptographic-asset", "OTHER"},
}};

}  // namespace

Contact parseContact(std::string_view text) {
  text = trim(text);
  if (text.ends_with('>')) {
    auto lt = text.rfind('<');
    if (lt != std::string_view::npos) {
      std::string_view email = text.substr(lt + 1, text.size() - lt - 2);
      std::string_view name = trim(text.substr(0, lt));
      if (isPlausibleEmail(email) && name.find_first_of("<>") == std::string_view::npos)
        return Contact{std::string(name), std::string(email)};
    }
  }
  return Contact{std::string(text), {}};
}

std::string formatContact(std::string_view name, std::string_view email) {
  if (email.empty()) return std::string(name);
  if (name.empty()) return "<" + std::string(email) + ">";
  return std::string(name) + " <" + std::string(email) + ">";
}

bool isCompoundExpression(std::string_view expr) {
  return expr.find_first_of(" \t\r\n()") != std::string_view::npos;
}

bool isListedLicenseId(std::string_view expr) {
  return !expr.empty() && !isCompoundExpression(expr) && isSpdxLicenseId(expr);
}

std::string joinConjunction(const std::vector<std::string>& exprs) {
  // AND is associative and idempotent: operands of conjunctions are flattened and repeats
  // dropped ("A", "A AND B" -> "A AND B"), first occurrence first.
  std::vector<std::string> parts;
  for (const auto& e : exprs)
    for (auto& p : splitConjunction(e))
      if (!p.empty() && std::find(parts.begin(), parts.end(), p) == parts.end())
        parts.push_back(std::move(p));
  if (parts.size() == 1) return parts.front();
  std::string out;
  for (const auto& p : parts) {
    if (!out.empty()) out += " AND ";
    if (isCompoundExpression(p) && !fullyParenthesised(p))
      out += "(" + p + ")";
    else
      out += p;
  }
  return out;
}

std::vector<std::string> splitConjunction(std::string_view expr) {
  std::string_view whole = stripParentheses(expr);
  std::vector<std::string> parts;
  int depth = 0;
  std::size_t start = 0;
  std::size_t i = 0;
  auto isSpace = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (i < whole.size()) {
    char c = whole[i];
    if (c == '(') {
      ++depth;
      ++i;
      continue;
    }
    if (c == ')') {
      if (--depth < 0) return {std::string(whole)};
      ++i;
      continue;
    }
    if (isSpace(c)) {
      ++i;
      continue;
    }
    std::size_t j = i;
    while (j < whole.size() && !isSpace(whole[j]) && whole[j] != '(' && whole[j] != ')') ++j;
    std::string_view word = whole.substr(i, j - i);
    if (depth == 0 && word == "OR") return {std::string(whole)};
    if (depth == 0 && word == "AND") {
      parts.emplace_back(stripParentheses(whole.substr(start, i - start)));
      start = j;
    }
    i = j;
  }
  if (depth != 0) return {std::string(whole)};
  parts.emplace_back(stripParentheses(whole.substr(start)));
  if (std::any_of(parts.begin(), parts.end(), [](const std::string& p) { return p.empty(); }))
    return {std::string(whole)};
  return parts;
}

bool isValidHash(const Hash& h) {
  for (const auto& a : kHashAlgorithms) {
    if (a.cyclonedx != h.algorithm) continue;
    return h.value.size() == a.hexLength && std::all_of(h.value.begin(), h.value.end(), [](char c) {
             return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
           });
  }
  return false;
}

std::string_view spdxChecksumAlgorithm(std::string_view cyclonedx) {
  for (const auto& a : kHashAlgorithms)
    if (a.cyclonedx == cyclonedx) return a.spdx;
  return {};
}

std::string_view cycloneDxHashAlgorithm(std::string_view spdx) {
  for (const auto& a : kHashAlgorithms)
    if (a.spdx == spdx) return a.cyclonedx;
  return {};
}

std::string_view canonicalHashAlgorithm(std::string_view name) {
  for (const auto& a : kHashAlgorithms)
    if (equalsIgnoreCase(a.cyclonedx, name) || equalsIgnoreCase(a.spdx, name)) return a.cyclonedx;
  return {};
}

bool parseComponentType(std::string_view name, ComponentType& out) {
  static constexpr std::array<std::pair<std::string_view, ComponentType>, 6> kModel = {{
      {"application", ComponentType::kApplication},
      {"library", ComponentType::kLibrary},
      {"framework", ComponentType::kFramework},
      {"operating-system", ComponentType::kOperatingSystem},
      {"file", ComponentType::kFile},
      {"container", ComponentType::kContainer},
  }};
  for (const auto& [n, t] : kModel) {
    if (n == name) {
      out = t;
      return true;
    }
  }
  return false;
}

bool isCycloneDxComponentType(std::string_view name) {
  return std::any_of(kTypes.begin(), kTypes.end(),
                     [&](const TypeInfo& t) { return t.cyclonedx == name; });
}

std::string_view spdxPurpose(std::string_view cyclonedxType) {
  for (const auto& t : kTypes)
    if (t.cyclonedx == cyclonedxType) return t.spdxPurpose;
  return "OTHER";
}

std::string_view cycloneDxTypeForPurpose(std::string_view purpose) {
  if (purpose == "OTHER") return {};
  for (const auto& t : kTypes)
    if (t.spdxPurpose == purpose) return t.cyclonedx;
  return {};
}

bool isUuidUrn(std::string_view s) {
  constexpr std::string_view kPrefix = "urn:uuid:";
  if (!s.starts_with(kPrefix) || s.size() != kPrefix.size() + 36) return false;
  s.remove_prefix(kPrefix.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    char c = s[i];
    if (dash ? c != '-' : !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

bool isRfc3339(std::string_view s) {
  // YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM)
  auto digits = [&](std::size_t pos, std::size_t n) {
    if (pos + n > s.size()) return false;
    for (std::size_t i = pos; i < pos + n; ++i)
      if (s[i] < '0' || s[i] > '9') return false;
    return true;
  };
  if (s.size() < 20 || !digits(0, 4) || s[4] != '-' || !digits(5, 2) || s[7] != '-' ||
      !digits(8, 2) || (s[10] != 'T' && s[10] != 't') || !digits(11, 2) || s[13] != ':' ||
      !digits(14, 2) || s[16] != ':' || !digits(17, 2))
    return false;
  auto two = [&](std::size_t pos) { return (s[pos] - '0') * 10 + (s[pos + 1] - '0'); };
  if (two(5) < 1 || two(5) > 12 || two(8) < 1 || two(8) > 31 || two(11) > 23 || two(14) > 59 ||
      two(17) > 60)
    return false;
  std::size_t i = 19;
  if (i < s.size() && s[i] == '.') {
    std::size_t j = ++i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
    if (i == j) return false;
  }
  if (i < s.size() && (s[i] == 'Z' || s[i] == 'z')) return i + 1 == s.size();
  return i + 6 == s.size() && (s[i] == '+' || s[i] == '-') && digits(i + 1, 2) && s[i + 3] == ':' &&
         digits(i + 4, 2) && two(i + 1) <= 23 && two(i + 4) <= 59;
}

std::string_view truncateUtf8(std::string_view s, std::size_t maxBytes) {
  if (s.size() <= maxBytes) return s;
  std::size_t n = maxBytes;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xc0) == 0x80) --n;
  return s.substr(0, n);
}

}  // namespace tollgate::sbom::detail
