// Pure parsers of dpkg's database: the status file (deb822 paragraphs), dependency fields and
// Debian machine-readable copyright files (DEP-5).
//
//   dpkg::DpkgStatus st = dpkg::parseDpkgStatus(text, "/var/lib/dpkg/status");
//   for (const dpkg::Package& p : st.packages) use(p.name, p.version, p.architecture);
//   for (const Error& w : st.warnings) diag.warn(w);      // malformed paragraphs, skipped
//   Result<std::vector<dpkg::Alternatives>> deps = dpkg::parseRelations(p.depends);
//   Result<dpkg::Copyright> c = dpkg::parseCopyright(copyrightText, path);   // DEP-5 licences
//
// Bytes in, structs out: nothing here touches the filesystem. All functions are pure,
// thread-safe and never throw; malformed input becomes a warning (status) or an error value.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tollgate/util/result.h"

namespace tollgate::catalog::dpkg {

// ---- deb822 -------------------------------------------------------------------------------

// One paragraph of a deb822 file. Views point into the parsed text, which must outlive it.
struct Paragraph {
  std::size_t line = 0;      // 1-based line of the first field
  std::uint64_t offset = 0;  // byte offset of the first field
  // Field name as written, and the raw value: from after the colon to the end of the last
  // continuation line, untrimmed, newlines kept.
  std::vector<std::pair<std::string_view, std::string_view>> fields;

  // The raw value of a field, matched case-insensitively as dpkg does.
  [[nodiscard]] std::optional<std::string_view> raw(std::string_view name) const;
  // The trimmed first line of a field ("" when absent): the short description, a licence name.
  [[nodiscard]] std::string firstLine(std::string_view name) const;
  // The whole value with its lines folded into one (for Depends and other folded fields).
  [[nodiscard]] std::string folded(std::string_view name) const;
};

struct Deb822 {
  std::vector<Paragraph> paragraphs;
  // One per malformed paragraph (skipped): context = label, offset = where it starts.
  std::vector<Error> warnings;
};

// Splits deb822 text into paragraphs. Blank (or white-space-only) lines separate paragraphs,
// lines starting with space or tab continue a field, lines starting with '#' are comments.
// A paragraph with a line that is neither, a continuation line before any field, an empty field
// name or a repeated field is malformed: skipped with a warning. CRLF line ends are accepted.
[[nodiscard]] Deb822 parseDeb822(std::string_view text, const std::string& label);

// ---- status file --------------------------------------------------------------------------

// A package as recorded in dpkg's status database.
struct Package {
  std::string name;           // Package
  std::string want;           // Status, first word: install, hold, deinstall, purge, unknown
  std::string flag;           // second word: ok, reinstreq
  std::string state;          // third word: installed, config-files, unpacked, half-configured...
  std::string version;        // Version
  std::string architecture;   // Architecture ("amd64", "all"; may be empty in old databases)
  std::string sourceName;     // Source, without the version; "" when absent
  std::string sourceVersion;  // "1.2-3" from "Source: foo (1.2-3)"; "" when absent
  std::string maintainer;     // Maintainer
  std::string description;    // first line of Description (the synopsis)
  std::string depends;        // folded raw field values; parse with parseRelations
  std::string preDepends;
  std::string provides;
  std::string installedSize;  // Installed-Size (KiB, as written)
  std::string multiArch;      // Multi-Arch: same, foreign, allowed, no
  std::string homepage;
  std::size_t line = 0;  // where the paragraph starts in the parsed text
};

struct DpkgStatus {
  // Packages in file order, as `dpkg-query -W` lists them: every state but not-installed. A
  // package recorded twice (same name and architecture) keeps its last record, like dpkg.
  std::vector<Package> packages;
  // (name, architecture) of well-formed records in state not-installed: in a journal file of
  // var/lib/dpkg/updates/ they remove a package recorded in the status file.
  std::vector<std::pair<std::string, std::string>> notInstalled;
  // Malformed paragraphs (deb822 errors, missing Package, bad Status, missing Version): skipped.
  std::vector<Error> warnings;
};

// Parses a status file, a journal file of var/lib/dpkg/updates/ or a file of
// var/lib/dpkg/status.d/. `label` names the source in warnings. Distroless status.d files are
// copies of the packages' control files and have no Status field: with `statusOptional`, a
// paragraph without one counts as "install ok installed" (a Status that is present must still be
// valid).
[[nodiscard]] DpkgStatus parseDpkgStatus(std::string_view text, const std::string& label,
                                         bool statusOptional = false);

// ---- relationship fields ------------------------------------------------------------------

// One package named in a relationship field: "libc6:any (>= 2.34)".
struct Relation {
  std::string name;
  std::string arch;     // qualifier after ':': "any", "native", "amd64"; "" when none
  std::string op;       // "<<", "<=", "=", ">=", ">>" ("<" and ">" read as "<=" and ">="); or ""
  std::string version;  // "" when no constraint
  bool operator==(const Relation&) const = default;
};

// "a | b (>= 1)": alternatives in order of preference.
using Alternatives = std::vector<Relation>;

// Parses Depends, Pre-Depends, Recommends, Provides, Breaks...: comma-separated groups of
// '|'-separated alternatives. Empty groups (a trailing comma) are ignored; architecture
// restrictions "[amd64]" and build profiles "<!nocheck>" (source packages) are accepted and
// dropped. Errors: kInvalidInput naming the first malformed entry.
[[nodiscard]] Result<std::vector<Alternatives>> parseRelations(std::string_view field);

// ---- copyright ----------------------------------------------------------------------------

struct Copyright {
  // The distinct licence short names of the Files paragraphs, in first-seen order: "GPL-2+",
  // "BSD-3-clause", "GPL-2+ or Artistic". Stand-alone License paragraphs (licence texts) and the
  // header's License field are not counted.
  std::vector<std::string> licenses;
  // Malformed paragraphs (skipped) and Files paragraphs without a License field.
  std::vector<Error> warnings;
};

// Reads a machine-readable copyright file
// (https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/). Errors: kUnsupported
// when the text is not one (no Format field naming copyright-format in the first paragraph: a
// free-form copyright file, which is normal and not worth a warning).
[[nodiscard]] Result<Copyright> parseCopyright(std::string_view text, const std::string& label);

}  // namespace tollgate::catalog::dpkg
