// Writing a findings report the way every command does (private to cli/): the format chosen with
// --format, the one JSON shape with a command's own extra keys, stdout or an atomically written
// --output file.
//
//   report::Report r = ...;
//   ReportExtras x;
//   x.tableTail = "341 files changed\n";          // table: after the findings
//   x.json["summary"] = "...";                     // json: next to tool, target and findings
//   if (int rc = writeReport(r, *format, a.output, x, env)) return rc;   // 2: not written
//   return report::exitCode(r, failOn);
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "tollgate/cli/cli.h"
#include "tollgate/report/writers.h"

namespace tollgate::cli {

// --format and --fail-on as given; `vex`: whether the command writes CycloneDX VEX (commands
// whose findings are not about components write table, json and sarif only).
struct ReportChoice {
  report::Format format = report::Format::kTable;
  std::optional<report::Severity> failOn;
};
[[nodiscard]] Result<ReportChoice> parseReportChoice(std::string_view format,
                                                     std::string_view failOn, bool vex);

struct ReportExtras {
  std::string tableHead;  // table: printed before the findings table (ends with '\n')
  std::string tableTail;  // table: printed after the findings (ends with '\n')
  nlohmann::ordered_json json = nlohmann::ordered_json::object();  // json: extra top-level keys
  report::WriteOptions write{};
};

// Renders `r` in `format`; SARIF and CycloneDX VEX carry no extras.
[[nodiscard]] std::string renderReport(const report::Report& r, report::Format format,
                                       const ReportExtras& extras);

// Renders and writes to `output` atomically ("" or "-": standard output). 0 when written; 2 after
// printing the one-line error when the file cannot be written.
[[nodiscard]] int writeReport(const report::Report& r, report::Format format,
                              const std::string& output, const ReportExtras& extras,
                              const Env& env);

}  // namespace tollgate::cli
