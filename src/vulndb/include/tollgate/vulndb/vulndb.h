// The advisory store: OSV advisories imported into a store::Store, indexed by (ecosystem,
// package name), and what `db status` shows.
//
//   auto s = store::open(url);
//   (*s)->migrate(vulndb::migrations());
//   Result<vulndb::ImportStats> st = vulndb::importPath(**s, "osv/npm/all.zip", {});
//
// Import is incremental by `modified`: an advisory already stored with the same or a newer
// `modified` is left alone (unchanged), an older one is replaced (updated). Withdrawn advisories
// are stored as withdrawn and never matched. Each importPath() call is one transaction: when it
// fails (unreadable file, truncated zip, disk full) nothing it did is kept and nothing stored
// before is lost. A malformed advisory inside a source does not fail the import: it is counted in
// `failed` and named in the diagnostics.
//
// Thread safety: functions take the Store by reference; the Store's own rules apply (one thread).
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "tollgate/store/store.h"
#include "tollgate/util/diagnostics.h"
#include "tollgate/util/progress.h"
#include "tollgate/util/result.h"

namespace tollgate::vulndb {

// The vulndb tables (advisories, affected packages, indicators, import log). Pass to
// Store::migrate() after opening.
[[nodiscard]] std::span<const store::Migration> migrations();

struct ImportOptions {
  Diagnostics* diagnostics = nullptr;  // malformed advisories (may be null)
  Progress* progress = nullptr;        // one tick per advisory (may be null)
  std::int64_t now = 0;  // import time (seconds since the epoch), from the caller's clock
  std::uint64_t maxMemberBytes = 256ull << 20;  // a zip member or JSON file larger than this fails
};

struct ImportStats {
  std::uint64_t files = 0;      // JSON documents read (files and zip members)
  std::uint64_t added = 0;      // advisories new to the store
  std::uint64_t updated = 0;    // replaced by a newer `modified`
  std::uint64_t unchanged = 0;  // already stored with the same or a newer `modified`
  std::uint64_t withdrawn = 0;  // of the added/updated ones, how many are withdrawn
  std::uint64_t failed = 0;     // malformed advisories skipped
  ImportStats& operator+=(const ImportStats& o);
  [[nodiscard]] std::uint64_t advisories() const { return added + updated + unchanged; }
};

// Imports one source: an OSV .json file (one advisory or an array), a .zip of them (osv.dev's
// all.zip), or a directory searched recursively for *.json and *.zip (other files ignored).
// Errors: kNotFound/kIo for unreadable paths, kInvalidInput for a corrupt zip, store errors; in
// every error case the transaction is rolled back.
[[nodiscard]] Result<ImportStats> importPath(store::Store& store, const std::filesystem::path& path,
                                             const ImportOptions& options);

// Imports already-read bytes (one JSON document) named `label`; the caller owns the transaction
// (for tests, fuzzing and callers that fetched the bytes themselves).
[[nodiscard]] Result<ImportStats> importJson(store::Store& store, std::string_view json,
                                             const std::string& label,
                                             const ImportOptions& options);

struct EcosystemStatus {
  std::uint64_t advisories = 0;  // distinct advisories with an affected package here
  std::uint64_t malicious = 0;   // of which MAL- (known-malicious packages)
  std::string newestModified;    // greatest `modified` among them (RFC 3339)
};

struct ImportRecord {
  std::string source;
  std::int64_t at = 0;  // seconds since the epoch
  ImportStats stats;
};

struct DbStatus {
  std::uint64_t advisories = 0;  // all stored, withdrawn included
  std::uint64_t withdrawn = 0;
  std::uint64_t affectedRows = 0;
  std::uint64_t indicators = 0;
  std::map<std::string, EcosystemStatus> ecosystems;  // by ecosystem base name ("Debian")
  std::vector<ImportRecord> lastImports;              // newest first, at most 10
};

[[nodiscard]] Result<DbStatus> status(store::Store& store);

}  // namespace tollgate::vulndb
