// tollgate verify: the files of an installed system against its package records.
//
//   auto root = RootDir::open("/");
//   Diagnostics diag;
//   Result<InstalledCheck> r = integrity::verifyInstalled(*root, VerifyOptions{}, diag);
//   for (const report::Finding& f : r->findings) print(f.id, f.subject);
//
// Records read: dpkg's var/lib/dpkg/info/*.md5sums (MD5 of every packaged file but conffiles)
// and the Conffiles field of var/lib/dpkg/status; rpm's database (rpmdb.sqlite, Packages as
// Berkeley DB or NDB) file digests; Python RECORD files (*.dist-info/RECORD, SHA-256) under
// site-packages and dist-packages. Finding ids: package-file-modified, package-file-missing,
// conffile-modified, conffile-missing, unowned-executable (an executable or shared library in a
// system path that no record owns). Paths resolve inside the root (symlinks never leave it), so a
// mounted image or a debootstrap root is checked the same way as "/".
#pragma once

#include <string>
#include <vector>

#include "tollgate/report/finding.h"
#include "tollgate/util/diagnostics.h"
#include "tollgate/util/file.h"
#include "tollgate/util/progress.h"
#include "tollgate/util/result.h"

namespace tollgate::integrity {

struct VerifyOptions {
  // Where an executable nobody owns is a finding (in-root directories, walked recursively).
  std::vector<std::string> systemPaths = {
      "/usr/bin",        "/usr/sbin", "/usr/libexec", "/usr/lib", "/usr/local/bin",
      "/usr/local/sbin", "/bin",      "/sbin",        "/lib",     "/lib64"};
  bool unowned = true;
  unsigned threads = 0;
  // Walking and digest progress (tollgate verify draws it when stderr is a terminal); may be null.
  Progress* progress = nullptr;
};

struct InstalledCheck {
  std::vector<report::Finding> findings;  // sorted: severity, then subject
  std::size_t packages = 0;               // packages whose records were read
  std::size_t filesChecked = 0;           // digests compared
  std::vector<std::string> sources;       // "dpkg", "rpm", "python"
};

// Errors: only an unreadable root; unreadable records become warnings in `diag`.
[[nodiscard]] Result<InstalledCheck> verifyInstalled(const RootDir& root, const VerifyOptions& opts,
                                                     Diagnostics& diag);

}  // namespace tollgate::integrity
