// Serialisations of a Bom. All writers expect a normalized Bom (Bom::normalize()) and are
// deterministic: the same Bom gives the same bytes.
#pragma once

#include <string>
#include <string_view>

#include "tollgate/sbom/bom.h"
#include "tollgate/util/result.h"

namespace tollgate::sbom {

enum class Format { kCycloneDxJson, kSpdxJson, kTable };

// "cyclonedx-json" | "spdx-json" | "table"; kUsage error otherwise.
[[nodiscard]] Result<Format> parseFormat(std::string_view name);

// CycloneDX 1.6 JSON, valid against bom-1.6.schema.json.
[[nodiscard]] std::string toCycloneDxJson(const Bom& bom);

// SPDX 2.3 JSON, valid against spdx-2.3-schema.json. `documentNamespace` must be a unique URI
// (derived from the serial number by the caller).
[[nodiscard]] std::string toSpdxJson(const Bom& bom);

// A table for people: one line per package component (not per file), then a count summary.
[[nodiscard]] std::string toTable(const Bom& bom);

[[nodiscard]] std::string write(const Bom& bom, Format format);

// Reads a CycloneDX (1.4-1.6) or SPDX 2.3 JSON document back into a Bom (for `vuln SBOM`).
// Errors: kInvalidInput naming what is malformed.
[[nodiscard]] Result<Bom> readBom(std::string_view json, const std::string& label);

}  // namespace tollgate::sbom
