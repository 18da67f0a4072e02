#include "report_output.h"

#include "commands.h"
#include "tollgate/util/file.h"
#include "tollgate/util/json.h"
#include "tollgate/util/strings.h"

namespace tollgate::cli {

Result<ReportChoice> parseReportChoice(std::string_view format, std::string_view failOn, bool vex) {
  auto f = report::parseFormat(format);
  // A command without VEX output names the formats it has, not the writers' full list.
  if (!vex && (!f || *f == report::Format::kCycloneDxVex))
    return fail(ErrorCode::kUsage,
                "--format must be table, json or sarif, not '" + printable(format, 32) + "'");
  if (!f) return std::unexpected(f.error());
  auto level = report::parseFailOn(failOn);
  if (!level) return std::unexpected(level.error());
  return ReportChoice{*f, *level};
}

std::string renderReport(const report::Report& r, report::Format format,
                         const ReportExtras& extras) {
  switch (format) {
    case report::Format::kTable:
      return extras.tableHead + report::toTable(r, extras.write) + extras.tableTail;
    case report::Format::kJson: {
      auto doc = report::toJsonValue(r, extras.write);
      for (const auto& [k, v] : extras.json.items()) doc[k] = v;
      return jsonText(doc, 2) + "\n";
    }
    default:
      return report::write(r, format, extras.write);
  }
}

int writeReport(const report::Report& r, report::Format format, const std::string& output,
                const ReportExtras& extras, const Env& env) {
  std::string text = renderReport(r, format, extras);
  if (output.empty() || output == "-") {
    *env.out << text;
    env.out->flush();
    return 0;
  }
  if (auto st = writeFileAtomic(output, text); !st) {
    printError(env, st.error().describe());
    return 2;
  }
  return 0;
}

}  // namespace tollgate::cli
