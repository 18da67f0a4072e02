// tollgate classify [FILE...|-]: personal data and secrets in files or standard input.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <utility>

#include "commands.h"
#include "tollgate/classify/decode.h"
#include "tollgate/classify/scanner.h"
#include "tollgate/util/c_handle.h"
#include "tollgate/util/file.h"
#include "tollgate/util/json.h"
#include "tollgate/util/progress.h"
#include "tollgate/util/strings.h"

namespace tollgate::cli {
namespace {

struct ClassifyArgs {
  std::vector<std::string> inputs;
  std::string format = "table";
  std::vector<std::string> detectorFiles;
  std::string failOn;
  std::string contentEncoding;
  std::string contentType;
  bool showValues = false;
  bool noDecode = false;
  unsigned maxDepth = 4;
  bool listDetectors = false;
  bool countOnly = false;
  bool quiet = false;
};

// Bytes read at a time, and so the scanner's round: 256 KiB keeps a round in L2 across the
// passes over it (Hyperscan, digit runs, colon pairs, '@'); 5-7% faster than 1 MiB. Matches do
// not depend on it.
constexpr std::size_t kChunk = 256 << 10;

std::optional<classify::Severity> parseSeverity(std::string_view s) {
  using classify::Severity;
  for (auto v :
       {Severity::kInfo, Severity::kLow, Severity::kMedium, Severity::kHigh, Severity::kCritical})
    if (classify::toString(v) == s) return v;
  return std::nullopt;
}

std::string fixed2(double v) {
  char b[16];
  std::snprintf(b, sizeof b, "%.2f", v);
  return b;
}

nlohmann::ordered_json matchJson(const classify::Match& m, bool showValues) {
  nlohmann::ordered_json o;
  o["detector"] = m.detector;
  o["class"] = std::string(classify::toString(m.cls));
  o["severity"] = std::string(classify::toString(m.severity));
  o["start"] = m.start;
  o["end"] = m.end;
  o["score"] = std::round(m.score * 100) / 100;
  o["decoding"] = m.decoding;
  o["masked"] = classify::mask(m.value);
  // The raw value only on request; invalid UTF-8 is replaced so the JSON stays valid.
  if (showValues) o["value"] = printable(m.value, 4096);
  return o;
}

std::string tableRow(const classify::Match& m, bool showValues) {
  char line[512];
  std::string sample = showValues ? printable(m.value, 120) : classify::mask(m.value);
  std::snprintf(line, sizeof line, "  %-12llu %-12llu %-16s %-9s %5s  %-16s ",
                static_cast<unsigned long long>(m.start), static_cast<unsigned long long>(m.end),
                m.detector.c_str(), std::string(classify::toString(m.severity)).c_str(),
                fixed2(m.score).c_str(), m.decoding.empty() ? "-" : m.decoding.c_str());
  return line + sample + '\n';
}

// Prints one input's matches as the scanner reports them, so memory stays bounded however many
// there are. Up to kHeld matches are held back, so that a short list prints after its summary
// (counts first); past that the list streams and the summary follows it: in a table as a last
// line, in JSON as the "bytes" and "counts" members after "matches".
class InputPrinter {
 public:
  static constexpr std::size_t kHeld = 1000;

  InputPrinter(std::ostream& out, std::string name, bool json, bool showValues, bool countOnly)
      : out_(out), name_(std::move(name)), json_(json), show_(showValues), countOnly_(countOnly) {}
  InputPrinter(const InputPrinter&) = delete;  // lastDetector_ points into byDetector_
  InputPrinter& operator=(const InputPrinter&) = delete;

  // Takes the matches out of `ms` (left empty).
  void add(std::vector<classify::Match>& ms) {
    for (auto& m : ms) {
      // Matches come in runs of one detector (e-mail addresses, mostly): the last counter is
      // tried before a lookup in the map.
      if (lastDetector_ == byDetector_.end() || lastDetector_->first != m.detector)
        lastDetector_ = byDetector_.try_emplace(m.detector, 0).first;
      ++lastDetector_->second;
      ++byClassId_[static_cast<std::size_t>(m.cls)];
      ++total_;
      if (!maxSeverity_ || m.severity > *maxSeverity_) maxSeverity_ = m.severity;
      if (countOnly_) continue;
      if (streaming_) {
        emit(m);
      } else {
        held_.push_back(std::move(m));
        if (held_.size() > kHeld) startStreaming();
      }
    }
    ms.clear();
    if (streaming_) out_.flush();
  }

  // Ends the input. `error` (already reported on stderr) closes a list that was streaming.
  void finish(std::uint64_t bytes, const std::string& error = {}) {
    if (!streaming_) {
      if (!error.empty()) return;  // nothing printed yet: the error line says it all
      json_ ? summaryJson(bytes, true) : summaryTable(bytes, true);
      return;
    }
    if (json_) {
      out_ << "],\"bytes\":" << bytes
           << ",\"counts\":" << jsonText(nlohmann::ordered_json(byDetector_));
      if (!error.empty()) out_ << ",\"error\":" << jsonText(nlohmann::ordered_json(error));
      out_ << "}\n";
    } else {
      if (!error.empty()) out_ << name_ << ": stopped: " << error << '\n';
      summaryTable(bytes, false);
    }
  }

  [[nodiscard]] std::optional<classify::Severity> maxSeverity() const { return maxSeverity_; }

 private:
  void startStreaming() {
    streaming_ = true;
    if (json_) {
      out_ << "{\"input\":" << jsonText(nlohmann::ordered_json(name_)) << ",\"matches\":[";
    } else {
      out_ << name_ << ": more than " << kHeld
           << " matches, listed as found (summary at the end)\n";
      header();
    }
    for (const auto& m : held_) emit(m);
    held_.clear();
    held_.shrink_to_fit();
  }

  void emit(const classify::Match& m) {
    if (json_) {
      out_ << (first_ ? "" : ",") << jsonText(matchJson(m, show_));
      first_ = false;
    } else {
      out_ << tableRow(m, show_);
    }
  }

  void header() {
    char line[256];
    std::snprintf(line, sizeof line, "  %-12s %-12s %-16s %-9s %5s  %-16s %s\n", "START", "END",
                  "DETECTOR", "SEVERITY", "SCORE", "DECODING", show_ ? "VALUE" : "SAMPLE");
    out_ << line;
  }

  void summaryJson(std::uint64_t bytes, bool withList) {
    nlohmann::ordered_json j;
    j["input"] = name_;
    j["bytes"] = bytes;
    j["counts"] = byDetector_;
    auto& arr = j["matches"] = nlohmann::ordered_json::array();
    if (withList)
      for (const auto& m : held_) arr.push_back(matchJson(m, show_));
    out_ << jsonText(j) << '\n';
  }

  void summaryTable(std::uint64_t bytes, bool withList) {
    out_ << name_ << ": " << bytes << " bytes, " << total_ << " matches";
    for (std::size_t c = 0; c < byClassId_.size(); ++c)
      if (byClassId_[c])
        byClass_[std::string(classify::toString(static_cast<classify::DetectorClass>(c)))] +=
            std::exchange(byClassId_[c], 0);
    if (!byClass_.empty()) {
      out_ << " (";
      bool first = true;
      for (const auto& [k, v] : byClass_) {
        out_ << (first ? "" : ", ") << k << " " << v;
        first = false;
      }
      out_ << ")";
    }
    out_ << '\n';
    if (total_ == 0) return;
    out_ << "  counts:";
    for (const auto& [k, v] : byDetector_) out_ << ' ' << k << '=' << v;
    out_ << '\n';
    if (!withList || countOnly_) return;
    header();
    for (const auto& m : held_) out_ << tableRow(m, show_);
  }

  std::ostream& out_;
  std::string name_;
  bool json_, show_, countOnly_;
  std::map<std::string, std::size_t> byDetector_;
  std::map<std::string, std::size_t>::iterator lastDetector_ = byDetector_.end();
  std::map<std::string, std::size_t> byClass_;
  std::array<std::size_t, 3> byClassId_{};  // counted per DetectorClass, named in summaryTable
  std::size_t total_ = 0;
  std::optional<classify::Severity> maxSeverity_;
  std::vector<classify::Match> held_;
  bool streaming_ = false;
  bool first_ = true;
};

// Scans one input in chunks, handing matches to `printer` as they are found; errors name the
// input. Returns the bytes scanned.
Result<std::uint64_t> scanInput(const std::string& name,
                                const std::shared_ptr<const classify::Database>& db,
                                const classify::ScanOptions& opt, Progress& progress,
                                InputPrinter& printer, std::uint64_t& scanned) {
  UniqueFd owned;
  int fd = STDIN_FILENO;
  if (name != "-") {
    owned.reset(::open(name.c_str(), O_RDONLY | O_CLOEXEC));
    if (!owned)
      return fail(ErrorCode::kIo, std::string("cannot open: ") + std::strerror(errno), name);
    struct stat st {};
    if (::fstat(owned.get(), &st) == 0 && S_ISDIR(st.st_mode))
      return fail(ErrorCode::kInvalidInput, "is a directory (give files, or '-' for stdin)", name);
    fd = owned.get();
  }
  auto scanner = classify::Scanner::open(db, opt);
  if (!scanner) return std::unexpected(scanner.error().within(name));
  std::vector<classify::Match> found;
  // Read straight into the scanner's buffer (prepare/commit): one copy, by the kernel. (Mapping
  // the file measured slower: page faults and unmapping cost more than the copy they save.)
  for (;;) {
    auto room = scanner->prepare(kChunk);
    ssize_t n = 0;
    do n = ::read(fd, room.data(), room.size());
    while (n < 0 && errno == EINTR);
    if (n < 0)
      return fail(ErrorCode::kIo, std::string("read error: ") + std::strerror(errno), name);
    scanned = scanner->bytes();
    auto st = scanner->commit(static_cast<std::size_t>(n), found);
    printer.add(found);
    scanned = scanner->bytes();
    if (!st) return std::unexpected(st.error().within(name));
    if (n == 0) break;
    progress.tick(static_cast<std::uint64_t>(n));
  }
  auto st = scanner->finish(found);
  printer.add(found);
  if (!st) return std::unexpected(st.error().within(name));
  return scanner->bytes();
}

// Compiled detector databases are kept in $XDG_CACHE_HOME/tollgate/classify (or
// ~/.cache/tollgate/classify): start-up is then a read instead of a Hyperscan compile.
std::filesystem::path cacheDir() {
  if (const char* x = std::getenv("XDG_CACHE_HOME"); x && *x == '/')
    return std::filesystem::path(x) / "tollgate" / "classify";
  if (const char* h = std::getenv("HOME"); h && *h == '/')
    return std::filesystem::path(h) / ".cache" / "tollgate" / "classify";
  return {};
}

Result<std::shared_ptr<const classify::Database>> loadDatabase(const ClassifyArgs& a) {
  auto defs = classify::shippedDetectors();
  if (!defs) return std::unexpected(defs.error());
  for (const auto& f : a.detectorFiles) {
    auto text = readFile(f, 16 << 20);
    if (!text) return std::unexpected(text.error());
    auto extra = classify::parseDetectors(*text, f);
    if (!extra) return std::unexpected(extra.error());
    classify::mergeDetectors(*defs, std::move(*extra));
  }
  auto db = classify::Database::compileCached(*defs, cacheDir());
  if (!db && !a.detectorFiles.empty())
    return std::unexpected(db.error().within(a.detectorFiles.back()));
  return db;
}

int runClassify(ClassifyArgs a, const Env& env) {
  if (a.format != "table" && a.format != "json") {
    printError(env, "usage: --format must be table or json, not '" + printable(a.format, 32) + "'");
    return 2;
  }
  std::optional<classify::Severity> failOn;
  if (!a.failOn.empty()) {
    failOn = parseSeverity(a.failOn);
    if (!failOn) {
      printError(env, "usage: --fail-on must be info, low, medium, high or critical");
      return 2;
    }
  }
  if (!a.contentEncoding.empty() && a.contentEncoding != "identity" &&
      !classify::compressionFromName(a.contentEncoding)) {
    printError(env, "usage: --content-encoding must be gzip, deflate, br, zstd or identity");
    return 2;
  }
  auto db = loadDatabase(a);
  if (!db) {
    printError(env, db.error().describe());
    return exitCodeFor(db.error().code);
  }
  if (a.listDetectors && a.format == "json") {
    // The definitions in use as data (what a peer tool needs to run the same patterns).
    auto list = nlohmann::ordered_json::array();
    for (const auto& d : (*db)->detectors()) {
      nlohmann::ordered_json o;
      o["id"] = d.id;
      o["variant"] = d.variant;
      o["class"] = classify::toString(d.cls);
      o["severity"] = classify::toString(d.severity);
      o["validator"] = classify::toString(d.validator);
      o["trigger"] = classify::toString(d.trigger);
      o["pattern"] = d.pattern;
      o["caseless"] = d.caseless;
      o["words"] = d.words;
      if (d.validator == classify::Validator::kWordList) o["min_words"] = d.minWords;
      o["context"] = d.context;
      o["context_required"] = d.contextRequired;
      o["window"] = d.window;
      o["score"] = d.score;
      o["priority"] = d.priority;
      list.push_back(std::move(o));
    }
    *env.out << jsonText(list, 2) << '\n';
    return 0;
  }
  if (a.listDetectors) {
    for (const auto& d : (*db)->detectors()) {
      char line[256];
      std::snprintf(line, sizeof line, "%-16s %-14s %-9s %-9s %s\n", d.id.c_str(),
                    d.variant.empty() ? "-" : d.variant.c_str(),
                    std::string(classify::toString(d.cls)).c_str(),
                    std::string(classify::toString(d.severity)).c_str(),
                    std::string(classify::toString(d.validator)).c_str());
      *env.out << line;
    }
    return 0;
  }
  if (a.inputs.empty()) a.inputs.emplace_back("-");
  classify::ScanOptions opt;
  opt.contentEncoding = a.contentEncoding;
  opt.contentType = a.contentType;
  opt.decode = !a.noDecode;
  opt.maxDepth = a.maxDepth;
  opt.maxDecodedBytes = 16ull << 30;  // a file on disk is not a network peer; bound it loosely

  Progress progress(env.stderrIsTerminal && !a.quiet);
  progress.setPhase("classify");
  int rc = 0;
  bool findings = false;
  for (const auto& name : a.inputs) {
    InputPrinter printer(*env.out, name, a.format == "json", a.showValues, a.countOnly);
    std::uint64_t scanned = 0;
    auto r = scanInput(name, *db, opt, progress, printer, scanned);
    if (!r) {
      progress.done();
      printError(env, r.error().describe());
      printer.finish(scanned, r.error().describe());
      env.out->flush();
      rc = std::max(rc, exitCodeFor(r.error().code));
      continue;
    }
    printer.finish(*r);
    env.out->flush();
    if (failOn && printer.maxSeverity() && *printer.maxSeverity() >= *failOn) findings = true;
  }
  progress.done();
  if (rc) return rc;
  return findings ? 1 : 0;
}

}  // namespace

Action addClassifyCommand(CLI::App& app, const Env& env) {
  auto args = std::make_shared<ClassifyArgs>();
  auto* cmd = app.add_subcommand(
      "classify",
      "Find personal data and secrets in files or stdin (e-mail, phone, cards, IBAN, SSN, keys, "
      "tokens, ...), looking through gzip/brotli/zstd, URL, JSON, base64 and multipart encodings");
  cmd->add_option("FILE", args->inputs, "Files to scan; '-' or none for standard input");
  cmd->add_option("-f,--format", args->format, "table (default) or json (one object per input)")
      ->capture_default_str();
  cmd->add_option("--detectors", args->detectorFiles,
                  "YAML file of extra or replacing detectors (repeatable; see docs/classify.md)")
      ->allow_extra_args(false);
  cmd->add_flag("--show-values", args->showValues,
                "Print the raw matched values (masked otherwise; never stored)");
  cmd->add_option("--fail-on", args->failOn,
                  "Exit 1 when a match of this severity or higher is found "
                  "(info, low, medium, high, critical)");
  cmd->add_option("--content-encoding", args->contentEncoding,
                  "Content-Encoding of every input: gzip, deflate, br, zstd, identity "
                  "(default: sniff gzip/zstd/zlib)");
  cmd->add_option("--content-type", args->contentType,
                  "Content-Type of every input, e.g. 'multipart/form-data; boundary=X' or "
                  "application/x-www-form-urlencoded");
  cmd->add_flag("--no-decode", args->noDecode, "Match the bytes as they are, decode nothing");
  cmd->add_option("--max-depth", args->maxDepth, "Nested decodings to follow (default 4)")
      ->check(CLI::Range(0, 16));
  cmd->add_flag("-c,--count", args->countOnly,
                "Counts per detector and class only, no list of matches (\"matches\" is empty)");
  cmd->add_flag("--list-detectors", args->listDetectors, "List the detectors in use and exit");
  cmd->add_flag("-q,--quiet", args->quiet, "No progress on stderr");
  return [args, &env] { return runClassify(*args, env); };
}

}  // namespace tollgate::cli
