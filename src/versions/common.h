// Helpers shared by the scheme implementations (private to the module).
#pragma once

#include <string>
#include <string_view>

#include "tollgate/util/result.h"

namespace tollgate::versions::detail {

constexpr bool isDigit(char c) noexcept { return c >= '0' && c <= '9'; }
constexpr bool isLower(char c) noexcept { return c >= 'a' && c <= 'z'; }
constexpr bool isUpper(char c) noexcept { return c >= 'A' && c <= 'Z'; }
constexpr bool isAlpha(char c) noexcept { return isLower(c) || isUpper(c); }
constexpr bool isAlnum(char c) noexcept { return isDigit(c) || isAlpha(c); }
constexpr char toLower(char c) noexcept {
  return isUpper(c) ? static_cast<char>(c - 'A' + 'a') : c;
}
constexpr bool isSpace(char c) noexcept {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

constexpr int sign(int v) noexcept { return (v > 0) - (v < 0); }

// Compares two runs of ASCII digits as the non-negative integers they spell, of any length.
constexpr int compareNumbers(std::string_view a, std::string_view b) noexcept {
  while (!a.empty() && a.front() == '0') a.remove_prefix(1);
  while (!b.empty() && b.front() == '0') b.remove_prefix(1);
  if (a.size() != b.size()) return a.size() < b.size() ? -1 : 1;
  const int c = a.compare(b);
  return sign(c);
}

// Byte-wise comparison as unsigned chars (memcmp/strcmp order), -1/0/1.
constexpr int compareBytes(std::string_view a, std::string_view b) noexcept {
  return sign(a.compare(b));  // char_traits<char>::compare is specified as unsigned-char order
}

constexpr std::string_view trimSpace(std::string_view s) noexcept {
  while (!s.empty() && isSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && isSpace(s.back())) s.remove_suffix(1);
  return s;
}

// The error every scheme returns for a string that is not one of its versions.
[[nodiscard]] inline std::unexpected<Error> invalidVersion(std::string_view scheme,
                                                           std::string_view version,
                                                           std::string_view why) {
  std::string message = "invalid ";
  message += scheme;
  message += " version: ";
  message += why;
  std::string context = "version \"";
  context += version.substr(0, 200);
  context += '"';
  return fail(ErrorCode::kInvalidInput, std::move(message), std::move(context));
}

// Rejections common to every scheme.
[[nodiscard]] inline Status checkCommon(std::string_view scheme, std::string_view version) {
  if (version.empty()) return invalidVersion(scheme, version, "empty");
  if (version.find('\0') != std::string_view::npos)
    return invalidVersion(scheme, version, "NUL byte");
  return {};
}

// One entry point per scheme: sign of a <=> b, or kInvalidInput.
Result<int> compareDpkg(std::string_view a, std::string_view b);
Result<int> compareSemver(std::string_view a, std::string_view b);
Result<int> comparePep440(std::string_view a, std::string_view b);
Result<int> compareMaven(std::string_view a, std::string_view b);
Result<int> compareRubyGems(std::string_view a, std::string_view b);
Result<int> compareApk(std::string_view a, std::string_view b);
Result<int> compareRpm(std::string_view a, std::string_view b);
Result<int> compareGeneric(std::string_view a, std::string_view b);

Status validateDpkg(std::string_view v);
Status validateSemver(std::string_view v);
Status validatePep440(std::string_view v);
Status validateMaven(std::string_view v);
Status validateRubyGems(std::string_view v);
Status validateApk(std::string_view v);
Status validateRpm(std::string_view v);
Status validateGeneric(std::string_view v);

}  // namespace tollgate::versions::detail
