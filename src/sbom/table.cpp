// The human-readable table: one row per package component, then a one-line summary.
#include <algorithm>
#include <array>
#include <map>

#include "tollgate/sbom/writers.h"
#include "tollgate/util/strings.h"

namespace tollgate::sbom {
namespace {

constexpr std::size_t kColumns = 6;
// Widest a column may get, in characters; the last column (PURL) is never padded.
constexpr std::array<std::size_t, kColumns> kMaxWidth = {16, 40, 28, 10, 32, 72};

// Characters, not bytes: UTF-8 continuation bytes do not count.
std::size_t displayWidth(std::string_view s) {
  return static_cast<std::size_t>(std::count_if(
      s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xc0) != 0x80; }));
}

// At most `width` characters, the last three "..." when cut. Control characters and invalid
// UTF-8 (names from untrusted metadata) are made printable first.
std::string fit(std::string_view text, std::size_t width) {
  std::string s = printable(text, 4096);
  if (displayWidth(s) <= width) return s;
  std::size_t keep = width > 3 ? width - 3 : 0;
  std::size_t chars = 0;
  std::size_t i = 0;
  for (; i < s.size(); ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xc0) != 0x80) {
      if (chars == keep) break;
      ++chars;
    }
  }
  s.resize(i);
  return s + "...";
}

std::string displayName(const Component& c) {
  if (c.group.empty()) return c.name;
  if (c.purl.starts_with("pkg:npm/")) return "@" + c.group + "/" + c.name;
  return c.group + "/" + c.name;
}

std::string licenceText(const Component& c) {
  std::string out;
  for (const auto& l : c.licenses) {
    const std::string& one = l.expression.empty() ? l.name : l.expression;
    if (one.empty()) continue;
    if (!out.empty()) out += ", ";
    out += one;
  }
  return out;
}

// Qualifiers and subpath (arch, distro, ...) go first when a purl is too long to show whole.
std::string shortPurl(const std::string& purl) {
  if (displayWidth(purl) <= kMaxWidth[5]) return purl;
  return purl.substr(0, purl.find_first_of("?#"));
}

}  // namespace

std::string toTable(const Bom& bom) {
  using Row = std::array<std::string, kColumns>;
  std::vector<Row> rows;
  rows.push_back(Row{"TYPE", "NAME", "VERSION", "CATALOGER", "LICENCE", "PURL"});
  std::map<std::string, std::size_t> byCataloger;
  std::size_t fileEntries = 0;
  std::size_t packageFiles = 0;
  for (const auto& c : bom.components) {
    ++byCataloger[c.foundBy.empty() ? "other" : c.foundBy];
    packageFiles += c.files.size();
    if (c.type == ComponentType::kFile) {
      ++fileEntries;
      continue;
    }
    Row row{toString(c.type), displayName(c), c.version,
            c.foundBy,        licenceText(c), shortPurl(c.purl)};
    for (std::size_t i = 0; i < kColumns; ++i) row[i] = fit(row[i], kMaxWidth[i]);
    rows.push_back(std::move(row));
  }
  std::size_t edges = 0;
  for (const auto& d : bom.dependencies) edges += d.dependsOn.size();

  std::array<std::size_t, kColumns> width{};
  for (const auto& row : rows)
    for (std::size_t i = 0; i < kColumns; ++i) width[i] = std::max(width[i], displayWidth(row[i]));

  std::string out;
  out.reserve(rows.size() * 120 + 200);
  for (const auto& row : rows) {
    std::string line;
    for (std::size_t i = 0; i < kColumns; ++i) {
      line += row[i];
      if (i + 1 < kColumns) line.append(width[i] - displayWidth(row[i]) + 2, ' ');
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line;
    out += '\n';
  }

  out += std::to_string(bom.components.size()) + " components (";
  bool first = true;
  for (const auto& [name, n] : byCataloger) {
    if (!first) out += ", ";
    out += printable(name, 40) + " " + std::to_string(n);
    first = false;
  }
  out += "), " + std::to_string(fileEntries) + " file entries, " + std::to_string(packageFiles) +
         " package files, " + std::to_string(edges) + " dependency edges\n";
  return out;
}

}  // namespace tollgate::sbom
