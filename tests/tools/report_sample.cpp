// Writes sample reports in every report format for tests/integration/report_test.sh:
//   report_sample OUTDIR   ->  OUTDIR/<name>.{table,json,sarif,vex.json}
// The samples cover what the schemas could trip over: an empty report, mixed subjects (paths with
// spaces and non-ASCII, purls, flow ids), suppressed findings, invalid UTF-8, every severity,
// CVSS vectors of each version and evidence of every JSON type.
#include <cstdio>
#include <filesystem>
#include <string>

#include "tollgate/report/writers.h"
#include "tollgate/util/file.h"

using namespace tollgate::report;

namespace {

Report mixed() {
  Report r;
  r.tool.version = "0.1.0";
  r.tool.command = "vuln";
  r.target = "fixtures/app.cdx.json";
  Finding a{.id = "GHSA-jf85-cpcp-j695",
            .severity = Severity::kCritical,
            .subject = "pkg:npm/lodash@4.17.4",
            .message = "lodash 4.17.4: prototype pollution (fixed in 4.17.12)"};
  a.evidence = {{"aliases", {"CVE-2019-10744"}},
                {"cvss", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:H/A:H"},
                {"score", 9.1},
                {"installed", "4.17.4"},
                {"fixed", {"4.17.12"}},
                {"paths", {"node_modules/lodash/package.json"}}};
  a.locations = {"node_modules/lodash/package.json"};
  Finding b{.id = "PYSEC-2021-1",
            .severity = Severity::kMedium,
            .subject = "pkg:pypi/requests@2.0.0",
            .message = "requests 2.0.0: credentials leak on redirect",
            .suppressedBy = "not_affected (vulnerable_code_not_in_execute_path): not called"};
  b.evidence = {
      {"cvss", {"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:N/VA:N/SC:N/SI:N/SA:N"}},
      {"vex",
       {{"status", "not_affected"}, {"justification", "vulnerable_code_not_in_execute_path"}}}};
  Finding c{.id = "authenticode-slack",
            .severity = Severity::kMalicious,
            .subject = "app dir/d3dcompiler_47 ü.dll",
            .message = "d3dcompiler_47.dll carries 281 KB after its signature"};
  c.evidence = {
      {"slack_bytes", 288000}, {"ratio", 0.5}, {"nested", {{"ok", true}}}, {"none", nullptr}};
  Finding d{.id = "new-network-indicator",
            .severity = Severity::kLow,
            .subject = "flow:3",
            .message = "new domain c2.example.invalid"};
  Finding e{.id = "informational",
            .severity = Severity::kInfo,
            .subject = "/usr/lib/x.so",
            .message = "re-signed by the same signer"};
  Finding f{.id = "CVE-2024-3094",
            .severity = Severity::kHigh,
            .subject = "pkg:deb/debian/xz-utils@5.6.0-0.1?arch=amd64",
            .message = "bad \xff bytes \x01 in message"};
  f.evidence = {{"cvss", "CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H"}, {"installed", "5.6.0"}};
  r.findings = {a, b, c, d, e, f};
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: report_sample OUTDIR\n");
    return 2;
  }
  std::filesystem::path dir = argv[1];
  std::filesystem::create_directories(dir);
  Report empty;
  empty.tool.command = "diff";
  std::pair<const char*, Report> samples[] = {{"empty", empty}, {"mixed", mixed()}};
  WriteOptions opt{.timestamp = "2024-05-01T12:00:00Z",
                   .serialUuid = "3e671687-395b-41f5-a30f-a58921a69b79"};
  for (const auto& [name, report] : samples) {
    for (auto [fmt, ext] : {std::pair{Format::kTable, ".table"},
                            {Format::kJson, ".json"},
                            {Format::kSarif, ".sarif"},
                            {Format::kCycloneDxVex, ".vex.json"}}) {
      auto st = tollgate::writeFileAtomic(dir / (std::string(name) + ext), write(report, fmt, opt));
      if (!st) {
        std::fprintf(stderr, "%s\n", st.error().describe().c_str());
        return 2;
      }
    }
  }
  return 0;
}
