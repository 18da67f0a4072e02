// Licence strings from package metadata turned into SPDX licence expressions.
//
//   normalizeLicense("GPL-2+")          -> {.expression = "GPL-2.0-or-later"}   (Debian short name)
//   normalizeLicense("mit")             -> {.expression = "MIT"}                (case fixed)
//   normalizeLicense("(MIT OR Apache-2.0)") -> {.expression = "MIT OR Apache-2.0"}
//   normalizeLicense("BSD-like")        -> {.name = "BSD-like"}                 (not SPDX)
//   licenseFromClassifier("License :: OSI Approved :: MIT License") -> "MIT"
//
// The SPDX licence and exception lists come from Debian's node-spdx-license-ids and
// node-spdx-exceptions packages at build time. All functions are pure and thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "tollgate/sbom/bom.h"

namespace tollgate::sbom {

[[nodiscard]] bool isSpdxLicenseId(std::string_view id);    // exact, case-sensitive
[[nodiscard]] bool isSpdxExceptionId(std::string_view id);  // "Classpath-exception-2.0"

// A valid SPDX expression when the text is one or can be mapped to one (Debian DEP-5 short names,
// common aliases, case differences, "or"/"and" in lower case), else the trimmed text as a name.
[[nodiscard]] License normalizeLicense(std::string_view text);

// A Python trove classifier "License :: ..." to an SPDX id, when one is unambiguous.
[[nodiscard]] std::optional<std::string> licenseFromClassifier(std::string_view classifier);

}  // namespace tollgate::sbom
