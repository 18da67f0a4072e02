// Pure parser of Alpine's installed-package database (lib/apk/db/installed), as written by
// apk-tools 2 and 3 (Alpine, Wolfi, Chainguard, postmarketOS).
//
//   apk::InstalledDb db = apk::parseInstalled(text, "/lib/apk/db/installed");
//   for (const apk::Package& p : db.packages) use(p.name, p.version, p.files);
//   for (const Error& w : db.warnings) diag.warn(w);          // malformed records, skipped
//   apk::dependencyName("so:libc.musl-x86_64.so.1>=1") == "so:libc.musl-x86_64.so.1"
//
// The format: one record per package, records separated by blank lines, each line a one-letter
// key, ':' and the value ("P:musl"). Files are listed as "F:" directory lines (relative to /)
// each followed by the "R:" file names in it, with "a:" ownership/mode and "Z:" checksum lines
// after the line they describe. Bytes in, structs out: nothing here touches the filesystem. Pure,
// thread-safe, never throws.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tollgate/util/result.h"

namespace tollgate::catalog::apk {

struct File {
  std::string path;  // absolute: "/lib/ld-musl-x86_64.so.1"
  // Z: checksum as recorded: "Q1" + base64 SHA-1 is decoded to hex with algorithm "SHA-1"; a
  // plain hex digest (apk-tools 1) is kept with algorithm "MD5". Empty when absent or undecodable.
  std::string checksum;
  std::string algorithm;
};

struct Package {
  std::string name;                   // P
  std::string version;                // V
  std::string arch;                   // A
  std::string license;                // L
  std::string origin;                 // o: the source (aports) package
  std::string maintainer;             // m
  std::string description;            // T
  std::string url;                    // U
  std::string commit;                 // c: aports commit
  std::string buildTime;              // t: seconds since the epoch, as written
  std::uint64_t installedSize = 0;    // I
  std::vector<std::string> depends;   // D: tokens as written ("so:libc.musl-x86_64.so.1", "!foo")
  std::vector<std::string> provides;  // p: tokens as written ("cmd:openssl=3.1.4-r5")
  std::vector<std::string> directories;  // F: lines, absolute
  std::vector<File> files;
  std::size_t line = 0;  // 1-based line where the record starts
};

struct InstalledDb {
  std::vector<Package> packages;  // in file order
  // One per malformed record (skipped): context = label, offset = where the record starts.
  std::vector<Error> warnings;
};

// A record is malformed when a non-blank line is not "<letter>:<value>", when it contains a NUL
// byte, when an R: or M: line comes before any F: line or an a: or Z: line before any R: line
// (apk-tools rejects those too), when a file name contains '/' or is "..", when a directory has a
// ".." component, or when it has no P or no V.
// Unknown keys are ignored (apk adds keys over time). CRLF line ends are accepted.
[[nodiscard]] InstalledDb parseInstalled(std::string_view text, const std::string& label);

// The name a D: or p: token refers to, without its version constraint ("musl>=1.2" -> "musl",
// "so:libz.so.1=1.3.1" -> "so:libz.so.1", "cmd:sh" -> "cmd:sh"). Conflicts ("!foo") and empty
// tokens give "".
[[nodiscard]] std::string dependencyName(std::string_view token);

}  // namespace tollgate::catalog::apk
