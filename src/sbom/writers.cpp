#include "tollgate/sbom/writers.h"

#include "format_common.h"

namespace tollgate::sbom {

Result<Format> parseFormat(std::string_view name) {
  if (name == "cyclonedx-json" || name == "cyclonedx" || name == "json")
    return Format::kCycloneDxJson;
  if (name == "spdx-json" || name == "spdx") return Format::kSpdxJson;
  if (name == "table") return Format::kTable;
  return fail(ErrorCode::kUsage, "unknown format '" + std::string(name) +
                                     "' (expected cyclonedx-json, spdx-json or table)");
}

std::string write(const Bom& bom, Format format) {
  switch (format) {
    case Format::kCycloneDxJson:
      return toCycloneDxJson(bom);
    case Format::kSpdxJson:
      return toSpdxJson(bom);
    case Format::kTable:
      return toTable(bom);
  }
  return toCycloneDxJson(bom);
}

void writeTo(const Bom& bom, Format format, const Sink& sink) {
  std::string buffer;
  switch (format) {
    case Format::kCycloneDxJson:
      detail::writeCycloneDxJson(bom, buffer, sink);
      break;
    case Format::kSpdxJson:
      detail::writeSpdxJson(bom, buffer, sink);
      break;
    case Format::kTable:
      buffer = toTable(bom);
      break;
  }
  sink(buffer);
}

}  // namespace tollgate::sbom
