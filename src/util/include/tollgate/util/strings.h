// Small string helpers shared by the parsers. All are pure and allocation-light.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace tollgate {

[[nodiscard]] std::string_view trim(std::string_view s);
[[nodiscard]] std::string toLower(std::string_view s);
// ASCII case-insensitive equality (header names, metadata keys, licence ids).
[[nodiscard]] bool equalsIgnoreCase(std::string_view a, std::string_view b);
// Splits on `sep`; keeps empty fields.
[[nodiscard]] std::vector<std::string_view> split(std::string_view s, char sep);
[[nodiscard]] bool startsWith(std::string_view s, std::string_view prefix);
[[nodiscard]] bool endsWith(std::string_view s, std::string_view suffix);
// Replaces control characters and invalid UTF-8 so that a value from untrusted input is safe to
// print on one line of a terminal or log.
[[nodiscard]] std::string printable(std::string_view s, std::size_t maxLen = 200);
// Length (1-4) of the well-formed UTF-8 sequence starting at s[i], or 0 when it is not one
// (overlong forms, surrogates and code points above U+10FFFF are not). Precondition: i < size.
[[nodiscard]] std::size_t utf8SequenceLength(std::string_view s, std::size_t i);
// True when `s` is well-formed UTF-8.
[[nodiscard]] bool isValidUtf8(std::string_view s);

}  // namespace tollgate
