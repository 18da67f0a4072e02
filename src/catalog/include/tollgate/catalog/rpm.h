// Pure parsers of RPM metadata: the header structure (as stored in every rpmdb and in .rpm
// files), the Berkeley DB hash file of old rpmdbs (var/lib/rpm/Packages), the ndb package file
// (var/lib/rpm/Packages.db) and the start of a .rpm package file.
//
//   Result<rpm::Package> p = rpm::parseHeaderBlob(blob);            // one rpmdb record
//   Result<rpm::Package> f = rpm::parseRpmFile(bytes);              // lead + signature + header
//   Result<rpm::DbRecords> db = rpm::readBdbPackages(fileBytes);    // then parseHeaderBlob each
//   Result<rpm::DbRecords> nd = rpm::readNdbPackages(fileBytes);
//
// Bytes in, structs out: nothing here touches the filesystem. Every function is pure,
// thread-safe and never throws; every offset and count read from the input is bounds-checked,
// and malformed input is a kInvalidInput error (kUnsupported for valid but unhandled variants,
// such as an encrypted Berkeley DB).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tollgate/util/result.h"

namespace tollgate::catalog::rpm {

// Largest header accepted (rpm's own limits: 64 Ki index entries, 256 MiB of data).
inline constexpr std::uint32_t kMaxIndexEntries = 0xffff;
inline constexpr std::uint32_t kMaxDataLength = 0x0fffffff;

struct File {
  std::string path;         // dirnames[dirindex] + basename (or OLDFILENAMES)
  std::string digest;       // FILEDIGESTS entry, lower-case hex; "" for directories and links
  std::uint16_t mode = 0;   // st_mode bits (FILEMODES); 0 when the header has none
  std::uint64_t size = 0;   // FILESIZES / LONGFILESIZES
  std::uint32_t flags = 0;  // FILEFLAGS (RPMFILE_CONFIG 1, _DOC 2, _GHOST 64, ...)
  [[nodiscard]] bool isDirectory() const { return (mode & 0170000) == 0040000; }
  [[nodiscard]] bool isGhost() const { return (flags & 64) != 0; }
};

struct Package {
  std::string name;                    // NAME (1000); never empty in a parsed package
  std::string version;                 // VERSION (1001)
  std::string release;                 // RELEASE (1002)
  std::optional<std::uint32_t> epoch;  // EPOCH (1003), absent when the header has none
  std::string summary;                 // SUMMARY (1004), first of an i18n string array
  std::string license;                 // LICENSE (1014)
  std::string vendor;                  // VENDOR (1011)
  std::string packager;                // PACKAGER (1015)
  std::string distribution;            // DISTRIBUTION (1010)
  std::string url;                     // URL (1020)
  std::string arch;                    // ARCH (1022); "" for gpg-pubkey pseudo-packages
  std::string sourceRpm;  // SOURCERPM (1044): "bash-5.2.15-1.fc39.src.rpm"; "" for source rpms
  std::string modularityLabel;      // MODULARITYLABEL (5096)
  std::uint64_t installedSize = 0;  // SIZE (1009) / LONGSIZE (5009)
  // FILEDIGESTALGO (5011) in CycloneDX spelling: "MD5" (rpm's default when absent), "SHA-1",
  // "SHA-256", "SHA-384", "SHA-512"; "" for an algorithm tollgate does not know.
  std::string digestAlgorithm = "MD5";
  std::vector<std::string> provides;   // PROVIDENAME (1047), as written: "libc.so.6()(64bit)"
  std::vector<std::string> requires_;  // REQUIRENAME (1049): names, files ("/bin/sh"), rpmlib(...)
  std::vector<File> files;
  // Facts of a .rpm file's signature header (parseRpmFile only).
  std::string headerSha256;    // RPMSIGTAG_SHA256 (273): hex digest of the main header
  bool signedPackage = false;  // an RSA/DSA/PGP/GPG signature is present
  bool sourcePackage = false;  // the lead says so (parseRpmFile) or SOURCEPACKAGE (1106) is set

  // "version-release", with "epoch:" in front when an epoch is set.
  [[nodiscard]] std::string evr() const;
};

// A header blob as stored in an rpmdb: int32 index count, int32 data length (both big-endian),
// 16-byte index entries {tag, type, offset, count}, then the data store. A blob that starts with
// the header magic (8e ad e8 01 + 4 reserved bytes) is accepted too. Trailing bytes are ignored.
// Errors: kInvalidInput naming the first violation (sizes over the limits or beyond the blob, an
// entry whose data lies outside the store, a string without its terminating NUL, file arrays of
// inconsistent lengths, no NAME tag).
[[nodiscard]] Result<Package> parseHeaderBlob(std::string_view blob);

// A .rpm package file (or its first part: the payload is never read): 96-byte lead (magic
// ed ab ee db), signature header (padded to a multiple of 8 bytes), main header. Errors:
// kInvalidInput for a bad lead or either header being malformed or truncated.
[[nodiscard]] Result<Package> parseRpmFile(std::string_view bytes);

struct DbRecord {
  std::uint32_t key = 0;  // header instance number
  std::string blob;       // header blob for parseHeaderBlob()
};

struct DbRecords {
  std::vector<DbRecord> records;  // ordered by key
  // Records or pages that could not be read (skipped): context = label, offset = file offset.
  std::vector<Error> warnings;
};

// The Berkeley DB hash database rpm used until 4.16 (var/lib/rpm/Packages), read page by page:
// metadata page 0 (either byte order; hash versions 8 to 10), hash pages (sorted and the old
// unsorted kind) holding key/data pairs, overflow page chains holding the header blobs. Keys
// are 4-byte instance numbers; key 0 (rpm's bookkeeping record) is skipped. Errors:
// kInvalidInput when page 0 is not a hash metadata page with a sane page size; kUnsupported for
// an encrypted or checksummed database.
[[nodiscard]] Result<DbRecords> readBdbPackages(std::string_view file, const std::string& label);

// rpm's ndb package database (var/lib/rpm/Packages.db, rpm >= 4.15 on SUSE): a 32-byte header
// ("RpmP"), slot pages of 16-byte slots ("Slot", instance, block offset, block count) and blobs
// in 16-byte blocks framed by "BlbS" and "BlbE" with an Adler-32 checksum, which is verified.
// Errors: kInvalidInput when the header or the slot pages are malformed; a bad blob is a warning.
[[nodiscard]] Result<DbRecords> readNdbPackages(std::string_view file, const std::string& label);

// "bash-5.2.15-1.fc39.src.rpm" -> {"bash", "5.2.15-1.fc39"}; nullopt when it is not of that form.
struct SourceRpm {
  std::string name;
  std::string versionRelease;
};
[[nodiscard]] std::optional<SourceRpm> splitSourceRpm(std::string_view sourceRpm);

// The purl namespace a vendor string suggests ("Fedora Project" -> "fedora", "Red Hat, Inc." ->
// "redhat", "openSUSE" -> "opensuse"); "" when it suggests none.
[[nodiscard]] std::string namespaceFromVendor(std::string_view vendor);

}  // namespace tollgate::catalog::rpm
