// (stub: being written)
#include "tollgate/sbom/writers.h"

namespace tollgate::sbom {
std::string toCycloneDxJson(const Bom& bom) { return "{\"components\":" + std::to_string(bom.components.size()) + "}\n"; }
std::string toSpdxJson(const Bom&) { return "{}\n"; }
std::string toTable(const Bom&) { return ""; }
Result<Bom> readBom(std::string_view, const std::string& label) { return fail(ErrorCode::kUnsupported, "not yet", label); }
}  // namespace tollgate::sbom
