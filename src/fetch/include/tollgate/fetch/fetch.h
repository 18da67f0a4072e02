// Resumable HTTPS downloads (libcurl) and the check of osv.dev's per-ecosystem all.zip exports.
//
//   fetch::DownloadOptions opt{.caFile = args.caFile};
//   Result<fetch::DownloadResult> r = fetch::download(
//       fetch::osvExportUrl(mirror, "npm"), cacheDir / "npm" / "all.zip", opt);
//   if (!r) { printError(env, r.error().describe()); return 2; }   // offline, HTTP errors, ...
//   if (!r->notModified) { auto n = fetch::verifyOsvZip(cacheDir / "npm" / "all.zip"); ... }
//
// download(url, dest):
//   - writes into "<dest>.part" and renames it to dest only once the transfer is complete, so
//     dest is never a half-written file;
//   - resumes: when "<dest>.part" exists from an interrupted run, asks only for the rest
//     (Range: bytes=N-) with If-Range naming the validator (ETag, else Last-Modified) the part was
//     started with, kept in "<dest>.part.json"; a server that answers 200 instead of 206 (the
//     file changed, or no range support) restarts the part from zero;
//   - asks conditionally when dest exists: If-None-Match with its ETag and If-Modified-Since with
//     its Last-Modified (kept in "<dest>.json"); a 304 leaves dest alone (notModified);
//   - follows redirects to HTTPS only; http:// and https:// URLs are accepted (a plain-HTTP
//     mirror on a trusted network), file:// and others are not.
// Errors name the URL: kIo "cannot reach HOST (offline?): <curl's reason>" when the host cannot be
// resolved or connected to; kIo for TLS failures, timeouts, local write errors; kInvalidInput for
// HTTP statuses other than 200/206/304 ("HTTP 404"); kLimit past maxBytes; kUsage for unsupported
// URL schemes. The object is not shared: each call makes its own CURL handle (thread-safe as long
// as libcurl was initialised, which curl_easy_init does on first use; GlobalInit does it up front).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "tollgate/util/result.h"

namespace tollgate::fetch {

// Process-wide libcurl initialisation (curl_global_init / curl_global_cleanup): one object, made
// early in main or a command, before any thread starts transfers.
class GlobalInit {
 public:
  GlobalInit();
  ~GlobalInit();
  GlobalInit(const GlobalInit&) = delete;
  GlobalInit& operator=(const GlobalInit&) = delete;
};

struct DownloadOptions {
  std::string caFile{};                 // extra CA bundle (PEM) instead of the system's
  long connectTimeoutSeconds = 20;      // per connection attempt
  long stallSeconds = 60;               // abort when under 1 KiB/s for this long
  std::uint64_t maxBytes = 8ull << 30;  // refuse larger files
  std::string userAgent = "tollgate";
};

struct DownloadResult {
  bool notModified = false;  // 304: dest was already current and is unchanged
  bool resumed = false;      // the transfer continued an earlier .part
  std::uint64_t bytes = 0;   // bytes received in this call
  std::uint64_t size = 0;    // size of dest afterwards
  long httpStatus = 0;       // of the final response
  std::string etag{};        // validators of dest, as the server sent them
  std::string lastModified{};
};

[[nodiscard]] Result<DownloadResult> download(const std::string& url,
                                              const std::filesystem::path& dest,
                                              const DownloadOptions& options);

// The default mirror of osv.dev's exports.
inline constexpr std::string_view kDefaultOsvMirror =
    "https://osv-vulnerabilities.storage.googleapis.com";

// "<mirror>/<ecosystem>/all.zip", with the ecosystem name percent-encoded as a path segment
// ("Debian:12" stays readable, spaces become %20); a trailing '/' on the mirror is ignored.
[[nodiscard]] std::string osvExportUrl(std::string_view mirror, std::string_view ecosystem);

struct ZipCheck {
  std::uint64_t members = 0;     // JSON members, each parsed
  std::uint64_t otherFiles = 0;  // members that are not *.json (ignored)
};

// Checks that `zip` is a readable zip archive whose *.json members are each a JSON object with a
// string "id" (an OSV advisory), reading every byte (so CRC errors and truncation show). Errors:
// kInvalidInput naming the file and the member ("all.zip: GHSA-x.json: not valid JSON ..."), also
// for an archive without any advisory; kIo when it cannot be read; kLimit for a member over
// maxMemberBytes.
[[nodiscard]] Result<ZipCheck> verifyOsvZip(const std::filesystem::path& zip,
                                            std::uint64_t maxMemberBytes = 256ull << 20);

// The same check on bytes in memory (for fuzzing and callers that hold the export); `label`
// names it in errors.
[[nodiscard]] Result<ZipCheck> verifyOsvZipBytes(std::string_view bytes, const std::string& label,
                                                 std::uint64_t maxMemberBytes = 256ull << 20);

}  // namespace tollgate::fetch
