// (stub: being written)
#include "tollgate/sbom/license.h"

#include "tollgate/util/strings.h"

namespace tollgate::sbom {
bool isSpdxLicenseId(std::string_view) { return false; }
bool isSpdxExceptionId(std::string_view) { return false; }
License normalizeLicense(std::string_view text) { return License{{}, std::string(trim(text))}; }
std::optional<std::string> licenseFromClassifier(std::string_view) { return std::nullopt; }
}  // namespace tollgate::sbom
