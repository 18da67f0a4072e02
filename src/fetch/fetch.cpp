#include "tollgate/fetch/fetch.h"

#include <archive.h>
#include <archive_entry.h>
#include <curl/curl.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <system_error>

#include "tollgate/util/c_handle.h"
#include "tollgate/util/file.h"
#include "tollgate/util/json.h"
#include "tollgate/util/strings.h"

namespace tollgate::fetch {

namespace {

using Curl = std::unique_ptr<CURL, CDeleter<&curl_easy_cleanup>>;
using CurlList = std::unique_ptr<curl_slist, CDeleter<&curl_slist_free_all>>;
using Archive = std::unique_ptr<archive, CDeleter<&archive_read_free>>;

namespace fs = std::filesystem;

struct Validators {
  std::string etag;
  std::string lastModified;
  [[nodiscard]] bool empty() const { return etag.empty() && lastModified.empty(); }
};

Validators readValidators(const fs::path& meta) {
  Validators v;
  auto text = readFile(meta, 1 << 16);
  if (!text) return v;
  auto j = nlohmann::json::parse(*text, nullptr, false);
  if (!j.is_object()) return v;
  if (auto it = j.find("etag"); it != j.end() && it->is_string()) v.etag = it->get<std::string>();
  if (auto it = j.find("lastModified"); it != j.end() && it->is_string())
    v.lastModified = it->get<std::string>();
  return v;
}

Status writeValidators(const fs::path& meta, const std::string& url, const Validators& v) {
  nlohmann::json j = {{"url", url}, {"etag", v.etag}, {"lastModified", v.lastModified}};
  return writeFileAtomic(meta, jsonText(j, 2));
}

std::string hostOf(const std::string& url) {
  auto start = url.find("://");
  start = start == std::string::npos ? 0 : start + 3;
  auto end = url.find_first_of("/?#", start);
  return url.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

// State shared with libcurl's callbacks for one transfer.
struct Transfer {
  fs::path part;
  fs::path partMeta;
  std::string url;
  std::uint64_t resumeFrom = 0;
  std::uint64_t maxBytes = 0;
  CURL* curl = nullptr;

  // Headers of the current response (reset on each status line: redirects, 100 Continue).
  Validators validators;
  std::string contentRange;

  bool started = false;  // the first body byte of the final response has been seen
  bool writing = false;  // the body goes into the part (200 or 206)
  bool restarted = false;
  UniqueFd fd;
  std::uint64_t received = 0;
  std::optional<Error> error;  // set when a callback aborts the transfer
};

std::size_t onHeader(char* data, std::size_t size, std::size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  std::string_view line(data, size * n);
  if (startsWith(line, "HTTP/")) {
    t->validators = {};
    t->contentRange.clear();
    return size * n;
  }
  auto colon = line.find(':');
  if (colon == std::string_view::npos) return size * n;
  std::string name = toLower(trim(line.substr(0, colon)));
  std::string value(trim(line.substr(colon + 1)));
  if (name == "etag") t->validators.etag = value;
  if (name == "last-modified") t->validators.lastModified = value;
  if (name == "content-range") t->contentRange = value;
  return size * n;
}

// The first body byte of the final response decides where the body goes.
bool startBody(Transfer* t) {
  t->started = true;
  long status = 0;
  curl_easy_getinfo(t->curl, CURLINFO_RESPONSE_CODE, &status);
  int flags = O_WRONLY | O_CREAT | O_CLOEXEC;
  if (status == 206 && t->resumeFrom > 0) {
    // "bytes N-M/T": the server must continue where the part ends.
    auto expected = "bytes " + std::to_string(t->resumeFrom) + "-";
    if (!startsWith(t->contentRange, expected)) {
      t->error = Error{ErrorCode::kInvalidInput,
                       "server resumed at the wrong offset (Content-Range: " +
                           printable(t->contentRange, 80) + ", expected " + expected + "...)",
                       t->url};
      return false;
    }
    flags |= O_APPEND;
  } else if (status == 200) {
    // A full body: either a fresh download or the server ignored/refused the range (If-Range
    // did not match: the file changed since the part was started).
    flags |= O_TRUNC;
    t->restarted = t->resumeFrom > 0;
    t->resumeFrom = 0;
  } else {
    return true;  // an error page or a 304/416 body: not written anywhere
  }
  t->fd.reset(::open(t->part.c_str(), flags, 0644));
  if (!t->fd) {
    t->error = Error{ErrorCode::kIo, std::string("cannot write: ") + std::strerror(errno),
                     t->part.string()};
    return false;
  }
  t->writing = true;
  // Remember what the part is a prefix of, before the first byte lands in it, so that a run
  // killed at any point can resume.
  if (auto st = writeValidators(t->partMeta, t->url, t->validators); !st) {
    t->error = st.error();
    return false;
  }
  return true;
}

std::size_t onBody(char* data, std::size_t size, std::size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  std::size_t len = size * n;
  if (!t->started && !startBody(t)) return 0;
  if (!t->writing) return len;
  t->received += len;
  if (t->resumeFrom + t->received > t->maxBytes) {
    t->error = Error{ErrorCode::kLimit,
                     "larger than the limit of " + std::to_string(t->maxBytes) + " bytes", t->url};
    return 0;
  }
  std::size_t done = 0;
  while (done < len) {
    ssize_t w = ::write(t->fd.get(), data + done, len - done);
    if (w < 0) {
      if (errno == EINTR) continue;
      t->error = Error{ErrorCode::kIo, std::string("cannot write: ") + std::strerror(errno),
                       t->part.string()};
      return 0;
    }
    done += static_cast<std::size_t>(w);
  }
  return len;
}

std::uint64_t fileSize(const fs::path& p) {
  std::error_code ec;
  auto s = fs::file_size(p, ec);
  return ec ? 0 : s;
}

void removeQuietly(const fs::path& p) {
  std::error_code ec;
  fs::remove(p, ec);
}

Result<DownloadResult> downloadOnce(const std::string& url, const fs::path& dest,
                                    const DownloadOptions& opt, bool allowResume) {
  fs::path part = dest;
  part += ".part";
  fs::path partMeta = dest;
  partMeta += ".part.json";
  fs::path destMeta = dest;
  destMeta += ".json";

  Transfer t;
  t.part = part;
  t.partMeta = partMeta;
  t.url = url;
  t.maxBytes = opt.maxBytes;

  Validators partValidators = readValidators(partMeta);
  std::uint64_t partSize = fileSize(part);
  if (allowResume && partSize > 0 && !partValidators.empty()) {
    t.resumeFrom = partSize;
  } else {
    removeQuietly(part);
    removeQuietly(partMeta);
  }
  Validators destValidators;
  std::error_code ec;
  if (t.resumeFrom == 0 && fs::exists(dest, ec)) destValidators = readValidators(destMeta);

  Curl curl(curl_easy_init());
  if (!curl) return fail(ErrorCode::kInternal, "curl_easy_init failed", url);
  t.curl = curl.get();
  char errbuf[CURL_ERROR_SIZE] = {};
  CurlList headers;
  auto addHeader = [&](const std::string& h) {
    curl_slist* l = curl_slist_append(headers.get(), h.c_str());
    if (l) {
      (void)headers.release();
      headers.reset(l);
    }
  };
  if (t.resumeFrom > 0) {
    addHeader("If-Range: " +
              (!partValidators.etag.empty() ? partValidators.etag : partValidators.lastModified));
  } else {
    if (!destValidators.etag.empty()) addHeader("If-None-Match: " + destValidators.etag);
    if (!destValidators.lastModified.empty())
      addHeader("If-Modified-Since: " + destValidators.lastModified);
  }

  CURL* c = curl.get();
  bool ok = curl_easy_setopt(c, CURLOPT_URL, url.c_str()) == CURLE_OK &&
            curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf) == CURLE_OK &&
            curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https") == CURLE_OK &&
            curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "https") == CURLE_OK &&
            curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L) == CURLE_OK &&
            curl_easy_setopt(c, CURLOPT_MAXREDIRS, 5L) == CURLE_OK &&
            curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L) == CURLE_OK &&
            curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, opt.connectTimeoutSeconds) == CURLE_OK &&
            curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1024L) == CURLE_OK &&
            curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, opt.stallSeconds) == CURLE_OK &&
            curl_easy_setopt(c, CURLOPT_USERAGENT, opt.userAgent.c_str()) == CURLE_OK &&
            curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, &onHeader) == CURLE_OK &&
            curl_easy_setopt(c, CURLOPT_HEADERDATA, &t) == CURLE_OK &&
            curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, &onBody) == CURLE_OK &&
            curl_easy_setopt(c, CURLOPT_WRITEDATA, &t) == CURLE_OK &&
            curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get()) == CURLE_OK;
  // CURLOPT_RANGE rather than RESUME_FROM: libcurl fails a resumed transfer that gets a 200,
  // but a 200 is the server's correct answer to an If-Range that no longer matches.
  std::string range = std::to_string(t.resumeFrom) + "-";
  if (ok && t.resumeFrom > 0) ok = curl_easy_setopt(c, CURLOPT_RANGE, range.c_str()) == CURLE_OK;
  if (ok && !opt.caFile.empty())
    ok = curl_easy_setopt(c, CURLOPT_CAINFO, opt.caFile.c_str()) == CURLE_OK;
  if (!ok) return fail(ErrorCode::kInternal, "libcurl rejected an option", url);

  CURLcode rc = curl_easy_perform(c);
  long status = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  if (t.fd) {
    if (rc == CURLE_OK && ::fsync(t.fd.get()) != 0)
      return fail(ErrorCode::kIo, std::string("fsync: ") + std::strerror(errno), part.string());
    t.fd.reset();
  }
  if (t.error) return std::unexpected(*t.error);
  if (rc != CURLE_OK) {
    std::string why = errbuf[0] ? errbuf : curl_easy_strerror(rc);
    // A timeout before any response (DNS or TCP connect that never answers: a firewall that
    // drops packets, no route) is as offline as a refused connection.
    bool noAnswer = rc == CURLE_OPERATION_TIMEDOUT && status == 0 && !t.started;
    if (rc == CURLE_COULDNT_RESOLVE_HOST || rc == CURLE_COULDNT_CONNECT ||
        rc == CURLE_COULDNT_RESOLVE_PROXY || noAnswer)
      return fail(ErrorCode::kIo, "cannot reach " + hostOf(url) + " (offline?): " + why, url);
    if (rc == CURLE_OPERATION_TIMEDOUT)
      return fail(ErrorCode::kIo,
                  "transfer stalled or timed out (the partial download is kept and resumes "
                  "next time): " +
                      why,
                  url);
    if (rc == CURLE_PEER_FAILED_VERIFICATION || rc == CURLE_SSL_CONNECT_ERROR ||
        rc == CURLE_SSL_CACERT_BADFILE)
      return fail(ErrorCode::kIo, "TLS failure: " + why, url);
    return fail(ErrorCode::kIo, "download failed: " + why, url);
  }

  DownloadResult r;
  r.httpStatus = status;
  r.bytes = t.received;
  if (status == 304) {
    r.notModified = true;
    r.size = fileSize(dest);
    r.etag = destValidators.etag;
    r.lastModified = destValidators.lastModified;
    return r;
  }
  if (status == 416 && t.resumeFrom > 0) {
    // The part is not a prefix of what the server has (it is as long or longer): start over.
    removeQuietly(part);
    removeQuietly(partMeta);
    return fail(ErrorCode::kInvalidInput, "range not satisfiable", url);
  }
  if (status != 200 && status != 206)
    return fail(ErrorCode::kInvalidInput, "HTTP " + std::to_string(status), url);
  if (!t.writing) {
    // An empty 200 body: still a (zero-byte) file.
    UniqueFd fd(::open(part.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
    if (!fd)
      return fail(ErrorCode::kIo, std::string("cannot write: ") + std::strerror(errno),
                  part.string());
  }
  r.resumed = status == 206;
  fs::rename(part, dest, ec);
  if (ec) return fail(ErrorCode::kIo, "cannot rename into place: " + ec.message(), dest.string());
  removeQuietly(partMeta);
  if (auto st = writeValidators(destMeta, url, t.validators); !st)
    return std::unexpected(st.error());
  r.size = fileSize(dest);
  r.etag = t.validators.etag;
  r.lastModified = t.validators.lastModified;
  return r;
}

}  // namespace

GlobalInit::GlobalInit() { curl_global_init(CURL_GLOBAL_DEFAULT); }
GlobalInit::~GlobalInit() { curl_global_cleanup(); }

Result<DownloadResult> download(const std::string& url, const fs::path& dest,
                                const DownloadOptions& options) {
  if (!startsWith(url, "https://") && !startsWith(url, "http://"))
    return fail(ErrorCode::kUsage, "only https:// and http:// URLs can be downloaded",
                printable(url, 200));
  std::error_code ec;
  if (dest.has_parent_path()) fs::create_directories(dest.parent_path(), ec);
  if (ec)
    return fail(ErrorCode::kIo, "cannot create directory: " + ec.message(),
                dest.parent_path().string());
  auto r = downloadOnce(url, dest, options, true);
  if (!r && r.error().message == "range not satisfiable")
    r = downloadOnce(url, dest, options, false);
  return r;
}

std::string osvExportUrl(std::string_view mirror, std::string_view ecosystem) {
  while (!mirror.empty() && mirror.back() == '/') mirror.remove_suffix(1);
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string seg;
  for (unsigned char ch : ecosystem) {
    if (std::isalnum(ch) || std::string_view("-._~:@!$&'()*+,;=").find(static_cast<char>(ch)) !=
                                std::string_view::npos) {
      seg += static_cast<char>(ch);
    } else {
      seg += '%';
      seg += kHex[ch >> 4];
      seg += kHex[ch & 15];
    }
  }
  return std::string(mirror) + "/" + seg + "/all.zip";
}

namespace {

// Reads every member of an opened archive and checks the *.json ones (see verifyOsvZip).
Result<ZipCheck> checkMembers(archive* ar, const std::string& label, std::uint64_t maxMemberBytes) {
  ZipCheck check;
  std::string buf;
  for (;;) {
    archive_entry* e = nullptr;
    int rc = archive_read_next_header(ar, &e);
    if (rc == ARCHIVE_EOF) break;
    if (rc != ARCHIVE_OK && rc != ARCHIVE_WARN) {
      const char* why = archive_error_string(ar);
      return fail(ErrorCode::kInvalidInput,
                  std::string("corrupt zip: ") + (why ? printable(why, 200) : "unreadable header"),
                  label);
    }
    std::string name = printable(archive_entry_pathname(e) ? archive_entry_pathname(e) : "", 200);
    if (archive_entry_filetype(e) != AE_IFREG) continue;
    if (!endsWith(name, ".json")) {
      ++check.otherFiles;
      continue;
    }
    buf.clear();
    char chunk[1 << 16];
    for (;;) {
      la_ssize_t n = archive_read_data(ar, chunk, sizeof chunk);
      if (n == 0) break;
      if (n < 0) {
        const char* why = archive_error_string(ar);
        return fail(ErrorCode::kInvalidInput,
                    name + ": corrupt zip data: " + (why ? printable(why, 200) : "read error"),
                    label);
      }
      if (buf.size() + static_cast<std::size_t>(n) > maxMemberBytes)
        return fail(ErrorCode::kLimit,
                    name + ": member larger than " + std::to_string(maxMemberBytes) + " bytes",
                    label);
      buf.append(chunk, static_cast<std::size_t>(n));
    }
    auto j = nlohmann::json::parse(buf, nullptr, false);
    if (j.is_discarded()) return fail(ErrorCode::kInvalidInput, name + ": not valid JSON", label);
    auto id = j.is_object() ? j.find("id") : j.end();
    if (!j.is_object() || id == j.end() || !id->is_string())
      return fail(ErrorCode::kInvalidInput, name + ": not an OSV advisory (no string \"id\")",
                  label);
    ++check.members;
  }
  if (check.members == 0)
    return fail(ErrorCode::kInvalidInput, "zip holds no OSV advisories (*.json)", label);
  return check;
}

}  // namespace

Result<ZipCheck> verifyOsvZip(const fs::path& zip, std::uint64_t maxMemberBytes) {
  const std::string label = zip.string();
  Archive a(archive_read_new());
  if (!a) return fail(ErrorCode::kInternal, "archive_read_new failed", label);
  archive_read_support_format_zip(a.get());
  if (archive_read_open_filename(a.get(), zip.c_str(), 1 << 20) != ARCHIVE_OK) {
    const char* why = archive_error_string(a.get());
    std::error_code ec;
    if (!fs::exists(zip, ec)) return fail(ErrorCode::kNotFound, "no such file", label);
    return fail(ErrorCode::kInvalidInput,
                std::string("not a readable zip archive: ") + (why ? why : "unknown error"), label);
  }
  return checkMembers(a.get(), label, maxMemberBytes);
}

Result<ZipCheck> verifyOsvZipBytes(std::string_view bytes, const std::string& label,
                                   std::uint64_t maxMemberBytes) {
  Archive a(archive_read_new());
  if (!a) return fail(ErrorCode::kInternal, "archive_read_new failed", label);
  archive_read_support_format_zip(a.get());
  if (archive_read_open_memory(a.get(), bytes.data(), bytes.size()) != ARCHIVE_OK) {
    const char* why = archive_error_string(a.get());
    return fail(ErrorCode::kInvalidInput,
                std::string("not a readable zip archive: ") + (why ? why : "unknown error"), label);
  }
  return checkMembers(a.get(), label, maxMemberBytes);
}

}  // namespace tollgate::fetch
