#include "tollgate/util/json.h"

#include "tollgate/util/strings.h"

namespace tollgate {

Result<nlohmann::json> parseJson(std::string_view text, const std::string& label) {
  using json = nlohmann::json;
  try {
    return json::parse(text.begin(), text.end());
  } catch (const json::parse_error& e) {
    std::string what = e.what();
    // "[json.exception.parse_error.101] parse error at line 1, column 2: ..." -> "parse error ..."
    if (auto p = what.find("] "); p != std::string::npos) what = what.substr(p + 2);
    std::uint64_t offset = e.byte > 0 ? e.byte - 1 : 0;
    return fail(ErrorCode::kInvalidInput, "not valid JSON: " + printable(what, 300), label, offset);
  } catch (const json::exception& e) {
    return fail(ErrorCode::kInvalidInput, "not valid JSON: " + printable(e.what(), 300), label);
  }
}

}  // namespace tollgate
