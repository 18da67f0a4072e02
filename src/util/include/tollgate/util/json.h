// JSON parsing of untrusted bytes with errors as values.
//
//   auto doc = parseJson(text, "bom.cdx.json");
//   if (!doc) return std::unexpected(doc.error());  // "bom.cdx.json at byte 17: not valid JSON:
//   ..."
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "tollgate/util/result.h"

namespace tollgate {

// Parses `text` (a whole document). Errors: kInvalidInput naming `label`, with the byte offset of
// a syntax error and nlohmann's message without its "[json.exception...]" prefix. Never throws.
[[nodiscard]] Result<nlohmann::json> parseJson(std::string_view text, const std::string& label);

}  // namespace tollgate
