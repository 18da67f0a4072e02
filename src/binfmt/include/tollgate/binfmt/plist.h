// Apple property lists (Info.plist), XML or binary ("bplist00"), as a macOS bundle's
// Contents/Info.plist or a Mach-O's embedded __TEXT,__info_plist section carries them: the
// bundle's identity and declared versions. Parsed with Debian's libplist.
//
//   Result<binfmt::BundleInfo> b = binfmt::parseInfoPlist(bytes);
//   if (b) use(b->shortVersion, b->bundleVersion);   // "2.4.1", "2401"
//
// Pure and thread-safe (libplist keeps no shared state), never throws.
#pragma once

#include <cstddef>
#include <span>
#include <string>

#include "tollgate/util/result.h"

namespace tollgate::binfmt {

struct BundleInfo {
  std::string identifier;     // CFBundleIdentifier ("com.example.app")
  std::string name;           // CFBundleName
  std::string executable;     // CFBundleExecutable
  std::string shortVersion;   // CFBundleShortVersionString (the marketing version, "2.4.1")
  std::string bundleVersion;  // CFBundleVersion (the build number)

  // "2.4.1 (2401)", "2.4.1", "2401" or "" when neither version is declared.
  [[nodiscard]] std::string versionText() const;
};

// Errors: kInvalidInput when the bytes are not a property list whose root is a dictionary (at most
// 16 MiB are accepted). Keys that are missing or not strings are left empty.
[[nodiscard]] Result<BundleInfo> parseInfoPlist(std::span<const std::byte> bytes);

}  // namespace tollgate::binfmt
