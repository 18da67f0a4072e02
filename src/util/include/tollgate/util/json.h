// JSON parsing of untrusted bytes with errors as values, and JSON text that never throws.
//
//   auto doc = parseJson(text, "bom.cdx.json");
//   if (!doc) return std::unexpected(doc.error());  // "bom.cdx.json at byte 17: not valid JSON:
//   ..."
//   out << jsonText(doc, 2);                        // a file name's bad bytes become U+FFFD
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "tollgate/util/result.h"

namespace tollgate {

// Parses `text` (a whole document). Errors: kInvalidInput naming `label`, with the byte offset of
// a syntax error and nlohmann's message without its "[json.exception...]" prefix. Never throws.
[[nodiscard]] Result<nlohmann::json> parseJson(std::string_view text, const std::string& label);

// `j` as text (`indent` -1: one line). Strings that are not UTF-8 (file names, values from
// untrusted input) have their bad bytes replaced by U+FFFD instead of making dump() throw, so
// the output is always valid JSON. For nlohmann::json and nlohmann::ordered_json.
template <class Json>
[[nodiscard]] std::string jsonText(const Json& j, int indent = -1) {
  return j.dump(indent, ' ', false, Json::error_handler_t::replace);
}

}  // namespace tollgate
