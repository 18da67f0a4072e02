// libFuzzer target for report::parseVex (OpenVEX and CycloneDX VEX documents from untrusted files).
//
// Besides "no crash, no sanitizer report": every error says what is wrong, and whatever parseVex
// accepts applies to a report without trouble and the result still serialises in every format.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "tollgate/report/vex.h"
#include "tollgate/report/writers.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace tollgate::report;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto statements = parseVex(text, "fuzz-input");
  if (!statements) {
    if (statements.error().message.empty()) std::abort();
    return 0;
  }
  Report r;
  r.findings.push_back({.id = "CVE-2014-123456",
                        .severity = Severity::kHigh,
                        .subject = "pkg:apk/wolfi/git@2.39.0-r1?arch=armv7",
                        .message = "m"});
  r.findings.push_back({.id = "GHSA-1", .subject = "app/x.dll"});
  r.findings[1].evidence["aliases"] = {"CVE-2021-44228", "CVE-2020-25649"};
  // Every statement's own ids and products, so that matches happen.
  for (const auto& st : *statements) {
    Finding f{.id = st.vulnerability, .severity = Severity::kCritical};
    if (!st.products.empty()) f.subject = st.products.front();
    r.findings.push_back(std::move(f));
    if (r.findings.size() > 64) break;
  }
  auto summary = applyVex(r, *statements);
  if (summary.suppressed > summary.matched || summary.matched > r.findings.size()) std::abort();
  for (Format f : {Format::kTable, Format::kJson, Format::kSarif, Format::kCycloneDxVex})
    (void)write(r, f, {.showSuppressed = true});
  return 0;
}
