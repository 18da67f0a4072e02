// Serialisations of a Bom, and reading one back.
//
//   bom.normalize();
//   std::string json = sbom::write(bom, sbom::Format::kCycloneDxJson);
//   Result<Bom> back = sbom::readBom(json, "host.cdx.json");
//
// All writers expect a normalized Bom (Bom::normalize()) and are deterministic: the same Bom gives
// the same bytes (pretty-printed JSON, 2-space indent, trailing newline). They never fail: values
// a schema would reject (a malformed serial number, unknown hash algorithms) are left out and
// invalid UTF-8 becomes U+FFFD. All functions are pure and thread-safe. The field mapping is
// docs/formats.md.
#pragma once

#include <functional>
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

// SPDX 2.3 JSON, valid against spdx-2.3-schema.json. The documentNamespace is derived from
// metadata.serialNumber (https://tollgate.invalid/spdx/<uuid>). Files are listed only when the
// model has their SHA-1 (SPDX requires one); the others are named as excluded from the package
// verification code.
[[nodiscard]] std::string toSpdxJson(const Bom& bom);

// A table for people: one line per package component (not per file), then a count summary.
[[nodiscard]] std::string toTable(const Bom& bom);

[[nodiscard]] std::string write(const Bom& bom, Format format);

// Streams the document to `sink` in pieces of about 1 MiB, in order, so that a live root's
// 100 MB SBOM is never held in memory whole. `sink` is called at least once.
using Sink = std::function<void(std::string_view)>;
void writeTo(const Bom& bom, Format format, const Sink& sink);

// Reads a CycloneDX (1.4-1.6; 1.2, 1.3 and 1.7 best effort) or SPDX 2.x JSON document back into
// a normalized Bom (for `vuln SBOM`). `json` is untrusted; `label` (the file name) becomes the
// error context. Errors: kInvalidInput naming the JSON path of what is malformed ("$.components[3]
// .name: expected a string"), kUnsupported for other versions and SPDX 3, kLimit for components
// nested deeper than 32 levels. Never throws.
[[nodiscard]] Result<Bom> readBom(std::string_view json, const std::string& label);

}  // namespace tollgate::sbom
